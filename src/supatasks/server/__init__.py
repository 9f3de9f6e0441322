"""Servers and programs: the embedded local PostgreSQL, the Supabase bootstrap and extension stand-ins,
database administration (create, copy, rename), pg_dump/psql/pg_restore, the real Supabase CLI.
Imports only the top level (errors, programs, connection, project).

- local_server.py, bootstrap.py (sql/bootstrap.sql, sql/extensions/), stand_ins.py (the stand-ins line),
  database_admin.py, pg_tools.py,
  supabase_cli.py
"""

from ..lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "local_server": ["LocalServer", "embedded_bin_dir"],
    "bootstrap": ["apply_bootstrap", "ensure_bootstrapped", "server_settings"],
    "pg_tools": ["find_tool", "connection_args"],
    "supabase_cli": ["ENGINES", "require_engine", "migration_up", "db_reset", "db_push"],
})
