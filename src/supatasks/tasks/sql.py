"""Tasks that talk SQL to a profile directly: psql, exec, reload-schema."""

from __future__ import annotations

from .edge import db_task
from .help import CONFIRM_HELP, DRY_RUN_HELP, ENV_HELP, JSON_HELP, YES_HELP


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


@db_task(help={"file": "The SQL file to run.", "env": ENV_HELP, "yes": YES_HELP, "confirm": CONFIRM_HELP,
               "dry_run": DRY_RUN_HELP + " (with the data the file would destroy)", "json": JSON_HELP})
def exec(c, file, env=None, yes=False, confirm=None, dry_run=False, json=False):
    """Run an ad-hoc SQL file in one transaction, with confirmation and an audit row."""
    from pathlib import Path

    from ..confirmation import Consent, confirm_write
    from ..migrations.exec import execute_file, plan_exec
    from ..project import find_project
    from ..target import open_target
    from .console import err, out, print_json

    say = err if json else out
    target = open_target(find_project(), env)
    plan = plan_exec(target, Path(file))
    if dry_run:
        if json:
            print_json({**plan.as_dict(), "dry_run": True})
        else:
            say(plan.summary())
            say("dry run: nothing was changed")
        return
    phrase = plan.at_risk.phrase() if plan.at_risk is not None else None
    confirm_write(target.profile, plan.summary(), Consent(yes, confirm), say=say, at_risk=phrase)
    count = execute_file(target, Path(file), plan=plan)
    if json:
        print_json({**plan.as_dict(), "dry_run": False, "ran": count})
    say(f"ran {count} statement(s) from {file} on {target.describe()}")


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
