"""Running an ad-hoc SQL file against a profile, in one transaction, with an audit row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import audit
from ..errors import MigrationFileError
from ..target import Target
from .files import decode_sql, read_file_bytes, sha256_hex


@dataclass
class ExecPlan:
    target: Target
    path: Path
    label: str
    data: bytes
    statements: list
    at_risk: object | None = None  # checks.at_risk.DataAtRisk

    def summary(self) -> str:
        lines = [self.target.header(), f"Run {self.label} in one transaction ({len(self.statements)} statement(s))"]
        if self.at_risk is not None and self.at_risk.items:
            lines += self.at_risk.lines()
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"env": self.target.name, "target": self.target.db.display(), "file": self.label,
                "statements": len(self.statements), "hash": sha256_hex(self.data),
                "data_at_risk": self.at_risk.as_dict() if self.at_risk is not None else None}


def plan_exec(target: Target, path: Path) -> ExecPlan:
    """Read the file and measure what it destroys on the target; nothing runs."""
    from ..sqltext.split import split_statements
    from .executor import executable
    from .push import data_at_risk

    if not path.is_file():
        raise MigrationFileError(f"{path}: no such file")
    data = read_file_bytes(path)
    statements = executable(split_statements(decode_sql(path, data)))
    label = target.project.relative(path.absolute())
    with target.connect() as conn:
        at_risk = data_at_risk(conn, [(label, statements)])
    return ExecPlan(target, path, label, data, statements, at_risk)


def execute_file(target: Target, path: Path, batch: audit.AuditContext | None = None,
                 plan: ExecPlan | None = None) -> int:
    """Returns the number of statements run. Nothing stays applied if any statement fails."""
    from .executor import execute_statements

    plan = plan or plan_exec(target, path)
    data, statements, label = plan.data, plan.statements, plan.label
    ctx = batch or audit.AuditContext(target.name, target.project.root)
    with target.connect() as conn:
        audit.ensure_audit(conn)
        started = audit.utcnow()
        with conn.transaction():
            execute_statements(conn, label, statements)
            audit.record(conn, ctx, "exec", started_at=started, name=label, content_hash=sha256_hex(data),
                         details={"statements": len(statements)})
    return len(statements)


def reload_schema(target: Target) -> None:
    """Ask PostgREST to reload its schema cache (the guide's troubleshooting step)."""
    with target.connect() as conn:
        conn.execute("NOTIFY pgrst, 'reload schema'")
