"""Rolling back applied migrations with their down files.

`plan_down` decides which migrations to undo (newest first) and reads their down files; `run_down` runs
them — each down file and the DELETE of its history row in ONE transaction, under the migration lock,
with an audit row per step. `db.down` and `db.rollback` share these two functions.

`incident_rollback` is `db.rollback`: the careful, recorded version for an incident (recent pushes from
the audit log, a proposed target, a backup first, the same down files, a verification, an incident record).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from .. import audit
from ..migrations import history
from ..errors import ConfigError, MigrationFileError, Refused, SupatasksError
from ..migrations.files import DOWN_SUFFIX, MigrationFile, down_file_for, scan_migrations
from ..migrations.lock import migration_lock
from ..project import Project
from ..migrations.runner import PreparedMigration, prepare
from ..migrations.executor import execute_statements
from ..target import Target

PITR_HINT = "recover with point-in-time recovery instead: inv db.pitr --env={env}"


# -- planning -------------------------------------------------------------------------------------

@dataclass
class DownStep:
    version: str
    name: str | None
    down_path: Path | None
    label: str | None                      # the down file as shown to people
    prepared: PreparedMigration | None     # the down file read, split and checked
    problem: str | None = None             # why this step cannot run (missing, empty, …)

    @property
    def statements(self) -> list:
        return self.prepared.executable if self.prepared else []

    @property
    def title(self) -> str:
        return f"{self.version} {self.name or ''}".strip()


@dataclass
class DownPlan:
    target: Target
    applied: list[str]       # versions applied when the plan was made, ascending
    steps: list[DownStep]    # newest first

    @property
    def versions(self) -> list[str]:
        return [s.version for s in self.steps]

    @property
    def remaining(self) -> list[str]:
        undone = set(self.versions)
        return [v for v in self.applied if v not in undone]

    @property
    def newest_after(self) -> str | None:
        return self.remaining[-1] if self.remaining else None

    @property
    def blocked(self) -> list[DownStep]:
        return [s for s in self.steps if s.problem]

    def summary(self) -> str:
        t = self.target
        lines = [f"Target: {t.name} — {t.db.display()} (database {t.db.database})"]
        if not self.steps:
            lines.append("Nothing to roll back: no migration is applied.")
            return "\n".join(lines)
        lines.append(f"Roll back {len(self.steps)} migration(s), newest first — each down file runs in one "
                     "transaction together with the removal of its history row:")
        width = max(len(s.title) for s in self.steps)
        for number, s in enumerate(self.steps, 1):
            if s.problem:
                lines.append(f"  {number}. {s.title.ljust(width)}  CANNOT RUN: {s.problem}")
            else:
                lines.append(f"  {number}. {s.title.ljust(width)}  {s.label} ({len(s.statements)} statement(s))")
        after = self.newest_after
        lines.append("Afterwards the newest applied migration will be: "
                     + (after if after else "none (the history will be empty)"))
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"env": self.target.name, "target": self.target.db.display(), "database": self.target.db.database,
                "rollback": [{"version": s.version, "name": s.name, "down_file": s.label,
                              "statements": len(s.statements), "problem": s.problem} for s in self.steps],
                "newest_after": self.newest_after}

    def require_runnable(self) -> None:
        """Refuse — before anything runs — if any migration in the range cannot be rolled back."""
        if not self.blocked:
            return
        reasons = "; ".join(f"{s.title}: {s.problem}" for s in self.blocked)
        raise Refused(f"cannot roll back {', '.join(s.version for s in self.blocked)} — {reasons}. "
                      f"Write the missing down file(s), or {PITR_HINT.format(env=self.target.name)}"
                      f" --version={self.blocked[-1].version}; nothing was changed")


def select_versions(applied: list[str], last=None, to=None) -> list[str]:
    """Which applied versions (ascending list) `--last N` / `--to VERSION` undo, newest first."""
    if last is not None and to is not None:
        raise ConfigError("choose either --last or --to, not both")
    if to is not None:
        to = str(to).strip()
        if to == "0":
            return list(reversed(applied))
        if to not in applied:
            shown = ", ".join(applied[-8:]) or "none"
            raise ConfigError(f"--to={to}: not an applied version (newest applied: {shown}); --to keeps VERSION "
                              "applied and rolls back everything newer (--to=0: everything)")
        return list(reversed(applied[applied.index(to) + 1:]))
    if not applied and last is None:
        return []
    try:
        count = 1 if last is None else int(last)
    except ValueError:
        raise ConfigError(f"--last={last!r}: expected a number") from None
    if count < 1:
        raise ConfigError(f"--last={count}: roll back at least one migration")
    if count > len(applied):
        raise ConfigError(f"--last={count}, but only {len(applied)} migration(s) are applied "
                          "(--to=0 rolls back everything)")
    return list(reversed(applied[-count:]))


def plan_down(target: Target, conn, last=None, to=None) -> DownPlan:
    applied = [r.version for r in history.read_history(conn)]
    return plan_versions(target, conn, select_versions(applied, last, to))


def plan_versions(target: Target, conn, versions: list[str]) -> DownPlan:
    """A plan to undo `versions` (newest first), with every down file read and checked; nothing runs."""
    rows = history.read_history(conn)
    names = {r.version: r.name for r in rows}
    local = scan_migrations(target.project).by_version()
    steps = [down_step(target.project, v, names.get(v), local.get(v)) for v in versions]
    return DownPlan(target, [r.version for r in rows], steps)


def down_step(project: Project, version: str, recorded_name: str | None,
              migration: MigrationFile | None) -> DownStep:
    name = migration.name if migration else recorded_name
    if migration is not None:
        path = down_file_for(project, migration)
    elif name:
        path = down_file_for(project, MigrationFile(version, name, project.migrations_dir / f"{version}_{name}.sql"))
    else:  # neither a local file nor a recorded name: accept one unambiguous down file for the version
        found = sorted(project.rollbacks_dir.glob(f"{version}_*{DOWN_SUFFIX}"))
        path = found[0] if len(found) == 1 else None
    if path is None:
        expected = project.rollbacks_dir / f"{version}_{name or '<name>'}{DOWN_SUFFIX}"
        return DownStep(version, name, None, None, None, f"no down file (expected {project.relative(expected)})")
    label = project.relative(path)
    try:
        prepared = prepare(MigrationFile(version, name or "", path), label)
    except MigrationFileError as exc:
        return DownStep(version, name, path, label, None, str(exc))
    problem = None
    if not prepared.transactional:
        problem = (f"{label} holds a statement that cannot run inside a transaction; a down file runs in one "
                   "transaction with its history row (use e.g. DROP INDEX without CONCURRENTLY)")
    elif not prepared.executable:
        problem = (f"{label} has no SQL statements, only comments: write the undo (for a migration that "
                   "needs none, write `SELECT 1; -- nothing to undo`)")
    return DownStep(version, name, path, label, prepared, problem)


# -- running --------------------------------------------------------------------------------------

class DownReporter:
    """What run_down tells a person while it works; the task layer prints it."""

    def note(self, message: str) -> None:
        pass

    def started(self, step: DownStep) -> None:
        pass

    def finished(self, step: DownStep, seconds: float) -> None:
        pass

    def failed(self, step: DownStep, error: Exception) -> None:
        pass


@dataclass
class DownResult:
    plan: DownPlan
    done: list[tuple[DownStep, float]] = field(default_factory=list)

    @property
    def versions(self) -> list[str]:
        return [s.version for s, _ in self.done]


class DownFailed(SupatasksError):
    """A down file failed: its transaction was rolled back, its history row stays; earlier steps stay done."""

    def __init__(self, result: DownResult, step: DownStep, cause: Exception):
        self.result, self.step, self.cause = result, step, cause
        self.exit_code = getattr(cause, "exit_code", 1)
        done = ", ".join(result.versions) or "none"
        super().__init__(f"{cause}\nrollback of {step.version} failed and was undone (its transaction rolled back, "
                         f"it is still applied); rolled back before the failure: {done}")


def run_down(plan: DownPlan, reporter: DownReporter | None = None, batch: audit.AuditContext | None = None,
             details: dict | None = None) -> DownResult:
    """Run a confirmed plan. Under the lock the history is re-read: if it changed, nothing runs."""
    from ..migrations.up import session_settings
    from ..migrations.executor import session_limits

    reporter = reporter or DownReporter()
    target = plan.target
    plan.require_runnable()
    target.require_migration_safe()
    settings = session_settings(target)
    ctx = batch or audit.AuditContext(target.name, target.project.root)
    result = DownResult(plan)
    with target.connect() as conn:
        audit.ensure_audit(conn)
        with migration_lock(conn, settings.lock_wait, reporter.note):
            now_applied = [r.version for r in history.read_history(conn)]
            if now_applied != plan.applied:
                raise Refused("the migration history changed since the plan was shown (another run?); "
                              "run the command again to see the new plan; nothing was changed")
            for step in plan.steps:
                reporter.started(step)
                started_at, began = audit.utcnow(), time.perf_counter()
                extra = {"down_file": step.label, "statements": len(step.statements), **(details or {})}
                try:
                    with conn.transaction():
                        session_limits(conn, settings, local=True)
                        execute_statements(conn, step.label, step.statements)
                        if history.remove(conn, step.version) != 1:
                            raise Refused(f"{step.version} vanished from the history while rolling back; "
                                          "its down file was undone")
                        audit.record(conn, ctx, "rollback", started_at=started_at, version=step.version,
                                     name=step.name, content_hash=step.prepared.content_hash, details=extra)
                except Exception as exc:
                    _record_failure(conn, ctx, step, started_at, extra, exc)
                    reporter.failed(step, exc)
                    if isinstance(exc, SupatasksError):
                        raise DownFailed(result, step, exc) from None
                    raise
                seconds = time.perf_counter() - began
                result.done.append((step, seconds))
                reporter.finished(step, seconds)
    return result


def _record_failure(conn, ctx, step: DownStep, started_at, extra: dict, exc: Exception) -> None:
    if conn.closed or conn.broken:
        return
    try:
        audit.record(conn, ctx, "rollback", started_at=started_at, version=step.version, name=step.name,
                     content_hash=step.prepared.content_hash if step.prepared else None, outcome="failed",
                     details={**extra, "error": str(exc).splitlines()[0][:500]})
    except Exception:  # the audit row is a courtesy; the failure itself is what must reach the person
        pass


# -- what was applied recently (from the audit log) -----------------------------------------------

@dataclass
class AppliedBatch:
    """One run that applied migrations (a push, an up), as the audit log tells it."""

    batch_id: str
    actor: str
    started_at: datetime
    finished_at: datetime
    versions: list[tuple[str, str | None]]   # in the order applied
    live: list[str]                          # versions whose current application is this batch's
    engine: str | None = None

    @property
    def short(self) -> str:
        return self.batch_id[:8]

    def describe(self) -> str:
        from .incident import stamp

        names = ", ".join(f"{v} {n or ''}".strip() for v, n in self.versions)
        if not self.live:
            state = "rolled back"
        elif len(self.live) == len(self.versions):
            state = "applied"
        else:
            state = f"{len(self.live)} of {len(self.versions)} still applied"
        return (f"batch {self.short}  {stamp(self.started_at)}  by {self.actor}"
                f"{' (' + self.engine + ')' if self.engine else ''}  — {len(self.versions)} migration(s): "
                f"{names}  [{state}]")


def applied_batches(rows: list[dict], applied: set[str]) -> list[AppliedBatch]:
    """Group successful 'apply' audit rows by batch, newest batch first.

    A version applied, rolled back and applied again is live only in the batch of its latest application."""
    applies = sorted((r for r in rows if r["action"] == "apply" and r["outcome"] == "ok" and r["version"]),
                     key=lambda r: r["id"])
    latest: dict[str, str] = {}
    for r in applies:
        latest[r["version"]] = str(r["batch_id"])
    groups: OrderedDict[str, list[dict]] = OrderedDict()
    for r in applies:
        groups.setdefault(str(r["batch_id"]), []).append(r)
    batches = []
    for batch_id, items in groups.items():
        versions = [(r["version"], r["name"]) for r in items]
        live = [v for v, _ in versions if v in applied and latest.get(v) == batch_id]
        engine = (items[0].get("details") or {}).get("engine")
        batches.append(AppliedBatch(batch_id, items[0]["actor"], min(r["started_at"] for r in items),
                                    max(r["finished_at"] for r in items), versions, live, engine))
    batches.sort(key=lambda b: b.started_at, reverse=True)
    return batches


def find_batch(batches: list[AppliedBatch], prefix: str) -> AppliedBatch:
    matches = [b for b in batches if b.batch_id.startswith(prefix.strip().lower())]
    if not matches:
        raise ConfigError(f"--batch={prefix}: no batch with that id applied migrations here "
                          "(see the list above, or `inv db.history`)")
    if len(matches) > 1:
        raise ConfigError(f"--batch={prefix} matches {len(matches)} batches; give more characters")
    return matches[0]


def propose_versions(batches: list[AppliedBatch], applied: list[str], *, batch: str | None = None,
                     to=None, last=None) -> tuple[list[str], str]:
    """The versions to undo (newest first) and why. Default: the most recent batch still applied."""
    if to is not None or last is not None:
        if batch:
            raise ConfigError("choose one of --batch, --to and --last")
        versions = select_versions(applied, last, to)
        how = f"--to={to}" if to is not None else f"--last={last}"
        return versions, f"as asked ({how})"
    if batch:
        chosen = find_batch(batches, batch)
        if not chosen.live:
            raise Refused(f"nothing applied by batch {chosen.short} is still applied; nothing was changed")
        reason = f"undo batch {chosen.short} (as asked)"
    else:
        chosen = next((b for b in batches if b.live), None)
        if chosen is None:
            shown = ", ".join(applied[-5:]) or "none"
            raise Refused("the audit log shows no push whose migrations are still applied (were they applied by "
                          f"another tool?). Applied versions, newest last: {shown}. Choose explicitly with "
                          "--last=N or --to=VERSION; nothing was changed")
        reason = f"undo the most recent push: batch {chosen.short} by {chosen.actor}"
    live = set(chosen.live)
    top = applied[-len(live):]
    if set(top) != live:
        newer = [v for v in applied if v not in live and v > min(live)]
        raise Refused(f"the migrations of batch {chosen.short} ({', '.join(sorted(live))}) are not the newest "
                      f"applied ones: {', '.join(newer)} came after them from another run. Check the list above "
                      f"and choose explicitly with --to=VERSION; nothing was changed")
    return list(reversed(top)), reason


# -- db.rollback: the incident command --------------------------------------------------------------

@dataclass
class IncidentOutcome:
    record: object | None            # incident.IncidentRecord (None for a dry run)
    plan: DownPlan | None = None
    backup: object | None = None     # backup.BackupResult
    result: DownResult | None = None
    verified: bool = False
    dry_run: bool = False


class _StepReporter(DownReporter):
    def __init__(self, record, say: Callable[[str], None]):
        self.record, self.say = record, say

    def note(self, message: str) -> None:
        self.say(f"  … {message}")

    def started(self, step: DownStep) -> None:
        self.say(f"  rolling back {step.title} ({step.label}) …")
        if self.record:
            self.record.begin(f"down:{step.version}", f"Roll back {step.title}")

    def finished(self, step: DownStep, seconds: float) -> None:
        self.say(f"  rolled back {step.title} in {seconds:.2f}s")
        if self.record:
            self.record.finish(f"down:{step.version}", "ok",
                               f"{step.label}: {len(step.statements)} statement(s) and the history row, "
                               f"one transaction, {seconds:.2f}s")

    def failed(self, step: DownStep, error: Exception) -> None:
        if self.record:
            self.record.finish(f"down:{step.version}", "failed",
                               f"{error}\ntransaction rolled back: {step.version} is still applied")


def incident_rollback(target: Target, consent, *, say: Callable[[str], None], batch: str | None = None,
                      to=None, last=None, dry_run: bool = False, take_backup: bool = True,
                      ask: Callable[[str], str] | None = None, interactive: bool | None = None) -> IncidentOutcome:
    """db.rollback: show, propose, confirm, back up, roll back, verify — every step in an incident record."""
    from . import backup as backups
    from ..confirmation import confirm_write
    from .incident import FAILED, OK, REFUSED, IncidentRecord, incidents_dir, stamp
    from ..migrations.up import migration_status
    from ..migrations.exec import reload_schema

    project = target.project
    if not take_backup and target.profile.protected:
        raise Refused(f"profile {target.name} is protected: db.rollback always takes a backup first; "
                      "nothing was changed")
    ctx = audit.AuditContext(target.name, project.root)
    record = None
    if not dry_run:
        record = IncidentRecord.open_new(
            incidents_dir(project, target.profile.values), "rollback", target.name,
            f"Incident record: rollback of {target.name}",
            {"Target": f"{target.db.display()} (database {target.db.database})", "Operator": ctx.actor,
             "Tool": ctx.tool_version + (f", git {ctx.git_commit[:12]}" if ctx.git_commit else ""),
             "Audit batch": ctx.batch_id})
        say(f"Incident record: {project.relative(record.path)} (every step is written there as it happens)")
    outcome = IncidentOutcome(record, dry_run=dry_run)
    current = {"key": "audit", "title": "Read what was applied recently (audit log)"}

    def begin(key: str, title: str) -> None:
        current.update(key=key, title=title)
        if record:
            record.begin(key, title)

    def done(detail: str, status: str = OK) -> None:
        if record:
            record.finish(current["key"], status, detail)

    try:
        begin("audit", "Read what was applied recently (audit log)")
        with target.connect() as conn:
            rows = audit.read_audit(conn)
            applied = [r.version for r in history.read_history(conn)]
            batches = applied_batches(rows, set(applied))
            say(f"\nRecently applied to {target.describe()} (from its audit log, newest first):")
            for b in batches[:5] or []:
                say(f"  {b.describe()}")
            if not batches:
                say("  (no migration applied by supatasks is recorded here)")
            done(f"{len(batches)} applying run(s) recorded; {len(applied)} migration(s) applied now"
                 + (f"; newest run: batch {batches[0].short} by {batches[0].actor} at {stamp(batches[0].started_at)}"
                    if batches else ""))

            begin("target", "Choose what to undo")
            versions, reason = propose_versions(batches, applied, batch=batch, to=to, last=last)
            say(f"\nProposed: {reason}.")
            done(f"{reason}: {', '.join(versions)}")

            begin("plan", "Check that every migration in the range has a down file")
            plan = plan_versions(target, conn, versions)
            outcome.plan = plan
        say(plan.summary())
        if plan.blocked:
            plan.require_runnable()
        done(f"{len(plan.steps)} down file(s) ready; afterwards the newest applied will be "
             f"{plan.newest_after or 'none'}")
        if dry_run:
            say("\ndry run: nothing was changed (no backup, no incident record)")
            return outcome

        begin("confirm", "Confirm")
        confirm_write(target.profile, f"\nAbout to: back up {target.db.database}, then roll back "
                      f"{len(plan.steps)} migration(s) on {target.name}.", consent, show=say, ask=ask,
                      interactive=interactive)
        if target.profile.is_local and not target.profile.protected:
            done("no confirmation needed (local profile)")
        else:
            done("confirmed" + (" (--confirm given)" if getattr(consent, "confirm", None) else
                                " (--yes given)" if getattr(consent, "yes", False) else " at the prompt"))

        if take_backup:
            begin("backup", "Back up the database before changing it")
            say("\nBacking up first (pg_dump, custom format) …")
            result = backups.take_backup(target, label="before-rollback", batch=ctx,
                                         details={"incident": project.relative(record.path)})
            outcome.backup = result
            record.set_fact("Backup", f"{project.relative(result.path)} — restore with "
                                      f"`inv db.restore {project.relative(result.path)} --env={target.name}`")
            say(f"  backup written: {result.describe(project)}")
            done(result.describe(project))
        else:
            record.add("backup", "Back up the database before changing it", "skipped", "--no-backup given")

        say("\nRolling back …")
        current.update(key="rolling back", title="Roll back")
        details = {"incident": project.relative(record.path),
                   "backup": project.relative(outcome.backup.path) if outcome.backup else None}
        outcome.result = run_down(plan, _StepReporter(record, say), ctx, details)

        begin("verify", "Verify the history matches the target")
        status = migration_status(target)
        with target.connect() as conn:
            now_applied = [r.version for r in history.read_history(conn)]
        states = {r.version: r.state for r in status.rows}
        wrong = [v for v in plan.versions if states.get(v) not in (None, "pending")]
        if now_applied != plan.remaining or wrong:
            raise SupatasksError(f"verification failed: history is {now_applied[-5:]} but should end with "
                                 f"{plan.remaining[-5:]}; still applied: {', '.join(wrong) or '-'}")
        outcome.verified = True
        msg = (f"history matches: newest applied is {plan.newest_after or 'none'}; "
               f"{', '.join(plan.versions)} now pending")
        say(f"  {msg}")
        done(msg)

        begin("reload", "Ask PostgREST to reload its schema cache")
        reload_schema(target)
        done("NOTIFY pgrst, 'reload schema' sent")
        record.close("rolled back")
        return outcome
    except Refused as exc:
        if record:
            record.finish(current["key"], REFUSED, str(exc))
            if outcome.plan is not None and outcome.plan.blocked:
                record.note(f"No down file for part of the range: {PITR_HINT.format(env=target.name)}")
            record.close("refused — nothing was changed")
        raise
    except SupatasksError as exc:
        if record:
            if current["key"] != "rolling back":
                record.finish(current["key"], FAILED, str(exc))
            changed = outcome.result is not None or isinstance(exc, DownFailed) and exc.result.done
            record.close("FAILED — " + ("some migrations were rolled back, see the steps" if changed
                                        else "nothing was changed"))
        raise
    except BaseException as exc:  # a database error we did not anticipate, or Ctrl-C: still on record
        if record and not record.closed:
            what = "interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
            if current["key"] != "rolling back":
                record.finish(current["key"], FAILED, what)
            else:
                record.note(f"stopped while rolling back: {what}")
            record.close("FAILED — see the steps for what was done")
        raise
