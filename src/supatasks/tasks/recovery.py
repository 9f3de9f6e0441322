"""Tasks that undo and recover: down files, the incident rollback, backups and restores, the PITR checklist."""

from __future__ import annotations

from .edge import ENV_HELP, JSON_HELP, db_task
from .push import CONFIRM_HELP, YES_HELP


@db_task(help={"yes": "Move the files; without it, only list the moves (a dry run).", "json": JSON_HELP})
def fix_layout(c, yes=False, json=False):
    """Move the guide's down files (migrations/*_down.sql) to supabase/rollbacks/*.down.sql; never overwrites."""
    from ..migrations.layout import apply_fix_layout, plan_fix_layout
    from ..project import find_project
    from .console import out, print_json

    plan = plan_fix_layout(find_project())
    if not plan.moves:
        if json:
            print_json({**plan.as_dict(), "moved": False})
        else:
            out("nothing to move: no <version>_<name>_down.sql files in supabase/migrations/")
        return
    if not yes:
        if json:
            print_json({**plan.as_dict(), "moved": False})
            return
        out("The Supabase CLI would apply these down files as migrations. Moves (dry run, nothing moved yet):")
        for line in plan.lines():
            out(line)
        out("run `inv db.fix-layout --yes` to move them" if not plan.conflicts
            else "resolve the conflicts first: nothing is moved while any destination exists")
        return
    moved = apply_fix_layout(plan)
    if json:
        print_json({**plan.as_dict(), "moved": True})
        return
    for line in plan.lines():
        out(line)
    out(f"moved {len(moved)} down file(s) to supabase/rollbacks/")


@db_task(help={
    "env": ENV_HELP,
    "last": "Roll back the newest N applied migrations (default 1).",
    "to": "Roll back everything applied after VERSION (VERSION stays applied; 0 = everything).",
    "dry_run": "Show the plan; change nothing.",
    "json": JSON_HELP,
    "yes": YES_HELP,
    "confirm": CONFIRM_HELP,
})
def down(c, env=None, last=None, to=None, dry_run=False, json=False, yes=False, confirm=None):
    """Roll back applied migrations with their down files, newest first, each in one transaction."""
    from ..confirmation import Consent, confirm_write
    from ..project import find_project
    from ..recovery.down import plan_down, run_down
    from ..target import open_target
    from .console import err, out, print_json

    say = err if json else out
    target = open_target(find_project(), env)
    with target.connect() as conn:
        plan = plan_down(target, conn, last, to)
    say(plan.summary())
    if not plan.steps:
        if json:
            print_json({**plan.as_dict(), "dry_run": dry_run, "rolled_back": []})
        return
    plan.require_runnable()
    if dry_run:
        if json:
            print_json({**plan.as_dict(), "dry_run": True, "rolled_back": []})
        say("dry run: nothing was changed")
        return
    confirm_write(target.profile, f"About to roll back {len(plan.steps)} migration(s) on {target.name}.",
                  Consent(yes, confirm), show=say)
    result = run_down(plan, _DownLines(say))
    if json:
        print_json({**plan.as_dict(), "dry_run": False,
                    "rolled_back": [{"version": s.version, "seconds": round(t, 3)} for s, t in result.done]})
    say(f"rolled back {len(result.done)} migration(s) on {target.describe()}; newest applied now: "
        f"{plan.newest_after or 'none'}")


class _DownLines:
    """Progress lines for db.down (a DownReporter without importing the library at module load)."""

    def __init__(self, say):
        self.say = say

    def note(self, message):
        self.say(f"  … {message}")

    def started(self, step):
        pass

    def finished(self, step, seconds):
        self.say(f"  rolled back {step.title} ({step.label}, {seconds:.2f}s)")

    def failed(self, step, error):
        pass


@db_task(help={
    "env": ENV_HELP,
    "batch": "Undo this push (batch id or its first characters, as listed) instead of the most recent one.",
    "to": "Undo everything applied after VERSION instead (VERSION stays applied).",
    "last": "Undo the newest N applied migrations instead.",
    "dry_run": "Show what was applied recently and what would be undone; change nothing, write no record.",
    "yes": YES_HELP,
    "confirm": CONFIRM_HELP,
    "no_backup": "Skip the backup taken first (refused for protected profiles such as production).",
})
def rollback(c, env=None, batch=None, to=None, last=None, dry_run=False, yes=False, confirm=None, no_backup=False):
    """Incident rollback: show recent pushes, undo the latest one with its down files — backup first, recorded."""
    from ..confirmation import Consent
    from ..project import find_project
    from ..recovery.down import incident_rollback
    from ..target import open_target
    from .console import out

    target = open_target(find_project(), env)
    out(f"db.rollback on {target.describe()}")
    outcome = incident_rollback(target, Consent(yes, confirm), say=out, batch=batch, to=to, last=last,
                                dry_run=dry_run, take_backup=not no_backup)
    if dry_run or outcome.result is None:
        return
    project = target.project
    out("")
    out(f"Done: rolled back {', '.join(outcome.plan.versions)}; history verified.")
    if outcome.backup:
        shown = project.relative(outcome.backup.path)
        out(f"Backup of the state before the rollback: {shown}")
        out(f"  (to undo this rollback: inv db.restore {shown} --env={target.name})")
    out(f"Incident record: {project.relative(outcome.record.path)}")
    out("Next: fix the migration, then push again (inv db.push).")


@db_task(help={
    "env": ENV_HELP,
    "output": "Write the dump here instead of backups/<UTC time>_<profile>_<database>.dump.",
    "exclude_schema": "Schemas to leave out, comma-separated (pg_dump --exclude-schema).",
    "json": JSON_HELP,
})
def backup(c, env=None, output=None, exclude_schema=None, json=False):
    """Logical backup of a profile's database with pg_dump (custom format), recorded in the audit log."""
    from pathlib import Path

    from ..recovery.backup import take_backup
    from ..project import find_project
    from ..target import open_target
    from .console import out, print_json

    target = open_target(find_project(), env)
    excluded = tuple(s for s in (exclude_schema or "").replace(",", " ").split() if s)
    result = take_backup(target, Path(output).absolute() if output else None, exclude_schemas=excluded)
    if json:
        print_json({"env": target.name, **result.as_dict(target.project)})
        return
    out(f"backup of {target.describe()}: {result.describe(target.project)}")
    out(f"restore it with: inv db.restore {target.project.relative(result.path)} --env={target.name}")


@db_task(help={
    "file": "The backup to restore (custom format, as db.backup writes).",
    "env": ENV_HELP,
    "yes": YES_HELP,
    "confirm": CONFIRM_HELP,
    "no_owner": "Do not restore object owners (pg_restore --no-owner), e.g. into another server.",
    "no_backup": "Skip the fresh backup taken first (refused for protected profiles such as production).",
    "json": JSON_HELP,
})
def restore(c, file, env=None, yes=False, confirm=None, no_owner=False, no_backup=False, json=False):
    """Restore a backup into a profile's database (pg_restore --clean --if-exists, one transaction)."""
    from pathlib import Path

    from ..recovery.backup import archive_info, restore_backup
    from ..confirmation import Consent, confirm_write
    from ..project import find_project
    from ..target import open_target
    from .console import err, out, print_json

    say = err if json else out
    target = open_target(find_project(), env)
    path = Path(file).absolute()
    info = archive_info(path)
    confirm_write(target.profile,
                  f"Target: {target.name} — {target.db.display()} (database {target.db.database})\n"
                  f"Restore {info.describe()}\nEvery object in the backup is dropped and recreated from it "
                  "(pg_restore --clean --if-exists, one transaction): rows written since the backup in those "
                  "tables are replaced." + ("" if no_backup else " A backup of the current state is taken first."),
                  Consent(yes, confirm), show=say)
    result = restore_backup(target, path, safety_backup=not no_backup, no_owner=no_owner)
    project = target.project
    if json:
        print_json({"env": target.name, "file": str(path), "seconds": round(result.seconds, 3),
                    "safety_backup": project.relative(result.safety_backup.path) if result.safety_backup else None})
        return
    if result.safety_backup:
        out(f"backup of the state before the restore: {result.safety_backup.describe(project)}")
    out(f"restored {path.name} into {target.describe()} in {result.seconds:.1f}s")


@db_task(help={
    "env": ENV_HELP,
    "version": "Recover to just before this migration was applied.",
    "batch": "Recover to just before this push (batch id or its first characters).",
    "margin": "Seconds of safety margin before the migration started (default 60; never reaches back past "
              "the migration applied before it).",
    "at": "Use this restore point instead of computing one (ISO time with zone, e.g. 2026-03-01T12:05:00Z).",
    "print_": "Write the checklist as Markdown to stdout and exit: no prompts, no record.",
    "new_env": "Profile of the restored (new) project: db.pitr then runs db.status against it in step 4.",
    "new": "Start a new incident record even if an unfinished one exists for this profile.",
    "record": "Resume this incident record file instead of the newest unfinished one.",
})
def pitr(c, env=None, version=None, batch=None, margin=None, at=None, print_=False, new_env=None, new=False,
         record=None):
    """Point-in-time recovery as a guided checklist: restore point, dashboard links, each step recorded."""
    from pathlib import Path

    from ..recovery import pitr as flow
    from ..confirmation import is_interactive
    from ..errors import ConnectionFailed, Refused
    from ..recovery.incident import IncidentRecord, incidents_dir
    from ..project import find_project
    from ..target import open_target
    from .console import out

    project = find_project()
    target = open_target(project, env)
    ref = target.profile.project_ref
    folder = incidents_dir(project, target.profile.values)
    existing = None
    if record:
        existing = IncidentRecord.load(Path(record))
    elif not new:
        found = IncidentRecord.find_open(folder, "pitr", target.name)
        existing = IncidentRecord.load(found) if found else None

    def compute():
        if at:
            return flow.explicit_restore_point(at)
        return _restore_point(target, version, batch, margin)

    if print_:
        point, problem = None, None
        if existing:
            point = flow.record_point(existing)
        else:
            try:
                point = compute()
            except ConnectionFailed as exc:
                problem = f"cannot read the audit log ({exc})"
        out(flow.checklist_markdown(target.name, ref, point, point_error=problem, record=existing))
        return
    if not is_interactive():
        raise Refused("db.pitr walks the checklist step by step and needs a terminal; `inv db.pitr --print` "
                      "writes it as Markdown; nothing was changed")
    if existing:
        done = sum(1 for s in existing.steps if s.status in ("ok", "skipped"))
        out(f"Resuming {project.relative(existing.path)}: {done} of {len(existing.steps)} steps done.")
        for line in flow.record_point(existing).describe():
            out(line)
        run = existing
    else:
        point = compute()
        out(f"Point-in-time recovery of {target.describe()}")
        for line in point.describe():
            out(line)
        out(f"Point-in-time recovery page: {flow.PITR_PAGE.format(ref=ref or '<project-ref>')}")
        out(f"Restore to a new project:   {flow.RESTORE_TO_NEW_PAGE.format(ref=ref or '<project-ref>')}")
        out(f"Plan requirement: {flow.PLAN_REQUIREMENT}")
        if _ask("\nStart the recovery checklist with this restore point? [y/N] ").strip().lower() not in ("y", "yes"):
            raise Refused("not started; nothing was changed")
        run = flow.open_record(folder, target.name, ref, point)
        out(f"Incident record: {project.relative(run.path)} (resumable: run the same command again)")
    flow.walk(run, ask=_ask, say=out, actions=_pitr_actions(target, run, new_env))


def _ask(question: str) -> str:
    try:
        return input(question)
    except EOFError:
        return "q"


def _restore_point(target, version, batch, margin):
    from .. import audit
    from ..migrations import history
    from ..recovery.pitr import DEFAULT_MARGIN, compute_restore_point

    with target.connect() as conn:
        rows = audit.read_audit(conn)
        applied = {r.version for r in history.read_history(conn)}
    return compute_restore_point(rows, applied, version=version, batch=batch,
                                 margin=DEFAULT_MARGIN if margin is None else margin)


def _pitr_actions(target, run, new_env):
    """What db.pitr does itself: the backup (step 2) and, given the new project's profile, db.status (step 4)."""

    def backup_now() -> str:
        from ..recovery.backup import take_backup

        result = take_backup(target, label="pitr", details={"incident": target.project.relative(run.path)})
        run.set_fact("Backup of the current state", target.project.relative(result.path))
        return f"backup written: {result.describe(target.project)}"

    def check_new() -> str:
        from .. import audit
        from ..migrations import history
        from ..migrations.up import migration_status
        from ..recovery.pitr import applied_at_point, check_new_project, record_point
        from ..target import open_target
        from .console import table

        point = record_point(run)
        with target.connect() as conn:
            rows = audit.read_audit(conn)
            current = [r.version for r in history.read_history(conn)]
        expected = applied_at_point(rows, current, point)
        new_target = open_target(target.project, new_env)
        status = migration_status(new_target)
        table(f"migrations on {new_target.describe()}", ["version", "name", "state"],
              [[r.version, r.name, r.state] for r in status.rows])
        return check_new_project(status.rows, point, expected)

    actions = {"backup": backup_now}
    if new_env:
        actions["check"] = check_new
    return actions
