"""Bringing a database up to date with the migration files, and reporting where it stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..reporter import Reporter
from ..target import Target
from . import history
from .files import Problem, require_no_duplicates, scan_migrations
from .plan import Plan, StatusRow, build_plan, status_rows

if TYPE_CHECKING:  # imported where used: `db.up` with nothing to do needs neither the runner nor the audit log
    from .. import audit
    from .executor import SessionSettings
    from .runner import PreparedMigration


@dataclass
class UpResult:
    plan: Plan
    prepared: list[PreparedMigration]
    applied: list[PreparedMigration] = field(default_factory=list)
    dry_run: bool = False
    stand_ins: str | None = None   # local profile: the development stand-ins line ("" for none), same session


def session_settings(target: Target, retries: int | None = None) -> SessionSettings:
    from .executor import SessionSettings

    p = target.profile
    return SessionSettings(lock_wait=p.lock_wait, lock_timeout=p.lock_timeout, statement_timeout=p.statement_timeout,
                           retries=p.lock_retries if retries is None else retries)


def plan_up(target: Target, conn, include_all: bool = False, check_drift: bool = False):
    """The plan and the prepared (read, split, validated) pending files: nothing runs yet."""
    project = target.project
    scan = scan_migrations(project)
    require_no_duplicates(scan)
    plan = build_plan(scan, history.read_history(conn, statements=check_drift), include_all=include_all,
                      detect_drift=check_drift)
    plan.require_runnable(check_drift=check_drift, local=target.profile.is_local)
    if not plan.pending:
        return plan, []
    from .runner import prepare

    prepared = [prepare(m, project.relative(m.path), local=target.profile.is_local) for m in plan.pending]
    return plan, prepared


def migrate_up(target: Target, *, include_all: bool = False, dry_run: bool = False,
               reporter: Reporter | None = None, batch: audit.AuditContext | None = None,
               check_drift: bool = False, retries: int | None = None) -> UpResult:
    with target.connect() as conn:
        plan, prepared = plan_up(target, conn, include_all, check_drift)
        result = UpResult(plan, prepared, dry_run=dry_run)
        if prepared and not dry_run:
            _apply(target, conn, result, reporter, batch, retries)
        if target.profile.is_local:  # on this session: a second connection only for it would cost more
            from ..server.stand_ins import describe_stand_ins
            result.stand_ins = describe_stand_ins(conn) or ""
    return result


def _apply(target: Target, conn, result: UpResult, reporter, batch, retries) -> None:
    from .. import audit
    from .runner import apply_migrations

    if target.profile.is_local:
        from ..server.bootstrap import ensure_bootstrapped, platform_extras
        if ensure_bootstrapped(conn, platform_extras(target.project)) and reporter:
            reporter.note("bootstrapped the local database (Supabase roles, auth, storage, extensions)")
    target.require_migration_safe()
    ctx = batch or audit.AuditContext(target.name, target.project.root)
    result.applied = apply_migrations(conn, result.prepared, session_settings(target, retries), reporter, ctx)
    if target.profile.is_local:  # the down SQL db.sync needs after a branch switch (local only)
        from . import downs
        downs.record(conn, target.project, [p.migration for p in result.applied])


@dataclass
class Status:
    rows: list[StatusRow]
    problems: list[Problem]

    def as_dict(self) -> dict:
        return {"migrations": [r.as_dict() for r in self.rows],
                "problems": [{"file": p.path.name, "kind": p.kind, "message": p.message} for p in self.problems]}


def migration_status(target: Target) -> Status:
    from .. import audit

    scan = scan_migrations(target.project)
    with target.connect() as conn:
        rows = history.read_history(conn)
        applied_at = {r["version"]: r["finished_at"].isoformat(timespec="seconds")
                      for r in reversed(audit.read_audit(conn, actions=("apply",))) if r["version"]}
    return Status(status_rows(target.project, scan, rows, applied_at), scan.problems)


def parse_retries(value) -> int | None:
    """--retries: a whole number, 0 or more (a negative count would skip the migration altogether)."""
    from ..errors import ConfigError

    if value is None:
        return None
    try:
        count = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"--retries={value!r}: expected a whole number (0 or more)") from None
    if count < 0:
        raise ConfigError(f"--retries={value!r}: must not be negative")
    return count
