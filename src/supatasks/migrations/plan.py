"""Comparing the migration files with a database's history: status rows and the pending plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Refused
from ..project import Project
from .files import MigrationFile, Scan
from .history import HistoryRow

APPLIED, PENDING, MISSING, DRIFTED = "applied", "pending", "applied-but-file-missing", "drifted"


@dataclass
class StatusRow:
    version: str
    name: str | None
    state: str
    file: str | None
    applied_at: str | None = None

    def as_dict(self) -> dict:
        return {"version": self.version, "name": self.name, "state": self.state, "file": self.file,
                "applied_at": self.applied_at}


@dataclass
class Plan:
    pending: list[MigrationFile] = field(default_factory=list)
    remote_only: list[str] = field(default_factory=list)
    out_of_order: list[MigrationFile] = field(default_factory=list)
    drifted: list[MigrationFile] = field(default_factory=list)
    include_all: bool = False

    def refusal(self, check_drift: bool = True, local: bool = False) -> str | None:
        """Why this plan must not run (the Supabase CLI's rules plus drift), or None. `local`: the target is
        the local profile, where a branch switch is the usual cause and `db.sync` the fix."""
        if self.remote_only and local:
            return ("migration versions applied to the local database are not in the local migrations folder "
                    "(a branch switch?): " + ", ".join(self.remote_only)
                    + ". Run `inv db.sync` to roll them back with their recorded down SQL and apply the "
                      "checked-out migrations, keeping local data (or `inv db.reset` to rebuild from the files)")
        if self.remote_only:
            return ("remote migration versions not found in the local migrations folder: "
                    + ", ".join(self.remote_only)
                    + ". Update your checkout; if those versions were reverted on purpose, mark them with "
                      "`inv db.repair --status reverted VERSION`")
        if self.out_of_order and not self.include_all:
            return ("local migrations older than the newest applied one: "
                    + ", ".join(m.filename for m in self.out_of_order)
                    + ". Re-run with --include-all to apply them anyway")
        if check_drift and self.drifted:
            return ("applied migrations changed since they were applied (drifted): "
                    + ", ".join(m.filename for m in self.drifted)
                    + ". Restore the files, or write a new migration for the change")
        return None

    def require_runnable(self, check_drift: bool = True, local: bool = False) -> None:
        reason = self.refusal(check_drift, local)
        if reason:
            raise Refused(reason + "; nothing was changed")


def is_drifted(migration: MigrationFile, row: HistoryRow) -> bool:
    """The file no longer splits into the statements recorded when it was applied."""
    if row.statements is None:
        return False  # recorded without statements (e.g. by a repair): nothing to compare
    from ..sqltext.split import history_statements

    return (history_statements(migration.read_text()) or []) != row.statements


def build_plan(scan: Scan, rows: list[HistoryRow], include_all: bool = False, detect_drift: bool = True) -> Plan:
    local = scan.by_version()
    applied = {r.version: r for r in rows}
    plan = Plan(include_all=include_all)
    plan.remote_only = [v for v in applied if v not in local]
    newest = max(applied) if applied else None
    for migration in scan.migrations:
        row = applied.get(migration.version)
        if row is None:
            plan.pending.append(migration)
            if newest is not None and migration.version < newest:
                plan.out_of_order.append(migration)
        elif detect_drift and is_drifted(migration, row):
            plan.drifted.append(migration)
    return plan


def status_rows(project: Project, scan: Scan, rows: list[HistoryRow],
                applied_at: dict[str, str] | None = None) -> list[StatusRow]:
    applied_at = applied_at or {}
    applied = {r.version: r for r in rows}
    out: list[StatusRow] = []
    for migration in scan.migrations:
        row = applied.get(migration.version)
        if row is None:
            state = PENDING
        else:
            state = DRIFTED if is_drifted(migration, row) else APPLIED
        out.append(StatusRow(migration.version, migration.name, state, project.relative(migration.path),
                             applied_at.get(migration.version)))
    local = scan.by_version()
    for row in rows:
        if row.version not in local:
            out.append(StatusRow(row.version, row.name, MISSING, None, applied_at.get(row.version)))
    out.sort(key=lambda r: r.version)
    return out
