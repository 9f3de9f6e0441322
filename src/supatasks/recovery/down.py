"""Rolling back applied migrations with their down files.

`plan_down` decides which migrations to undo (newest first) and reads their down files; `run_down` runs
them — each down file and the DELETE of its history row in ONE transaction, under the migration lock,
with an audit row per step. `db.down` and `db.rollback` (incident_rollback.py) share these two functions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import audit
from ..errors import ConfigError, MigrationFileError, Refused, SupatasksError
from ..migrations import history
from ..migrations.executor import execute_statements
from ..migrations.files import DOWN_SUFFIX, MigrationFile, down_file_for, scan_migrations
from ..migrations.lock import migration_lock
from ..migrations.runner import PreparedMigration, prepare
from ..project import Project
from ..reporter import Reporter
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
    at_risk: object | None = None  # checks.at_risk.DataAtRisk: what the down files destroy on the target

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
        lines = [self.target.header(database=True)]
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
        if self.at_risk is not None:
            lines += self.at_risk.lines()
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"env": self.target.name, "target": self.target.db.display(), "database": self.target.db.database,
                "rollback": [{"version": s.version, "name": s.name, "down_file": s.label,
                              "statements": len(s.statements), "problem": s.problem} for s in self.steps],
                "newest_after": self.newest_after,
                "data_at_risk": self.at_risk.as_dict() if self.at_risk is not None else None}

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
    return DownPlan(target, [r.version for r in rows], steps,
                    data_at_risk(conn, [(s.label, s.statements) for s in steps if s.prepared]))


def rehearse_down(plan: DownPlan, say=lambda message: None):
    """Run the plan's down files on a copy of the target's schema first (checks/rehearsal.py); nothing runs on
    the target. Raises RehearsalFailed (exit 2) naming the file and line of the first failure."""
    from ..checks.rehearsal import RehearsalStep, rehearse

    plan.require_runnable()
    return rehearse(plan.target, [RehearsalStep(f"roll back {s.title}", s.label, s.statements) for s in plan.steps],
                    say)


def data_at_risk(conn, files: list[tuple[str, list]]):
    """What the statements of `files` destroy on the target (checks/at_risk.py reads them as lint does)."""
    from ..checks.at_risk import assess

    return assess(conn, files)


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


def run_down(plan: DownPlan, reporter: Reporter | None = None, batch: audit.AuditContext | None = None,
             details: dict | None = None) -> DownResult:
    """Run a confirmed plan. Under the lock the history is re-read: if it changed, nothing runs."""
    from ..migrations.executor import session_limits
    from ..migrations.up import session_settings

    reporter = reporter or Reporter()
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
