"""Tasks that talk SQL to a profile directly: psql, exec, reload-schema."""

from __future__ import annotations

from .edge import db_task
from .help import CONFIRM_HELP, ENV_HELP, YES_HELP


@db_task(help={"env": ENV_HELP})
def psql(c, env=None):
    """Open an interactive psql on a profile (password via the environment, never the command line)."""
    from .. import programs
    from ..project import find_project
    from ..server import pg_tools
    from ..target import open_target

    target = open_target(find_project(), env)
    tool = pg_tools.find_tool("psql")
    code = programs.run_interactive(tool, pg_tools.connection_args(target.db), env=target.db.libpq_env())
    if code:
        from invoke import Exit
        raise Exit(code=code)


@db_task(help={"file": "The SQL file to run.", "env": ENV_HELP, "yes": YES_HELP, "confirm": CONFIRM_HELP})
def exec(c, file, env=None, yes=False, confirm=None):
    """Run an ad-hoc SQL file in one transaction, with confirmation and an audit row."""
    from pathlib import Path

    from ..confirmation import Consent, confirm_write
    from ..migrations.exec import execute_file
    from ..project import find_project
    from ..target import open_target
    from .console import out

    target = open_target(find_project(), env)
    confirm_write(target.profile, f"{target.header()}\nRun {file} in one transaction",
                  Consent(yes, confirm), say=out)
    count = execute_file(target, Path(file))
    out(f"ran {count} statement(s) from {file} on {target.describe()}")


@db_task(help={"env": ENV_HELP})
def reload_schema(c, env=None):
    """Tell PostgREST to reload its schema cache (NOTIFY pgrst, 'reload schema')."""
    from ..migrations.exec import reload_schema as notify
    from ..project import find_project
    from ..target import open_target
    from .console import out

    target = open_target(find_project(), env)
    notify(target)
    out(f"sent NOTIFY pgrst, 'reload schema' to {target.describe()}")
