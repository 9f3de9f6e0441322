"""Databases for tests: servers, one way to make a database, and reading back what supatasks wrote."""

from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path

import psycopg

from supatasks.server.local_server import LocalServer

PG15_BIN = Path("/usr/lib/postgresql/15/bin")
SECRET = "s3cr3t-Pa55-%-word"  # the password of the pw_server fixture's server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(folder: Path, bin_dir: Path | None = None, password: str | None = None) -> LocalServer:
    """A started server with its data under `folder`, on a free port."""
    server = LocalServer(folder / "pgdata", port=free_port(), bin_dir=bin_dir, password=password)
    server.start()
    return server


def create_database(server: LocalServer) -> str:
    """A fresh, empty database on `server` (trust or password auth); its URL, without the password."""
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server.url("postgres"), password=server.password, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


def bootstrapped_database(server) -> str:
    """A fresh database with supatasks' Supabase bootstrap (roles, auth, storage, extensions)."""
    from supatasks.server.bootstrap import apply_bootstrap

    url = create_database(server)
    with connect(url) as conn:
        apply_bootstrap(conn)
    return url


def cli_url(url: str) -> str:
    """The Supabase CLI needs sslmode=disable for a server without TLS."""
    return url + ("&" if "?" in url else "?") + "sslmode=disable"


def connect(url: str, password: str | None = None, **kwargs):
    return psycopg.connect(url, password=password, autocommit=True, **kwargs)


def rows(url: str, sql: str, params=None, password: str | None = None) -> list[tuple]:
    with connect(url, password) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def query(url: str, sql: str, params=None):
    """Like `rows`, but None for a statement without a result."""
    with connect(url) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else None


def applied_versions(url: str, password: str | None = None) -> list[str]:
    """The versions in supabase_migrations.schema_migrations, ascending ([] before the table exists)."""
    with connect(url, password) as conn:
        if conn.execute("SELECT to_regclass('supabase_migrations.schema_migrations')").fetchone()[0] is None:
            return []
        return [r[0] for r in conn.execute("SELECT version FROM supabase_migrations.schema_migrations ORDER BY 1")]


def audit_rows(url: str, password: str | None = None, action: str | None = None) -> list[dict]:
    from supatasks import audit

    with connect(url, password) as conn:
        found = list(reversed(audit.read_audit(conn)))  # oldest first
    return [r for r in found if action is None or r["action"] == action]


def apply_audit_counts(url: str, password: str | None = None) -> dict[str, int]:
    """version -> number of `apply` rows in the audit log."""
    with connect(url, password) as conn:
        if conn.execute("SELECT to_regclass('supabase_migrations.supatasks_audit')").fetchone()[0] is None:
            return {}
        return dict(conn.execute("SELECT version, count(*) FROM supabase_migrations.supatasks_audit "
                                 "WHERE action = 'apply' GROUP BY version").fetchall())


def exists(url: str, relation: str, password: str | None = None) -> bool:
    with connect(url, password) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (relation,)).fetchone()[0]


def snapshot(url: str, password: str | None = None) -> dict:
    from supatasks.checks import snapshot as schema_snapshot

    with connect(url, password) as conn:
        return schema_snapshot.snapshot(conn)


def fingerprint(url: str, password: str | None = None) -> str:
    from supatasks.checks import snapshot as schema_snapshot

    return schema_snapshot.fingerprint(snapshot(url, password))


def table_contents(url: str, tables: list[str], password: str | None = None) -> dict[str, tuple[int, str]]:
    """(row count, md5 of all rows in a stable order) per table."""
    out = {}
    with connect(url, password) as conn:
        for table in tables:
            count, digest = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
            ).fetchone()
            out[table] = (count, digest)
    return out


def migration_lock_holders(url: str, password: str | None = None) -> list[int]:
    """Backends holding supatasks' migration advisory lock."""
    from supatasks.migrations.lock import LOCK_KEY

    return [r[0] for r in rows(url, """
        SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
          AND ((classid::bigint << 32) | objid::bigint) = %s""", (LOCK_KEY,), password)]


def wait_for_sessions_to_end(url: str, password: str | None = None, timeout: float = 15,
                             application: str = "supatasks%") -> None:
    """Wait until no backend of `application` is connected to the database of `url` (a killed client's
    backend lingers until it notices the closed socket)."""
    deadline = time.monotonic() + timeout
    database = url.rsplit("/", 1)[1].split("?")[0]
    while True:
        left = rows(url, "SELECT pid, state, left(query, 60) FROM pg_stat_activity WHERE datname = %s "
                         "AND application_name LIKE %s AND pid <> pg_backend_pid()",
                    (database, application), password)
        if not left:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"sessions still connected after {timeout}s: {left}")
        time.sleep(0.05)
