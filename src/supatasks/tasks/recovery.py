"""Tasks that undo and recover: down files, the incident rollback, backups and restores, the PITR checklist."""

from __future__ import annotations

from .edge import db_task
from .help import CONFIRM_HELP, DRY_RUN_HELP, ENV_HELP, JSON_HELP, NO_BACKUP_HELP, REHEARSE_HELP, YES_HELP


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
    "dry_run": DRY_RUN_HELP,
    "json": JSON_HELP,
    "yes": YES_HELP,
    "confirm": CONFIRM_HELP,
    "rehearse": REHEARSE_HELP,
})
def down(c, env=None, last=None, to=None, dry_run=False, json=False, yes=False, confirm=None, rehearse=False):
    """Roll back applied migrations with their down files, newest first, each in one transaction."""
    from ..confirmation import Consent, confirm_write
    from ..project import find_project
    from ..recovery.down import plan_down, rehearse_down, run_down
    from ..target import open_target
    from .console import DownLines, err, out, print_json

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
    rehearsal = rehearse_down(plan, say) if rehearse else None
    for line in rehearsal.lines() if rehearsal else []:
        say(line)
    shown = {**plan.as_dict(), "rehearsal": rehearsal.as_dict() if rehearsal else None}
    if dry_run:
        if json:
            print_json({**shown, "dry_run": True, "rolled_back": []})
        say("dry run: nothing was changed")
        return
    phrase = plan.at_risk.phrase() if plan.at_risk else None
    confirm_write(target.profile, f"About to roll back {len(plan.steps)} migration(s) on {target.name}"
                  + (f" — {phrase}." if phrase else "."), Consent(yes, confirm), say=say, at_risk=phrase)
    result = run_down(plan, DownLines(say))
    if json:
        print_json({**shown, "dry_run": False,
                    "rolled_back": [{"version": s.version, "seconds": round(t, 3)} for s, t in result.done]})
    say(f"rolled back {len(result.done)} migration(s) on {target.describe()}; newest applied now: "
        f"{plan.newest_after or 'none'}")


@db_task(help={
    "env": ENV_HELP,
    "batch": "Undo this push (batch id or its first characters, as listed) instead of the most recent one.",
    "to": "Undo everything applied after VERSION instead (VERSION stays applied).",
    "last": "Undo the newest N applied migrations instead.",
    "dry_run": "Show what was applied recently and what would be undone; change nothing, write no record.",
    "yes": YES_HELP,
    "confirm": CONFIRM_HELP,
    "no_backup": NO_BACKUP_HELP,
    "rehearse": REHEARSE_HELP + " The default on protected profiles.",
    "no_rehearse": "Skip the rehearsal protected profiles get by default (recorded in the incident record).",
    "no_verify": "Skip the schema verification after the rollback (recorded).",
    "json": "Print the plan, data at risk, rehearsal, backup and verification as JSON on stdout "
            "(the progress goes to stderr).",
})
def rollback(c, env=None, batch=None, to=None, last=None, dry_run=False, yes=False, confirm=None, no_backup=False,
             rehearse=False, no_rehearse=False, no_verify=False, json=False):
    """Incident rollback: show recent pushes, undo the latest one with its down files — backup first, recorded."""
    from ..confirmation import Consent
    from ..errors import ConfigError
    from ..project import find_project
    from ..recovery.incident_rollback import incident_rollback
    from ..target import open_target
    from .console import err, out, print_json

    if rehearse and no_rehearse:
        raise ConfigError("choose either --rehearse or --no-rehearse")
    say = err if json else out
    target = open_target(find_project(), env)
    say(f"db.rollback on {target.describe()}")
    outcome = incident_rollback(target, Consent(yes, confirm), say=say, batch=batch, to=to, last=last,
                                dry_run=dry_run, take_backup=not no_backup,
                                rehearse=True if rehearse else False if no_rehearse else None, verify=not no_verify)
    if json:
        print_json(outcome.as_dict(target.project))
    if dry_run or outcome.result is None:
        return
    project = target.project
    say("")
    say(f"Done: rolled back {', '.join(outcome.plan.versions)}; history verified"
        + ("; schema verified." if outcome.verification else "."))
    if outcome.backup:
        shown = project.relative(outcome.backup.path)
        say(f"Backup of the state before the rollback: {shown}")
        say(f"  (to undo this rollback: inv db.restore {shown} --env={target.name})")
    say(f"Incident record: {project.relative(outcome.record.path)}")
    say("Next: fix the migration, then push again (inv db.push).")


@db_task(help={
    "env": ENV_HELP,
    "output": "Write the dump here instead of backups/<UTC time>_<profile>_<database>.dump.",
    "exclude_schema": "Schemas to leave out, comma-separated (pg_dump --exclude-schema).",
    "json": JSON_HELP,
})
def backup(c, env=None, output=None, exclude_schema=None, json=False):
    """Logical backup of a profile's database with pg_dump (custom format), recorded in the audit log."""
    from pathlib import Path

    from ..project import find_project
    from ..recovery.backup import take_backup
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
    "no_backup": NO_BACKUP_HELP,
    "json": JSON_HELP,
})
def restore(c, file, env=None, yes=False, confirm=None, no_owner=False, no_backup=False, json=False):
    """Restore a backup into a profile's database (pg_restore --clean --if-exists, one transaction)."""
    from pathlib import Path

    from ..confirmation import Consent, confirm_write
    from ..project import find_project
    from ..recovery.backup import archive_info, restore_backup
    from ..target import open_target
    from .console import err, out, print_json

    say = err if json else out
    target = open_target(find_project(), env)
    path = Path(file).absolute()
    info = archive_info(path)
    confirm_write(target.profile,
                  f"{target.header(database=True)}\n"
                  f"Restore {info.describe()}\nEvery object in the backup is dropped and recreated from it "
                  "(pg_restore --clean --if-exists, one transaction): rows written since the backup in those "
                  "tables are replaced." + ("" if no_backup else " A backup of the current state is taken first."),
                  Consent(yes, confirm), say=say)
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
    from ..project import find_project
    from ..recovery import pitr as flow
    from ..target import open_target
    from .console import out, table

    target = open_target(find_project(), env)
    existing = flow.existing_record(target, record, new)
    point = {"version": version, "batch": batch, "margin": margin, "at": at}
    if print_:
        out(flow.printed_checklist(target, existing, **point))
        return
    run = flow.start_or_resume(target, existing, ask=_ask, say=out, **point)

    def show_status(title, rows):
        table(title, ["version", "name", "state"], [[r.version, r.name, r.state] for r in rows])

    flow.walk(run, ask=_ask, say=out, actions=flow.actions_for(target, run, new_env, show_status))


def _ask(question: str) -> str:
    """The walk's questions; end of input means [q]uit (resume later)."""
    try:
        return input(question)
    except EOFError:
        return "q"
