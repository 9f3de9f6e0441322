"""db.advise: Supabase's Security and Performance Advisors as read-only catalog queries, on real servers.

Each rule: a migration of ours that triggers it and one that does not, applied to a database with the
Supabase bootstrap. Then the task: --json against its schema, exit codes, suppressions and their reasons,
the example project, and db.check's use of the advisors."""

from __future__ import annotations

import json
import time

import pytest

from support import REPO, connect, copy_example_project, make_project, ok, one_error_line, run_supatasks

from supatasks.checks.advise import RULES, advise, introduced

SCHEMA = REPO / "src/supatasks/schemas/advise-report.schema.json"
EXPOSED = ["public", "graphql_public"]
TABLE = "CREATE TABLE public.{t} (id bigint PRIMARY KEY, owner uuid, body text);\n"
RLS = "ALTER TABLE public.{t} ENABLE ROW LEVEL SECURITY;\n"
POLICY = "CREATE POLICY read_{t} ON public.{t} FOR SELECT TO authenticated USING (true);\n"


def protected(t: str) -> str:
    """A table with RLS and a policy: no security finding of its own."""
    return (TABLE + RLS + POLICY).format(t=t)


BLOAT = ("CREATE TABLE public.{t} (id int PRIMARY KEY, pad text) WITH (autovacuum_enabled = false);\n"
         "ALTER TABLE public.{t} ENABLE ROW LEVEL SECURITY;\n"
         "INSERT INTO public.{t} SELECT i, repeat('x', 1000) FROM generate_series(1, {rows}) i;\n")

# rule -> (a migration that does not trigger it, one that does, the object the finding names)
CASES = {
    "rls_disabled_in_public": (protected("a"), TABLE.format(t="b"), "public.b"),
    "policy_exists_rls_disabled": (protected("a"), (TABLE + POLICY).format(t="b"), "public.b"),
    "rls_enabled_no_policy": (protected("a"), (TABLE + RLS).format(t="b"), "public.b"),
    "security_definer_view": (
        protected("a") + "CREATE VIEW public.v_ok WITH (security_invoker = on) AS SELECT id FROM public.a;\n",
        protected("a") + "CREATE VIEW public.v_definer AS SELECT id FROM public.a;\n", "public.v_definer"),
    "function_search_path_mutable": (
        "CREATE FUNCTION public.fixed(x int) RETURNS int LANGUAGE sql SET search_path = '' AS 'SELECT x + 1';\n",
        "CREATE FUNCTION public.mutable(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1';\n",
        "public.mutable(x integer)"),
    "auth_users_exposed": (
        "CREATE SCHEMA private;\nCREATE VIEW private.users_v WITH (security_invoker = on) AS SELECT id FROM auth.users;\n",
        "CREATE VIEW public.users_v AS SELECT id, email FROM auth.users;\n", "public.users_v"),
    "rls_references_user_metadata": (
        protected("a") + "CREATE POLICY admins ON public.a FOR UPDATE TO authenticated "
                         "USING ((auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');\n",
        protected("a") + "CREATE POLICY admins ON public.a FOR UPDATE TO authenticated "
                         "USING ((auth.jwt() -> 'user_metadata' ->> 'role') = 'admin');\n", "public.a: admins"),
    "extension_in_public": ("CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA extensions;\n",
                            "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;\n", "citext"),
    "materialized_view_in_api": (
        "CREATE SCHEMA private;\nCREATE MATERIALIZED VIEW private.totals AS SELECT 1 AS n;\n",
        "CREATE MATERIALIZED VIEW public.totals AS SELECT 1 AS n;\n", "public.totals"),
    "foreign_table_in_api": (
        "CREATE EXTENSION IF NOT EXISTS postgres_fdw WITH SCHEMA extensions;\nCREATE SERVER elsewhere "
        "FOREIGN DATA WRAPPER postgres_fdw;\nCREATE SCHEMA private;\n"
        "CREATE FOREIGN TABLE private.remote (id int) SERVER elsewhere;\n",
        "CREATE EXTENSION IF NOT EXISTS postgres_fdw WITH SCHEMA extensions;\nCREATE SERVER elsewhere "
        "FOREIGN DATA WRAPPER postgres_fdw;\nCREATE FOREIGN TABLE public.remote (id int) SERVER elsewhere;\n",
        "public.remote"),
    "unsupported_reg_types": (
        protected("a") + "ALTER TABLE public.a ADD COLUMN kind regclass;\n",
        protected("a") + "ALTER TABLE public.a ADD COLUMN handler regproc;\n", "public.a.handler"),
    "insecure_queue_exposed_in_api": (
        "CREATE EXTENSION IF NOT EXISTS pgmq;\nSELECT pgmq.create('jobs');\n"
        "ALTER TABLE pgmq.q_jobs ENABLE ROW LEVEL SECURITY;\nGRANT USAGE ON SCHEMA pgmq TO anon;\n"
        "GRANT SELECT ON pgmq.q_jobs TO anon;\n",
        "CREATE EXTENSION IF NOT EXISTS pgmq;\nSELECT pgmq.create('jobs');\nGRANT USAGE ON SCHEMA pgmq TO anon;\n"
        "GRANT SELECT ON pgmq.q_jobs TO anon;\n", "pgmq.q_jobs"),
    "fkey_to_auth_unique": (
        protected("a") + "ALTER TABLE public.a ADD CONSTRAINT a_owner_fkey FOREIGN KEY (owner) "
                         "REFERENCES auth.users (id);\n",
        protected("a") + "ALTER TABLE public.a ADD COLUMN phone text CONSTRAINT a_phone_fkey "
                         "REFERENCES auth.users (phone);\n", "public.a: a_phone_fkey"),
    "auth_rls_initplan": (
        protected("a") + "CREATE POLICY own ON public.a FOR UPDATE TO authenticated "
                         "USING ((select auth.uid()) = owner);\n",
        protected("a") + "CREATE POLICY own ON public.a FOR UPDATE TO authenticated USING (auth.uid() = owner);\n",
        "public.a: own"),
    "multiple_permissive_policies": (
        protected("a") + "CREATE POLICY only_some ON public.a AS RESTRICTIVE FOR SELECT TO authenticated "
                         "USING (id > 0);\n",
        protected("a") + "CREATE POLICY also ON public.a FOR SELECT TO authenticated USING (id > 0);\n",
        "public.a: authenticated SELECT"),
    "unindexed_foreign_keys": (
        protected("a") + protected("c") + "ALTER TABLE public.c ADD COLUMN a_id bigint "
        "CONSTRAINT c_a_fkey REFERENCES public.a;\nCREATE INDEX c_a_id ON public.c (a_id, id);\n",
        protected("a") + protected("c") + "ALTER TABLE public.c ADD COLUMN a_id bigint "
        "CONSTRAINT c_a_fkey REFERENCES public.a;\nCREATE INDEX c_id_a ON public.c (id, a_id);\n",
        "public.c: c_a_fkey"),
    "duplicate_index": (
        protected("a") + "CREATE INDEX a_body ON public.a (body);\nCREATE INDEX a_body_owner ON public.a (body, owner);\n",
        protected("a") + "CREATE INDEX a_body ON public.a (body);\nCREATE INDEX a_body_again ON public.a (body);\n",
        "public.a: a_body, a_body_again"),
    "no_primary_key": (
        protected("a"),
        "CREATE TABLE public.log (at timestamptz, line text);\nALTER TABLE public.log ENABLE ROW LEVEL SECURITY;\n",
        "public.log"),
    "unused_index": (
        protected("a") + "CREATE INDEX a_body ON public.a (body);\n"
        "DO $$ BEGIN FOR i IN 1..1000 LOOP PERFORM count(*) FROM public.a; END LOOP; END $$;\n"
        "SET enable_seqscan = off;\nSELECT count(*) FROM public.a WHERE body = 'x';\n",
        protected("a") + "CREATE INDEX a_body ON public.a (body);\n"
        "DO $$ BEGIN FOR i IN 1..1000 LOOP PERFORM count(*) FROM public.a; END LOOP; END $$;\n",
        "public.a: a_body"),
    "table_bloat": (
        BLOAT.format(t="big", rows=500) + "ANALYZE public.big;\n",
        BLOAT.format(t="big", rows=25000) + "DELETE FROM public.big WHERE id > 50;\nANALYZE public.big;\n",
        "public.big"),
}


def test_every_rule_has_a_case_and_the_advisors_own_metadata():
    assert set(CASES) == set(RULES) and len(RULES) == 20
    levels = {name: (rule.level, rule.category) for name, rule in RULES.items()}
    # Splinter's levels and categories, as the dashboard shows them
    assert levels["rls_disabled_in_public"] == ("ERROR", "SECURITY")
    assert levels["security_definer_view"] == ("ERROR", "SECURITY")
    assert levels["function_search_path_mutable"] == ("WARN", "SECURITY")
    assert levels["auth_rls_initplan"] == ("WARN", "PERFORMANCE")
    assert levels["unindexed_foreign_keys"] == ("INFO", "PERFORMANCE")
    assert all(rule.remedy and "\n" not in rule.remedy for rule in RULES.values())


def run_migration(url: str, sql: str) -> None:
    """Apply `sql` as one migration (one transaction), then make the server publish this session's
    statistics (unused_index reads them)."""
    with connect(url) as conn:
        with conn.transaction():
            conn.execute(sql)
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT 1")


def findings(url: str, rule: str, exposed=EXPOSED, wait: bool = False) -> list[str]:
    deadline = time.monotonic() + (10 if wait else 0)
    while True:
        with connect(url) as conn:
            report = advise(conn, exposed)
        found = [f.object for f in report.findings if f.rule == rule]
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.2)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_triggers_on_our_migration_and_not_on_the_fixed_one(rule, pg_server):
    from support import bootstrapped_database

    clean, trigger, obj = CASES[rule]
    exposed = EXPOSED + (["pgmq_public"] if rule == "insecure_queue_exposed_in_api" else [])
    quiet, loud = bootstrapped_database(pg_server), bootstrapped_database(pg_server)
    run_migration(quiet, clean)
    run_migration(loud, trigger)
    assert findings(quiet, rule, exposed) == []
    assert obj in findings(loud, rule, exposed, wait=rule == "unused_index")


def test_a_finding_present_before_is_not_introduced(bootstrapped_url):
    with connect(bootstrapped_url) as conn:
        conn.execute(TABLE.format(t="old"))
        before = advise(conn, EXPOSED)
        conn.execute(TABLE.format(t="new"))
        after = advise(conn, EXPOSED)
    assert [f.object for f in introduced(before, after)] == ["public.new"]
    assert "public.old" in [f.object for f in after.errors]


def test_the_advisors_only_read(bootstrapped_url):
    """Every query runs in a read-only transaction that is rolled back: a rule that tried to write fails."""
    import psycopg

    from supatasks.checks.advise.runner import ERROR, SECURITY, Rule

    writer = Rule("x", "0000", ERROR, SECURITY, "writes", "none",
                  "CREATE TABLE public.sneaky AS SELECT 'a'::text AS o, 'b'::text AS d")
    with connect(bootstrapped_url) as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            advise(conn, EXPOSED, rules=[writer])
        assert conn.execute("SELECT to_regclass('public.sneaky')").fetchone()[0] is None


# -- the task --------------------------------------------------------------------------------------------

def advise_project(tmp_path, url, migrations: dict, toml: str | None = None):
    make_project(tmp_path, migrations)
    if toml is not None:
        (tmp_path / "supabase/supatasks.toml").write_text(toml)
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\n")
    return tmp_path


def validate(data: dict) -> None:
    import jsonschema

    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(data)


def test_error_findings_exit_1_and_the_json_validates(tmp_path, bootstrapped_url):
    run_migration(bootstrapped_url, TABLE.format(t="open") + protected("closed")
                  + "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n")
    root = advise_project(tmp_path, bootstrapped_url, {})
    result = run_supatasks(["db.advise", "--env=staging", "--json"], root)  # no terminal, no --yes: only reads
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    validate(data)
    by_rule = {(f["rule"], f["object"]): f for f in data["findings"]}
    assert by_rule[("rls_disabled_in_public", "public.open")]["level"] == "ERROR"
    assert by_rule[("function_search_path_mutable", "public.f()")]["category"] == "SECURITY"
    assert data["summary"]["errors"] == 1 and data["exposed_schemas"] == EXPOSED
    table = run_supatasks(["db.advise", "--env=staging"], root, {"COLUMNS": "200"})  # rich's width
    assert table.returncode == 1 and "rls_disabled_in_public" in table.stdout and "public.open" in table.stdout


def test_warnings_only_exit_0(tmp_path, bootstrapped_url):
    run_migration(bootstrapped_url, protected("a") + "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n")
    root = advise_project(tmp_path, bootstrapped_url, {})
    data = json.loads(ok(["db.advise", "--env=staging", "--json"], root).stdout)
    validate(data)
    assert data["summary"]["errors"] == 0 and data["summary"]["warnings"] == 1


def test_exposed_schemas_come_from_config_toml(tmp_path, bootstrapped_url):
    run_migration(bootstrapped_url, "CREATE SCHEMA api;\nGRANT USAGE ON SCHEMA api TO anon;\n"
                                    "CREATE TABLE api.items (id bigint PRIMARY KEY);\nGRANT SELECT ON api.items TO anon;\n")
    root = advise_project(tmp_path, bootstrapped_url, {})
    assert ok(["db.advise", "--env=staging"], root)  # api is not exposed by default
    config = root / "supabase/config.toml"
    config.write_text(config.read_text() + '\n[api]\nschemas = ["public", "api"]\n')
    result = run_supatasks(["db.advise", "--env=staging", "--json"], root)
    assert result.returncode == 1
    assert [f["object"] for f in json.loads(result.stdout)["findings"] if f["level"] == "ERROR"] == ["api.items"]


def test_suppression_with_a_reason_suppresses(tmp_path, bootstrapped_url):
    run_migration(bootstrapped_url, TABLE.format(t="open"))
    root = advise_project(tmp_path, bootstrapped_url, {}, toml=(
        '[[advise.ignore]]\nrule = "rls_disabled_in_public"\nobject = "public.op*"\n'
        'reason = "a public lookup table of country codes"\n'
        '[[advise.ignore]]\nrule = "no_primary_key"\nreason = "nothing matches this"\n'))
    data = json.loads(ok(["db.advise", "--env=staging", "--json"], root).stdout)
    validate(data)
    assert data["findings"] == [] or all(f["level"] != "ERROR" for f in data["findings"])
    [hidden] = [f for f in data["suppressed"] if f["rule"] == "rls_disabled_in_public"]
    assert hidden["suppressed_by"] == {"reason": "a public lookup table of country codes",
                                       "where": "supabase/supatasks.toml"}
    assert data["unused_suppressions"] == [{"rules": ["no_primary_key"], "object": "*",
                                            "reason": "nothing matches this"}]


@pytest.mark.parametrize("entry, says", [
    ('rule = "rls_disabled_in_public"\nobject = "public.open"\n', "has no reason"),
    ('rule = "rls_disabled_in_public"\nreason = ""\n', "has no reason"),
    ('rule = "rls_off"\nreason = "a reason"\n', "unknown advisor(s) rls_off"),
])
def test_a_suppression_needs_a_reason_and_a_known_rule(tmp_path, bootstrapped_url, entry, says):
    run_migration(bootstrapped_url, TABLE.format(t="open"))
    root = advise_project(tmp_path, bootstrapped_url, {}, toml="[[advise.ignore]]\n" + entry)
    result = run_supatasks(["db.advise", "--env=staging"], root)
    assert result.returncode != 0
    line = one_error_line(result.stderr)
    assert "supabase/supatasks.toml: [[advise.ignore]] entry 1" in line and says in line


def test_the_example_project_passes_with_its_documented_suppressions(tmp_path, pg_server):
    from support import create_database

    root = copy_example_project(tmp_path)
    url = create_database(pg_server)
    env = {"SUPABASE_DB_URL": url}
    ok(["db.up"], root, env)
    data = json.loads(ok(["db.advise", "--json"], root, env).stdout)
    validate(data)
    assert data["findings"] == [] and data["unused_suppressions"] == []
    assert data["suppressed"] and all(f["suppressed_by"]["reason"] for f in data["suppressed"])


# -- db.check --------------------------------------------------------------------------------------------

def test_db_check_fails_on_an_error_the_migrations_introduce(tmp_path, pg_server):
    make_project(tmp_path, {"20260101000001_open.sql": "CREATE TABLE IF NOT EXISTS public.open (id bigint PRIMARY KEY);\n",
                            "20260101000002_fine.sql": protected("fine").replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
                            .replace("CREATE POLICY", "DROP POLICY IF EXISTS read_fine ON public.fine;\nCREATE POLICY")})
    result = run_supatasks(["db.check", "--json"], tmp_path, {"SUPABASE_DB_URL": pg_server.url("postgres")})
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert all(m["status"] == "ok" for m in data["migrations"])  # only the advisors fail it
    assert [(f["rule"], f["object"]) for f in data["advise"]["introduced"]] == [("rls_disabled_in_public", "public.open")]
    (tmp_path / "supabase/migrations/20260101000001_open.sql").write_text(
        protected("open").replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
        .replace("CREATE POLICY", "DROP POLICY IF EXISTS read_open ON public.open;\nCREATE POLICY"))
    fixed = run_supatasks(["db.check"], tmp_path, {"SUPABASE_DB_URL": pg_server.url("postgres")})
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "advisors after the migrations" in fixed.stdout
