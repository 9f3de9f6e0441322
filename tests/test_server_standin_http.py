"""The http (pgsql-http) development stand-in on the embedded server: calls that would send raise."""

from __future__ import annotations

import psycopg
import pytest

from supatasks.server.bootstrap import apply_bootstrap
from support import connect

NOT_SENT = ("http: supatasks' local database sends no HTTP requests "
            "(development stand-in of the http extension)")


@pytest.fixture
def http_db(db_url):
    with connect(db_url) as conn:
        apply_bootstrap(conn)
        conn.execute("CREATE EXTENSION IF NOT EXISTS http WITH SCHEMA extensions")
    return db_url


def test_installs_with_schema_extensions_and_drops_cleanly(db_url):
    with connect(db_url) as conn:
        apply_bootstrap(conn)
        conn.execute("CREATE EXTENSION IF NOT EXISTS http WITH SCHEMA extensions")
        assert conn.execute(
            "SELECT extversion, extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'http'"
        ).fetchone() == ("1.6", "extensions")
        for signature in ("extensions.http(extensions.http_request)", "extensions.http_get(varchar)",
                          "extensions.http_get(varchar, jsonb)", "extensions.http_post(varchar, varchar, varchar)",
                          "extensions.http_post(varchar, jsonb)", "extensions.http_put(varchar, varchar, varchar)",
                          "extensions.http_patch(varchar, varchar, varchar)", "extensions.http_delete(varchar)",
                          "extensions.http_delete(varchar, varchar, varchar)", "extensions.http_head(varchar)",
                          "extensions.http_header(varchar, varchar)", "extensions.urlencode(varchar)",
                          "extensions.urlencode(bytea)", "extensions.urlencode(jsonb)",
                          "extensions.http_set_curlopt(varchar, varchar)", "extensions.http_reset_curlopt()",
                          "extensions.http_list_curlopt()"):
            assert conn.execute("SELECT to_regprocedure(%s) IS NOT NULL", [signature]).fetchone()[0], signature
        conn.execute("DROP EXTENSION http")
        assert conn.execute("SELECT to_regtype('extensions.http_response')").fetchone()[0] is None
        # 1.7 adds http_headers()
        conn.execute("CREATE EXTENSION http WITH SCHEMA extensions VERSION '1.7'")
        assert conn.execute("SELECT (extensions.http_headers('a', '1', 'b', '2'))[2]::text").fetchone()[0] == "(b,2)"
        conn.execute("DROP EXTENSION http CASCADE")


def test_functions_and_triggers_using_it_apply_and_calls_raise(http_db):
    with connect(http_db) as conn:
        # a migration: a helper returning the status, and a trigger that posts each new row
        conn.execute("""
            CREATE FUNCTION public.site_status(site text) RETURNS int
            LANGUAGE sql SET search_path = extensions, public AS $$
                SELECT status FROM http_get(site)
            $$;

            CREATE TABLE public.signups (email text PRIMARY KEY);
            CREATE FUNCTION public.push_signup() RETURNS trigger
            LANGUAGE plpgsql SET search_path = extensions, public AS $$
            BEGIN
                PERFORM http((
                    'POST', 'https://crm.example.test/hooks/signup',
                    ARRAY[http_header('Authorization', 'Bearer local')],
                    'application/json', json_build_object('email', NEW.email)::text
                )::http_request);
                RETURN NEW;
            END $$;
            CREATE TRIGGER push_signup AFTER INSERT ON public.signups
            FOR EACH ROW EXECUTE FUNCTION public.push_signup();
        """)
        with pytest.raises(psycopg.errors.FeatureNotSupported) as caught:
            conn.execute("SELECT public.site_status('https://status.example.test/')")
        assert caught.value.diag.message_primary == NOT_SENT
        assert caught.value.diag.message_detail == "The request was GET https://status.example.test/."
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="sends no HTTP requests"):
            conn.execute("INSERT INTO public.signups VALUES ('a@example.test')")
        assert conn.execute("SELECT count(*) FROM public.signups").fetchone()[0] == 0

        calls = {
            "extensions.http_post('https://x.test/', '{}', 'application/json')": "POST https://x.test/",
            "extensions.http_put('https://x.test/1', 'a', 'text/plain')": "PUT https://x.test/1",
            "extensions.http_patch('https://x.test/1', 'a', 'text/plain')": "PATCH https://x.test/1",
            "extensions.http_delete('https://x.test/1')": "DELETE https://x.test/1",
            "extensions.http_head('https://x.test/')": "HEAD https://x.test/",
            "extensions.http_get('https://x.test/search', '{\"q\": \"a b\"}'::jsonb)": "GET https://x.test/search?q=a+b",
            "extensions.http_post('https://x.test/form', '{\"n\": 1}'::jsonb)": "POST https://x.test/form",
        }
        for call, request in calls.items():
            with pytest.raises(psycopg.errors.FeatureNotSupported) as caught:
                conn.execute(f"SELECT {call}")
            assert caught.value.diag.message_detail == f"The request was {request}.", call


def test_urlencode_is_real(http_db):
    with connect(http_db) as conn:
        row = conn.execute("""
            SELECT extensions.urlencode('name=Zoë & co/~x.y_z-1'),
                   extensions.urlencode('{"b": 2.50, "a": "x y", "": "skipped", "n": null,
                                          "t": true, "nested": {"k": 1}, "list": [1]}'::jsonb),
                   extensions.urlencode('{}'::jsonb),
                   extensions.urlencode('\\x61206200ff'::bytea),
                   extensions.urlencode('')
        """).fetchone()
        assert row == ("name%3DZo%C3%AB+%26+co%2F~x.y_z-1", "a=x+y&b=2.5&n=&t=true", None, "a+b", "")
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="non-object"):
            conn.execute("SELECT extensions.urlencode('[1, 2]'::jsonb)")


def test_curl_options_are_kept_for_the_session(http_db):
    with connect(http_db) as conn:
        assert conn.execute(
            "SELECT extensions.http_set_curlopt('curlopt_timeout_ms', '2500'),"
            " extensions.http_set_curlopt('CURLOPT_USERAGENT', 'supatasks-test')").fetchone() == (True, True)
        assert conn.execute("SELECT extensions.http_set_curlopt(NULL, 'x')").fetchone()[0] is False
        assert conn.execute("SELECT * FROM extensions.http_list_curlopt()").fetchall() == [
            ("CURLOPT_TIMEOUT_MS", "2500"), ("CURLOPT_USERAGENT", "supatasks-test")]
        with pytest.raises(psycopg.errors.InternalError_, match="curl option 'CURLOPT_VERBOSE' is not available"):
            conn.execute("SELECT extensions.http_set_curlopt('CURLOPT_VERBOSE', '1')")
        assert conn.execute("SELECT extensions.http_reset_curlopt()").fetchone()[0] is True
        assert conn.execute("SELECT count(*) FROM extensions.http_list_curlopt()").fetchone()[0] == 0
