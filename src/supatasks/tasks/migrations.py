"""Tasks that create migration files and bring a database up to date."""

from __future__ import annotations

from .edge import db_task
from .help import (
    CONFIRM_HELP,
    DRY_RUN_HELP,
    ENV_HELP,
    INCLUDE_ALL_HELP,
    JSON_HELP,
    SKIP_ADVISE_HELP,
    SKIP_LINT_HELP,
    YES_HELP,
)


@db_task(help={"name": "Migration name: lower-case words joined by underscores, e.g. add_user_preferences."})
def new(c, name):
    """Create a migration file and its down file (supabase/rollbacks/)."""
    from ..migrations.new import create_migration
    from ..project import find_project
    from .console import out

    project = find_project()
    created = create_migration(project, name)
    out(f"created {project.relative(created.up)}")
    out(f"created {project.relative(created.down)}")


@db_task(help={
    "env": ENV_HELP,
    "dry_run": DRY_RUN_HELP,
    "include_all": INCLUDE_ALL_HELP,
    "engine": "Who applies: 'supatasks' (default) or 'cli' (the real `supabase migration up`).",
    "json": JSON_HELP,
    "yes": YES_HELP,
    "confirm": CONFIRM_HELP,
    "skip_lint": SKIP_LINT_HELP + " Non-local profiles only.",
    "skip_advise": SKIP_ADVISE_HELP + " Non-local profiles only.",
    "retries": "Retry a migration that hit lock_timeout this many times, with backoff (default: profile's).",
})
def up(c, env=None, dry_run=False, include_all=False, engine="supatasks", json=False, yes=False, confirm=None,
       skip_lint=False, skip_advise=False, retries=None):
    """Apply pending migrations, each in one transaction with its history row."""
    from ..migrations.up import migrate_up, parse_retries
    from ..project import find_project
    from ..target import open_target
    from .console import LineReporter, out, print_json, stand_ins

    if engine != "supatasks":  # the CLI's wrapper is loaded only when asked for
        from ..server import supabase_cli
        supabase_cli.require_engine(engine)
    retries = parse_retries(retries)
    target = open_target(find_project(), env)
    if not target.profile.is_local:  # a shared database: the push workflow (plan, confirm, apply)
        from .push import print_push
        if retries is not None:  # the option overrides the profile's SUPATASKS_LOCK_RETRIES
            target.profile.values["SUPATASKS_LOCK_RETRIES"] = str(retries)
        print_push(target, dry_run=dry_run, json=json, include_all=include_all, engine=engine, yes=yes,
                   confirm=confirm, skip_lint=skip_lint, skip_advise=skip_advise)
        return
    if engine == "cli":
        from ..server import supabase_cli
        result = supabase_cli.migration_up(target.project, target.db, include_all=include_all)
        out((result.stdout + result.stderr).strip())
        return
    result = migrate_up(target, include_all=include_all, dry_run=dry_run, reporter=LineReporter(quiet=json),
                        retries=retries)
    names = [p.migration.filename for p in (result.prepared if dry_run else result.applied)]
    stand_ins(target, result.stand_ins)
    if json:
        print_json({"env": target.name, "dry_run": dry_run, "pending" if dry_run else "applied": names})
    elif not result.prepared:
        out(f"{target.describe()}: up to date, nothing to apply")
    elif dry_run:
        out(f"{target.describe()}: {len(names)} pending (dry run, nothing applied)")
        for name in names:
            out(f"  {name}")
    else:
        out(f"{target.describe()}: applied {len(names)} migration(s)")


@db_task(help={"env": ENV_HELP, "json": JSON_HELP})
def status(c, env=None, json=False):
    """Show each migration's state: applied, pending, drifted, missing file."""
    from ..migrations.up import migration_status
    from ..project import find_project
    from ..target import open_target
    from .console import err, print_json, stand_ins, table

    target = open_target(find_project(), env)
    result = migration_status(target)
    if json:
        print_json({"env": target.name, **result.as_dict()})
        return
    table(f"migrations on {target.describe()}", ["version", "name", "state", "applied at"],
          [[r.version, r.name, r.state, r.applied_at] for r in result.rows])
    stand_ins(target)
    for problem in result.problems:
        err(f"problem: {problem.message}")


@db_task(help={"env": ENV_HELP, "dry_run": DRY_RUN_HELP, "json": JSON_HELP})
def sync(c, env=None, dry_run=False, json=False):
    """Local profile: match the database to the checked-out migrations, keeping data (after a branch switch)."""
    from ..migrations.sync import sync_local
    from ..project import find_project
    from ..target import open_target
    from .console import SyncLines, err, out, print_json

    target = open_target(find_project(), env)
    result = sync_local(target, SyncLines(err if json else out), dry_run=dry_run)
    plan = result.plan
    if json:
        print_json({"env": target.name, "dry_run": dry_run,
                    "rollback": [s.version for s in plan.rollback], "apply": [m.version for m in plan.apply],
                    **({} if dry_run else result.as_dict())})
    elif not plan.rollback and not plan.apply:
        out(f"{target.describe()}: in sync with the checked-out migrations, nothing to do")
    elif dry_run:
        for step in plan.rollback:
            out(f"  would roll back {step.title} ({step.reason}) with {step.label}")
        for m in plan.apply:
            out(f"  would apply {m.filename}")
        out(f"{target.describe()}: dry run, nothing changed")
    else:
        out(f"{target.describe()}: rolled back {len(result.rolled_back)}, applied {len(result.applied)} "
            f"migration(s) in {result.seconds:.2f}s; data in other tables kept")
