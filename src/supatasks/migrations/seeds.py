"""Seed files: found through [db.seed] sql_paths, run in a transaction each, recorded like the CLI does."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .. import audit
from ..project import Project
from . import history
from .files import decode_sql, read_file_bytes, sha256_hex


@dataclass(frozen=True)
class SeedFile:
    path: Path
    label: str   # relative to the project root, e.g. supabase/seed.sql (the CLI's key)
    data: bytes

    @property
    def digest(self) -> str:
        return sha256_hex(self.data)


def seed_files(project: Project) -> list[SeedFile]:
    """The seed files in [db.seed] sql_paths order (globs relative to supabase/); none if disabled."""
    enabled, patterns = project.seed_settings()
    if not enabled:
        return []
    found: list[SeedFile] = []
    seen: set[Path] = set()
    for pattern in patterns:
        matches = sorted(project.supabase_dir.glob(pattern.removeprefix("./")))
        for path in matches:
            path = path.absolute()
            if path in seen or not path.is_file():
                continue
            seen.add(path)
            found.append(SeedFile(path, project.relative(path), read_file_bytes(path)))
    return found


def pending_seeds(conn, files: list[SeedFile]) -> list[SeedFile]:
    """Seed files never run here or changed since (the CLI's rule for `db push --include-seed`)."""
    recorded = history.read_seed_hashes(conn)
    return [f for f in files if recorded.get(f.label) != f.digest]


def run_seeds(conn, files: list[SeedFile], audit_ctx: audit.AuditContext | None = None,
              on_seed=lambda label, seconds: None) -> None:
    """Run each seed file in its own transaction together with its seed_files row."""
    from ..sqltext.split import split_statements
    from .executor import executable, execute_statements

    parsed = [(f, executable(split_statements(decode_sql(f.path, f.data)))) for f in files]
    history.ensure_seed_table(conn)
    if audit_ctx is not None:
        audit.ensure_audit(conn)
    for seed, statements in parsed:
        began, started_at = time.perf_counter(), audit.utcnow()
        with conn.transaction():
            execute_statements(conn, seed.label, statements)
            history.record_seed(conn, seed.label, seed.digest)
            if audit_ctx is not None:
                audit.record(conn, audit_ctx, "seed", started_at=started_at, name=seed.label,
                             content_hash=seed.digest)
        on_seed(seed.label, time.perf_counter() - began)
