"""Running an ad-hoc SQL file against a profile, in one transaction, with an audit row."""

from __future__ import annotations

from pathlib import Path

from .. import audit
from ..errors import MigrationFileError
from ..target import Target
from .files import decode_sql, read_file_bytes, sha256_hex


def execute_file(target: Target, path: Path, batch: audit.AuditContext | None = None) -> int:
    """Returns the number of statements run. Nothing stays applied if any statement fails."""
    from ..sqltext.split import split_statements
    from .executor import executable, execute_statements

    if not path.is_file():
        raise MigrationFileError(f"{path}: no such file")
    data = read_file_bytes(path)
    statements = executable(split_statements(decode_sql(path, data)))
    ctx = batch or audit.AuditContext(target.name, target.project.root)
    label = target.project.relative(path.absolute())
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
