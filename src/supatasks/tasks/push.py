"""Tasks that write to a profile's database: push, history, repair — each behind the confirmation policy."""

from __future__ import annotations

from .edge import db_task
from .help import (
    CONFIRM_HELP,
    DRY_RUN_HELP,
    ENV_HELP,
    INCLUDE_ALL_HELP,
    JSON_HELP,
    REHEARSE_HELP,
    SKIP_ADVISE_HELP,
    SKIP_LINT_HELP,
    VERIFY_HELP,
    YES_HELP,
)


@db_task(help={
    "env": ENV_HELP,
    "dry_run": DRY_RUN_HELP,
    "json": "Print the plan as JSON (with --dry-run: only the plan).",
    "include_all": INCLUDE_ALL_HELP,
    "include_seed": "Also run seed files that are new or changed (production needs --confirm).",
    "engine": "Who applies after supatasks' plan and confirmation: 'supatasks' (default) or 'cli'.",
    "yes": YES_HELP,
    "confirm": CONFIRM_HELP,
    "skip_lint": SKIP_LINT_HELP,
    "skip_advise": SKIP_ADVISE_HELP,
    "rehearse": REHEARSE_HELP,
    "verify": VERIFY_HELP + " On a protected profile (production) this is the default.",
    "no_verify": "Skip the schema verification after a push to a protected profile.",
})
def push(c, env=None, dry_run=False, json=False, include_all=False, include_seed=False, engine="supatasks",
         yes=False, confirm=None, skip_lint=False, skip_advise=False, rehearse=False, verify=False,
         no_verify=False):
    """Plan, confirm and apply pending migrations to a profile (e.g. --env=staging)."""
    from ..project import find_project
    from ..server.supabase_cli import require_engine
    from ..target import open_target

    require_engine(engine)
    target = open_target(find_project(), env)
    print_push(target, dry_run=dry_run, json=json, include_all=include_all, include_seed=include_seed,
               engine=engine, yes=yes, confirm=confirm, skip_lint=skip_lint, skip_advise=skip_advise,
               rehearse=rehearse, verify=True if verify else False if no_verify else None)


def print_push(target, *, dry_run=False, json=False, include_all=False, include_seed=False, engine="supatasks",
               yes=False, confirm=None, skip_lint=False, skip_advise=False, rehearse=False, verify=None):
    """db.push and db.up on a non-local profile: the plan (as JSON first with --json), then run_push."""
    from ..confirmation import Consent
    from ..migrations.push import plan_push, run_push
    from .console import LineReporter, err, out, print_json

    say = err if json else out
    plan = plan_push(target, include_all=include_all, include_seed=include_seed)
    if json:
        print_json(plan.as_dict())
    outcome = run_push(plan, Consent(yes=yes, confirm=confirm), dry_run=dry_run, engine=engine,
                       skip_lint=skip_lint, skip_advise=skip_advise, reporter=LineReporter(quiet=json), say=say,
                       rehearse=rehearse, verify=verify)
    if outcome.done == "dry-run":
        if not json:
            out(plan.summary())
            out("dry run: nothing was changed")
    elif outcome.done == "up-to-date":
        say(f"{target.describe()}: up to date, nothing to push")
    elif outcome.done == "cli":
        say(f"pushed {len(outcome.applied)} migration(s) with the Supabase CLI")
    else:
        say(f"pushed {len(outcome.applied)} migration(s) to {target.describe()}"
            + (f", ran {len(plan.seeds)} seed file(s)" if plan.seeds else ""))


@db_task(help={"env": ENV_HELP, "json": JSON_HELP, "limit": "How many rows, newest first (default 50)."})
def history(c, env=None, json=False, limit=50):
    """Show the audit log: who applied, rolled back, seeded, reset or repaired what, and when."""
    from .. import audit
    from ..project import find_project
    from ..target import open_target
    from .console import print_json, table

    target = open_target(find_project(), env)
    with target.connect() as conn:
        rows = audit.read_audit(conn, limit=int(limit))
    if json:
        print_json({"env": target.name, "entries": rows})
        return
    table(f"audit log of {target.describe()}",
          ["when (UTC)", "action", "version", "name", "outcome", "ms", "who", "batch"],
          [[r["started_at"].strftime("%Y-%m-%d %H:%M:%S"), r["action"], r["version"], r["name"], r["outcome"],
            r["duration_ms"], r["actor"], str(r["batch_id"])[:8]] for r in rows])


@db_task(help={
    "versions": "Migration versions, comma-separated (e.g. 20260210,20260301120000).",
    "status": "applied (record without running) or reverted (remove from the history).",
    "env": ENV_HELP, "yes": YES_HELP, "confirm": CONFIRM_HELP,
})
def repair(c, versions, status, env=None, yes=False, confirm=None):
    """Mark versions applied or reverted in the history, like `supabase migration repair`."""
    from ..confirmation import Consent, confirm_write
    from ..migrations.repair import repair as do_repair
    from ..project import find_project
    from ..target import open_target
    from .console import out

    target = open_target(find_project(), env)
    versions = [v for v in versions.replace(",", " ").split() if v]
    confirm_write(target.profile, f"{target.header()}\nMark as {status}: {', '.join(versions) or '(none)'}",
                  Consent(yes, confirm), say=out)
    changed = do_repair(target, status, versions)
    out(f"marked {len(changed)} version(s) {status}: {', '.join(changed) or 'nothing to change'}")
