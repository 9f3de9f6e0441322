"""Interop with the real, pinned Supabase CLI: each tool sees the other's history as its own."""

from __future__ import annotations

import json
import os
import subprocess

from support import cli_url, copy_example_project, query, run_supatasks


def supabase(cli, args, project, url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE_")}
    env["DO_NOT_TRACK"] = "1"
    return subprocess.run([cli, *args, "--db-url", cli_url(url), "--workdir", str(project)], cwd=project,
                          env=env, capture_output=True, text=True, timeout=300, input="y\n")


def local_versions(project):
    return sorted(p.name.split("_", 1)[0] for p in (project / "supabase/migrations").glob("*.sql"))


def test_supatasks_up_looks_applied_to_the_cli(tmp_path, db_url, supabase_cli):
    copy_example_project(tmp_path)
    assert run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": db_url}).returncode == 0
    listing = supabase(supabase_cli, ["migration", "list"], tmp_path, db_url)
    assert listing.returncode == 0, listing.stderr
    rows = [line.replace("`", "") for line in listing.stdout.splitlines() if "|" in line]
    rows = [line for line in rows if line.strip()[:1].isdigit()]
    assert len(rows) == len(local_versions(tmp_path))
    for line in rows:
        local, remote = [cell.strip() for cell in line.split("|")[:2]]
        assert local == remote and local in local_versions(tmp_path)
    push = supabase(supabase_cli, ["db", "push", "--dry-run"], tmp_path, db_url)
    assert push.returncode == 0, push.stderr
    assert "Remote database is up to date" in push.stdout + push.stderr


def test_cli_migration_up_looks_applied_to_supatasks(tmp_path, db_url, supabase_cli, pg_server):
    copy_example_project(tmp_path)
    # the CLI does not bootstrap: give the database the Supabase roles/schemas first, as a Supabase stack has
    from supatasks.server.bootstrap import apply_bootstrap
    import psycopg
    with psycopg.connect(db_url, autocommit=True) as conn:
        apply_bootstrap(conn)
    up = supabase(supabase_cli, ["migration", "up"], tmp_path, db_url)
    assert up.returncode == 0, up.stderr
    status = run_supatasks(["db.status", "--json"], tmp_path, {"SUPABASE_DB_URL": db_url})
    assert status.returncode == 0, status.stderr
    rows = json.loads(status.stdout)["migrations"]
    assert [r["version"] for r in rows] == local_versions(tmp_path)
    assert {r["state"] for r in rows} == {"applied"}


def test_engine_cli_and_default_engine_write_the_same_history(tmp_path, pg_server, supabase_cli):
    from support import create_database
    from supatasks.server.bootstrap import apply_bootstrap
    import psycopg

    copy_example_project(tmp_path)
    urls = [create_database(pg_server), create_database(pg_server)]
    for url in urls:
        with psycopg.connect(url, autocommit=True) as conn:
            apply_bootstrap(conn)
    env = {"SUPABASE_CLI": supabase_cli}
    ours = run_supatasks(["db.up"], tmp_path, {**env, "SUPABASE_DB_URL": urls[0]})
    theirs = run_supatasks(["db.up", "--engine=cli"], tmp_path, {**env, "SUPABASE_DB_URL": urls[1]})
    assert ours.returncode == 0, ours.stderr
    assert theirs.returncode == 0, theirs.stderr
    sql = "SELECT version, name, statements FROM supabase_migrations.schema_migrations ORDER BY version"
    assert query(urls[0], sql) == query(urls[1], sql)
    assert len(query(urls[0], sql)) == len(local_versions(tmp_path))
