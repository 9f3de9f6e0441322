"""Tasks that write to a profile's database: push, repair, exec — each behind the confirmation policy."""

from __future__ import annotations

from .edge import ENV_HELP, JSON_HELP, db_task

YES_HELP = "Consent without a terminal (not enough for protected profiles such as production)."
CONFIRM_HELP = "For protected profiles: the project ref (or profile name), as consent without a terminal."
SKIP_LINT_HELP = "Push even though db.lint finds errors in the files to push (recorded in the audit log)."


@db_task(help={
    "env": ENV_HELP,
    "dry_run": "Print the plan and exit; change nothing.",
    "json": "Print the plan as JSON (with --dry-run: only the plan).",
    "include_all": "Also apply local files older than the newest applied migration.",
    "include_seed": "Also run seed files that are new or changed (production needs --confirm).",
    "engine": "Who applies after supatasks' plan and confirmation: 'supatasks' (default) or 'cli'.",
    "yes": YES_HELP,
    "confirm": CONFIRM_HELP,
    "skip_lint": SKIP_LINT_HELP,
})
def push(c, env=None, dry_run=False, json=False, include_all=False, include_seed=False, engine="supatasks",
         yes=False, confirm=None, skip_lint=False):
    """Plan, confirm and apply pending migrations to a profile (e.g. --env=staging)."""
    from ..project import find_project
    from ..target import open_target
    from .engines import require_engine

    require_engine(engine)
    target = open_target(find_project(), env)
    run_push(target, dry_run=dry_run, json=json, include_all=include_all, include_seed=include_seed,
             engine=engine, yes=yes, confirm=confirm, skip_lint=skip_lint)


def run_push(target, *, dry_run=False, json=False, include_all=False, include_seed=False, engine="supatasks",
             yes=False, confirm=None, skip_lint=False):
    """Plan, print, confirm, apply: shared by db.push and db.up on a non-local profile."""
    from .. import audit
    from ..server import supabase_cli
    from ..confirmation import Consent, confirm_write
    from ..errors import Refused
    from ..migrations.push import apply_push, plan_push, record_cli_push
    from .console import LineReporter, err, out, print_json

    from .checks import push_lint_gate

    plan = plan_push(target, include_all=include_all, include_seed=include_seed)
    if json:
        print_json(plan.as_dict())
    gate = push_lint_gate(target, plan, skip_lint=skip_lint, dry_run=dry_run, show=err if json else out)
    if dry_run:
        if not json:
            out(plan.summary())
            out("dry run: nothing was changed")
        return
    if plan.empty:
        (err if json else out)(f"{target.describe()}: up to date, nothing to push")
        return
    if include_seed and plan.seeds and target.profile.protected and confirm is None:
        raise Refused(f"--include-seed on protected profile {target.name} needs --confirm=<project ref>; "
                      "nothing was changed")
    confirm_write(target.profile, plan.summary(), Consent(yes=yes, confirm=confirm),
                  show=err if json else out)
    batch = audit.AuditContext(target.name, target.project.root)
    if engine == "cli":
        result = supabase_cli.db_push(target.project, target.db, include_all=include_all,
                                      include_seed=include_seed)
        (err if json else out)((result.stdout + result.stderr).strip())
        versions = record_cli_push(plan, batch, details=gate)
        (err if json else out)(f"pushed {len(versions)} migration(s) with the Supabase CLI")
        return
    applied = apply_push(plan, LineReporter(quiet=json), batch, details=gate)
    (err if json else out)(f"pushed {len(applied)} migration(s) to {target.describe()}"
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
    from ..project import find_project
    from ..migrations.repair import repair as do_repair
    from ..target import open_target
    from .console import out

    target = open_target(find_project(), env)
    versions = [v for v in versions.replace(",", " ").split() if v]
    confirm_write(target.profile, f"Target: {target.name} — {target.db.display()}\n"
                  f"Mark as {status}: {', '.join(versions) or '(none)'}", Consent(yes, confirm), show=out)
    changed = do_repair(target, status, versions)
    out(f"marked {len(changed)} version(s) {status}: {', '.join(changed) or 'nothing to change'}")
