"""The pg_net development stand-in on the embedded server: requests are recorded, never sent."""

from __future__ import annotations

import json

import psycopg
import pytest

from supatasks.server.bootstrap import apply_bootstrap
from support import connect


@pytest.fixture
def supabase_db(bootstrapped_url):
    """A bootstrapped database with pg_net created the way Supabase projects and dumps spell it."""
    with connect(bootstrapped_url) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_net WITH SCHEMA extensions")
    return bootstrapped_url


def queue(conn) -> list[tuple]:
    return conn.execute(
        "SELECT id, method, url, headers, convert_from(body, 'UTF8'), timeout_milliseconds "
        "FROM net.http_request_queue ORDER BY id").fetchall()


def test_installs_as_the_platform_spells_it_and_drops_cleanly(db_url):
    with connect(db_url) as conn:
        apply_bootstrap(conn)
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_net WITH SCHEMA extensions")
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_net WITH SCHEMA extensions")  # a second time: no-op
        version, schema = conn.execute(
            "SELECT extversion, extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_net'"
        ).fetchone()
        assert (version, schema) == ("0.19.5", "extensions")
        comment = conn.execute(
            "SELECT comment FROM pg_available_extensions WHERE name = 'pg_net'").fetchone()[0]
        assert comment.startswith("supatasks development stand-in of pg_net")
        # the exact signatures supabase_functions.http_request and the platform's grants name
        for signature in ("net.http_get(text, jsonb, jsonb, integer)",
                          "net.http_post(text, jsonb, jsonb, jsonb, integer)",
                          "net.http_delete(text, jsonb, jsonb, integer, jsonb)",
                          "net._http_collect_response(bigint, boolean)",
                          "net.http_collect_response(bigint, boolean)"):
            assert conn.execute("SELECT to_regprocedure(%s) IS NOT NULL", [signature]).fetchone()[0], signature
        conn.execute("DROP EXTENSION pg_net")
        assert conn.execute("SELECT to_regnamespace('net')").fetchone()[0] is None
        # and on a bare database, without naming a schema
        conn.execute("CREATE EXTENSION pg_net")
        assert conn.execute("SELECT net.http_get('https://example.com/')").fetchone()[0] == 1
        conn.execute("DROP EXTENSION pg_net CASCADE")
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_net'").fetchone()[0] == 0


def test_webhook_trigger_records_the_post_and_sends_nothing(supabase_db):
    """A database webhook as Supabase writes it: an AFTER INSERT trigger posting the new row."""
    with connect(supabase_db) as conn:
        conn.execute("""
            CREATE TABLE public.orders (id bigint PRIMARY KEY, total numeric NOT NULL);

            CREATE FUNCTION public.notify_order() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
            DECLARE
                request_id bigint;
            BEGIN
                SELECT http_post INTO request_id FROM net.http_post(
                    'https://hooks.example.test/functions/v1/order-created',
                    jsonb_build_object('type', TG_OP, 'table', TG_TABLE_NAME, 'record', to_jsonb(NEW)),
                    '{}'::jsonb,
                    '{"Content-type": "application/json", "Authorization": "Bearer local-key"}'::jsonb,
                    1000
                );
                RETURN NEW;
            END
            $$;

            CREATE TRIGGER order_created AFTER INSERT ON public.orders
            FOR EACH ROW EXECUTE FUNCTION public.notify_order();
        """)
        conn.execute("INSERT INTO public.orders VALUES (7, 19.90)")
        rows = queue(conn)
        assert len(rows) == 1
        request_id, method, url, headers, body, timeout = rows[0]
        assert method == "POST"
        assert url == "https://hooks.example.test/functions/v1/order-created"
        assert headers == {"Content-type": "application/json", "Authorization": "Bearer local-key"}
        assert json.loads(body) == {"type": "INSERT", "table": "orders", "record": {"id": 7, "total": 19.90}}
        assert timeout == 1000

        # the response row says it was not sent; collecting it answers ERROR, at once
        status_code, error_msg = conn.execute(
            "SELECT status_code, error_msg FROM net._http_response WHERE id = %s", [request_id]).fetchone()
        assert status_code is None
        assert error_msg.startswith("not sent: supatasks' local database sends no HTTP requests")
        status, message, response = conn.execute(
            "SELECT status, message, response FROM net._http_collect_response(%s, async := false)",
            [request_id]).fetchone()
        assert (status, response) == ("ERROR", None)
        assert message == error_msg

        # a rolled-back insert leaves no request behind, as with the real queue
        with pytest.raises(psycopg.errors.UniqueViolation):
            with conn.transaction():
                conn.execute("INSERT INTO public.orders VALUES (8, 1), (7, 2)")
        assert len(queue(conn)) == 1


def test_named_arguments_params_and_url_normalisation(supabase_db):
    with connect(supabase_db) as conn:
        get_id = conn.execute("""
            SELECT net.http_get(
                url := 'HTTPS://api.example.test',
                params := '{"q": "a b&c", "name": "Zoë", "page": 2}'::jsonb,
                headers := '{"apikey": "anon"}'::jsonb,
                timeout_milliseconds := 3000)
        """).fetchone()[0]
        post_id = conn.execute("""
            SELECT net.http_post(
                url := 'https://api.example.test/rest/v1/rpc/go?select=id#top',
                body := '{"n": 1}'::jsonb,
                params := '{"limit": "5"}'::jsonb)
        """).fetchone()[0]
        delete_id = conn.execute(
            "SELECT net.http_delete('https://api.example.test/items/3', body := '{\"why\": \"done\"}')").fetchone()[0]
        rows = {row[0]: row[1:] for row in queue(conn)}
        # params: url-encoded as curl does, in jsonb key order; scheme lower-cased, empty path "/"
        assert rows[get_id] == ("GET", "https://api.example.test/?q=a%20b%26c&name=Zo%C3%AB&page=2",
                                {"apikey": "anon"}, None, 3000)
        # added to the query already there, before the fragment; Content-Type added by default
        assert rows[post_id] == ("POST", "https://api.example.test/rest/v1/rpc/go?select=id&limit=5#top",
                                 {"Content-Type": "application/json"}, '{"n": 1}', 5000)
        assert rows[delete_id] == ("DELETE", "https://api.example.test/items/3", {}, '{"why": "done"}', 5000)


def test_checks_the_real_one_makes_when_called(supabase_db):
    with connect(supabase_db) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match='Content-Type header must be "application/json"'):
            conn.execute("SELECT net.http_post('https://x.example.test/', headers := '{\"content-type\": \"text/plain\"}')")
        with pytest.raises(psycopg.errors.RaiseException, match='invalid URL "example.test/path"'):
            conn.execute("SELECT net.http_get('example.test/path')")
        with pytest.raises(psycopg.errors.RaiseException, match="invalid URL"):
            conn.execute("SELECT net.http_get('https://exa mple.test/')")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO net.http_request_queue (method, url, timeout_milliseconds) VALUES ('PUT', 'https://x/', 1)")
        assert queue(conn) == []
        # an id never requested: the stand-in raises instead of waiting for ever
        with pytest.raises(psycopg.errors.NoDataFound):
            conn.execute("SELECT net._await_response(424242)")
        assert conn.execute("SELECT status, message FROM net._http_collect_response(424242)").fetchone() == (
            "ERROR", "request matching request_id not found")


def test_platform_roles_may_post_others_may_not(supabase_db):
    with connect(supabase_db) as conn:
        conn.execute("CREATE TABLE public.notes (id int PRIMARY KEY)")
        conn.execute("GRANT INSERT ON public.notes TO authenticated")
        conn.execute("""
            CREATE FUNCTION public.note_hook() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM net.http_post('https://hooks.example.test/note', jsonb_build_object('id', NEW.id));
                RETURN NEW;
            END $$;
            CREATE TRIGGER note_hook AFTER INSERT ON public.notes FOR EACH ROW EXECUTE FUNCTION public.note_hook();
        """)
        # the API role inserting fires the webhook under its own name: SECURITY DEFINER http_post records it
        with conn.transaction():
            conn.execute("SET LOCAL ROLE authenticated")
            conn.execute("INSERT INTO public.notes VALUES (1)")
        assert [row[2] for row in queue(conn)] == ["https://hooks.example.test/note"]
        # a role the platform does not grant to cannot call it
        conn.execute("CREATE ROLE standin_outsider NOLOGIN")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with conn.transaction():
                conn.execute("SET LOCAL ROLE standin_outsider")
                conn.execute("SELECT net.http_get('https://x.example.test/')")


def test_dashboard_webhook_through_supabase_functions_is_recorded(supabase_db):
    """A webhook as `supabase db pull` writes it: the platform's trigger function calls
    net.http_post / net.http_get positionally; the stand-in's signatures must take those calls."""
    with connect(supabase_db) as conn:
        if not conn.execute("SELECT to_regprocedure('supabase_functions.http_request()') IS NOT NULL").fetchone()[0]:
            pytest.skip("this bootstrap has no supabase_functions.http_request()")
        conn.execute("""
            CREATE TABLE public.messages (id bigint PRIMARY KEY, text text);
            CREATE TRIGGER message_posted AFTER INSERT ON public.messages FOR EACH ROW
            EXECUTE FUNCTION supabase_functions.http_request(
                'https://proj.example.test/functions/v1/on-message', 'POST',
                '{"Content-Type":"application/json","Authorization":"Bearer service"}', '{"source":"db"}', '2000');
            CREATE TRIGGER message_pinged AFTER INSERT ON public.messages FOR EACH ROW
            EXECUTE FUNCTION supabase_functions.http_request(
                'https://proj.example.test/ping', 'GET', '{}', '{"id":"1"}', '1000');
        """)
        conn.execute("INSERT INTO public.messages VALUES (1, 'hello')")
        rows = {row[1]: row for row in queue(conn)}
        post = rows["POST"]
        assert post[2] == "https://proj.example.test/functions/v1/on-message?source=db"
        assert post[3] == {"Content-Type": "application/json", "Authorization": "Bearer service"}
        assert json.loads(post[4]) == {"type": "INSERT", "table": "messages", "schema": "public",
                                       "record": {"id": 1, "text": "hello"}, "old_record": None}
        assert post[5] == 2000
        assert rows["GET"][2:] == ("https://proj.example.test/ping?id=1", {}, None, 1000)
        hooks = conn.execute("SELECT hook_name, request_id FROM supabase_functions.hooks ORDER BY hook_name").fetchall()
        assert hooks == [("message_pinged", rows["GET"][0]), ("message_posted", post[0])]
