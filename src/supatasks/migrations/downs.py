"""The down SQL recorded at apply time on the local profile, so `db.sync` can undo a migration whose files a
branch switch took away. Local databases only (never a remote profile's), in a table of supatasks' own next to
the Supabase CLI's history (whose shape stays the CLI's): supabase_migrations.supatasks_downs."""

from __future__ import annotations

from ..project import Project
from .files import MigrationFile, decode_sql, down_file_for, read_file_bytes

TABLE = "supabase_migrations.supatasks_downs"

ENSURE_SQL = f"""
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS {TABLE} (
    version text NOT NULL PRIMARY KEY,
    name text,
    down_file text,          -- where the text came from, relative to the project root
    down_sql text,           -- NULL: the migration had no down file when it was applied
    recorded_at timestamptz NOT NULL DEFAULT now()
);
"""


def ensure_table(conn) -> None:
    if not conn.execute(f"SELECT to_regclass('{TABLE}') IS NOT NULL").fetchone()[0]:
        conn.execute(ENSURE_SQL)


def down_text(project: Project, migration: MigrationFile) -> tuple[str | None, str | None]:
    """(the down file relative to the project, its text), or (None, None) when the migration has none."""
    path = down_file_for(project, migration)
    if path is None:
        return None, None
    return project.relative(path), decode_sql(path, read_file_bytes(path))


def record(conn, project: Project, migrations: list[MigrationFile]) -> None:
    """Record (or update) the down file text of each of `migrations` — applied on this local database."""
    if not migrations:
        return
    ensure_table(conn)
    rows = [(m.version, m.name, *down_text(project, m)) for m in migrations]
    with conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {TABLE} (version, name, down_file, down_sql) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, down_file = EXCLUDED.down_file, "
            "down_sql = EXCLUDED.down_sql, recorded_at = now()", rows)


def recorded(conn) -> dict[str, tuple[str | None, str | None]]:
    """version -> (down file, down SQL or None) of every recorded migration."""
    if not conn.execute(f"SELECT to_regclass('{TABLE}') IS NOT NULL").fetchone()[0]:
        return {}
    return {v: (f, s) for v, f, s in conn.execute(f"SELECT version, down_file, down_sql FROM {TABLE}")}


def forget(conn, version: str) -> None:
    if conn.execute(f"SELECT to_regclass('{TABLE}') IS NOT NULL").fetchone()[0]:
        conn.execute(f"DELETE FROM {TABLE} WHERE version = %s", (version,))
