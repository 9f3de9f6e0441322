"""Helpers shared by the rollback / backup / PITR / reset tests (real servers, real command line)."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from conftest import SECRET, create_database, create_database_pw
from projects import make_project, run_supatasks

REF = "abcdefghijklmnop"


def connect(url: str, password: str | None = None):
    return psycopg.connect(url, password=password, autocommit=True)


def versions(url: str, password: str | None = None) -> list[str]:
    with connect(url, password) as conn:
        if conn.execute("SELECT to_regclass('supabase_migrations.schema_migrations')").fetchone()[0] is None:
            return []
        return [r[0] for r in conn.execute("SELECT version FROM supabase_migrations.schema_migrations ORDER BY 1")]


def audit_rows(url: str, password: str | None = None, action: str | None = None) -> list[dict]:
    from supatasks import audit

    with connect(url, password) as conn:
        rows = list(reversed(audit.read_audit(conn)))  # oldest first
    return [r for r in rows if action is None or r["action"] == action]


def exists(url: str, relation: str, password: str | None = None) -> bool:
    with connect(url, password) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (relation,)).fetchone()[0]


def fingerprint(url: str, password: str | None = None) -> str:
    from supatasks.checks import snapshot as schema_snapshot

    with connect(url, password) as conn:
        return schema_snapshot.fingerprint(schema_snapshot.snapshot(conn))


def snapshot(url: str, password: str | None = None) -> dict:
    from supatasks.checks import snapshot as schema_snapshot

    with connect(url, password) as conn:
        return schema_snapshot.snapshot(conn)


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


def bootstrapped_database(server) -> str:
    """A fresh database with supatasks' Supabase bootstrap (roles, auth, storage, extensions)."""
    from supatasks.server.bootstrap import apply_bootstrap

    url = create_database(server)
    with connect(url) as conn:
        apply_bootstrap(conn)
    return url


def profiles_project(root: Path, pg_server, pw_server, migrations: dict, rollbacks: dict | None = None,
                     seed: str | None = None) -> dict[str, str]:
    """A project with staging (trust server) and production (password server, ref REF) profiles."""
    make_project(root, migrations, seed=seed, rollbacks=rollbacks)
    urls = {"staging": create_database(pg_server), "production": create_database_pw(pw_server)}
    (root / ".env.staging").write_text(f"SUPABASE_DB_URL={urls['staging']}\n")
    (root / ".env.production").write_text(
        f"SUPABASE_DB_URL={urls['production']}\nSUPABASE_DB_PASSWORD={SECRET}\nSUPABASE_PROJECT_REF={REF}\n")
    return urls


def ok(args: list[str], cwd: Path, env: dict | None = None, input: str | None = None):
    result = run_supatasks(args, cwd, env, input=input)
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def ok_json(args: list[str], cwd: Path, env: dict | None = None):
    return json.loads(ok(args, cwd, env).stdout)
