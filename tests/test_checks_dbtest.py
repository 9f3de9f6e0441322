"""db.test: pgTAP files of supabase/tests/ on scratch copies of the reset cache, with the real pgTAP on
PostgreSQL 15 and supatasks' stand-in on the embedded PostgreSQL 18; db.check runs them too."""

from __future__ import annotations

import json

import pytest

from support import connect, copy_example_project, make_project, query, run_supatasks
from supatasks.reset import spares

NOTES = """\
CREATE TABLE IF NOT EXISTS public.notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id),
    body text NOT NULL CHECK (length(body) > 0)
);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Own notes" ON public.notes;
CREATE POLICY "Own notes" ON public.notes FOR ALL TO authenticated
    USING ((SELECT auth.uid()) = owner) WITH CHECK ((SELECT auth.uid()) = owner);
"""
SEED = """\
INSERT INTO auth.users (id, email) VALUES ('00000000-0000-0000-0000-0000000000aa', 'seeded@example.com')
ON CONFLICT (id) DO NOTHING;
INSERT INTO public.notes (owner, body) SELECT '00000000-0000-0000-0000-0000000000aa', 'seeded note'
WHERE NOT EXISTS (SELECT 1 FROM public.notes);
"""
TESTS = {
    # passes: throws_ok, results_eq, and RLS as two authenticated users
    "passing_test.sql": """\
begin;
select plan(6);
select has_table('public', 'notes', 'notes exist');
select results_eq('select body from public.notes', array['seeded note'], 'the seed ran');
select throws_ok($$insert into public.notes (owner, body) values ('00000000-0000-0000-0000-0000000000aa', '')$$,
                 '23514', null, 'an empty note is refused');
select tests.create_supabase_user('writer');
select tests.authenticate_as('writer');
insert into public.notes (body) values ('mine');
select results_eq('select body from public.notes', array['mine'], 'a user sees only their own notes');
select throws_ok($$insert into public.notes (owner, body) values ('00000000-0000-0000-0000-0000000000aa', 'x')$$,
                 '42501', null, 'nobody writes in another user''s name');
select tests.clear_authentication();
select is_empty('select * from public.notes', 'anonymous requests see nothing');
select * from finish();
rollback;
""",
    # test 2 fails (wrong count); the file adds a row that must never reach another file
    "sub/failing_test.sql": """\
begin;
select plan(3);
insert into public.notes (owner, body) values ('00000000-0000-0000-0000-0000000000aa', 'leaked?');
select pass('first');
select is((select count(*)::integer from public.notes), 5, 'five notes');
select pass('third');
select * from finish();
rollback;
""",
    # sees only the seeded row, whichever file ran before it on the same worker (.pg: the CLI runs those too)
    "isolated_test.pg": """\
begin;
select plan(1);
select results_eq('select body from public.notes', array['seeded note'], 'no other file''s rows');
select * from finish();
rollback;
""",
    # stops at a SQL error after one test, tries to commit; neither affects the other files
    "broken_test.sql": """\
begin;
select plan(2);
select pass('before the error');
insert into public.notes (owner, body) values ('00000000-0000-0000-0000-0000000000aa', 'committed?');
commit;
select * from public.no_such_table;
select pass('never runs');
select * from finish();
rollback;
""",
}


def project(tmp_path, tests=TESTS):
    make_project(tmp_path, {"20260101000001_notes.sql": NOTES}, seed=SEED)
    for name, body in tests.items():
        path = tmp_path / "supabase" / "tests" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    (tmp_path / "supabase" / "tests" / "README.md").write_text("not a test file\n")
    return tmp_path


@pytest.fixture(params=["pg_server", "pg15_server"])
def server(request):
    return request.getfixturevalue(request.param)


def db_test(root, server, *args):
    result = run_supatasks(["db.test", *args], root, {"SUPABASE_DB_URL": server.url("postgres")})
    assert "Traceback" not in result.stderr, result.stderr
    return result


def by_file(data) -> dict[str, dict]:
    return {f["file"].removeprefix("supabase/tests/"): f for f in data["files"]}


def scratch_databases(server) -> list[str]:
    return [r[0] for r in query(server.url("postgres"),
                                r"SELECT datname FROM pg_database WHERE datname LIKE 'supatasks\_test\_%'")]


def test_the_example_projects_tests_pass(tmp_path, server):
    """supabase/tests/: favorites and API key pool RLS (authenticated, anon, service role), the schema and its
    policies, the updated_at triggers, the constraints."""
    result = db_test(copy_example_project(tmp_path), server, "--json")
    data = json.loads(result.stdout)
    assert result.returncode == 0, [f["problems"] + f["failures"] for f in data["files"] if not f["ok"]]
    assert sorted(by_file(data)) == ["api_key_pool_rls_test.sql", "constraints_test.sql", "favorites_rls_test.sql",
                                     "schema_test.sql", "updated_at_test.sql"]
    assert data["summary"]["tests"] == data["summary"]["passed"] == 37


def test_passing_failing_and_broken_files(tmp_path, server):
    result = db_test(project(tmp_path), server, "--json", "--workers", "2")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["workers"] == 2  # two scratch databases, two files each
    assert data["pgtap"] == ("pgTAP 1.2.0" if server.bin_dir.parts[-3:-1] == ("postgresql", "15")
                             else "supatasks' pgTAP stand-in 1.2.0")
    files = by_file(data)
    assert list(files) == ["broken_test.sql", "isolated_test.pg", "passing_test.sql", "sub/failing_test.sql"]

    passing = files["passing_test.sql"]
    assert (passing["ok"], passing["tests"], passing["passed"], passing["failed"]) == (True, 6, 6, 0)

    failing = files["sub/failing_test.sql"]
    assert (failing["ok"], failing["tests"], failing["passed"], failing["failed"]) == (False, 3, 2, 1)
    [failure] = failing["failures"]
    assert (failure["number"], failure["description"]) == (2, "five notes")
    assert failure["diagnostics"] == ['Failed test 2: "five notes"', "        have: 2", "        want: 5"]
    assert failing["diagnostics"] == ["Looks like you failed 1 test of 3"]

    broken = files["broken_test.sql"]
    assert not broken["ok"] and broken["tests"] == 1 and broken["passed"] == 1
    assert broken["error"].startswith("supabase/tests/broken_test.sql:6: ERROR 42P01: relation")
    assert "planned 2 tests but ran 1" in broken["problems"]

    # the leaked and "committed" rows reached no other file
    assert files["isolated_test.pg"]["ok"] is True
    assert data["summary"] == {**data["summary"], "files": 4, "files_failed": 2, "tests": 11, "failed": 1}
    assert scratch_databases(server) == []  # dropped afterwards


def test_one_line_per_file_and_the_failing_assertions(tmp_path, pg_server):
    result = db_test(project(tmp_path), pg_server)
    assert result.returncode == 1
    assert "supabase/tests/sub/failing_test.sql test 2 - five notes: not ok" in result.stdout
    assert "        have: 2" in result.stdout
    assert "supabase/tests/broken_test.sql: planned 2 tests but ran 1" in result.stdout
    assert "db.test FAILED (2 of 4 file(s)): 4 file(s), 11 test(s), 1 failed" in result.stdout


def templates(server) -> list[tuple]:
    return query(server.url("postgres"),
                 r"SELECT oid, datname FROM pg_database WHERE datname LIKE 'supatasks\_testtpl\_%'")


def test_k_selects_files_and_the_exit_code_follows(tmp_path, pg_server):
    root = project(tmp_path)
    passing = db_test(root, pg_server, "-k", "passing", "--json")
    assert passing.returncode == 0
    template = templates(pg_server)
    assert len(template) == 1  # the reset cache with pgTAP and the helpers, kept for the next run
    with connect(pg_server.url("postgres")) as conn:  # and a spare copy of it, made in the background
        assert spares.wait_until_settled(conn, "127.0.0.1", pg_server.port, [template[0][1]], timeout=60)
        assert spares.ready_spare(conn, template[0][1]) == spares.spare_name(template[0][1])
    assert [f["file"] for f in json.loads(passing.stdout)["files"]] == ["supabase/tests/passing_test.sql"]
    failing = db_test(root, pg_server, "-k", "sub/*", "--json")
    assert failing.returncode == 1 and [f["file"] for f in json.loads(failing.stdout)["files"]] == [
        "supabase/tests/sub/failing_test.sql"]
    nothing = db_test(root, pg_server, "-k", "nomatch")
    assert nothing.returncode == 1 and "no test files: nothing matches 'nomatch'" in nothing.stderr
    assert templates(pg_server) == template  # reused, not rebuilt


def test_tap_prints_the_raw_tap(tmp_path, pg_server):
    result = db_test(project(tmp_path), pg_server, "--tap", "-k", "failing")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    start = lines.index("# supabase/tests/sub/failing_test.sql")
    assert lines[start + 1:start + 4] == ["1..3", "ok 1 - first", "not ok 2 - five notes"]
    assert "# Looks like you failed 1 test of 3" in lines


def test_a_function_the_stand_in_lacks_is_named(tmp_path, pg_server, pg15_server):
    root = project(tmp_path, {"fk_test.sql": """\
begin;
select plan(1);
select fk_ok('public', 'notes', 'owner', 'auth', 'users', 'id', 'notes belong to users');
select * from finish();
rollback;
"""})
    data = json.loads(db_test(root, pg_server, "--json").stdout)
    [result] = data["files"]
    assert result["error"].startswith("supabase/tests/fk_test.sql:3: pgtap stand-in lacks fk_ok() (function fk_ok(")
    real = json.loads(db_test(root, pg15_server, "--json").stdout)  # the real pgTAP has it
    assert real["ok"] is True and real["files"][0]["passed"] == 1


def test_db_check_runs_the_tests_on_its_scratch_database(tmp_path, pg_server):
    root = project(tmp_path, {"passing_test.sql": TESTS["passing_test.sql"],
                              "sub/failing_test.sql": TESTS["sub/failing_test.sql"]})
    result = run_supatasks(["db.check", "--json"], root, {"SUPABASE_DB_URL": pg_server.url("postgres")})
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert [m["status"] for m in data["migrations"]] == ["ok"] and data["seeds"][0]["status"] == "ok"
    assert data["tests"]["summary"]["files_failed"] == 1 and data["tests"]["summary"]["passed"] == 8
    skipped = run_supatasks(["db.check", "--json", "--no-tests"], root, {"SUPABASE_DB_URL": pg_server.url("postgres")})
    assert skipped.returncode == 0 and json.loads(skipped.stdout)["tests"] is None


def test_reading_tap_as_pgtap_writes_it():
    from supatasks.checks.tap import parse_tap

    tap = parse_tap(["1..5", "ok 1 - plain", "not ok 2 - a # in the text", '# Failed test 2: "a # in the text"',
                     "#         have: 1", "ok 3 # SKIP not now", "not ok 4 - later # TODO not yet",
                     '# Failed (TODO) test 4: "later"', "ok 5", "some other output",
                     "# Looks like you failed 1 test of 5"])
    assert (tap.planned, tap.tests, tap.passed, [a.number for a in tap.failed], tap.skipped, tap.todo) == \
        (5, 5, 4, [2], 1, 1)
    second = tap.assertions[1]
    assert (second.description, second.directive) == ("a # in the text", None)
    assert second.diagnostics == ['Failed test 2: "a # in the text"', "        have: 1"]
    assert (tap.assertions[2].directive, tap.assertions[2].reason) == ("SKIP", "not now")
    assert tap.diagnostics == ["Looks like you failed 1 test of 5"] and tap.problems() == []
    assert parse_tap(["1..3", "ok 1"]).problems() == ["planned 3 tests but ran 1"]
    assert parse_tap(["ok 1"]).problems() == ["no plan: the file never called plan(), or no_plan() without finish()"]
    assert parse_tap([]).problems() == ["no tests ran (no plan, no assertion)"]


def test_the_example_rls_tests_catch_an_opened_policy(tmp_path, pg_server):
    root = copy_example_project(tmp_path)
    (root / "supabase/migrations/20260401000000_open_favorites.sql").write_text(
        'DROP POLICY IF EXISTS "Everyone sees favorites" ON public.favorites;\n'
        'CREATE POLICY "Everyone sees favorites" ON public.favorites FOR SELECT TO anon, authenticated USING (true);\n')
    result = db_test(root, pg_server, "--json", "-k", "favorites")
    assert result.returncode == 1
    [favorites] = json.loads(result.stdout)["files"]
    assert [f["description"] for f in favorites["failures"]] == [
        "ana sees only her own favorite", "... but deletes nothing: ben still has his favorite",
        "ben does not see ana's favorite", "anonymous requests see no favorites"]


def test_a_project_without_tests_has_nothing_to_fail(tmp_path, pg_server):
    make_project(tmp_path, {"20260101000001_notes.sql": NOTES})
    result = db_test(tmp_path, pg_server, "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["summary"]["files"] == 0
    assert "no test files: supabase/tests/ has no .sql or .pg files" in result.stderr
