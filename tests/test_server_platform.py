"""The platform's schemas and objects in the bootstrap, on real servers (embedded PostgreSQL 18 and Debian's 15):
seeds of auth users, Realtime broadcasts from triggers, storage policies, database webhooks, owners and grants."""

from __future__ import annotations

import contextlib
import json
import uuid

import psycopg
import pytest

from conftest import create_database
from supatasks.server.bootstrap import apply_bootstrap

ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"


@pytest.fixture(params=["pg_server", "pg15_server"])
def server(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def url(server) -> str:
    url = create_database(server)
    with psycopg.connect(url, autocommit=True) as conn:
        apply_bootstrap(conn)
    return url


@contextlib.contextmanager
def acting_as(conn, role: str, sub: str | None = None):
    """A transaction in which `role` runs with a JWT whose subject is `sub` (as PostgREST would)."""
    with conn.transaction():
        conn.execute(f"set local role {role}")
        if sub:
            conn.execute("select set_config('request.jwt.claims', %s, true)",
                         [json.dumps({"sub": sub, "role": role})])
        yield conn


def available(conn, extension: str) -> bool:
    return conn.execute("select exists (select 1 from pg_available_extensions where name = %s)",
                        [extension]).fetchone()[0]


# -- auth ---------------------------------------------------------------------

SEED_USERS = """
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
                        confirmation_token, recovery_token, email_change, email_change_token_new)
select '00000000-0000-0000-0000-000000000000', u.id::uuid, 'authenticated', 'authenticated', u.email,
       crypt('password', gen_salt('bf')), now(),
       '{"provider": "email", "providers": ["email"]}', jsonb_build_object('name', u.name), now(), now(),
       '', '', '', ''
from (values (%(alice)s, 'Alice@Example.com', 'Alice'), (%(bob)s, 'bob@example.com', 'Bob')) as u(id, email, name)
"""

SEED_IDENTITIES = """
insert into auth.identities (user_id, provider_id, provider, identity_data, last_sign_in_at, created_at, updated_at)
select u.id, u.id::text, 'email',
       jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true), now(), now(), now()
from auth.users as u
"""


def seed_users(conn) -> None:
    """The usual seed: users with a bcrypt password, and one email identity each."""
    with conn.transaction():
        conn.execute(SEED_USERS, {"alice": ALICE, "bob": BOB})
        conn.execute(SEED_IDENTITIES)


def test_seed_of_users_and_identities(url):
    with psycopg.connect(url, autocommit=True) as conn:
        seed_users(conn)
        rows = conn.execute(
            "select u.email, u.encrypted_password = crypt('password', u.encrypted_password),"
            "       u.encrypted_password = crypt('wrong', u.encrypted_password),"
            "       u.confirmed_at = u.email_confirmed_at, u.is_anonymous, u.is_sso_user, i.email, i.provider_id"
            " from auth.users u join auth.identities i on i.user_id = u.id order by u.email").fetchall()
        assert rows == [
            ("Alice@Example.com", True, False, True, False, False, "alice@example.com", ALICE),
            ("bob@example.com", True, False, True, False, False, "bob@example.com", BOB),
        ]
        # one identity per provider and provider id
        with pytest.raises(psycopg.errors.UniqueViolation, match="identities_provider_id_provider_unique"):
            conn.execute("insert into auth.identities (user_id, provider_id, provider, identity_data) "
                         "values (%s, %s, 'email', '{}')", [BOB, ALICE])
        # empty tokens do not collide; real ones must be unique
        conn.execute("update auth.users set confirmation_token = 'tok-1' where id = %s", [ALICE])
        with pytest.raises(psycopg.errors.UniqueViolation, match="confirmation_token_idx"):
            conn.execute("update auth.users set confirmation_token = 'tok-1' where id = %s", [BOB])
        # sessions, refresh tokens, factors and one-time tokens hang off the user
        session = uuid.uuid4()
        conn.execute("insert into auth.sessions (id, user_id, aal, created_at) values (%s, %s, 'aal1', now())",
                     [session, ALICE])
        conn.execute("insert into auth.refresh_tokens (token, user_id, session_id, revoked) values ('r1', %s, %s, false)",
                     [ALICE, session])
        conn.execute("insert into auth.mfa_factors (id, user_id, factor_type, status, created_at, updated_at) "
                     "values (gen_random_uuid(), %s, 'totp', 'verified', now(), now())", [ALICE])
        conn.execute("insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to) "
                     "values (gen_random_uuid(), %s, 'recovery_token', 'h', 'alice@example.com')", [ALICE])
        conn.execute("insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method) "
                     "values (gen_random_uuid(), %s, now(), now(), 'password')", [session])
        conn.execute("delete from auth.users where id = %s", [ALICE])
        counts = conn.execute(
            "select (select count(*) from auth.identities), (select count(*) from auth.sessions),"
            " (select count(*) from auth.refresh_tokens), (select count(*) from auth.mfa_factors),"
            " (select count(*) from auth.one_time_tokens), (select count(*) from auth.mfa_amr_claims)").fetchone()
        assert counts == (1, 0, 0, 0, 0, 0)


def test_auth_tables_columns_and_enums(url):
    with psycopg.connect(url) as conn:
        tables = {t for (t,) in conn.execute(
            "select tablename from pg_tables where schemaname = 'auth'")}
        assert {"users", "identities", "sessions", "refresh_tokens", "mfa_factors", "mfa_challenges",
                "mfa_amr_claims", "one_time_tokens", "audit_log_entries", "instances", "schema_migrations",
                "flow_state", "saml_providers", "saml_relay_states", "sso_providers", "sso_domains",
                "oauth_clients", "oauth_authorizations", "oauth_consents"} <= tables
        columns = {c for (c,) in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'auth' and table_name = 'users'")}
        assert {"is_anonymous", "is_sso_user", "phone", "confirmed_at", "raw_app_meta_data", "raw_user_meta_data",
                "banned_until", "deleted_at", "email_change", "email_change_token_new", "email_change_token_current",
                "email_change_confirm_status", "reauthentication_token", "reauthentication_sent_at"} <= columns
        enums = dict(conn.execute(
            "select t.typname, array_agg(e.enumlabel order by e.enumsortorder)::text from pg_type t "
            "join pg_enum e on e.enumtypid = t.oid where t.typnamespace = 'auth'::regnamespace "
            "group by t.typname").fetchall())
        assert enums["aal_level"] == "{aal1,aal2,aal3}"
        assert enums["factor_type"] == "{totp,webauthn,phone}"
        assert enums["factor_status"] == "{unverified,verified}"
        assert enums["code_challenge_method"] == "{s256,plain}"
        assert "recovery_token" in enums["one_time_token_type"]


def test_security_definer_function_of_postgres_reads_and_writes_auth_users(url):
    with psycopg.connect(url, autocommit=True) as conn:
        seed_users(conn)
        with conn.transaction():
            conn.execute("""
                create function public.my_email() returns text
                language sql stable security definer set search_path = ''
                as $$ select email from auth.users where id = auth.uid() $$;

                create function public.set_my_plan(plan text) returns void
                language plpgsql security definer set search_path = ''
                as $$
                begin
                    update auth.users
                    set raw_app_meta_data = coalesce(raw_app_meta_data, '{}') || jsonb_build_object('plan', plan)
                    where id = auth.uid();
                end
                $$;
            """)
        assert conn.execute("select pg_get_userbyid(proowner) from pg_proc where proname = 'my_email'"
                            ).fetchone()[0] == "postgres"
        with acting_as(conn, "authenticated", ALICE):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with conn.transaction():
                    conn.execute("select email from auth.users")
            assert conn.execute("select public.my_email()").fetchone()[0] == "Alice@Example.com"
            conn.execute("select public.set_my_plan('pro')")
        with acting_as(conn, "anon"):
            assert conn.execute("select public.my_email()").fetchone()[0] is None
        plans = dict(conn.execute("select email, raw_app_meta_data ->> 'plan' from auth.users").fetchall())
        assert plans == {"Alice@Example.com": "pro", "bob@example.com": None}


# -- realtime -----------------------------------------------------------------

BROADCAST_MIGRATION = """
create table public.chat (
    id bigint generated always as identity primary key,
    room text not null,
    body text not null
);
alter table public.chat enable row level security;
create policy "chat is open" on public.chat for all to authenticated using (true) with check (true);

create function public.chat_broadcast() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
    perform realtime.broadcast_changes(
        'room:' || coalesce(new.room, old.room), tg_op, tg_op, tg_table_name, tg_table_schema, new, old);
    return null;
end
$$;

create trigger chat_broadcast after insert or update or delete on public.chat
    for each row execute function public.chat_broadcast();
"""


def test_trigger_broadcasts_row_changes_into_realtime_messages(url):
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute(BROADCAST_MIGRATION)
        with acting_as(conn, "authenticated", ALICE):
            conn.execute("insert into public.chat (room, body) values ('lobby', 'hello')")
            conn.execute("update public.chat set body = 'hello!'")
            conn.execute("delete from public.chat")
        rows = conn.execute(
            "select topic, event, extension, private, payload from realtime.messages order by inserted_at, event"
        ).fetchall()
        assert sorted((t, e, x, p) for t, e, x, p, _ in rows) == [
            ("room:lobby", "DELETE", "broadcast", True),
            ("room:lobby", "INSERT", "broadcast", True),
            ("room:lobby", "UPDATE", "broadcast", True),
        ]
        by_event = {e: payload for _, e, _, _, payload in rows}
        assert by_event["INSERT"]["record"]["body"] == "hello"
        assert by_event["INSERT"]["old_record"] is None
        assert (by_event["INSERT"]["operation"], by_event["INSERT"]["table"], by_event["INSERT"]["schema"]) == (
            "INSERT", "chat", "public")
        assert by_event["UPDATE"]["old_record"]["body"] == "hello"
        assert by_event["UPDATE"]["record"]["body"] == "hello!"
        assert by_event["DELETE"]["record"] is None and by_event["DELETE"]["old_record"]["room"] == "lobby"
        # the payload carries the message's id
        ids = conn.execute("select id::text, payload ->> 'id' from realtime.messages").fetchall()
        assert all(a == b for a, b in ids)
        # statement-level use is refused, as on the platform
        with pytest.raises(psycopg.errors.RaiseException, match="only be triggered for each row"):
            conn.execute("select realtime.broadcast_changes('t', 'e', 'INSERT', 'chat', 'public', null, null, 'STATEMENT')")


def test_send_obeys_row_level_security_on_messages(url):
    warnings = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: warnings.append(d.message_primary))
        # without a policy an API role cannot write realtime.messages: a warning, the transaction goes on
        with acting_as(conn, "authenticated", ALICE):
            conn.execute("select realtime.send('{\"text\": \"hi\"}', 'shout', 'room:1')")
            assert conn.execute("select 1").fetchone() == (1,)
        assert any("WarnSendingBroadcastMessage" in w for w in warnings)
        assert conn.execute("select count(*) from realtime.messages").fetchone()[0] == 0
        # a policy on the topic, as projects write them for private channels
        conn.execute("""
            create policy "members send to their room" on realtime.messages for insert to authenticated
                with check (realtime.topic() = 'room:' || (select auth.uid())::text and extension = 'broadcast');
        """)
        with acting_as(conn, "authenticated", ALICE):
            conn.execute("select realtime.send(%s, 'shout', %s, true)",
                         [json.dumps({"text": "mine", "id": "given"}), f"room:{ALICE}"])
            assert conn.execute("select realtime.topic()").fetchone()[0] == f"room:{ALICE}"
            conn.execute("select realtime.send('{\"text\": \"theirs\"}', 'shout', %s)", [f"room:{BOB}"])
        assert conn.execute("select topic, payload from realtime.messages").fetchall() == [
            (f"room:{ALICE}", {"text": "mine", "id": "given"})]
        assert conn.execute("select realtime.topic()").fetchone()[0] is None


def test_realtime_subscription_objects(url):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table public.items (id int primary key, price numeric)")
        sub = uuid.uuid4()
        conn.execute(
            "insert into realtime.subscription (subscription_id, entity, filters, claims) values "
            "(%s, 'public.items', array[('price', 'gt', '10')::realtime.user_defined_filter], %s)",
            [sub, json.dumps({"role": "authenticated", "sub": ALICE})])
        assert conn.execute("select claims_role::text, action_filter from realtime.subscription").fetchone() == (
            "authenticated", "*")
        with pytest.raises(psycopg.errors.RaiseException, match="invalid column for filter nope"):
            conn.execute(
                "insert into realtime.subscription (subscription_id, entity, filters, claims) values "
                "(%s, 'public.items', array[('nope', 'eq', '1')::realtime.user_defined_filter], '{\"role\": \"anon\"}')",
                [uuid.uuid4()])
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            conn.execute(
                "insert into realtime.subscription (subscription_id, entity, filters, claims) values "
                "(%s, 'public.items', array[('price', 'eq', 'cheap')::realtime.user_defined_filter], '{\"role\": \"anon\"}')",
                [uuid.uuid4()])
        visible = conn.execute("""
            select realtime.is_visible_through_filters(
                array[('price', 'numeric', 'numeric'::regtype::oid, to_jsonb(%s::numeric), false, true)::realtime.wal_column],
                array[('price', 'gt', '10')::realtime.user_defined_filter])""", [12]).fetchone()[0]
        assert visible is True
        assert conn.execute("select realtime.check_equality_op('in', 'int4', '2', '{1,2,3}'), "
                            "realtime.cast('42', 'int4')").fetchone() == (True, 42)
        types = {t for (t,) in conn.execute("select typname from pg_type where typnamespace = 'realtime'::regnamespace")}
        assert {"action", "equality_op", "user_defined_filter", "wal_column", "wal_rls"} <= types
        assert conn.execute("select count(*) from realtime.schema_migrations").fetchone()[0] == 0


# -- storage ------------------------------------------------------------------

STORAGE_MIGRATION = """
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('documents', 'documents', false, 10485760, array['application/pdf', 'image/*']);

create policy "read own documents" on storage.objects for select to authenticated
    using (bucket_id = 'documents' and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy "upload own documents" on storage.objects for insert to authenticated
    with check (bucket_id = 'documents' and (storage.foldername(name))[1] = (select auth.uid())::text
                and storage.extension(name) = 'pdf');
"""


def test_storage_bucket_and_policies_with_foldername(url):
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute(STORAGE_MIGRATION)
        assert conn.execute(
            "select public, file_size_limit, allowed_mime_types, type::text from storage.buckets where id = 'documents'"
        ).fetchone() == (False, 10485760, ["application/pdf", "image/*"], "STANDARD")
        for who, name in ((ALICE, f"{ALICE}/cv.pdf"), (ALICE, f"{ALICE}/2024/tax.pdf"), (BOB, f"{BOB}/notes.pdf")):
            with acting_as(conn, "authenticated", who):
                conn.execute("insert into storage.objects (bucket_id, name, owner_id, metadata) "
                             "values ('documents', %s, %s, '{\"size\": 100}')", [name, who])
        for name in (f"{BOB}/forged.pdf", f"{ALICE}/photo.png", "cv.pdf"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with acting_as(conn, "authenticated", ALICE):
                    conn.execute("insert into storage.objects (bucket_id, name) values ('documents', %s)", [name])
        with acting_as(conn, "authenticated", ALICE):
            assert [n for (n,) in conn.execute("select name from storage.objects order by name")] == [
                f"{ALICE}/2024/tax.pdf", f"{ALICE}/cv.pdf"]
        with acting_as(conn, "anon"):
            assert conn.execute("select count(*) from storage.objects").fetchone()[0] == 0
        with acting_as(conn, "service_role"):
            assert conn.execute("select count(*) from storage.objects").fetchone()[0] == 3
        assert conn.execute("select * from storage.get_size_by_bucket()").fetchall() == [(300, "documents")]
        listed = conn.execute("select name, id is null from storage.search(%s, 'documents', 100, 2)",
                              [f"{ALICE}/"]).fetchall()
        assert listed == [("2024", True), ("cv.pdf", False)]
        # like the platform: rows are deleted through the Storage API, not by SQL
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="Direct deletion"):
            conn.execute("delete from storage.objects")
        with conn.transaction():
            conn.execute("set local storage.allow_delete_query = 'true'")
            conn.execute("delete from storage.objects where name = %s", [f"{BOB}/notes.pdf"])
        assert conn.execute("select count(*) from storage.objects").fetchone()[0] == 2


def test_storage_tables_and_functions(url):
    with psycopg.connect(url) as conn:
        tables = {t for (t,) in conn.execute("select tablename from pg_tables where schemaname = 'storage'")}
        assert {"buckets", "objects", "migrations", "s3_multipart_uploads", "s3_multipart_uploads_parts"} <= tables
        columns = {c for (c,) in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'storage' "
            "and table_name = 'objects'")}
        assert {"owner_id", "path_tokens", "version", "user_metadata", "metadata"} <= columns
        functions = {f for (f,) in conn.execute(
            "select oid::regprocedure::text from pg_proc where pronamespace = 'storage'::regnamespace")}
        assert {"storage.foldername(text)", "storage.filename(text)", "storage.extension(text)",
                "storage.get_size_by_bucket()",
                "storage.search(text,text,integer,integer,integer,text,text,text)"} <= functions
        with pytest.raises(psycopg.errors.RaiseException, match="too long"):
            conn.execute("insert into storage.buckets (id, name) values ('x', repeat('n', 101))")


# -- database webhooks ----------------------------------------------------------

WEBHOOK_MIGRATION = """
create table public.orders (id bigint generated always as identity primary key, total numeric not null);
alter table public.orders enable row level security;
create policy "anyone orders" on public.orders for insert to authenticated with check (true);

create trigger "order-created" after insert on public.orders
    for each row execute function supabase_functions.http_request(
        'http://127.0.0.1:9/hooks/order', 'POST', '{"Content-Type":"application/json","X-Hook":"1"}', '{}', '2500');
"""


def test_webhook_trigger_through_http_request(url):
    warnings = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: warnings.append(d.message_primary))
        with conn.transaction():
            conn.execute(WEBHOOK_MIGRATION)
        assert conn.execute("select version from supabase_functions.migrations order by version").fetchall()[0] == (
            "20210809183423_update_grants",)
        assert conn.execute(
            "select tgname from pg_trigger where tgrelid = 'public.orders'::regclass and not tgisinternal"
        ).fetchall() == [("order-created",)]
        if not available(conn, "pg_net"):
            # nothing can be sent: the write goes on, with a warning naming the webhook
            with acting_as(conn, "authenticated", ALICE):
                conn.execute("insert into public.orders (total) values (12.5)")
            assert any("order-created" in w and "pg_net" in w for w in warnings)
            assert conn.execute("select count(*) from supabase_functions.hooks").fetchone()[0] == 0
            pytest.skip("pg_net is not available on this server (no real one, and supatasks' stand-in is found "
                        "through extension_control_path, PostgreSQL 18 and later): the recorded request is not checked")
        conn.execute("create extension if not exists pg_net with schema extensions")
        with acting_as(conn, "authenticated", ALICE):
            conn.execute("insert into public.orders (total) values (12.5)")
        hook_name, request_id, table_id = conn.execute(
            "select hook_name, request_id, hook_table_id from supabase_functions.hooks").fetchone()
        assert hook_name == "order-created" and request_id is not None
        assert table_id == conn.execute("select 'public.orders'::regclass::oid::int").fetchone()[0]
        queue = conn.execute("select to_regclass('net.http_request_queue')").fetchone()[0]
        if queue is None:
            pytest.skip("pg_net has no net.http_request_queue table: the hook row is checked, the request not")
        method, target, body = conn.execute(
            "select method::text, url, body from net.http_request_queue where id = %s", [request_id]).fetchone()
        if isinstance(body, (bytes, str)):  # the real pg_net keeps the body as bytea
            body = json.loads(body)
        assert (method, target) == ("POST", "http://127.0.0.1:9/hooks/order")
        assert body["type"] == "INSERT" and body["table"] == "orders" and body["record"]["total"] == 12.5


# -- graphql, extensions, owners and grants -------------------------------------

def test_graphql_public_endpoint(url):
    with psycopg.connect(url) as conn:
        assert conn.execute(
            "select pg_get_function_arguments('graphql_public.graphql(text, text, jsonb, jsonb)'::regprocedure)"
        ).fetchone()[0] == ('"operationName" text DEFAULT NULL::text, query text DEFAULT NULL::text, '
                            'variables jsonb DEFAULT NULL::jsonb, extensions jsonb DEFAULT NULL::jsonb')
        installed = conn.execute("select exists (select 1 from pg_extension where extname = 'pg_graphql')").fetchone()[0]
        assert installed == available(conn, "pg_graphql")
        if not installed:
            with acting_as(conn, "anon"):
                assert conn.execute("select graphql_public.graphql(query := '{ __typename }')").fetchone()[0] == {
                    "errors": [{"message": "pg_graphql extension is not enabled."}]}


def test_preinstalled_extensions_where_offered(url):
    expected = {"uuid-ossp": "extensions", "pgcrypto": "extensions", "pg_stat_statements": "extensions",
                "supabase_vault": "vault", "pg_graphql": "graphql"}
    with psycopg.connect(url) as conn:
        installed = dict(conn.execute(
            "select extname, extnamespace::regnamespace::text from pg_extension").fetchall())
        for name, schema in expected.items():
            if available(conn, name):
                assert installed.get(name) == schema, name
            else:
                assert name not in installed and name not in ("uuid-ossp", "pgcrypto", "pg_stat_statements")
        # only older projects have these; their dumps create them
        assert "pgjwt" not in installed and "pgsodium" not in installed
        # pg_stat_statements is real on both servers; its view needs shared_preload_libraries, which is not ours
        assert installed["pg_stat_statements"] == "extensions"


def test_owners_grants_and_default_privileges(url):
    with psycopg.connect(url, autocommit=True) as conn:
        owners = dict(conn.execute(
            "select c.oid::regclass::text, pg_get_userbyid(c.relowner) from pg_class c "
            "where c.oid::regclass::text in ('auth.users', 'auth.identities', 'auth.sessions', 'storage.objects', "
            "'storage.buckets', 'realtime.messages', 'realtime.subscription', 'supabase_functions.hooks')").fetchall())
        assert owners == {
            "auth.users": "supabase_auth_admin", "auth.identities": "supabase_auth_admin",
            "auth.sessions": "supabase_auth_admin", "storage.objects": "supabase_storage_admin",
            "storage.buckets": "supabase_storage_admin", "realtime.messages": "supabase_realtime_admin",
            "realtime.subscription": "supabase_realtime_admin", "supabase_functions.hooks": "supabase_functions_admin"}
        assert conn.execute("select pg_get_userbyid(proowner) from pg_proc where oid = 'auth.uid()'::regprocedure"
                            ).fetchone()[0] == "supabase_auth_admin"
        assert conn.execute("select rolsuper from pg_roles where rolname = 'postgres'").fetchone()[0] is True
        privilege = "select has_table_privilege(%s, %s, %s)"
        assert conn.execute(privilege, ["postgres", "auth.users", "SELECT WITH GRANT OPTION"]).fetchone()[0]
        for role in ("anon", "authenticated", "service_role"):
            assert not conn.execute(privilege, [role, "auth.users", "SELECT"]).fetchone()[0]
            assert conn.execute(privilege, [role, "storage.objects", "INSERT"]).fetchone()[0]
            assert conn.execute(privilege, [role, "realtime.messages", "INSERT"]).fetchone()[0]
            assert not conn.execute(privilege, [role, "realtime.schema_migrations", "SELECT"]).fetchone()[0]
            assert conn.execute("select has_function_privilege(%s, 'auth.uid()', 'EXECUTE')", [role]).fetchone()[0]
        # webhooks' trigger function: the API roles and postgres, not PUBLIC
        assert not conn.execute("select has_function_privilege('supabase_read_only_user', "
                                "'supabase_functions.http_request()', 'EXECUTE')").fetchone()[0]
        assert conn.execute("select prosecdef and pg_get_userbyid(proowner) = 'supabase_functions_admin' from pg_proc "
                            "where oid = 'supabase_functions.http_request()'::regprocedure").fetchone()[0]
        for row in conn.execute("select relrowsecurity from pg_class where oid = any(array["
                                "'auth.users', 'storage.objects', 'realtime.messages']::regclass[])"):
            assert row == (True,)
        members = {r for (r,) in conn.execute(
            "select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid "
            "join pg_roles u on u.oid = m.member where u.rolname = 'postgres'")}
        assert {"anon", "authenticated", "service_role", "supabase_auth_admin", "supabase_storage_admin"} <= members
        # what postgres creates in public is open to the API roles
        conn.execute("create table public.things (id int); create function public.answer() returns int "
                     "language sql as 'select 42'")
        for role in ("anon", "authenticated", "service_role"):
            assert conn.execute(privilege, [role, "public.things", "SELECT"]).fetchone()[0]
            assert conn.execute("select has_function_privilege(%s, 'public.answer()', 'EXECUTE')",
                                [role]).fetchone()[0]


def test_bootstrap_reapplies_over_data(url):
    """A second run keeps rows and objects (idempotent) and says no more than a warning."""
    with psycopg.connect(url, autocommit=True) as conn:
        seed_users(conn)
        with conn.transaction():
            conn.execute(STORAGE_MIGRATION)
            conn.execute(BROADCAST_MIGRATION)
        notices = []
        conn.add_notice_handler(lambda d: notices.append((d.severity_nonlocalized, d.message_primary)))
        apply_bootstrap(conn)
        apply_bootstrap(conn)
        assert all(severity == "WARNING" for severity, _ in notices), notices
        assert conn.execute("select count(*) from auth.identities").fetchone()[0] == 2
        assert conn.execute("select count(*) from storage.buckets").fetchone()[0] == 1
        assert conn.execute("select count(*) from pg_policies where schemaname = 'storage'").fetchone()[0] == 2
        assert conn.execute("select count(*) from supabase_functions.migrations").fetchone()[0] == 2


# -- a schema dump of a hosted project ------------------------------------------

# In the style `supabase db dump` writes (quoted names, the platform's extensions and grants); the
# extension lines are run only for extensions this server offers.
DUMP_EXTENSIONS = [
    ("pgsodium", 'CREATE SCHEMA IF NOT EXISTS "pgsodium";\n'
                 'CREATE EXTENSION IF NOT EXISTS "pgsodium" WITH SCHEMA "pgsodium";'),
    ("pg_graphql", 'CREATE EXTENSION IF NOT EXISTS "pg_graphql" WITH SCHEMA "graphql";'),
    ("pg_stat_statements", 'CREATE EXTENSION IF NOT EXISTS "pg_stat_statements" WITH SCHEMA "extensions";'),
    ("pgcrypto", 'CREATE EXTENSION IF NOT EXISTS "pgcrypto" WITH SCHEMA "extensions";'),
    ("pgjwt", 'CREATE EXTENSION IF NOT EXISTS "pgjwt" WITH SCHEMA "extensions";'),
    ("supabase_vault", 'CREATE EXTENSION IF NOT EXISTS "supabase_vault" WITH SCHEMA "vault";'),
    ("uuid-ossp", 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA "extensions";'),
]

DUMP_BODY = """
SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET row_security = off;
COMMENT ON SCHEMA "public" IS 'standard public schema';
SET default_tablespace = '';
SET default_table_access_method = "heap";

CREATE OR REPLACE FUNCTION "public"."on_new_user"() RETURNS "trigger"
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO ''
    AS $$
begin
  insert into public.accounts (id, handle) values (new.id, split_part(new.email, '@', 1));
  return new;
end;
$$;
ALTER FUNCTION "public"."on_new_user"() OWNER TO "postgres";

CREATE TABLE IF NOT EXISTS "public"."accounts" (
    "id" "uuid" NOT NULL,
    "handle" "text",
    "created_at" timestamp with time zone DEFAULT "now"() NOT NULL
);
ALTER TABLE "public"."accounts" OWNER TO "postgres";
ALTER TABLE ONLY "public"."accounts" ADD CONSTRAINT "accounts_pkey" PRIMARY KEY ("id");
ALTER TABLE ONLY "public"."accounts"
    ADD CONSTRAINT "accounts_id_fkey" FOREIGN KEY ("id") REFERENCES "auth"."users"("id") ON DELETE CASCADE;
CREATE POLICY "Own account" ON "public"."accounts" FOR SELECT TO "authenticated" USING ((( SELECT "auth"."uid"() AS "uid") = "id"));
ALTER TABLE "public"."accounts" ENABLE ROW LEVEL SECURITY;

CREATE OR REPLACE TRIGGER "on_auth_user_created" AFTER INSERT ON "auth"."users"
    FOR EACH ROW EXECUTE FUNCTION "public"."on_new_user"();
CREATE POLICY "Avatars are public" ON "storage"."objects" FOR SELECT USING (("bucket_id" = 'avatars'::"text"));
CREATE POLICY "Members hear their room" ON "realtime"."messages" FOR SELECT TO "authenticated"
    USING ((( SELECT "realtime"."topic"() AS "topic") = ('room:'::"text" || (( SELECT "auth"."uid"() AS "uid"))::"text")));

ALTER PUBLICATION "supabase_realtime" OWNER TO "postgres";
ALTER PUBLICATION "supabase_realtime" ADD TABLE ONLY "public"."accounts";

GRANT USAGE ON SCHEMA "public" TO "postgres";
GRANT USAGE ON SCHEMA "public" TO "anon";
GRANT USAGE ON SCHEMA "public" TO "authenticated";
GRANT USAGE ON SCHEMA "public" TO "service_role";
GRANT ALL ON FUNCTION "public"."on_new_user"() TO "anon";
GRANT ALL ON FUNCTION "public"."on_new_user"() TO "authenticated";
GRANT ALL ON FUNCTION "public"."on_new_user"() TO "service_role";
GRANT ALL ON TABLE "public"."accounts" TO "anon";
GRANT ALL ON TABLE "public"."accounts" TO "authenticated";
GRANT ALL ON TABLE "public"."accounts" TO "service_role";
ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT ALL ON SEQUENCES TO "postgres";
ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT ALL ON SEQUENCES TO "anon";
ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT ALL ON FUNCTIONS TO "authenticated";
ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT ALL ON TABLES TO "service_role";
RESET ALL;
"""


def test_hosted_schema_dump_applies(url):
    with psycopg.connect(url, autocommit=True) as conn:
        header = "\n".join(sql for name, sql in DUMP_EXTENSIONS if available(conn, name))
        with conn.transaction():
            conn.execute(header + "\n" + DUMP_BODY)
        seed_users(conn)
        with acting_as(conn, "authenticated", BOB):
            assert conn.execute("select id::text, handle from public.accounts").fetchall() == [(BOB, "bob")]
        assert conn.execute("select count(*) from pg_publication_tables where pubname = 'supabase_realtime' "
                            "and tablename = 'accounts'").fetchone()[0] == 1


def test_bootstrap_completes_tables_an_older_bootstrap_left(server):
    """Over a database with the older, smaller storage tables (an earlier bootstrap's), columns are added."""
    url = create_database(server)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""
            create schema storage;
            create table storage.buckets (id text primary key, name text not null, public boolean default false);
            create table storage.objects (id uuid primary key default gen_random_uuid(),
                                          bucket_id text references storage.buckets (id), name text);
            insert into storage.buckets (id, name) values ('old', 'old');
            insert into storage.objects (bucket_id, name) values ('old', 'a/b.txt');
        """)
        apply_bootstrap(conn)
        assert conn.execute("select type::text, versioning_status from storage.buckets").fetchone() == (
            "STANDARD", "DISABLED")
        assert conn.execute("select is_versioned, is_delete_marker from storage.objects").fetchone() == (False, False)
        assert conn.execute("select pg_get_userbyid(relowner) from pg_class where oid = 'storage.objects'::regclass"
                            ).fetchone()[0] == "supabase_storage_admin"


# -- what an older platform generation preinstalls ----------------------------------------------------------

OLD_PROJECT_DUMP = """
CREATE EXTENSION IF NOT EXISTS "pgsodium" WITH SCHEMA "pgsodium";
CREATE TABLE public.api_tokens (id bigint PRIMARY KEY, key_id uuid REFERENCES pgsodium.key (id));
"""
OLD_PROJECT_SEED = """
INSERT INTO public.api_tokens (id, key_id) SELECT 1, (pgsodium.create_key(name => 'tokens')).id;
"""


@pytest.mark.parametrize("major", [15, 17])
def test_a_postgresql_15_project_has_pgsodium_before_its_migrations_run(tmp_path, pg_server, major):
    """Projects of the PostgreSQL 15 generation have pgsodium (their vault was built on it) in schema
    pgsodium from the start; their dumps re-create it into that schema and seeds use pgsodium.key. A project
    of PostgreSQL 17 does not have it."""
    from support import make_project, run_supatasks

    db = create_database(pg_server)
    # a PostgreSQL 15 project's dump installs into the schema that is there; elsewhere it must make it first
    dump = OLD_PROJECT_DUMP if major == 15 else "CREATE SCHEMA IF NOT EXISTS pgsodium;\n" + OLD_PROJECT_DUMP
    first = ("SELECT pgsodium.crypto_aead_det_keygen() IS NOT NULL;\n" if major == 15 else
             "DO $$ BEGIN IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pgsodium') THEN "
             "RAISE 'pgsodium preinstalled'; END IF; END $$;\n")
    root = make_project(tmp_path, {"20240101000000_first.sql": first,
                                   "20240101000001_remote_schema.sql": dump}, seed=OLD_PROJECT_SEED)
    config = root / "supabase/config.toml"
    config.write_text(config.read_text().replace("major_version = 15", f"major_version = {major}"))
    result = run_supatasks(["db.reset"], root, {"SUPABASE_DB_URL": db})
    assert result.returncode == 0, result.stderr
    with psycopg.connect(db) as conn:
        assert conn.execute("select extnamespace::regnamespace::text from pg_extension "
                            "where extname = 'pgsodium'").fetchone() == ("pgsodium",)
        assert conn.execute("select count(*) from public.api_tokens join pgsodium.key k on k.id = api_tokens.key_id "
                            "where k.name = 'tokens'").fetchone() == (1,)
    assert "pgsodium" in result.stderr  # the stand-ins line names it


def test_the_stand_ins_line_survives_a_dumps_comment_on_extension(tmp_path, pg_server):
    """Dumps carry `COMMENT ON EXTENSION pg_graphql IS 'pg_graphql: GraphQL support'`: the stand-in is still
    named as one."""
    from support import make_project, run_supatasks

    db = create_database(pg_server)
    root = make_project(tmp_path, {"20240101000000_remote_schema.sql":
                                   "COMMENT ON EXTENSION pg_graphql IS 'pg_graphql: GraphQL support';\n"})
    result = run_supatasks(["db.reset"], root, {"SUPABASE_DB_URL": db})
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith("development stand-ins in use"))
    assert "pg_graphql: graphql.resolve()" in line
