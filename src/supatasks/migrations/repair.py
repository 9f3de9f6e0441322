"""Marking versions applied or reverted in the history without running them (`supabase migration repair`)."""

from __future__ import annotations

from .. import audit
from ..errors import ConfigError
from ..target import Target
from . import history
from .files import scan_migrations

STATUSES = ("applied", "reverted")


def repair(target: Target, status: str, versions: list[str], batch: audit.AuditContext | None = None) -> list[str]:
    """All versions change in one transaction, each with an audit row; returns the versions changed."""
    from ..sqltext.split import history_statements

    if status not in STATUSES:
        raise ConfigError(f"--status={status!r}: choose applied or reverted")
    if not versions:
        raise ConfigError("name at least one VERSION to repair")
    local = scan_migrations(target.project).by_version()
    if status == "applied":
        unknown = [v for v in versions if v not in local]
        if unknown:
            raise ConfigError(f"no local migration file for version(s) {', '.join(unknown)}; nothing was changed")
    ctx = batch or audit.AuditContext(target.name, target.project.root)
    changed: list[str] = []
    with target.connect() as conn:
        history.ensure_history(conn)
        audit.ensure_audit(conn)
        with conn.transaction():
            for version in versions:
                started = audit.utcnow()
                if status == "applied":
                    m = local[version]
                    text = m.read_text()
                    cur = conn.execute(
                        "INSERT INTO supabase_migrations.schema_migrations (version, name, statements) "
                        "VALUES (%s, %s, %s) ON CONFLICT (version) DO NOTHING",
                        (version, m.name, history_statements(text)))
                    from .files import sha256_hex
                    digest, name = sha256_hex(m.read_bytes()), m.name
                else:
                    cur = conn.execute(
                        "DELETE FROM supabase_migrations.schema_migrations WHERE version = %s", (version,))
                    digest, name = None, local[version].name if version in local else None
                if cur.rowcount:
                    changed.append(version)
                audit.record(conn, ctx, "repair", started_at=started, version=version, name=name,
                             content_hash=digest, details={"status": status, "changed": bool(cur.rowcount)})
    return changed
