"""The pgtap development stand-in on the embedded server: the same TAP as the real pgTAP 1.2.0 (Debian's
postgresql-15-pgtap on PostgreSQL 15), assertion for assertion, passing and failing."""

from __future__ import annotations

import psycopg
import pytest

from support import connect, create_database

# What the assertions look at: a schema of our own with a table, index, view, type, function, trigger, policies.
SETUP = """
create schema app;
create table app.things (id bigint generated always as identity primary key, name text not null, note text,
                         price numeric(10,2) default 0, created_at timestamptz default now());
create index things_name_idx on app.things (name);
create view app.thing_names as select name from app.things;
create type app.mood as enum ('ok', 'sad');
create function app.touch() returns trigger language plpgsql as $$ begin return new; end $$;
create function app.add(a int, b int) returns int language sql as 'select a + b';
create trigger things_touch before update on app.things for each row execute function app.touch();
alter table app.things enable row level security;
create policy "read all" on app.things for select to public using (true);
create policy "owner writes" on app.things for insert to postgres with check (true);
insert into app.things (name, note) values ('a', 'x'), ('b', 'y');
"""

# One statement per line; each case runs in a transaction of its own, rolled back.
CASES = {
    "values": """
select plan(23);
select ok(true, 'true is ok');
select ok(false, 'false is not');
select ok(null, 'null fails');
select ok(false);
select ok(false, E'multi\\nline');
select is(1, 2, 'one is two');
select is(null::text, 'x', 'null vs x');
select isnt(1, 1, 'isnt fails');
select cmp_ok(3, '<', 2, 'lt fails');
select cmp_ok(3, '=', null, 'eq null');
select matches('hello'::text, '^x', 'matches fails');
select imatches('Hello'::text, '^h', 'imatches');
select doesnt_match('hello'::text, '^h', 'doesnt_match fails');
select unalike('hello'::text, 'h%', 'unalike fails');
select pass('passes');
select fail();
select diag(E'two\\nlines');
select diag('a', 'b', 'c');
select isa_ok('x'::text, 'integer'::regtype, 'the text');
select is(array[1,2], array[1,3], 'arrays');
select is('{"a":1}'::jsonb, '{"a": 2}'::jsonb, 'jsonb');
select skip('not now', 2);
select * from todo('later', 2);
select ok(false, 'todo fails');
select ok(true, 'todo passes');
select * from finish();
""",
    "exceptions": """
select plan(14);
select throws_ok('select 1/0', '22012', 'division by zero', 'div by zero');
select throws_ok('select 1/0', '22012', 'wrong message', 'wrong msg');
select throws_ok('select 1/0', '23505', 'division by zero', 'wrong code');
select throws_ok('select 1', '22012', 'division by zero', 'no error');
select throws_ok('select 1/0', '22012');
select throws_ok('select 1/0', 'division by zero');
select throws_ok('select 1');
select throws_ok('insert into app.things (name) values (null)', '23502', null, 'not null');
select throws_like('select 1/0', '%nope%', 'like fails');
select throws_like('select 1', '%zero%', 'like no error');
select throws_matching('select 1/0', 'ze.o', 'matching');
select lives_ok('select 1', 'lives');
select lives_ok('select 1/0', 'dies');
prepare divide as select 1/0;
select throws_ok('divide', '22012', null, 'prepared');
select * from finish();
""",
    "results": """
select plan(16);
select results_eq('select name from app.things order by id', array['a','c'], 'names fail');
select results_eq('select name from app.things order by id', array['a'], 'names fewer');
select results_eq('select id, name from app.things order by id', 'values (1::bigint, ''a''::text), (2, ''b'')', 'rows');
select results_eq('select id, name from app.things order by id', 'values (1, ''a''), (2, ''b'')', 'type mismatch');
select results_ne('select 1', 'select 1', 'ne fails');
select set_eq('select name from app.things', array['b','a'], 'set');
select set_eq('select name from app.things', array['b','c'], 'set fails');
select bag_eq('select name from app.things', array['b','a','a'], 'bag fails');
select set_ne('select name from app.things', array['z'], 'set_ne');
select is_empty('select id, name from app.things', 'empty fails');
select isnt_empty('select * from app.things where false', 'not empty fails');
select row_eq('select 1, ''a''::text', row(1, 'b'::text), 'row fails');
select set_eq('select name from app.things', 'select 1', 'set type mismatch');
select results_eq('select name from app.things order by id', array['a','b']);
select is_empty('select 1 where false');
select bag_eq('select name from app.things', 'select name from app.things');
select * from finish();
""",
    "catalog": """
select plan(32);
select has_table('app', 'things', 'has things');
select has_table('app', 'nope', 'has nope');
select has_table('app'::name, 'things'::name);
select has_table('things');
select hasnt_table('app', 'things', 'no things');
select has_view('app', 'thing_names', 'view');
select has_column('app', 'things', 'nope', 'col nope');
select has_column('app.things', 'name');
select col_type_is('app', 'things', 'price', 'numeric', 'price type fail');
select col_type_is('app', 'things', 'nope', 'text', 'missing col');
select col_type_is('things', 'name', 'text');
select col_not_null('app', 'things', 'note', 'nn fails');
select col_not_null('app', 'things', 'nope', 'nn missing');
select col_is_null('app', 'things', 'note', 'null');
select col_has_default('app', 'things', 'note', 'no default');
select col_is_pk('app', 'things', 'name', 'pk col fails');
select has_pk('app', 'things', 'pk');
select has_index('app', 'things', 'things_name_idx', array['note'], 'index cols fail');
select has_index('app', 'things', 'nope_idx', 'index fails');
select has_function('app', 'add', array['integer', 'integer'], 'fn');
select has_function('app', 'add', array['text'], 'fn wrong args');
select has_function('now');
select has_trigger('app', 'things', 'things_touch', 'trigger');
select has_schema('nope', 'schema fails');
select has_extension('pgtap');
select has_type('mood');
select policies_are('app', 'things', array['read all', 'other'], 'policies fail');
select policies_are('things', array['read all', 'owner writes']);
select policy_cmd_is('app', 'things', 'read all', 'insert', 'cmd fails');
select policy_roles_are('app', 'things', 'owner writes', array['anon'], 'roles fail');
select tables_are('app', array['things', 'other']);
select functions_are('app', array['add'], 'functions fail');
select * from finish();
""",
    "functions_and_tables": """
select plan(16);
select columns_are('app', 'things', array['id', 'name', 'note', 'price', 'created_at'], 'columns');
select columns_are('app', 'things', array['id', 'name', 'extra']);
select indexes_are('app', 'things', array['things_pkey', 'things_name_idx']);
select indexes_are('app', 'things', array['things_pkey'], 'indexes fail');
select triggers_are('app', 'things', array['other'], 'triggers fail');
select function_returns('app', 'add', array['integer', 'integer'], 'integer');
select function_returns('app', 'add', array['integer', 'integer'], 'text', 'returns fail');
select function_returns('app', 'add', array['int', 'int'], 'integer', 'int alias');
select function_returns('app', 'nope', 'trigger');
select function_returns('now', 'timestamp with time zone');
select function_returns('generate_series', array['integer', 'integer'], 'setof integer');
select is_definer('app', 'add', array['integer', 'integer']);
select isnt_definer('app', 'add', array['integer', 'integer']);
select isnt_definer('app', 'nope', 'no such');
select is_definer('now');
select columns_are('app', 'nope', array['x'], 'no table');
select * from finish();
""",
    "foreign_keys": """
create table app.parents (id int primary key, a int, b int, unique (a, b));
create table app.kids (id int, p int references app.parents, a int, b int, foreign key (a, b) references app.parents(a, b));
create table app.lonely (id int);
select plan(9);
select has_fk('app', 'kids', 'kids have fks');
select has_fk('app', 'lonely', 'lonely has none');
select has_fk('kids');
select col_is_fk('app', 'kids', 'p', 'p fk');
select col_is_fk('app', 'kids', array['a', 'b'], 'ab fk');
select col_is_fk('app', 'kids', 'id', 'id is no fk');
select col_is_fk('app', 'lonely', 'id', 'lonely id');
select col_is_fk('kids', 'p');
select hasnt_fk('kids');
select * from finish();
""",
    "plans": """
select plan(3);
select pass('one');
select * from finish();
""",
    "no_plan": """
select * from no_plan();
select pass('one');
select fail('two');
select * from finish();
""",
}


def run_case(url: str, case: str) -> list[str]:
    """Every value every statement returned, as lines; an error ends the case with a line saying it."""
    lines: list[str] = []
    with connect(url) as conn, conn.transaction(force_rollback=True):
        for statement in (s for s in CASES[case].strip().splitlines() if s.strip()):
            try:
                cursor = conn.execute(statement, prepare=False)
                rows = cursor.fetchall() if cursor.description else []
            except psycopg.Error as exc:
                lines.append(f"ERROR {exc.sqlstate}: {exc.diag.message_primary}")
                break
            lines.extend(line for row in rows for value in row if value is not None for line in value.split("\n"))
    return lines


@pytest.fixture(scope="module")
def urls(pg_server, pg15_server) -> dict[str, str]:
    """A database with the stand-in (the embedded PostgreSQL 18) and one with the real pgTAP (PostgreSQL 15)."""
    made = {}
    for key, server in (("stand-in", pg_server), ("real", pg15_server)):
        url = create_database(server)
        with connect(url) as conn:
            conn.execute("CREATE EXTENSION pgtap")
            conn.execute(SETUP)
        made[key] = url
    return made


def test_the_stand_in_is_what_the_embedded_server_installs(urls):
    with connect(urls["stand-in"]) as conn:
        version, comment = conn.execute("SELECT extversion, obj_description(oid, 'pg_extension') FROM pg_extension "
                                        "WHERE extname = 'pgtap'").fetchone()
    assert version == "1.2.0" and comment.startswith("supatasks development stand-in of pgtap")
    with connect(urls["real"]) as conn:
        comment = conn.execute("SELECT obj_description(oid, 'pg_extension') FROM pg_extension "
                               "WHERE extname = 'pgtap'").fetchone()[0]
    assert not comment.startswith("supatasks")


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_tap_as_the_real_pgtap(urls, case):
    real, stand_in = run_case(urls["real"], case), run_case(urls["stand-in"], case)
    assert stand_in == real
    assert any(line.startswith("ok ") for line in real)
    if case not in ("plans",):
        assert any(line.startswith("not ok ") for line in real) and any(line.startswith("# ") for line in real)


def test_tap_lines_as_pgtap_writes_them(urls):
    lines = run_case(urls["stand-in"], "values")
    assert lines[:4] == ["1..23", "ok 1 - true is ok", "not ok 2 - false is not", '# Failed test 2: "false is not"']
    assert "not ok 22 - todo fails # TODO later" in lines and "ok 20 # SKIP not now" in lines
    assert lines[-1] == "# Looks like you failed 16 tests of 23"  # the TODO failure does not count
    assert run_case(urls["stand-in"], "plans")[-1] == "# Looks like you planned 3 tests but ran 1"


def test_installs_as_supabase_tests_spell_it_and_drops_cleanly(bootstrapped_url):
    with connect(bootstrapped_url) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions")
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions")  # again: a no-op
        assert conn.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pgtap'"
                            ).fetchone() == ("extensions",)
        with conn.transaction(force_rollback=True):
            assert conn.execute("SELECT extensions.plan(1)").fetchone() == ("1..1",)
        conn.execute("DROP EXTENSION pgtap")
        assert conn.execute("SELECT to_regprocedure('extensions.plan(integer)')").fetchone() == (None,)


def test_a_run_is_undone_by_rollback_and_counts_across_roles(bootstrapped_url):
    """The run's state rolls back with the transaction (a second file plans afresh), and a test that switches
    to `authenticated` keeps counting and may compare sets (temporary tables)."""
    with connect(bootstrapped_url) as conn:
        conn.execute("CREATE EXTENSION pgtap WITH SCHEMA extensions")
        for _ in range(2):
            with conn.transaction(force_rollback=True):
                assert conn.execute("SELECT plan(3)").fetchone() == ("1..3",)
                assert conn.execute("SELECT pass('as postgres')").fetchone() == ("ok 1 - as postgres",)
                conn.execute("SET LOCAL ROLE authenticated")
                assert conn.execute("SELECT ok(auth.uid() IS NULL, 'no user')").fetchone() == ("ok 2 - no user",)
                assert conn.execute("SELECT set_eq('SELECT 1', ARRAY[1], 'a set')").fetchone() == ("ok 3 - a set",)
                assert conn.execute("SELECT * FROM finish()").fetchall() == []
        with pytest.raises(psycopg.errors.RaiseException, match="without a plan"):
            conn.execute("SELECT ok(true)")
