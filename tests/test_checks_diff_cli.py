"""db.diff from the command line: -f NAME as Supabase users type it (inv and supatasks), --json, the refusals
(destructive steps, objects it cannot express), the dependency order, declarative schema files, and files that
pass db.lint and db.check."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from support import REPO, clean_env, connect, make_project, ok, run_supatasks
from support.cli import one_error_line

INV = str(Path(sys.executable).parent / "inv")
BASE = {"20260101000001_items.sql": (
    "CREATE TABLE IF NOT EXISTS public.items (id bigint PRIMARY KEY, name text NOT NULL);\n"
    "ALTER TABLE public.items ENABLE ROW LEVEL SECURITY;\n")}


def local_project(root, db_url, migrations=None):
    make_project(root, migrations or BASE)
    shutil.copy(REPO / "tasks.py", root / "tasks.py")
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.reset"], root, env)
    return env


def inv(args, cwd, env):
    return subprocess.run([INV, *args], cwd=cwd, env=clean_env(env), capture_output=True, text=True, timeout=300)


def written(root) -> list[str]:
    return sorted(p.name for p in (root / "supabase").glob("*/*") if "add_" in p.name or "drop_" in p.name)


def test_dash_f_names_the_migration_for_inv_and_supatasks(tmp_path, db_url):
    env = local_project(tmp_path, db_url)
    with connect(db_url) as conn:
        conn.execute("ALTER TABLE public.items ADD COLUMN price numeric(10,2)")
    result = inv(["db.diff", "-f", "add_price"], tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    up = next((tmp_path / "supabase/migrations").glob("*_add_price.sql"))
    down = tmp_path / "supabase/rollbacks" / (up.stem + ".down.sql")
    assert "ALTER TABLE public.items ADD COLUMN IF NOT EXISTS price numeric(10,2);" in up.read_text()
    assert "ALTER TABLE public.items DROP COLUMN IF EXISTS price;" in down.read_text()
    assert f"wrote supabase/migrations/{up.name}" in result.stderr
    # the same with the console script and the long flag: the migrations now give the database already
    again = ok(["db.diff", "--file", "add_more"], tmp_path, env)
    assert "no schema changes" in again.stderr
    assert not list((tmp_path / "supabase/migrations").glob("*_add_more.sql"))


def test_invoke_parse_errors_are_one_line_for_every_task(tmp_path, db_url):
    from supatasks.tasks import namespace

    make_project(tmp_path, BASE)
    shutil.copy(REPO / "tasks.py", tmp_path / "tasks.py")
    env = {"SUPABASE_DB_URL": db_url}
    names = sorted(f"db.{name}" for name in namespace.collections["db"].task_names)
    assert "db.diff" in names and len(names) > 20
    for task in names:
        for args in ([task, "--no-such-flag"], [task, "-f", "x"] if task != "db.diff" else [task, "-f"]):
            for program in ("inv", "supatasks"):
                result = (inv(args, tmp_path, env) if program == "inv"
                          else run_supatasks(args, tmp_path, env))
                assert result.returncode != 0, (program, args, result.stdout)
                assert "Traceback" not in result.stderr, (program, args, result.stderr)
                lines = [line for line in result.stderr.splitlines() if line.strip()]
                assert len(lines) == 1, (program, args, result.stderr)


def test_json_carries_sql_steps_and_proof(tmp_path, db_url):
    env = local_project(tmp_path, db_url)
    with connect(db_url) as conn:
        conn.execute("CREATE INDEX items_name ON public.items (name)")
    data = json.loads(ok(["db.diff", "--json"], tmp_path, env).stdout)
    assert data["sql"] == "CREATE INDEX IF NOT EXISTS items_name ON public.items USING btree (name);"
    assert data["down_sql"] == "DROP INDEX IF EXISTS public.items_name;"
    assert [(o["kind"], o["name"], o["change"]) for o in data["up"]["operations"]] == [
        ("index", "public.items_name", "add")]
    assert data["proof"]["ok"] is True and data["written"] is False and data["schemas"] == ["public"]
    assert set(data["seconds"]) >= {"shadow", "diff", "proof", "total"}


def test_destructive_steps_need_allow_drops(tmp_path, db_url):
    env = local_project(tmp_path, db_url)
    with connect(db_url) as conn:
        conn.execute("ALTER TABLE public.items DROP COLUMN name")
    refused = run_supatasks(["db.diff", "-f", "drop_name"], tmp_path, env)
    assert refused.returncode == 2
    assert "drop column public.items.name" in refused.stderr and "--allow-drops" in refused.stderr
    assert "-- DESTRUCTIVE (data is lost):" in refused.stdout
    assert written(tmp_path) == []
    ok(["db.diff", "-f", "drop_name", "--allow-drops"], tmp_path, env)
    assert len(written(tmp_path)) == 2


def test_what_it_cannot_express_is_listed_and_nothing_written(tmp_path, db_url):
    env = local_project(tmp_path, db_url)
    with connect(db_url) as conn:
        conn.execute("CREATE TABLE public.events (id bigint, at date) PARTITION BY RANGE (at)")
    result = run_supatasks(["db.diff", "-f", "add_events"], tmp_path, env)
    assert result.returncode == 2
    assert "public.events" in result.stderr and "partitioned" in result.stderr
    assert written(tmp_path) == []


def test_dependency_order_view_policy_function_in_one_go(tmp_path, db_url):
    env = local_project(tmp_path, db_url)
    with connect(db_url) as conn:
        conn.execute("""
            CREATE FUNCTION public.is_member(team bigint) RETURNS boolean LANGUAGE sql STABLE
              AS $$ SELECT team IS NOT NULL AND auth.uid() IS NOT NULL $$;
            CREATE TABLE public.teams (id bigint PRIMARY KEY, title text);
            ALTER TABLE public.teams ADD COLUMN owner_team bigint REFERENCES public.teams (id);
            ALTER TABLE public.teams ENABLE ROW LEVEL SECURITY;
            CREATE POLICY "members" ON public.teams FOR SELECT TO authenticated USING (public.is_member(owner_team));
            CREATE VIEW public.team_owners AS SELECT id, owner_team FROM public.teams;
            ALTER TABLE public.items ADD COLUMN team bigint REFERENCES public.teams (id);""")
    data = json.loads(ok(["db.diff", "-f", "add_teams", "--json"], tmp_path, env).stdout)
    order = [(o["kind"], o["name"]) for o in data["up"]["operations"]]
    assert order.index(("table", "public.teams")) < order.index(("function", "public.is_member(team bigint)")) \
        < order.index(("view", "public.team_owners")) < order.index(("policy", "public.teams.members"))
    # the written file applies in one go with the others: a reset from the files, then nothing left to diff
    ok(["db.reset"], tmp_path, env)
    assert "no schema changes" in ok(["db.diff"], tmp_path, env).stderr


def test_written_files_pass_lint_and_check(tmp_path, db_url):
    env = local_project(tmp_path, db_url)
    with connect(db_url) as conn:
        conn.execute("""
            CREATE TYPE public.mood AS ENUM ('ok', 'meh');
            CREATE TABLE public.notes (id bigserial PRIMARY KEY, body text, mood public.mood DEFAULT 'ok');
            ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
            CREATE POLICY "read" ON public.notes FOR SELECT USING (true);
            CREATE INDEX notes_body ON public.notes (body);
            CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER notes_touch BEFORE UPDATE ON public.notes FOR EACH ROW EXECUTE FUNCTION public.touch();
            ALTER TABLE public.notes ADD CONSTRAINT body_len CHECK (length(body) < 500);""")
    ok(["db.diff", "-f", "add_notes"], tmp_path, env)
    lint = run_supatasks(["db.lint", "--json", "--no-squawk"], tmp_path, env)
    findings = [f for f in json.loads(lint.stdout)["findings"] if "add_notes" in (f["file"] or "")]
    assert [f for f in findings if f["severity"] == "error"] == [], findings
    check = json.loads(run_supatasks(["db.check", "--json"], tmp_path, {"SUPABASE_DB_URL": db_url}).stdout)
    mine = [m for m in check["migrations"] if "add_notes" in m["file"]]
    assert mine and mine[0]["status"] == "ok", mine


def test_declarative_schema_files_round_trip(tmp_path, db_url):
    env = local_project(tmp_path, db_url)
    schemas = tmp_path / "supabase/schemas"
    schemas.mkdir()
    (schemas / "10_items.sql").write_text(
        "CREATE TABLE public.items (id bigint PRIMARY KEY, name text NOT NULL, price numeric);\n"
        "ALTER TABLE public.items ENABLE ROW LEVEL SECURITY;\n")
    (schemas / "20_views.sql").write_text("CREATE VIEW public.priced AS SELECT id, price FROM public.items;\n")
    result = ok(["db.diff", "-f", "add_price"], tmp_path, env)
    assert "wrote supabase/migrations/" in result.stderr
    up = next((tmp_path / "supabase/migrations").glob("*_add_price.sql")).read_text()
    assert "ADD COLUMN IF NOT EXISTS price numeric" in up and "CREATE OR REPLACE VIEW public.priced" in up
    ok(["db.reset"], tmp_path, env)
    # the files and the migrations now agree, and so does the reset database
    assert "no schema changes" in ok(["db.diff"], tmp_path, env).stderr
    assert "no schema changes" in ok(["db.diff", "--env", "local"], tmp_path, env).stderr
    # schema_paths chooses the files (here: only the first one, so the view should go)
    config = (tmp_path / "supabase/config.toml").read_text()
    (tmp_path / "supabase/config.toml").write_text(config + '\n[db.migrations]\nschema_paths = ["./schemas/10_*.sql"]\n')
    data = json.loads(ok(["db.diff", "--json"], tmp_path, env).stdout)
    assert [(o["kind"], o["name"], o["change"]) for o in data["up"]["operations"]] == [
        ("view", "public.priced", "drop")]
    assert "schemas/10_items.sql" in data["source"]


def test_declarative_error_names_the_file(tmp_path, db_url):
    env = local_project(tmp_path, db_url)
    (tmp_path / "supabase/schemas").mkdir()
    (tmp_path / "supabase/schemas/a.sql").write_text("CREATE TABLE public.x (id int);\nCREATE TABLE nope.y ();\n")
    result = run_supatasks(["db.diff"], tmp_path, env)
    assert result.returncode == 1
    assert one_error_line(result.stderr).startswith("error: supabase/schemas/a.sql:2: ERROR 3F000")


def test_another_profile_and_schema_choice(tmp_path, pg_server, db_url):
    from support.database import bootstrapped_database

    make_project(tmp_path, BASE)
    staging = bootstrapped_database(pg_server)  # a remote project has the platform's schemas too
    with connect(staging) as conn:  # and, of PostgreSQL 15 (as the test project says), pgsodium
        conn.execute("CREATE SCHEMA IF NOT EXISTS pgsodium; CREATE EXTENSION IF NOT EXISTS pgsodium WITH SCHEMA pgsodium")
    (tmp_path / ".env.local").write_text(f"SUPABASE_DB_URL={db_url}\n")
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={staging}\n")
    ok(["db.reset"], tmp_path)
    ok(["db.up", "--env=staging", "--yes"], tmp_path)
    with connect(staging) as conn:
        conn.execute("CREATE SCHEMA app; CREATE TABLE app.jobs (id int PRIMARY KEY);"
                     " ALTER TABLE public.items ADD COLUMN extra text")
    data = json.loads(ok(["db.diff", "--env=staging", "--json"], tmp_path).stdout)
    assert data["source"] == "the staging database" and data["schemas"] == ["app", "public"]
    assert {(o["kind"], o["name"]) for o in data["up"]["operations"]} == {
        ("schema", "app"), ("table", "app.jobs"), ("column", "public.items.extra")}
    assert data["proof"]["ok"]
    only_public = json.loads(ok(["db.diff", "--env=staging", "--schema=public", "--json"], tmp_path).stdout)
    assert [o["name"] for o in only_public["up"]["operations"]] == ["public.items.extra"]
    with connect(staging) as conn:  # read only: staging is as it was
        assert conn.execute("SELECT count(*) FROM supabase_migrations.schema_migrations").fetchone()[0] == 1
        assert conn.execute("SELECT to_regclass('app.jobs')").fetchone()[0] == "app.jobs"


def test_a_config_file_invoke_cannot_read_is_one_line(tmp_path, db_url):
    make_project(tmp_path, BASE)
    shutil.copy(REPO / "tasks.py", tmp_path / "tasks.py")
    (tmp_path / "bad.json").write_text("{not json")
    env = {"SUPABASE_DB_URL": db_url}
    for result in (inv(["-f", "bad.json", "db.status"], tmp_path, env),
                   run_supatasks(["db.status", "--config", "bad.json"], tmp_path, env)):
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.strip().splitlines() == [
            "error: Invoke could not load its configuration (-f/--config): Expecting property name enclosed in "
            "double quotes: line 1 column 2 (char 1)"]
