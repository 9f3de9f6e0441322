"""db.check on a scratch database of a real server: idempotency, up → down → up, seeds twice."""

from __future__ import annotations

import json

from support import copy_example_project, make_project, query, run_supatasks

TABLE = ("CREATE TABLE IF NOT EXISTS public.notes (id bigserial PRIMARY KEY, body text);\n"
         "ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;\n")
TABLE_DOWN = "DROP TABLE IF EXISTS public.notes;\n"


def run_check(root, pg_server, *args):
    """db.check with the local profile pointing at the test server (it creates its scratch database there)."""
    result = run_supatasks(["db.check", "--json", *args], root, {"SUPABASE_DB_URL": pg_server.url("postgres")})
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout.strip(), result.stderr
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def by_file(data) -> dict[str, dict]:
    return {m["file"].rsplit("/", 1)[-1]: m for m in data["migrations"] + data["seeds"]}


def scratch_databases(pg_server) -> list[str]:
    return [r[0] for r in query(pg_server.url("postgres"),
                                "SELECT datname FROM pg_database WHERE datname LIKE 'supatasks_check_%'")]


def test_non_idempotent_migrations_are_caught(tmp_path, pg_server):
    make_project(tmp_path, {
        "20260101000001_notes.sql": TABLE,
        # a second run fails: the column exists
        "20260101000002_pinned.sql": "ALTER TABLE public.notes ADD COLUMN pinned boolean;\n",
        # a second run succeeds but inserts the row again
        "20260101000003_welcome.sql": "INSERT INTO public.notes (body) VALUES ('welcome');\n",
        # a second run creates another, auto-named index
        "20260101000004_index.sql": "CREATE INDEX ON public.notes (body);\n",
        "20260101000005_fine.sql": "ALTER TABLE public.notes ADD COLUMN IF NOT EXISTS archived boolean;\n",
    })
    result, data = run_check(tmp_path, pg_server)
    assert result.returncode == 1
    files = by_file(data)
    assert files["20260101000001_notes.sql"]["status"] == "ok"
    pinned = files["20260101000002_pinned.sql"]
    assert pinned["status"] == "FAIL" and "42701" in pinned["rerun"]["error"]  # duplicate_column
    welcome = files["20260101000003_welcome.sql"]
    assert welcome["status"] == "FAIL" and welcome["rerun"]["row_changes"] == {"public.notes": [1, 2]}
    index = files["20260101000004_index.sql"]
    assert index["status"] == "FAIL"
    assert [(c["kind"], c["change"]) for c in index["rerun"]["schema_changes"]] == [("index", "added")]
    assert files["20260101000005_fine.sql"]["status"] == "ok"
    assert data["summary"]["migrations_failed"] == 3 and not data["ok"]
    assert scratch_databases(pg_server) == []  # dropped afterwards, failures or not


def test_down_file_that_does_not_undo_its_migration(tmp_path, pg_server):
    make_project(tmp_path, {
        "20260101000001_notes.sql": TABLE,
        "20260101000002_tags.sql": ("ALTER TABLE public.notes ADD COLUMN IF NOT EXISTS tags text[];\n"
                                    "CREATE INDEX IF NOT EXISTS notes_tags ON public.notes USING gin (tags);\n"),
        "20260101000003_pinned.sql": "ALTER TABLE public.notes ADD COLUMN IF NOT EXISTS pinned boolean;\n",
    }, rollbacks={
        "20260101000001_notes.down.sql": TABLE_DOWN,
        "20260101000002_tags.down.sql": "DROP INDEX IF EXISTS public.notes_tags;\n",  # forgets the column
        "20260101000003_pinned.down.sql": "ALTER TABLE public.notes DROP COLUMN pinned;\n",
    })
    result, data = run_check(tmp_path, pg_server)
    assert result.returncode == 1
    files = by_file(data)
    assert files["20260101000001_notes.sql"]["round_trip"]["ok"] is True
    tags = files["20260101000002_tags.sql"]
    assert tags["status"] == "FAIL" and tags["rerun"]["ok"] is True
    assert [(c["kind"], c["name"], c["change"]) for c in tags["round_trip"]["not_undone"]] == [
        ("column", "public.notes.tags", "added")]
    fingerprints = tags["round_trip"]["fingerprints"]
    assert fingerprints["after_down"] != fingerprints["before"]
    assert any("does not undo" in p for p in tags["problems"])
    pinned = files["20260101000003_pinned.sql"]
    assert pinned["status"] == "ok" and pinned["round_trip"]["ok"] is True  # each check starts from a clean state


def test_down_file_that_fails(tmp_path, pg_server):
    make_project(tmp_path, {"20260101000001_notes.sql": TABLE},
                 rollbacks={"20260101000001_notes.down.sql": "DROP TABLE public.nothing_here;\n"})
    result, data = run_check(tmp_path, pg_server)
    trip = by_file(data)["20260101000001_notes.sql"]["round_trip"]
    assert result.returncode == 1 and trip["ok"] is False and "down file failed" in trip["error"]
    assert "20260101000001_notes.down.sql:1" in trip["error"]


def test_non_idempotent_seed(tmp_path, pg_server):
    make_project(tmp_path, {"20260101000001_notes.sql": TABLE},
                 rollbacks={"20260101000001_notes.down.sql": TABLE_DOWN},
                 seed="INSERT INTO public.notes (body) VALUES ('hello');\n")
    result, data = run_check(tmp_path, pg_server)
    assert result.returncode == 1
    seed = by_file(data)["seed.sql"]
    assert seed["status"] == "FAIL" and seed["rerun"]["row_changes"] == {"public.notes": [1, 2]}
    assert by_file(data)["20260101000001_notes.sql"]["status"] == "ok"
    # the same seed written idempotently passes
    (tmp_path / "supabase/seed.sql").write_text(
        "INSERT INTO public.notes (id, body) VALUES (1, 'hello') ON CONFLICT (id) DO NOTHING;\n")
    result, data = run_check(tmp_path, pg_server)
    assert result.returncode == 0, data
    assert by_file(data)["seed.sql"]["status"] == "ok" and data["ok"]


def test_a_migration_that_fails_stops_the_check(tmp_path, pg_server):
    make_project(tmp_path, {"20260101000001_notes.sql": TABLE,
                            "20260101000002_bad.sql": "ALTER TABLE public.nowhere ADD COLUMN x int;\n",
                            "20260101000003_later.sql": "SELECT 1;\n"},
                 seed="SELECT 1;\n")
    result, data = run_check(tmp_path, pg_server)
    assert result.returncode == 1
    assert [m["status"] for m in data["migrations"]] == ["ok", "FAIL", "skipped"]
    assert "42P01" in data["migrations"][1]["apply_error"]
    assert [s["status"] for s in data["seeds"]] == ["skipped"]


def test_example_project_passes(tmp_path, pg_server):
    copy_example_project(tmp_path)
    result = run_supatasks(["db.check"], tmp_path, {"SUPABASE_DB_URL": pg_server.url("postgres")})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    migrations = sorted(p.name for p in (tmp_path / "supabase/migrations").glob("*.sql"))
    for name in migrations:  # one line per migration
        assert sum(1 for line in lines if name in line and line.lstrip().startswith(("ok", "allowed"))) == 1, name
    assert "check passed" in lines[-1] and f"{len(migrations)}/{len(migrations)} migration(s) ok" in lines[-1]
    # the guide's verbatim file is not idempotent: shown, with the project's reason, but allowed
    assert any(line.lstrip().startswith("allowed") and "20260210_api_key_pool.sql" in line for line in lines)
    result, data = run_check(tmp_path, pg_server)
    assert data["ok"] and data["summary"]["round_trips"] == len(migrations)
    assert all(m["round_trip"]["ok"] for m in data["migrations"])
    assert [s["status"] for s in data["seeds"]] == ["ok"]


def test_keep_leaves_the_scratch_database(tmp_path, pg_server):
    make_project(tmp_path, {"20260101000001_notes.sql": TABLE},
                 rollbacks={"20260101000001_notes.down.sql": TABLE_DOWN})
    result, data = run_check(tmp_path, pg_server, "--keep")
    assert result.returncode == 0 and data["kept"]
    assert scratch_databases(pg_server) == [data["database"]]
    rows = query(pg_server.url(data["database"]), "SELECT version FROM supabase_migrations.schema_migrations")
    assert rows == [("20260101000001",)]
    query(pg_server.url("postgres"), f'DROP DATABASE "{data["database"]}"')


def test_never_runs_on_a_remote_server(tmp_path):
    make_project(tmp_path, {"20260101000001_notes.sql": TABLE})
    result = run_supatasks(["db.check"], tmp_path,
                           {"SUPABASE_DB_URL": "postgresql://postgres@db.abcdefghijklmnop.supabase.co:5432/postgres"})
    assert result.returncode == 2 and "runs only on a server on this machine" in result.stderr
    staging = run_supatasks(["db.check", "--env=staging"], tmp_path)  # there is no such option
    assert staging.returncode != 0 and "Traceback" not in staging.stderr


def test_allowances_need_a_reason(tmp_path, pg_server):
    make_project(tmp_path, {"20260101000001_notes.sql": TABLE + "INSERT INTO public.notes (body) VALUES ('x');\n"})
    entry = '[check]\n[[check.allow]]\nfile = "supabase/migrations/*_notes.sql"\nchecks = ["rerun"]\n'
    (tmp_path / "supabase/supatasks.toml").write_text(entry)
    result = run_supatasks(["db.check"], tmp_path, {"SUPABASE_DB_URL": pg_server.url("postgres")})
    assert result.returncode == 1 and "has no reason" in result.stderr
    (tmp_path / "supabase/supatasks.toml").write_text(entry + 'reason = "seeded once by design"\n')
    result, data = run_check(tmp_path, pg_server)
    assert result.returncode == 0
    notes = by_file(data)["20260101000001_notes.sql"]
    assert notes["status"] == "allowed" and notes["allowed"] == {"rerun": "seeded once by design"}
    assert notes["rerun"]["row_changes"] == {"public.notes": [1, 2]}
