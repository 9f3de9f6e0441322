"""db.up and db.status through the real command line, against a real PostgreSQL server."""

from __future__ import annotations

import json
import threading

import psycopg
import pytest

from support import make_project, query, run_supatasks
from supatasks.migrations.lock import LOCK_KEY
from supatasks.sqltext.split import history_statements

M1 = "-- first\nCREATE TABLE IF NOT EXISTS public.a (id int PRIMARY KEY);\n"
M2 = ("CREATE OR REPLACE FUNCTION public.touch() RETURNS trigger AS $$\nBEGIN\n  NEW.id = NEW.id; RETURN NEW;\n"
      "END;\n$$ LANGUAGE plpgsql;\n")
M3 = "ALTER TABLE public.a ADD COLUMN IF NOT EXISTS note text;\n"


def env_for(url, **extra):
    return {"SUPABASE_DB_URL": url, **{k: str(v) for k, v in extra.items()}}


def history(url):
    if query(url, "SELECT to_regclass('supabase_migrations.schema_migrations')")[0][0] is None:
        return []
    return query(url, "SELECT version, name, statements FROM supabase_migrations.schema_migrations ORDER BY version")


def test_up_applies_pending_in_order_with_history_rows(tmp_path, db_url):
    files = {"20260101000002_func.sql": M2, "20260101000001_a.sql": M1, "20260101000003_note.sql": M3}
    make_project(tmp_path, files)
    result = run_supatasks(["db.up"], tmp_path, env_for(db_url))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "applied 2026" in line]
    assert [line.split()[1] for line in lines] == sorted(files)
    assert all(line.rstrip().endswith("s)") for line in lines)
    rows = history(db_url)
    assert [(v, n) for v, n, _ in rows] == [("20260101000001", "a"), ("20260101000002", "func"),
                                            ("20260101000003", "note")]
    assert rows[1][2] == history_statements(M2)
    assert query(db_url, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'a'")[0][0] == 2

    again = run_supatasks(["db.up"], tmp_path, env_for(db_url))
    assert again.returncode == 0 and "up to date" in again.stdout
    assert len(history(db_url)) == 3


def test_failing_migration_leaves_no_trace_and_names_file_line_sqlstate(tmp_path, db_url):
    bad = ("CREATE TABLE public.half (id int);\n\n-- the next statement fails\n"
           "INSERT INTO public.half\n  SELECT id FROM public.nowhere;\n")
    make_project(tmp_path, {"20260101000001_a.sql": M1, "20260101000002_bad.sql": bad,
                            "20260101000003_note.sql": M3})
    result = run_supatasks(["db.up"], tmp_path, env_for(db_url))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    first = next(line for line in result.stderr.splitlines() if line.startswith("error:"))
    assert first.startswith("error: supabase/migrations/20260101000002_bad.sql:5: ERROR 42P01:")
    assert 'relation "public.nowhere" does not exist' in first
    assert "STATEMENT: INSERT INTO public.half" in result.stderr
    assert [v for v, _, _ in history(db_url)] == ["20260101000001"]
    assert query(db_url, "SELECT to_regclass('public.half')")[0][0] is None
    assert query(db_url, "SELECT to_regclass('public.a')")[0][0] == "a"


def test_explicit_begin_commit_stays_atomic_with_history_row(tmp_path, db_url):
    body = "BEGIN;\nCREATE TABLE public.inside (id int);\nCOMMIT;\nCREATE TABLE public.after (id int REFERENCES nope(id));\n"
    make_project(tmp_path, {"20260101000001_tx.sql": body})
    result = run_supatasks(["db.up"], tmp_path, env_for(db_url))
    assert result.returncode == 1
    assert ":4: ERROR 42P01" in result.stderr
    assert query(db_url, "SELECT to_regclass('public.inside')")[0][0] is None
    assert history(db_url) == []

    ok = "BEGIN;\nCREATE TABLE public.inside (id int);\nCOMMIT;\n"
    (tmp_path / "supabase/migrations/20260101000001_tx.sql").write_text(ok)
    assert run_supatasks(["db.up"], tmp_path, env_for(db_url)).returncode == 0
    assert history(db_url)[0][2] == ["BEGIN", "CREATE TABLE public.inside (id int)", "COMMIT"]


def test_non_transactional_statement_rule(tmp_path, db_url):
    """A file mixing a statement that refuses a transaction with others is refused before anything runs
    (on the local profile a concurrent index build is the exception: tests/test_migrations_local_rules.py)."""
    mixed = "CREATE TABLE public.t (id int);\nVACUUM public.t;\n"
    make_project(tmp_path, {"20260101000001_a.sql": M1, "20260101000002_mixed.sql": mixed})
    refused = run_supatasks(["db.up"], tmp_path, env_for(db_url))
    assert refused.returncode == 1
    assert "20260101000002_mixed.sql:2: VACUUM cannot run inside a transaction" in refused.stderr
    assert history(db_url) == []  # refused before anything ran, the earlier file included

    (tmp_path / "supabase/migrations/20260101000002_mixed.sql").unlink()
    (tmp_path / "supabase/migrations/20260101000003_idx.sql").write_text(
        "-- alone in its file\nCREATE INDEX CONCURRENTLY IF NOT EXISTS a_id_idx ON public.a (id);\n")
    result = run_supatasks(["db.up"], tmp_path, env_for(db_url))
    assert result.returncode == 0, result.stderr
    assert query(db_url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.a_id_idx'::regclass") == [(True,)]
    assert [v for v, _, _ in history(db_url)] == ["20260101000001", "20260101000003"]


def test_duplicate_version_refused_before_anything_runs(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_a.sql": M1, "20260101000002_x.sql": M3,
                            "20260101000002_y.sql": M3})
    result = run_supatasks(["db.up"], tmp_path, env_for(db_url))
    assert result.returncode == 1
    assert "duplicate migration versions" in result.stderr and "20260101000002_y.sql" in result.stderr
    assert query(db_url, "SELECT to_regclass('supabase_migrations.schema_migrations')")[0][0] is None


def test_dry_run_changes_nothing_and_lists_pending(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_a.sql": M1})
    result = run_supatasks(["db.up", "--dry-run", "--json"], tmp_path, env_for(db_url))
    assert result.returncode == 0
    assert json.loads(result.stdout)["pending"] == ["20260101000001_a.sql"]
    assert query(db_url, "SELECT to_regclass('public.a')")[0][0] is None


def test_status_states_and_problems(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_a.sql": M1, "20260101000002_func.sql": M2,
                            "20260101000003_note.sql": M3})
    assert run_supatasks(["db.up"], tmp_path, env_for(db_url)).returncode == 0
    migrations = tmp_path / "supabase/migrations"
    (migrations / "20260101000002_func.sql").write_text(M2.replace("NEW.id = NEW.id;", "NEW.id = NEW.id + 0;"))
    (migrations / "20260101000003_note.sql").unlink()
    (migrations / "20260101000004_later.sql").write_text("SELECT 1;\n")
    (migrations / "not_a_migration.sql").write_text("SELECT 1;\n")
    result = run_supatasks(["db.status", "--json"], tmp_path, env_for(db_url))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    states = {m["version"]: m["state"] for m in data["migrations"]}
    assert states == {"20260101000001": "applied", "20260101000002": "drifted",
                      "20260101000003": "applied-but-file-missing", "20260101000004": "pending"}
    assert data["migrations"][0]["applied_at"]  # known from the audit log
    assert [p["kind"] for p in data["problems"]] == ["invalid-name"]
    human = run_supatasks(["db.status"], tmp_path, env_for(db_url))
    assert "drifted" in human.stdout and "not_a_migration.sql" in human.stderr


def test_remote_only_and_out_of_order_are_refused(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_a.sql": M1, "20260101000003_note.sql": M3})
    assert run_supatasks(["db.up"], tmp_path, env_for(db_url)).returncode == 0
    (tmp_path / "supabase/migrations/20260101000002_late.sql").write_text(
        "CREATE TABLE IF NOT EXISTS public.late (id int);\n")
    refused = run_supatasks(["db.up"], tmp_path, env_for(db_url))
    assert refused.returncode == 2 and "--include-all" in refused.stderr
    assert query(db_url, "SELECT to_regclass('public.late')")[0][0] is None
    forced = run_supatasks(["db.up", "--include-all"], tmp_path, env_for(db_url))
    assert forced.returncode == 0, forced.stderr
    assert query(db_url, "SELECT to_regclass('public.late')")[0][0] == "late"

    (tmp_path / "supabase/migrations/20260101000001_a.sql").unlink()
    (tmp_path / "supabase/migrations/20260101000009_new.sql").write_text("SELECT 1;\n")
    missing = run_supatasks(["db.up"], tmp_path, env_for(db_url))
    assert missing.returncode == 2
    # on the local profile the advice is db.sync (a branch switch), not the remote profiles' db.repair
    assert "not in the local migrations folder" in missing.stderr and "20260101000001" in missing.stderr
    assert "inv db.sync" in missing.stderr and "db.repair" not in missing.stderr
    assert "20260101000009" not in [v for v, _, _ in history(db_url)]


def test_lock_held_elsewhere_waits_then_gives_up(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_a.sql": M1})
    with psycopg.connect(db_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        result = run_supatasks(["db.up"], tmp_path, env_for(db_url, SUPATASKS_LOCK_WAIT=1))
        assert result.returncode == 3
        assert "waiting up to 1s" in result.stderr
        assert "someone else is migrating this database" in result.stderr
        assert query(db_url, "SELECT to_regclass('public.a')")[0][0] is None
        releaser = threading.Timer(1.0, lambda: holder.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,)))
        releaser.start()
        waited = run_supatasks(["db.up"], tmp_path, env_for(db_url, SUPATASKS_LOCK_WAIT=30))
        releaser.join()
    assert waited.returncode == 0, waited.stderr
    assert [v for v, _, _ in history(db_url)] == ["20260101000001"]


def test_statement_timeout_from_profile_applies_to_migrations(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_slow.sql": "SELECT pg_sleep(3);\n"})
    result = run_supatasks(["db.up"], tmp_path, env_for(db_url, SUPATASKS_STATEMENT_TIMEOUT="200ms"))
    assert result.returncode == 1
    assert "ERROR 57014" in result.stderr  # query_canceled by statement_timeout
    assert history(db_url) == []
