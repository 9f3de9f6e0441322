"""db.reset: rebuild, migrate, seed; a cached template when nothing changed."""

from __future__ import annotations

import json

from support import make_project, query, run_supatasks

M1 = ("CREATE TABLE IF NOT EXISTS public.notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n"
      "  owner uuid REFERENCES auth.users(id) ON DELETE CASCADE, body text);\n"
      "ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;\n")
M2 = "ALTER TABLE public.notes ADD COLUMN IF NOT EXISTS tag text DEFAULT 'x';\n"
SEED = "INSERT INTO public.notes (body) VALUES ('seeded');\n"


def reset(tmp_path, url, *args):
    result = run_supatasks(["db.reset", "--json", *args], tmp_path, {"SUPABASE_DB_URL": url})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cold_then_warm_then_invalidated(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_notes.sql": M1}, seed=SEED)
    first = reset(tmp_path, db_url)
    assert first["cache_hit"] is False and first["migrations"] == 1 and first["seeds"] == 1
    assert query(db_url, "SELECT body FROM public.notes") == [("seeded",)]
    assert query(db_url, "SELECT path, hash FROM supabase_migrations.seed_files")[0][0] == "supabase/seed.sql"

    query(db_url, "INSERT INTO public.notes (body) VALUES ('scratch')")
    second = reset(tmp_path, db_url)
    assert second["cache_hit"] is True
    assert query(db_url, "SELECT body FROM public.notes") == [("seeded",)]  # scratch data gone
    assert [r[0] for r in query(db_url, "SELECT version FROM supabase_migrations.schema_migrations")] == [
        "20260101000001"]
    # per-database settings survive the template copy (the bootstrap puts extensions on the search path)
    assert "extensions" in query(db_url, "SHOW search_path")[0][0]

    (tmp_path / "supabase/migrations/20260101000002_tag.sql").write_text(M2)
    third = reset(tmp_path, db_url)
    assert third["cache_hit"] is False and third["migrations"] == 2
    assert query(db_url, "SELECT tag FROM public.notes") == [("x",)]
    assert reset(tmp_path, db_url)["cache_hit"] is True

    (tmp_path / "supabase/seed.sql").write_text(SEED.replace("seeded", "changed"))
    fourth = reset(tmp_path, db_url)
    assert fourth["cache_hit"] is False
    assert query(db_url, "SELECT body FROM public.notes") == [("changed",)]
    assert query(db_url, "SELECT count(*) FROM supabase_migrations.supatasks_audit WHERE action = 'reset'") == [(1,)]


def test_failed_reset_reports_the_file_and_keeps_the_cache_valid(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_notes.sql": M1}, seed=SEED)
    reset(tmp_path, db_url)
    (tmp_path / "supabase/migrations/20260101000002_bad.sql").write_text("ALTER TABLE nope ADD COLUMN x int;\n")
    failed = run_supatasks(["db.reset"], tmp_path, {"SUPABASE_DB_URL": db_url})
    assert failed.returncode == 1
    assert "20260101000002_bad.sql:1: ERROR 42P01" in failed.stderr
    (tmp_path / "supabase/migrations/20260101000002_bad.sql").unlink()
    assert reset(tmp_path, db_url)["cache_hit"] is True


def test_reset_refuses_non_local_profiles_for_now(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_notes.sql": M1})
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={db_url}\n")
    result = run_supatasks(["db.reset", "--env=staging"], tmp_path)
    assert result.returncode == 2
    assert query(db_url, "SELECT to_regclass('public.notes')")[0][0] is None
