"""db.down on real servers: newest first, one transaction per down file with its history row, refusals."""

from __future__ import annotations

import json

import pytest

from support import (REF, SECRET, applied_versions, audit_rows, connect, exists, make_project, ok, ok_json,
                     profiles_project, run_supatasks, table_contents)

M = {  # lint-clean (db.push lints first): idempotent, row level security on
    "20260101000001_a.sql": "CREATE TABLE IF NOT EXISTS public.a (id bigint PRIMARY KEY);\n"
                            "ALTER TABLE public.a ENABLE ROW LEVEL SECURITY;\n",
    "20260101000002_b.sql": "CREATE TABLE IF NOT EXISTS public.b (id bigint PRIMARY KEY);\n"
                            "ALTER TABLE public.b ENABLE ROW LEVEL SECURITY;\n",
    "20260101000003_c.sql": "CREATE TABLE IF NOT EXISTS public.c (id bigint PRIMARY KEY);\n"
                            "ALTER TABLE public.c ENABLE ROW LEVEL SECURITY;\n"
                            "ALTER TABLE public.a ADD COLUMN IF NOT EXISTS note text;\n",
}
DOWN = {
    "20260101000001_a.down.sql": "DROP TABLE IF EXISTS public.a;\n",
    "20260101000002_b.down.sql": "-- undo b\nDROP TABLE IF EXISTS public.b;\n",
    "20260101000003_c.down.sql": "ALTER TABLE public.a DROP COLUMN IF EXISTS note;\nDROP TABLE IF EXISTS public.c;\n",
}
ALL = ["20260101000001", "20260101000002", "20260101000003"]


@pytest.fixture
def local(tmp_path, db_url):
    make_project(tmp_path, M, rollbacks=DOWN)
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.up"], tmp_path, env)
    assert applied_versions(db_url) == ALL
    return tmp_path, db_url, env


def test_default_rolls_back_the_newest_one_with_its_history_row_and_an_audit_row(local):
    root, url, env = local
    with connect(url) as conn:
        conn.execute("INSERT INTO public.a (id, note) VALUES (1, 'kept row')")
    result = ok(["db.down"], root, env)
    assert "20260101000003 c" in result.stdout and "rolled back 1 migration(s)" in result.stdout
    assert applied_versions(url) == ALL[:2]
    assert not exists(url, "public.c") and exists(url, "public.b")
    assert table_contents(url, ["public.a"])["public.a"][0] == 1  # the row in a table c does not own survives
    rows = audit_rows(url, action="rollback")
    assert [(r["version"], r["outcome"]) for r in rows] == [("20260101000003", "ok")]
    assert rows[0]["details"]["down_file"] == "supabase/rollbacks/20260101000003_c.down.sql"
    # and the migration applies again
    ok(["db.up"], root, env)
    assert applied_versions(url) == ALL


def test_last_and_to_roll_back_newest_first(local):
    root, url, env = local
    data = ok_json(["db.down", "--last=2", "--json"], root, env)
    assert [r["version"] for r in data["rolled_back"]] == ["20260101000003", "20260101000002"]
    assert applied_versions(url) == ALL[:1]
    ok(["db.up"], root, env)
    ok(["db.down", "--to=20260101000001"], root, env)
    assert applied_versions(url) == ALL[:1]
    ok(["db.up"], root, env)
    ok(["db.down", "--to=0"], root, env)
    assert applied_versions(url) == [] and not exists(url, "public.a")
    order = [r["version"] for r in audit_rows(url, action="rollback")]
    assert order[-3:] == ["20260101000003", "20260101000002", "20260101000001"]


def test_dry_run_and_json_change_nothing(local):
    root, url, env = local
    data = ok_json(["db.down", "--last=3", "--dry-run", "--json"], root, env)
    assert [s["version"] for s in data["rollback"]] == list(reversed(ALL))
    assert data["newest_after"] is None and data["rolled_back"] == []
    assert applied_versions(url) == ALL and exists(url, "public.c")


def test_missing_down_file_anywhere_in_the_range_runs_nothing(local):
    root, url, env = local
    (root / "supabase/rollbacks/20260101000002_b.down.sql").unlink()
    result = run_supatasks(["db.down", "--last=2"], root, env)
    assert result.returncode == 2
    assert "20260101000002" in result.stderr and "no down file" in result.stderr
    assert "db.pitr" in result.stderr and "nothing was changed" in result.stderr
    # the newest one HAS a down file, and still did not run
    assert applied_versions(url) == ALL and exists(url, "public.c")
    assert audit_rows(url, action="rollback") == []


def test_comment_only_down_file_is_refused(local):
    root, url, env = local
    (root / "supabase/rollbacks/20260101000003_c.down.sql").write_text("-- TODO: write the undo\n")
    result = run_supatasks(["db.down"], root, env)
    assert result.returncode == 2 and "only comments" in result.stderr
    assert applied_versions(url) == ALL and exists(url, "public.c")


def test_failing_down_file_rolls_back_its_transaction_and_keeps_the_history_row(local):
    root, url, env = local
    # the first statement succeeds, the second fails: the first must be undone too
    (root / "supabase/rollbacks/20260101000002_b.down.sql").write_text(
        "DROP TABLE IF EXISTS public.b;\nSELECT 1 / 0;\n")
    result = run_supatasks(["db.down", "--last=2"], root, env)
    assert result.returncode == 1
    assert "supabase/rollbacks/20260101000002_b.down.sql:2: ERROR 22012" in result.stderr
    assert "still applied" in result.stderr
    assert applied_versions(url) == ALL[:2]                 # c was rolled back before the failure
    assert exists(url, "public.b")                  # b's DROP was rolled back with its transaction
    assert not exists(url, "public.c")
    outcomes = [(r["version"], r["outcome"]) for r in audit_rows(url, action="rollback")]
    assert outcomes == [("20260101000003", "ok"), ("20260101000002", "failed")]


def test_legacy_down_file_is_used_by_db_down(tmp_path, db_url):
    make_project(tmp_path, M)
    (tmp_path / "supabase/migrations/20260101000003_c_down.sql").write_text(DOWN["20260101000003_c.down.sql"])
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.up"], tmp_path, env)
    assert applied_versions(db_url) == ALL  # the _down.sql file was not applied as a migration
    assert exists(db_url, "public.c")
    result = ok(["db.down"], tmp_path, env)
    assert "supabase/migrations/20260101000003_c_down.sql" in result.stdout
    assert applied_versions(db_url) == ALL[:2] and not exists(db_url, "public.c")


def test_bad_selections_are_clear_errors(local):
    root, url, env = local
    for args, text in ((["--last=5"], "only 3 migration(s) are applied"),
                       (["--to=20250101"], "not an applied version"),
                       (["--last=1", "--to=0"], "either --last or --to")):
        result = run_supatasks(["db.down", *args], root, env)
        assert result.returncode == 1 and text in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert applied_versions(url) == ALL


def test_history_changed_since_the_plan_runs_nothing(local, monkeypatch):
    """The plan is re-checked under the lock: a migration applied meanwhile stops the run."""
    from supatasks.errors import Refused
    from supatasks.project import Project
    from supatasks.recovery.down import plan_down, run_down
    from supatasks.target import open_target

    root, url, env = local
    ok(["db.down"], root, env)
    monkeypatch.setenv("SUPABASE_DB_URL", url)
    target = open_target(Project(root), "local")
    with target.connect() as conn:
        plan = plan_down(target, conn, last=1)
    assert plan.versions == ["20260101000002"]
    ok(["db.up"], root, env)  # someone else applies c meanwhile
    with pytest.raises(Refused, match="history changed"):
        run_down(plan)
    assert applied_versions(url) == ALL and exists(url, "public.b")


@pytest.mark.parametrize("args", [
    ["db.down", "--env=staging"],
    ["db.down", "--env=production"],
    ["db.down", "--env=production", "--yes"],
    ["db.down", "--env=production", "--confirm=staging"],
])
def test_without_terminal_and_consent_nothing_changes(tmp_path, pg_server, pw_server, args):
    urls = profiles_project(tmp_path, pg_server, pw_server, M, DOWN)
    ok(["db.push", "--env=staging", "--yes"], tmp_path)
    ok(["db.push", "--env=production", f"--confirm={REF}"], tmp_path)
    result = run_supatasks(args, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "nothing was changed" in result.stderr
    assert applied_versions(urls["staging"]) == ALL and applied_versions(urls["production"], SECRET) == ALL


def test_production_with_the_ref_rolls_back_and_keeps_the_secret_out(tmp_path, pg_server, pw_server):
    urls = profiles_project(tmp_path, pg_server, pw_server, M, DOWN)
    ok(["db.push", "--env=production", f"--confirm={REF}"], tmp_path)
    result = ok(["db.down", "--env=production", f"--confirm={REF}", "--json"], tmp_path)
    assert json.loads(result.stdout)["rolled_back"][0]["version"] == "20260101000003"
    assert applied_versions(urls["production"], SECRET) == ALL[:2]
    assert SECRET not in result.stdout + result.stderr
    staged = ok(["db.down", "--env=staging", "--yes"], tmp_path)  # staging: nothing applied there
    assert "Nothing to roll back" in staged.stdout
