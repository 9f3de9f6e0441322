"""Migrations: the files, their plan against the CLI's history table, applying them, push, seeds.
Imports sqltext/ and server/ (and, for the lint gate before a push, checks/lint.py).

- files.py (scan, names, down files), new.py (db.new), layout.py (db.fix-layout), plan.py (pending, drift),
  history.py (supabase_migrations.schema_migrations and seed_files), lock.py (the advisory lock)
- runner.py (files and history rows applied together, in pipelined groups), executor.py (statements run,
  failures named), watchdog.py (a stalled pipeline), sqlerrors.py
- up.py (db.up, db.status), push.py (db.push), repair.py, seeds.py, exec.py (db.exec, reload-schema)
- downs.py (the down SQL recorded at apply time on the local profile), sync.py (db.sync)
"""

from ..lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "files": ["MigrationFile", "scan_migrations", "down_file_for", "DOWN_SUFFIX"],
    "runner": ["PreparedMigration", "prepare", "apply_migrations"],
    "executor": ["SessionSettings", "execute_statements", "executable"],
    "up": ["migrate_up", "migration_status", "session_settings"],
    "push": ["plan_push", "run_push", "apply_push"],
    "seeds": ["seed_files", "run_seeds"],
    "lock": ["migration_lock"],
    "sync": ["plan_sync", "sync_local"],
})
