"""The pg_graphql development stand-in on the embedded server: installed as on the platform; every
GraphQL request gets a GraphQL error saying the local database resolves none."""

from __future__ import annotations

import psycopg
import pytest

from support import connect


@pytest.fixture
def supabase_db(bootstrapped_url):
    return bootstrapped_url


def test_preinstalled_and_installs_as_dumps_spell_it(supabase_db):
    with connect(supabase_db) as conn:
        assert conn.execute("SELECT extversion, extnamespace::regnamespace::text FROM pg_extension "
                            "WHERE extname = 'pg_graphql'").fetchone() == ("1.5.11", "graphql")
        conn.execute('CREATE EXTENSION IF NOT EXISTS "pg_graphql" WITH SCHEMA "graphql"')
        assert conn.execute(
            "SELECT pg_get_function_arguments('graphql.resolve'::regproc), "
            "pg_get_function_result('graphql.resolve'::regproc)").fetchone() == (
            "query text, variables jsonb DEFAULT '{}'::jsonb, \"operationName\" text DEFAULT NULL::text, "
            "extensions jsonb DEFAULT NULL::jsonb", "jsonb")
        assert conn.execute("SELECT evtname, evtevent FROM pg_event_trigger WHERE evtname LIKE 'graphql%' "
                            "ORDER BY 1").fetchall() == [("graphql_watch_ddl", "ddl_command_end"),
                                                         ("graphql_watch_drop", "sql_drop")]

        # the schema existed before (bootstrap, dumps): DROP EXTENSION leaves it, removes the rest
        conn.execute("DROP EXTENSION pg_graphql")
        assert conn.execute("SELECT to_regnamespace('graphql') IS NOT NULL, "
                            "to_regproc('graphql.resolve'), to_regclass('graphql.seq_schema_version'), "
                            "(SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'graphql_watch%')"
                            ).fetchone() == (True, None, None, 0)
        # graphql_public.graphql (the bootstrap's) answers as the platform does without pg_graphql
        assert conn.execute("SELECT graphql_public.graphql(query := '{ __typename }')").fetchone()[0] \
            == {"errors": [{"message": "pg_graphql extension is not enabled."}]}
        conn.execute('CREATE EXTENSION IF NOT EXISTS "pg_graphql" WITH SCHEMA "graphql"')
        # Supabase's issue_pg_graphql_access event trigger opened it to the API roles again
        assert conn.execute("SELECT has_function_privilege('anon', 'graphql.resolve(text,jsonb,text,jsonb)', "
                            "'EXECUTE'), has_schema_privilege('anon', 'graphql', 'USAGE')").fetchone() \
            == (True, True)


def test_bare_database_creates_and_drops_its_schema_objects(db_url):
    with connect(db_url) as conn:
        conn.execute("CREATE EXTENSION pg_graphql")
        assert conn.execute("SELECT graphql.resolve('{ a }') -> 'errors' -> 0 ->> 'message' LIKE "
                            "'%supatasks local database: pg_graphql is a development stand-in%'").fetchone() \
            == (True,)
        conn.execute("DROP EXTENSION pg_graphql CASCADE")
        assert conn.execute("SELECT count(*) FROM pg_event_trigger").fetchone() == (0,)


def test_requests_through_the_api_function_get_a_graphql_error(supabase_db):
    """What PostgREST does for /graphql/v1: graphql_public.graphql as the anon role."""
    with connect(supabase_db) as conn:
        conn.execute("CREATE TABLE public.todos (id bigint PRIMARY KEY, title text)")
        conn.execute("SET ROLE anon")
        answer = conn.execute(
            "SELECT graphql_public.graphql(\"operationName\" := 'Todos', "
            "query := 'query Todos($n: Int) { todosCollection(first: $n) { edges { node { id } } } }', "
            "variables := '{\"n\": 3}', extensions := NULL)").fetchone()[0]
        conn.execute("RESET ROLE")
        assert answer["data"] is None
        [error] = answer["errors"]
        assert "supatasks local database: pg_graphql is a development stand-in" in error["message"]
        # the direct call with every argument named, as pg_graphql documents it
        direct = conn.execute("SELECT graphql.resolve(query := '{ x }', variables := '{}', "
                              "\"operationName\" := NULL, extensions := NULL)").fetchone()[0]
        assert direct == answer


def test_comment_directives_exception_and_schema_version(supabase_db):
    with connect(supabase_db) as conn:
        conn.execute("SET search_path = ''")
        conn.execute("""
            CREATE TABLE public.account (id bigint PRIMARY KEY, email text);
            COMMENT ON TABLE public.account IS e'@graphql({"totalCount": {"enabled": true}, "name": "Person"})';
        """)
        assert conn.execute("SELECT graphql.comment_directive(obj_description('public.account'::regclass, "
                            "'pg_class'))").fetchone() == ({"totalCount": {"enabled": True}, "name": "Person"},)
        assert conn.execute("SELECT graphql.comment_directive('no directive here')").fetchone() == ({},)
        with pytest.raises(psycopg.errors.DataException, match="refused by policy"):
            conn.execute("SELECT graphql.exception('refused by policy')")

        # the schema version (pg_graphql's cache key) moves on DDL and on drops, not on DML
        before = conn.execute("SELECT graphql.get_schema_version()").fetchone()[0]
        conn.execute("INSERT INTO public.account VALUES (1, 'a@example.com')")
        assert conn.execute("SELECT graphql.get_schema_version()").fetchone()[0] == before
        conn.execute("ALTER TABLE public.account ADD COLUMN name text")
        after_alter = conn.execute("SELECT graphql.get_schema_version()").fetchone()[0]
        conn.execute("DROP TABLE public.account")
        after_drop = conn.execute("SELECT graphql.get_schema_version()").fetchone()[0]
        assert before < after_alter < after_drop
