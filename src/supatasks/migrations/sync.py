"""db.sync: bring the local database to exactly the checked-out migrations, keeping local data.

After a branch switch the local database may hold migrations whose files are gone (they were on the other
branch) and lack ones that are new here. Migrations applied but missing from the folder — and applied ones
whose file changed (drifted) — are rolled back newest first with the down SQL recorded when they were
applied (migrations/downs.py), each in one transaction with the removal of its history row; then every
checked-out migration not applied yet runs, older ones included. Where no down SQL is known, nothing
changes and the message offers `inv db.reset`. Local profile only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .. import audit
from ..errors import Refused
from ..reporter import Reporter
from ..target import Target
from . import downs, history
from .files import require_no_duplicates, scan_migrations
from .plan import build_plan


@dataclass
class SyncStep:
    version: str
    name: str | None
    down_file: str | None     # where the recorded down SQL came from
    down_sql: str | None
    reason: str               # "file missing" | "file changed"

    @property
    def title(self) -> str:
        return f"{self.version} {self.name or ''}".strip()

    @property
    def label(self) -> str:
        return f"{self.down_file or self.version} (recorded)"


@dataclass
class SyncPlan:
    rollback: list[SyncStep]            # newest first
    apply: list                         # MigrationFile, in version order

    @property
    def unknown(self) -> list[SyncStep]:
        return [s for s in self.rollback if not (s.down_sql or "").strip()]

    def require_runnable(self) -> None:
        if self.unknown:
            listed = ", ".join(f"{s.title} ({s.reason})" for s in self.unknown)
            raise Refused(f"no down SQL is known for {listed}: it was applied without a down file, or before "
                          "supatasks recorded them. Run `inv db.reset` to rebuild the local database from the "
                          "checked-out files (local data is lost); nothing was changed")


@dataclass
class SyncResult:
    plan: SyncPlan
    rolled_back: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"rolled_back": self.rolled_back, "applied": self.applied, "seconds": round(self.seconds, 3)}


def plan_sync(target: Target, conn) -> SyncPlan:
    scan = scan_migrations(target.project)
    require_no_duplicates(scan)
    rows = history.read_history(conn)
    plan = build_plan(scan, rows, include_all=True, detect_drift=True)
    names = {r.version: r.name for r in rows}
    known = downs.recorded(conn)
    undo = [(v, "file missing") for v in plan.remote_only] + [(m.version, "file changed") for m in plan.drifted]
    steps = [SyncStep(v, names.get(v), *known.get(v, (None, None)), reason=why)
             for v, why in sorted(undo, reverse=True)]
    reapply = sorted(plan.pending + plan.drifted, key=lambda m: m.version)
    return SyncPlan(steps, reapply)


def sync_local(target: Target, reporter: Reporter | None = None, dry_run: bool = False) -> SyncResult:
    """db.sync on the local profile (refused elsewhere: remote histories change only through push/down)."""
    from ..sqltext.split import split_statements
    from .executor import executable, execute_statements, session_limits
    from .lock import migration_lock
    from .runner import apply_migrations, prepare
    from .up import session_settings

    if not target.profile.is_local:
        raise Refused(f"db.sync is for the local profile; {target.name} changes through `inv db.push` and "
                      "`inv db.down`; nothing was changed")
    reporter = reporter or Reporter()
    began = time.perf_counter()
    settings = session_settings(target)
    ctx = audit.AuditContext(target.name, target.project.root)
    with target.connect() as conn:
        plan = plan_sync(target, conn)
        plan.require_runnable()
        result = SyncResult(plan)
        if dry_run:
            return result
        project = target.project
        prepared = [prepare(m, project.relative(m.path), local=True) for m in plan.apply]
        parsed = [(s, executable(split_statements(s.down_sql))) for s in plan.rollback]
        if prepared:
            from ..server.bootstrap import ensure_bootstrapped
            ensure_bootstrapped(conn)
        audit.ensure_audit(conn)
        with migration_lock(conn, settings.lock_wait, reporter.note):
            if plan_sync(target, conn).rollback != plan.rollback:
                raise Refused("the migration history changed meanwhile (another run?); run db.sync again")
            for step, statements in parsed:
                reporter.started(step)
                started_at, step_began = audit.utcnow(), time.perf_counter()
                with conn.transaction():
                    session_limits(conn, settings, local=True)
                    execute_statements(conn, step.label, statements)
                    history.remove(conn, step.version)
                    downs.forget(conn, step.version)
                    audit.record(conn, ctx, "rollback", started_at=started_at, version=step.version,
                                 name=step.name, details={"by": "db.sync", "reason": step.reason,
                                                          "down_file": step.down_file})
                conn.execute("RESET ALL")
                reporter.finished(step, time.perf_counter() - step_began)
                result.rolled_back.append(step.version)
        applied = apply_migrations(conn, prepared, settings, reporter, ctx)
        downs.record(conn, project, [p.migration for p in applied])
        result.applied = [p.migration.version for p in applied]
    result.seconds = time.perf_counter() - began
    return result
