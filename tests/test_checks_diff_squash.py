"""db.squash on real servers: the example project's migrations squashed into one file with the same catalog
snapshot, data statements kept out with a warning, the repair remote profiles need; --to and --dry-run."""

from __future__ import annotations

import json

from support import connect, copy_example_project, ok, ok_json, run_supatasks

from supatasks.checks.snapshot import diff as snapshot_diff
from supatasks.checks.snapshot import snapshot


def migration_files(root) -> list[str]:
    return sorted(p.name for p in (root / "supabase/migrations").glob("*.sql"))


def down_files(root) -> list[str]:
    return sorted(p.name for p in (root / "supabase/rollbacks").glob("*.sql"))


def test_squash_of_the_example_project_gives_the_same_snapshot(tmp_path, db_url):
    copy_example_project(tmp_path)
    env = {"SUPABASE_DB_URL": db_url}
    before_files = migration_files(tmp_path)
    assert len(before_files) == 12
    ok(["db.reset"], tmp_path, env)
    with connect(db_url) as conn:
        before = snapshot(conn)
    data = ok_json(["db.squash", "--json"], tmp_path, env)
    assert data["ok"] and data["written"] and data["proof"]["ok"]
    assert data["version"] == "20260330120000" and len(data["squashed"]) == 12
    assert migration_files(tmp_path) == ["20260330120000_profiles_role_backfill.sql"]
    assert down_files(tmp_path) == ["20260330120000_profiles_role_backfill.down.sql"]
    assert any("UPDATE" in s and "20260330120000_profiles_role_backfill.sql" in s for s in data["data_statements"])
    assert data["repair"].startswith("inv db.repair 20260210,20260301120000,") and "--status=reverted" in data["repair"]
    ok(["db.reset"], tmp_path, env)
    with connect(db_url) as conn:
        assert snapshot_diff(before, snapshot(conn)) == []
    # the squashed file's down file gives back the bootstrap, and the file applies again
    ok(["db.down", "--last", "1"], tmp_path, env)
    with connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('public.events')").fetchone()[0] is None
    ok(["db.up"], tmp_path, env)
    with connect(db_url) as conn:
        assert snapshot_diff(before, snapshot(conn)) == []


def test_squash_to_a_version_and_dry_run(tmp_path, db_url):
    copy_example_project(tmp_path)
    env = {"SUPABASE_DB_URL": db_url}
    files = migration_files(tmp_path)
    dry = run_supatasks(["db.squash", "--to", "20260301120300", "--dry-run"], tmp_path, env)
    assert dry.returncode == 0, dry.stderr
    assert "CREATE TABLE IF NOT EXISTS public.events" in dry.stdout and "would replace" in dry.stderr
    assert migration_files(tmp_path) == files  # nothing changed
    result = ok(["db.squash", "--to", "20260301120300"], tmp_path, env)
    assert "inv db.repair 20260210,20260301120000,20260301120100,20260301120200 --status=reverted" in result.stderr
    assert migration_files(tmp_path) == ["20260301120300_events.sql"] + files[5:]
    ok(["db.reset"], tmp_path, env)
    bad = run_supatasks(["db.squash", "--to", "20260301120301"], tmp_path, env)
    assert bad.returncode == 1 and "no migration has that version" in bad.stderr
    assert json.loads(ok(["db.diff", "--json"], tmp_path, env).stdout)["empty"] is True
