"""The audit log: one row per write supatasks makes, kept in the database it touched."""

from __future__ import annotations

import getpass
import json
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path

TABLE = "supabase_migrations.supatasks_audit"

ENSURE_AUDIT_SQL = """
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.supatasks_audit (
    id bigserial PRIMARY KEY,
    batch_id uuid NOT NULL,
    profile text NOT NULL,
    action text NOT NULL,
    version text,
    name text,
    content_hash text,
    outcome text NOT NULL DEFAULT 'ok',
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration_ms integer NOT NULL,
    actor text NOT NULL,
    tool_version text NOT NULL,
    git_commit text,
    details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS supatasks_audit_started_idx ON supabase_migrations.supatasks_audit (started_at);
"""

COLUMNS = ("id", "batch_id", "profile", "action", "version", "name", "content_hash", "outcome",
           "started_at", "finished_at", "duration_ms", "actor", "tool_version", "git_commit", "details")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class AuditContext:
    """Who is writing, from where, as part of which run (batch)."""

    profile: str
    project_root: Path | None = None
    batch_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @cached_property
    def actor(self) -> str:
        try:
            user = getpass.getuser()
        except Exception:
            user = "unknown"
        return f"{user}@{socket.gethostname()}"

    @cached_property
    def git_commit(self) -> str | None:
        return git_head(self.project_root) if self.project_root else None

    @property
    def tool_version(self) -> str:
        from . import __version__
        return f"supatasks {__version__}"


def git_head(root: Path) -> str | None:
    """The commit checked out in `root`, read from .git directly (running git costs more than a reset)."""
    git = root / ".git"
    try:
        if git.is_file():  # a worktree or submodule: "gitdir: <path>"
            git = (root / git.read_text().split(":", 1)[1].strip()).resolve()
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head or None
        ref = head[5:]
        loose = git / ref
        if loose.is_file():
            return loose.read_text().strip() or None
        packed = git / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                if line.endswith(" " + ref):
                    return line.split(" ", 1)[0]
    except (OSError, IndexError):
        return None
    return None


def ensure_audit(conn) -> None:
    if not conn.execute(f"SELECT to_regclass('{TABLE}') IS NOT NULL").fetchone()[0]:
        conn.execute(ENSURE_AUDIT_SQL)


def record(conn, ctx: AuditContext, action: str, *, started_at: datetime | None,
           finished_at: datetime | None = None, version: str | None = None, name: str | None = None,
           content_hash: str | None = None, outcome: str = "ok", details: dict | None = None) -> None:
    """One audit row. started_at=None: the server's clock times it — from the start of the current
    transaction to now (for rows written in the same transaction as the work, sent before it has run)."""
    if started_at is None:
        times, values = "now(), clock_timestamp(), (extract(epoch FROM clock_timestamp() - now()) * 1000)::int", ()
    else:
        finished_at = finished_at or utcnow()
        times = "%s, %s, %s"
        values = (started_at, finished_at, int((finished_at - started_at).total_seconds() * 1000))
    conn.execute(
        f"""INSERT INTO {TABLE} (batch_id, profile, action, version, name, content_hash, outcome,
                started_at, finished_at, duration_ms, actor, tool_version, git_commit, details)
            VALUES (%s, %s, %s, %s, %s, %s, %s, {times}, %s, %s, %s, %s)""",
        (ctx.batch_id, ctx.profile, action, version, name, content_hash, outcome, *values, ctx.actor,
         ctx.tool_version, ctx.git_commit, json.dumps(details or {})))


def read_audit(conn, limit: int | None = None, actions: tuple[str, ...] | None = None) -> list[dict]:
    """Newest first."""
    if not conn.execute(f"SELECT to_regclass('{TABLE}') IS NOT NULL").fetchone()[0]:
        return []
    where = "WHERE action = ANY(%s)" if actions else ""
    params: list = [list(actions)] if actions else []
    sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} {where} ORDER BY id DESC"
    if limit:
        sql += " LIMIT %s"
        params.append(limit)
    return [dict(zip(COLUMNS, row)) for row in conn.execute(sql, params).fetchall()]
