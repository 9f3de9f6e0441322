"""The guide's point-in-time recovery (PITR) flow as a guided, recorded, resumable checklist.

The restore point comes from the audit log: the moment before the chosen migration (or push) started to
apply, minus a safety margin — never reaching back past the migration applied before it. The steps are
walked one by one, each confirmed and timestamped in an incident record; the record's state block lets an
interrupted walk resume where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from ..errors import ConfigError, SupatasksError
from .incident import FAILED, OK, PENDING, SKIPPED, IncidentRecord, parse_iso, stamp

DEFAULT_MARGIN = 60.0
DASHBOARD = "https://supabase.com/dashboard/project/{ref}"
PITR_PAGE = DASHBOARD + "/database/backups/pitr"
RESTORE_TO_NEW_PAGE = DASHBOARD + "/database/backups/restore-to-new-project"
ADDONS_PAGE = DASHBOARD + "/settings/addons"
PLAN_REQUIREMENT = (
    "Point-in-time recovery is a paid add-on (Pro plan or above, PITR add-on enabled under Project Settings → "
    "Add-ons) and only covers the time since it was enabled. Without it, only the daily backups exist "
    "(Database → Backups → Scheduled backups), and the restore point below can only be approximated by the "
    "newest daily backup taken before it.")


@dataclass(frozen=True)
class ChecklistStep:
    key: str
    title: str
    body: str   # Markdown; formatted with the checklist's facts


STEPS = (
    ChecklistStep("announce", "Announce the incident and freeze writes",
                  "Tell the team (and users, on the status page) that a recovery is under way. Freeze writes: "
                  "maintenance or read-only mode for the app, pause cron jobs, queues, webhooks and edge functions "
                  "that write. Every write from now on lands in a database you are about to leave behind."),
    ChecklistStep("backup", "Take a logical backup of the current state",
                  "The current database holds every row written after the restore point; the restored project "
                  "will not. Back it up before anything else: `inv db.backup --env={env}` (db.pitr runs it for "
                  "you). Keep the file — step 5 needs it."),
    ChecklistStep("restore", "Restore to a new project from the restore point",
                  "In the dashboard: Database → Backups → Restore to a new project: {restore_new_url} — choose "
                  "the point in time **{point_utc}** (unix {point_unix}). Restoring the project in place "
                  "({pitr_url}) also works, but it overwrites this database and takes it offline: the backup of "
                  "step 2 is then your only copy of what came later. Wait until the new project is healthy."),
    ChecklistStep("check", "Check the new project against the repository's migrations",
                  "Create a profile for the new project (`.env.<name>` with its SUPABASE_PROJECT_REF and "
                  "SUPABASE_DB_PASSWORD), then `inv db.status --env=<name>` (db.pitr runs it when given "
                  "`--new-env=<name>`): migrations before the restore point must be `applied`, {chosen_versions} "
                  "must be `pending`. Fix the migration, then `inv db.push --env=<name>` if you want it back."),
    ChecklistStep("reconcile", "Reconcile data written after the restore point",
                  "Rows written between {point_utc} and the freeze exist only in the backup of step 2. Restore "
                  "that backup into a scratch database (`pg_restore --dbname=<scratch> <file>`), find the rows "
                  "created or updated after the restore point (created_at / updated_at, auth.users, "
                  "storage.objects), and copy into the new project what it lacks. Note per table what you did."),
    ChecklistStep("repoint", "Repoint the application",
                  "Point every deployment at the new project: SUPABASE_URL, the anon and service-role keys, "
                  "database URLs, webhooks; update `.env.{env}` (SUPABASE_PROJECT_REF, SUPABASE_DB_PASSWORD) so "
                  "supatasks targets it. Then lift the write freeze and watch the logs."),
    ChecklistStep("close", "Close the incident",
                  "Announce the end. Keep the old project paused (not deleted) until the reconciliation is "
                  "checked; keep the backup file. Write the post-mortem; this record is its timeline."),
)


@dataclass
class RestorePoint:
    at: datetime
    chosen: str                        # what is being undone, for people
    chosen_started: datetime
    versions: list[str]
    batch_id: str | None
    previous: str | None = None        # the migration applied just before, kept by the restore
    previous_finished: datetime | None = None
    margin: float = DEFAULT_MARGIN
    margin_used: float = DEFAULT_MARGIN
    note: str | None = None

    @property
    def unix(self) -> int:
        return int(self.at.timestamp())

    def describe(self) -> list[str]:
        lines = [f"Restore point: {stamp(self.at)} — unix {self.unix}",
                 f"  = {round(self.margin_used, 1):g}s before {self.chosen} started to apply, at "
                 f"{stamp(self.chosen_started)}"]
        if self.previous:
            lines.append(f"  keeps {self.previous}, which finished applying at {stamp(self.previous_finished)}")
        if self.note:
            lines.append(f"  note: {self.note}")
        lines.append("  (times are the database server's clock for migrations supatasks applied, the pushing "
                     "machine's for pushes with --engine=cli; the margin allows for clock differences)")
        return lines

    def as_dict(self) -> dict:
        return {"at": self.at.isoformat(), "chosen": self.chosen, "chosen_started": self.chosen_started.isoformat(),
                "versions": self.versions, "batch_id": self.batch_id, "previous": self.previous,
                "previous_finished": self.previous_finished.isoformat() if self.previous_finished else None,
                "margin": self.margin, "margin_used": self.margin_used, "note": self.note}

    @classmethod
    def from_dict(cls, data: dict) -> "RestorePoint":
        return cls(parse_iso(data["at"]), data["chosen"], parse_iso(data["chosen_started"]), data["versions"],
                   data.get("batch_id"), data.get("previous"), parse_iso(data.get("previous_finished")),
                   data.get("margin", DEFAULT_MARGIN), data.get("margin_used", DEFAULT_MARGIN), data.get("note"))


def compute_restore_point(rows: list[dict], applied: set[str] | None = None, *, version: str | None = None,
                          batch: str | None = None, margin: float = DEFAULT_MARGIN) -> RestorePoint:
    """The restore point for undoing `version` or `batch` (default: the most recent push still applied),
    from audit rows as `audit.read_audit` returns them."""
    from .batches import applied_batches, find_batch

    if version and batch:
        raise ConfigError("choose either --version or --batch, not both")
    margin = float(margin)
    if margin < 0:
        raise ConfigError(f"--margin={margin:g}: must not be negative")
    applies = sorted((r for r in rows if r["action"] == "apply" and r["outcome"] == "ok" and r["version"]),
                     key=lambda r: r["id"])
    if not applies:
        raise ConfigError("the audit log records no applied migration: give the restore point yourself with "
                          "--at=YYYY-MM-DDTHH:MM:SSZ")
    if version:
        candidates = [r for r in applies if r["version"] == version]
        if not candidates:
            raise ConfigError(f"--version={version}: the audit log records no application of that version")
        row = candidates[-1]  # its latest application is the one in effect
        chosen_rows = [row]
        chosen = f"migration {version} {row['name'] or ''}".strip()
        batch_id = str(row["batch_id"])
    else:
        batches = applied_batches(applies, applied if applied is not None else {r["version"] for r in applies})
        if batch:
            picked = find_batch(batches, batch)
        else:
            picked = next((b for b in batches if b.live), batches[0])
        batch_id = picked.batch_id
        chosen_rows = [r for r in applies if str(r["batch_id"]) == batch_id]
        chosen = f"push batch {picked.short} by {picked.actor} ({', '.join(v for v, _ in picked.versions)})"
    chosen_ids = {r["id"] for r in chosen_rows}
    started = min(r["started_at"] for r in chosen_rows)
    earlier = [r for r in applies if r["id"] not in chosen_ids and r["finished_at"] <= started]
    prev = max(earlier, key=lambda r: r["finished_at"]) if earlier else None
    point = started - timedelta(seconds=margin)
    note = None
    if prev is not None and point <= prev["finished_at"]:
        point = prev["finished_at"] + (started - prev["finished_at"]) / 2
        note = (f"the {margin:g}s margin would reach back before the previous migration finished; "
                f"shortened to {(started - point).total_seconds():.1f}s so that migration is kept")
    if prev is not None and point.replace(microsecond=0) <= prev["finished_at"]:
        note = ((note + "; ") if note else "") + (
            "less than a second separates the two migrations and the dashboard takes whole seconds: "
            "check which one the restored project has (step 4)")
    return RestorePoint(point.astimezone(timezone.utc), chosen, started, sorted({r["version"] for r in chosen_rows}),
                        batch_id, f"migration {prev['version']} {prev['name'] or ''}".strip() if prev else None,
                        prev["finished_at"] if prev else None, margin, (started - point).total_seconds(), note)


def explicit_restore_point(at: str, margin: float = 0) -> RestorePoint:
    try:
        moment = datetime.fromisoformat(at.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--at={at!r}: expected an ISO time such as 2026-03-01T12:05:00Z") from None
    if moment.tzinfo is None:
        raise ConfigError(f"--at={at!r}: give a time zone (Z for UTC, or +01:00)")
    moment = moment.astimezone(timezone.utc)
    return RestorePoint(moment, "the moment given with --at", moment, [], None, margin=0, margin_used=0)


def facts(env: str, ref: str | None, point: RestorePoint | None) -> dict[str, str]:
    shown_ref = ref or "<project-ref>"
    return {
        "env": env,
        "pitr_url": PITR_PAGE.format(ref=shown_ref),
        "restore_new_url": RESTORE_TO_NEW_PAGE.format(ref=shown_ref),
        "point_utc": (point.at.strftime("%Y-%m-%d %H:%M:%S") + " UTC") if point else "<restore point>",
        "point_unix": str(point.unix) if point else "?",
        "chosen_versions": ", ".join(point.versions) if point and point.versions else "the undone migrations",
    }


def step_text(step: ChecklistStep, values: dict[str, str]) -> str:
    return step.body.format(**values)


def checklist_markdown(env: str, ref: str | None, point: RestorePoint | None, *, point_error: str | None = None,
                       record: IncidentRecord | None = None) -> str:
    """The whole flow as Markdown: restore point, dashboard pages, plan requirement, every step."""
    values = facts(env, ref, point)
    lines = [f"# Point-in-time recovery checklist — {env}", ""]
    if point:
        described = point.describe()
        lines.append(f"- **{described[0].split(':', 1)[0]}:**{described[0].split(':', 1)[1]}")
        lines += [f"  {line.strip()}" for line in described[1:]]
    else:
        lines.append(f"- **Restore point:** unknown — {point_error or 'not computed'}; "
                     "give it with `inv db.pitr --at=YYYY-MM-DDTHH:MM:SSZ`")
    lines += [f"- **Point-in-time recovery page:** {values['pitr_url']}",
              f"- **Restore to a new project:** {values['restore_new_url']}",
              f"- **Plan requirement:** {PLAN_REQUIREMENT}" + ("" if ref else
                                                               f" (set SUPABASE_PROJECT_REF in .env.{env} to get "
                                                               "the project's own links)"),
              ""]
    if record:
        lines += [f"Incident record: {record.path}", ""]
    lines += ["## Steps", ""]
    for number, step in enumerate(STEPS, 1):
        state = record.get(step.key) if record else None
        box = {OK: "[x]", SKIPPED: "[-]", FAILED: "[!]"}.get(state.status if state else PENDING, "[ ]")
        done = f" — {state.status} {stamp(parse_iso(state.finished_at))}" if state and state.finished_at else ""
        lines.append(f"{number}. {box} **{step.title}**{done}")
        lines.append(f"   {step_text(step, values)}")
        lines.append("")
    return "\n".join(lines)


def open_record(folder, env: str, ref: str | None, point: RestorePoint) -> IncidentRecord:
    record = IncidentRecord.open_new(
        folder, "pitr", env, f"Incident record: point-in-time recovery of {env}",
        {"Restore point": f"{stamp(point.at)} — unix {point.unix}", "Undoing": point.chosen,
         "Point-in-time recovery page": PITR_PAGE.format(ref=ref or "<project-ref>"),
         "Restore to a new project": RESTORE_TO_NEW_PAGE.format(ref=ref or "<project-ref>")},
        [(s.key, s.title) for s in STEPS])
    record.state["pitr"] = {"restore_point": point.as_dict(), "ref": ref}
    record.save()
    return record


def record_point(record: IncidentRecord) -> RestorePoint:
    return RestorePoint.from_dict(record.state["pitr"]["restore_point"])


Action = Callable[[], str]


def walk(record: IncidentRecord, *, ask: Callable[[str], str], say: Callable[[str], None],
         actions: dict[str, Action] | None = None) -> bool:
    """Walk the remaining steps, each confirmed and timestamped in `record`; True when the incident is closed.

    An action (e.g. the backup) runs only after the person says yes; its result is the step's detail.
    'q' stops: the next run resumes at the first step not done."""
    actions = actions or {}
    pitr = record.state.get("pitr", {})
    point = RestorePoint.from_dict(pitr["restore_point"])
    values = facts(record.state["env"], pitr.get("ref"), point)
    total = len(STEPS)
    for number, spec in enumerate(STEPS, 1):
        step = record.get(spec.key)
        if step is None or step.status in (OK, SKIPPED):
            continue
        say(f"\nStep {number} of {total}: {spec.title}")
        say(f"  {step_text(spec, values)}")
        action = actions.get(spec.key)
        question = ("Run it now? [y]es / [s]kip / [q]uit and resume later: " if action
                    else "Done? [y]es / [s]kip / [q]uit and resume later: ")
        while True:
            answer = ask(question).strip().lower()
            if answer in ("y", "yes", "s", "skip", "q", "quit"):
                break
            say("  please answer y, s or q")
        if answer in ("q", "quit"):
            record.note(f"paused before step {number} ({spec.title})")
            say(f"\nPaused. Resume with the same command; the record is {record.path}")
            return False
        if answer in ("s", "skip"):
            record.add(spec.key, spec.title, SKIPPED, "skipped by the operator")
            say(f"  skipped ({stamp(parse_iso(record.get(spec.key).finished_at))})")
            continue
        record.begin(spec.key, spec.title)
        if action:
            try:
                detail = action()
            except SupatasksError as exc:
                record.finish(spec.key, FAILED, str(exc))
                say(f"  FAILED: {exc}\n  Fix it and run the same command again to retry this step.")
                return False
        else:
            detail = "done, confirmed by the operator"
        record.finish(spec.key, OK, detail)
        say(f"  ✓ {detail} ({stamp(parse_iso(record.get(spec.key).finished_at))})")
    record.close("closed")
    say(f"\nAll steps done; the incident record is closed: {record.path}")
    return True


def check_new_project(status_rows, point: RestorePoint, before: list[str]) -> str:
    """Compare the new project's migration status with what a restore to `point` must show.

    `before`: versions applied before the restore point (they must be applied in the new project)."""
    states = {r.version: r.state for r in status_rows}
    problems = [f"{v} is {states.get(v, 'unknown')}, expected applied" for v in before
                if states.get(v) != "applied"]
    problems += [f"{v} is {states[v]}, expected pending (the restore point is before it)" for v in point.versions
                 if states.get(v) not in ("pending", None)]
    if problems:
        raise SupatasksError("the new project does not match the restore point: " + "; ".join(problems))
    return (f"db.status on the new project: {len(before)} migration(s) applied as expected, "
            f"{', '.join(point.versions) or 'none'} pending")


def applied_at_point(rows: list[dict], current: list[str], point: RestorePoint) -> list[str]:
    """The versions a database restored to `point` has applied, replaying the audit log's apply, rollback and
    repair rows that finished by then; versions the log never mentions (applied before supatasks kept an audit
    log) count when they are older than what is being undone."""
    events = sorted((r for r in rows if r["outcome"] == "ok" and r["version"]
                     and r["action"] in ("apply", "rollback", "repair")), key=lambda r: r["id"])
    state: dict[str, bool] = {}
    mentioned: set[str] = set()
    for r in events:
        mentioned.add(r["version"])
        if r["finished_at"] > point.at:
            continue
        if r["action"] == "apply":
            state[r["version"]] = True
        elif r["action"] == "rollback":
            state[r["version"]] = False
        else:
            state[r["version"]] = (r.get("details") or {}).get("status") == "applied"
    result = {v for v, on in state.items() if on}
    oldest_undone = min(point.versions) if point.versions else None
    result |= {v for v in current if v not in mentioned and (oldest_undone is None or v < oldest_undone)}
    return sorted(result - set(point.versions))


# -- db.pitr: which record, which restore point, what supatasks does itself -----------------------------------

def existing_record(target, record: str | None = None, new: bool = False) -> IncidentRecord | None:
    """The record to resume: the one named, else the newest unfinished one of this profile (none with `new`)."""
    from pathlib import Path

    from .incident import incidents_dir

    if record:
        return IncidentRecord.load(Path(record))
    if new:
        return None
    found = IncidentRecord.find_open(incidents_dir(target.project, target.profile.values), "pitr", target.name)
    return IncidentRecord.load(found) if found else None


def restore_point_for(target, *, version=None, batch=None, margin=None, at=None) -> RestorePoint:
    """--at as given, else the point before --version / --batch (default: the latest push) from the audit log."""
    from .. import audit
    from ..migrations import history

    if at:
        return explicit_restore_point(at)
    with target.connect() as conn:
        rows = audit.read_audit(conn)
        applied = {r.version for r in history.read_history(conn)}
    return compute_restore_point(rows, applied, version=version, batch=batch,
                                 margin=DEFAULT_MARGIN if margin is None else margin)


def printed_checklist(target, existing: IncidentRecord | None, **point) -> str:
    """`db.pitr --print`: the checklist as Markdown, with the restore point where it can be known."""
    from ..errors import ConnectionFailed

    problem = None
    if existing:
        found = record_point(existing)
    else:
        try:
            found = restore_point_for(target, **point)
        except ConnectionFailed as exc:
            found, problem = None, f"cannot read the audit log ({exc})"
    return checklist_markdown(target.name, target.profile.project_ref, found, point_error=problem, record=existing)


def start_or_resume(target, existing: IncidentRecord | None, *, ask: Callable[[str], str],
                    say: Callable[[str], None], **point) -> IncidentRecord:
    """The record the walk goes through: `existing` resumed, or a new one after the person agrees to the
    restore point. Needs a terminal (the walk asks at every step)."""
    from ..confirmation import is_interactive
    from ..errors import Refused
    from .incident import incidents_dir

    if not is_interactive():
        raise Refused("db.pitr walks the checklist step by step and needs a terminal; `inv db.pitr --print` "
                      "writes it as Markdown; nothing was changed")
    project, ref = target.project, target.profile.project_ref
    if existing:
        done = sum(1 for s in existing.steps if s.status in (OK, SKIPPED))
        say(f"Resuming {project.relative(existing.path)}: {done} of {len(existing.steps)} steps done.")
        for line in record_point(existing).describe():
            say(line)
        return existing
    found = restore_point_for(target, **point)
    say(f"Point-in-time recovery of {target.describe()}")
    for line in found.describe():
        say(line)
    say(f"Point-in-time recovery page: {PITR_PAGE.format(ref=ref or '<project-ref>')}")
    say(f"Restore to a new project:   {RESTORE_TO_NEW_PAGE.format(ref=ref or '<project-ref>')}")
    say(f"Plan requirement: {PLAN_REQUIREMENT}")
    if ask("\nStart the recovery checklist with this restore point? [y/N] ").strip().lower() not in ("y", "yes"):
        raise Refused("not started; nothing was changed")
    run = open_record(incidents_dir(project, target.profile.values), target.name, ref, found)
    say(f"Incident record: {project.relative(run.path)} (resumable: run the same command again)")
    return run


def actions_for(target, run: IncidentRecord, new_env: str | None, show_status) -> dict[str, Action]:
    """What db.pitr does itself: the backup (step 2) and, given the new project's profile, db.status (step 4).
    `show_status(title, rows)` prints the new project's migrations."""

    def backup_now() -> str:
        from .backup import take_backup

        result = take_backup(target, label="pitr", details={"incident": target.project.relative(run.path)})
        run.set_fact("Backup of the current state", target.project.relative(result.path))
        return f"backup written: {result.describe(target.project)}"

    def check_new() -> str:
        from .. import audit
        from ..migrations import history
        from ..migrations.up import migration_status
        from ..target import open_target

        point = record_point(run)
        with target.connect() as conn:
            rows = audit.read_audit(conn)
            current = [r.version for r in history.read_history(conn)]
        expected = applied_at_point(rows, current, point)
        new_target = open_target(target.project, new_env)
        status = migration_status(new_target)
        show_status(f"migrations on {new_target.describe()}", status.rows)
        return check_new_project(status.rows, point, expected)

    actions = {"backup": backup_now}
    if new_env:
        actions["check"] = check_new
    return actions
