"""db.push runs lint first: errors in the files to push block it unless --skip-lint, which the audit records.
Then the advisors: ERROR findings the pending migrations introduce (on a scratch database of the local
server) block it unless --skip-advise, recorded the same way."""

from __future__ import annotations

import json

import pytest

from support import applied_versions, create_database, make_project, one_error_line, query, run_supatasks

CLEAN = ("CREATE TABLE IF NOT EXISTS public.a (id bigint PRIMARY KEY);\n"
         "ALTER TABLE public.a ENABLE ROW LEVEL SECURITY;\n")
NO_RLS = "CREATE TABLE IF NOT EXISTS public.b (id bigint PRIMARY KEY);\n"  # ST010: an error


@pytest.fixture
def staging(tmp_path, pg_server):
    url = create_database(pg_server)
    make_project(tmp_path, {"20260101000001_a.sql": CLEAN, "20260101000002_b.sql": NO_RLS})
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\n")
    (tmp_path / ".env.local").write_text(f"SUPABASE_DB_URL={pg_server.url('postgres')}\n")  # the scratch server
    return tmp_path, url


def push_rows(url) -> list[dict]:
    return [r[0] for r in query(url, "SELECT details FROM supabase_migrations.supatasks_audit "
                                     "WHERE action = 'push' ORDER BY id")]


@pytest.mark.parametrize("task", ["db.push", "db.up"])
def test_lint_errors_block_the_push(staging, task):
    root, url = staging
    result = run_supatasks([task, "--env=staging", "--yes"], root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "ST010" in result.stdout and "--skip-lint" in result.stderr and "nothing was changed" in result.stderr
    assert applied_versions(url) == []


def test_skip_lint_pushes_and_is_recorded(staging):
    root, url = staging
    result = run_supatasks(["db.push", "--env=staging", "--yes", "--skip-lint", "--skip-advise"], root)
    assert result.returncode == 0, result.stderr
    assert "lint skipped" in result.stdout and "advisors skipped" in result.stdout
    assert applied_versions(url) == ["20260101000001", "20260101000002"]
    assert push_rows(url) == [{"lint": {"skipped": True}, "advise": {"skipped": True}}]


@pytest.mark.parametrize("task", ["db.push", "db.up"])
def test_a_public_table_without_rls_is_refused_by_the_advisors(staging, task, pg_server):
    root, url = staging
    result = run_supatasks([task, "--env=staging", "--yes", "--skip-lint"], root)  # past lint's ST010
    assert result.returncode == 2, result.stdout + result.stderr
    assert "advisor ERROR rls_disabled_in_public (SECURITY): table public.b" in result.stdout
    assert "--skip-advise" in result.stderr and "nothing was changed" in result.stderr
    assert applied_versions(url) == []
    scratch = query(pg_server.url("postgres"), "SELECT datname FROM pg_database WHERE datname LIKE 'supatasks_advise_%'")
    assert scratch == []  # the scratch database is dropped


def test_skip_advise_pushes_and_is_recorded(staging):
    root, url = staging
    result = run_supatasks(["db.push", "--env=staging", "--yes", "--skip-lint", "--skip-advise"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert applied_versions(url) == ["20260101000001", "20260101000002"]
    [details] = push_rows(url)
    assert details["advise"] == {"skipped": True}


def test_an_error_already_applied_is_not_blamed_on_the_next_push(staging):
    root, url = staging
    assert run_supatasks(["db.push", "--env=staging", "--yes", "--skip-lint", "--skip-advise"], root).returncode == 0
    (root / "supabase/migrations/20260101000003_c.sql").write_text(
        "ALTER TABLE public.a ADD COLUMN IF NOT EXISTS note text;\n")
    result = run_supatasks(["db.push", "--env=staging", "--yes"], root)  # public.b (0002) is already there
    assert result.returncode == 0, result.stdout + result.stderr
    assert applied_versions(url)[-1] == "20260101000003"
    details = push_rows(url)[-1]["advise"]
    assert details["skipped"] is False and details["introduced_errors"] == 0 and details["errors_before"] == 1


def test_an_advisor_suppression_with_a_reason_lets_the_push_through(staging):
    root, url = staging
    (root / "supabase/supatasks.toml").write_text(
        '[[advise.ignore]]\nrule = "rls_disabled_in_public"\nobject = "public.b"\n'
        'reason = "a public list of holidays, read by everyone"\n')
    result = run_supatasks(["db.push", "--env=staging", "--yes", "--skip-lint"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert applied_versions(url) == ["20260101000001", "20260101000002"]
    assert push_rows(url)[-1]["advise"]["introduced_errors"] == 0


def test_clean_push_records_the_lint_result(staging):
    root, url = staging
    (root / "supabase/migrations/20260101000002_b.sql").write_text(
        NO_RLS + "ALTER TABLE public.b ENABLE ROW LEVEL SECURITY;\n")
    result = run_supatasks(["db.push", "--env=staging", "--yes"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert applied_versions(url) == ["20260101000001", "20260101000002"]
    [details] = push_rows(url)
    assert details["lint"]["skipped"] is False and details["lint"]["errors"] == 0
    assert details["lint"]["warnings"] == 2  # no down files (ST020), a warning does not block


def test_dry_run_reports_lint_errors_without_refusing(staging):
    root, url = staging
    result = run_supatasks(["db.push", "--env=staging", "--dry-run", "--json"], root)
    assert result.returncode == 0, result.stderr
    assert [m["version"] for m in json.loads(result.stdout)["migrations"]] == ["20260101000001", "20260101000002"]
    assert "ST010" in result.stderr  # JSON on stdout stays clean
    assert applied_versions(url) == []


def test_only_the_files_to_push_are_linted(staging):
    root, url = staging
    assert run_supatasks(["db.push", "--env=staging", "--yes", "--skip-lint", "--skip-advise"], root).returncode == 0
    (root / "supabase/migrations/20260101000003_c.sql").write_text(
        "ALTER TABLE public.a ADD COLUMN IF NOT EXISTS note text;\n")
    result = run_supatasks(["db.push", "--env=staging", "--yes"], root)  # 0002's ST010 is already applied
    assert result.returncode == 0, result.stdout + result.stderr
    assert applied_versions(url)[-1] == "20260101000003"
    (root / "supabase/migrations/20260101000004_d_down.sql").write_text("SELECT 1;\n")  # a layout error
    (root / "supabase/migrations/20260101000004_d.sql").write_text("SELECT 1;\n")
    blocked = run_supatasks(["db.push", "--env=staging", "--yes"], root)
    assert blocked.returncode == 2 and "ST021" in blocked.stdout


def test_a_migration_that_does_not_apply_locally_stops_the_advisors_not_the_push_rules(staging):
    root, url = staging
    (root / "supabase/migrations/20260101000002_b.sql").write_text("SELECT 1 / 0;\n")
    result = run_supatasks(["db.push", "--env=staging", "--yes"], root)
    assert "20260101000002_b.sql does not apply on a scratch database" in result.stdout
    assert result.returncode != 0 and "22012" in result.stderr  # the push meets the same error on the target
    assert applied_versions(url) == ["20260101000001"]


def test_applied_migrations_that_do_not_rebuild_locally_refuse_with_one_line(staging):
    root, url = staging
    query(url, "CREATE TABLE public.legacy (id int)")  # made by hand on staging, long ago
    (root / "supabase/migrations/20260101000002_b.sql").write_text(
        "ALTER TABLE public.legacy ADD COLUMN IF NOT EXISTS note text;\n")
    assert run_supatasks(["db.push", "--env=staging", "--yes", "--skip-advise"], root).returncode == 0
    (root / "supabase/migrations/20260101000003_c.sql").write_text("SELECT 1;\n")
    result = run_supatasks(["db.push", "--env=staging", "--yes"], root)
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert "could not rebuild the applied migrations" in line and "42P01" in line and "--skip-advise" in line
    assert applied_versions(url) == ["20260101000001", "20260101000002"]
