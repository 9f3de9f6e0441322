"""The Supabase CLI's migration history table (supabase_migrations.schema_migrations) and seed table."""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA = "supabase_migrations"

# The CLI's own idempotent DDL, so a database set up by either tool looks the same to the other.
ENSURE_HISTORY_SQL = """
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY);
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[];
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text;
"""

ENSURE_SEED_SQL = """
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.seed_files (path text NOT NULL PRIMARY KEY, hash text NOT NULL);
"""


@dataclass(frozen=True)
class HistoryRow:
    version: str
    name: str | None
    statements: list[str] | None


def ensure_history(conn) -> None:
    # Skip the DDL when the table is already there: it would take locks for nothing.
    row = conn.execute(
        "SELECT to_regclass('supabase_migrations.schema_migrations') IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('supabase_migrations.schema_migrations')"
        " AND attname = 'name' AND NOT attisdropped)").fetchone()
    if not row[0]:
        conn.execute(ENSURE_HISTORY_SQL)


def read_history(conn, statements: bool = True) -> list[HistoryRow]:
    """Applied migrations in version order; empty where the table does not exist yet.
    `statements=False`: without the recorded statements (None) — what a plan without a drift check needs,
    and a fraction of the data (the column holds every file's whole text)."""
    if not _history_exists(conn):
        return []
    column = "statements" if statements else "NULL::text[]"
    rows = conn.execute(
        f"SELECT version, name, {column} FROM supabase_migrations.schema_migrations ORDER BY version").fetchall()
    return [HistoryRow(v, n, list(s) if s is not None else None) for v, n, s in rows]


def _history_exists(conn) -> bool:
    return conn.execute("SELECT to_regclass('supabase_migrations.schema_migrations') IS NOT NULL").fetchone()[0]


def record_applied(conn, version: str, name: str, statements: list[str] | None) -> None:
    conn.execute(
        "INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES (%s, %s, %s)",
        (version, name, statements))


def remove(conn, version: str) -> int:
    cur = conn.execute("DELETE FROM supabase_migrations.schema_migrations WHERE version = %s", (version,))
    return cur.rowcount


def ensure_seed_table(conn) -> None:
    if not conn.execute("SELECT to_regclass('supabase_migrations.seed_files') IS NOT NULL").fetchone()[0]:
        conn.execute(ENSURE_SEED_SQL)


def read_seed_hashes(conn) -> dict[str, str]:
    if not conn.execute("SELECT to_regclass('supabase_migrations.seed_files') IS NOT NULL").fetchone()[0]:
        return {}
    return dict(conn.execute("SELECT path, hash FROM supabase_migrations.seed_files").fetchall())


def record_seed(conn, path: str, digest: str) -> None:
    conn.execute(
        "INSERT INTO supabase_migrations.seed_files (path, hash) VALUES (%s, %s) "
        "ON CONFLICT (path) DO UPDATE SET hash = EXCLUDED.hash", (path, digest))
