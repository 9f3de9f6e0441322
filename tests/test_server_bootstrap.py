"""The Supabase bootstrap on real servers: PostgreSQL 18 (embedded, extension shims) and 15 (real contrib)."""

from __future__ import annotations

import hashlib
import hmac
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest

from support import create_database, free_port
from supatasks.server import bootstrap
from supatasks.server.bootstrap import BOOTSTRAP_VERSION, apply_bootstrap, bootstrap_sql, server_settings
from supatasks.server.local_server import LocalServer

ALICE = "11111111-1111-4111-8111-111111111111"
BOB = "22222222-2222-4222-8222-222222222222"

EXPECTED_ROLES = {
    "anon", "authenticated", "service_role", "authenticator", "supabase_admin",
    "supabase_auth_admin", "supabase_storage_admin", "supabase_functions_admin",
    "supabase_realtime_admin", "supabase_replication_admin", "supabase_etl_admin",
    "supabase_read_only_user", "dashboard_user", "pgbouncer",
}
EXPECTED_SCHEMAS = {"auth", "storage", "extensions", "graphql_public", "supabase_functions"}


@pytest.fixture(params=["pg_server", "pg15_server"])
def server(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def url(server) -> str:
    """A fresh database on `server`, bootstrapped once."""
    url = create_database(server)
    with psycopg.connect(url, autocommit=True) as conn:
        apply_bootstrap(conn)
    return url


def uses_shims(conn) -> bool:
    comment = conn.execute(
        "select comment from pg_available_extensions where name = 'pgcrypto'").fetchone()[0]
    return comment.startswith("supatasks")


# -- applying ---------------------------------------------------------------

def test_applies_twice_and_in_a_second_database(server):
    first, second = create_database(server), create_database(server)
    for url in (first, first, second):
        with psycopg.connect(url, autocommit=True) as conn:
            apply_bootstrap(conn)
            apply_bootstrap(conn)
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with psycopg.connect(second) as conn:  # a new session: the database's search_path
        assert conn.execute("show search_path").fetchone()[0] == '"$user", public, extensions'
        roles = {r for (r,) in conn.execute("select rolname from pg_roles")}
        assert EXPECTED_ROLES <= roles
        schemas = {s for (s,) in conn.execute("select nspname from pg_namespace")}
        assert EXPECTED_SCHEMAS <= schemas
        extensions = dict(conn.execute(
            "select extname, extnamespace::regnamespace::text from pg_extension").fetchall())
        assert extensions["pgcrypto"] == "extensions"
        assert extensions["uuid-ossp"] == "extensions"
        assert conn.execute(
            "select count(*) from pg_publication where pubname = 'supabase_realtime'").fetchone()[0] == 1
        # unqualified extension functions resolve through the database's search_path
        assert conn.execute("select uuid_generate_v4()").fetchone()[0].version == 4


def test_role_attributes_and_memberships(url):
    with psycopg.connect(url) as conn:
        attrs = {name: (login, bypass, inherit) for name, login, bypass, inherit in conn.execute(
            "select rolname, rolcanlogin, rolbypassrls, rolinherit from pg_roles")}
        assert attrs["anon"][:2] == (False, False)
        assert attrs["authenticated"][:2] == (False, False)
        assert attrs["service_role"][:2] == (False, True)
        assert attrs["authenticator"] == (True, False, False)
        members = {r for (r,) in conn.execute(
            "select m.rolname from pg_auth_members a join pg_roles m on m.oid = a.roleid "
            "join pg_roles u on u.oid = a.member where u.rolname = 'authenticator'")}
        assert {"anon", "authenticated", "service_role"} <= members
        for role in ("anon", "authenticated", "service_role"):
            assert conn.execute("select has_schema_privilege(%s, 'public', 'USAGE')", [role]).fetchone()[0]
            assert conn.execute("select has_schema_privilege(%s, 'extensions', 'USAGE')", [role]).fetchone()[0]
            assert conn.execute("select has_schema_privilege(%s, 'auth', 'USAGE')", [role]).fetchone()[0]


def test_bootstrap_text_and_version():
    text = bootstrap_sql()
    assert "auth.uid()" in text and "supabase_realtime" in text
    assert len(BOOTSTRAP_VERSION) == 12
    int(BOOTSTRAP_VERSION, 16)
    assert bootstrap.bootstrap_version() == BOOTSTRAP_VERSION


# -- extensions -------------------------------------------------------------

def test_extensions_install_in_extensions_schema(url):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('create extension if not exists "uuid-ossp" with schema extensions')
        conn.execute('create extension if not exists pgcrypto with schema extensions')
        # and from scratch: drop and create again, as a migration on a clean database would
        conn.execute('drop extension "uuid-ossp"; drop extension pgcrypto')
        conn.execute('create extension if not exists "uuid-ossp" with schema extensions;'
                     'create extension if not exists pgcrypto with schema extensions')
        assert conn.execute(
            "select count(*) from pg_extension where extname in ('pgcrypto', 'uuid-ossp') "
            "and extnamespace = 'extensions'::regnamespace").fetchone()[0] == 2


def test_extension_function_results(url):
    with psycopg.connect(url) as conn:
        u = conn.execute("select uuid_generate_v4()").fetchone()[0]
        assert isinstance(u, uuid.UUID) and u.version == 4
        a, b = conn.execute("select gen_random_bytes(16), gen_random_bytes(16)").fetchone()
        assert len(a) == 16 and len(b) == 16 and a != b
        assert len(conn.execute("select gen_random_bytes(1024)").fetchone()[0]) == 1024
        d = conn.execute("select digest('x', 'sha256')").fetchone()[0]
        assert bytes(d) == hashlib.sha256(b"x").digest()
        assert conn.execute("select extensions.gen_random_uuid()").fetchone()[0].version == 4


@pytest.mark.parametrize("size", [0, 1, 3, 55, 56, 63, 64, 65, 111, 112, 119, 128, 200, 1000])
def test_digest_and_hmac_match_python(shim_url, size):
    # on the embedded server, i.e. the shims; the real pgcrypto is compared in test_shims_match_real_extensions
    url = shim_url
    data = bytes((i * 7 + size) % 256 for i in range(size))
    key_short, key_long = b"k" * 10, bytes(range(200))
    with psycopg.connect(url) as conn:
        for algo in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512"):
            got = conn.execute("select digest(%s::bytea, %s)", [data, algo]).fetchone()[0]
            assert bytes(got) == hashlib.new(algo, data).digest(), algo
            for key in (key_short, key_long):
                got = conn.execute("select hmac(%s::bytea, %s::bytea, %s)", [data, key, algo]).fetchone()[0]
                assert bytes(got) == hmac.new(key, data, algo).digest(), (algo, len(key))


@pytest.fixture(scope="module")
def shim_url(pg_server) -> str:
    url = create_database(pg_server)
    with psycopg.connect(url, autocommit=True) as conn:
        apply_bootstrap(conn)
        assert uses_shims(conn), "the embedded server should be using the supatasks shims"
    return url


def test_text_variants_and_case(url):
    with psycopg.connect(url) as conn:
        assert bytes(conn.execute("select digest('héllo', 'SHA1')").fetchone()[0]) == \
            hashlib.sha1("héllo".encode()).digest()
        assert bytes(conn.execute("select hmac('msg', 'key', 'sha256')").fetchone()[0]) == \
            hmac.new(b"key", b"msg", "sha256").digest()
        with pytest.raises(psycopg.Error):
            conn.execute("select digest('x', 'nosuchhash')")


def test_name_based_uuids_match_rfc(url):
    with psycopg.connect(url) as conn:
        for name in ("python.org", "", "ünïcode/✓"):
            v3, v5 = conn.execute(
                "select uuid_generate_v3(uuid_ns_dns(), %s), uuid_generate_v5(uuid_ns_url(), %s)",
                [name, name]).fetchone()
            assert v3 == uuid.uuid3(uuid.NAMESPACE_DNS, name)
            assert v5 == uuid.uuid5(uuid.NAMESPACE_URL, name)
        assert conn.execute("select uuid_nil()").fetchone()[0] == uuid.UUID(int=0)
        assert conn.execute("select uuid_ns_oid(), uuid_ns_x500()").fetchone() == (
            uuid.NAMESPACE_OID, uuid.NAMESPACE_X500)
        v1, v1mc = conn.execute("select uuid_generate_v1(), uuid_generate_v1mc()").fetchone()
        assert v1.version == 1 and v1mc.version == 1
        assert v1.variant == uuid.RFC_4122
        # the timestamp of a v1 UUID is now (100 ns ticks since 1582-10-15)
        now_ticks = conn.execute(
            "select (extract(epoch from clock_timestamp()) * 10000000)::bigint + 122192928000000000"
        ).fetchone()[0]
        assert abs(now_ticks - v1.time) < 10_000_000 * 60


def test_crypt_round_trips(url):
    with psycopg.connect(url) as conn:
        for kind in ("bf", "md5"):
            for password in ("secret", "", "a much longer password than sixteen bytes", "pässwörd"):
                hashed, again, wrong = conn.execute(
                    "with h as (select crypt(%s, gen_salt(%s)) as h) "
                    "select h, crypt(%s, h), crypt('not it', h) from h",
                    [password, kind, password]).fetchone()
                assert hashed == again, (kind, password)
                assert hashed != wrong
        assert len(conn.execute("select crypt('pw', gen_salt('bf', 8))").fetchone()[0]) == 60
        salts = {conn.execute("select gen_salt('bf')").fetchone()[0] for _ in range(5)}
        assert len(salts) == 5
        # MD5-crypt is the real algorithm, under the shim too (value from the real pgcrypto)
        assert conn.execute("select crypt('secret', '$1$saltsalt')").fetchone()[0] == \
            "$1$saltsalt$9xy1btjgzLYfb7hivXtC//"


def test_shim_errors_are_explicit(shim_url):
    with psycopg.connect(shim_url, autocommit=True) as conn:
        for query, fragment in [
            ("select gen_random_bytes(0)", "Length not in range"),
            ("select gen_random_bytes(1025)", "Length not in range"),
            ("select gen_salt('des')", "not available"),
            ("select gen_salt('bf', 3)", "Incorrect number of rounds"),
            ("select gen_salt('nope')", "Unknown salt algorithm"),
            ("select crypt('pw', '$2a$06$abcdefghijklmnopqrstuv')", "cannot compute real bcrypt"),
        ]:
            with pytest.raises(psycopg.Error, match=fragment):
                conn.execute(query)
        assert conn.execute("select gen_salt('bf')").fetchone()[0].startswith("$2s$06$")


def test_shims_work_with_empty_search_path_and_after_set_schema(url):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("set search_path = ''")
        assert conn.execute("select extensions.crypt('pw', extensions.gen_salt('md5')) like '$1$%'").fetchone()[0]
        assert len(conn.execute("select extensions.hmac('a', 'b', 'sha1')").fetchone()[0]) == 20
        assert conn.execute("select extensions.uuid_generate_v5(extensions.uuid_ns_dns(), 'x')").fetchone()[0] == \
            uuid.uuid5(uuid.NAMESPACE_DNS, "x")
        conn.execute("create schema moved; alter extension pgcrypto set schema moved")
        assert bytes(conn.execute("select moved.hmac('m', 'k', 'sha1')").fetchone()[0]) == \
            hmac.new(b"k", b"m", "sha1").digest()
        assert conn.execute("select moved.crypt('pw', moved.gen_salt('bf')) like '$2%'").fetchone()[0]


def test_shims_match_real_extensions(pg15_server):
    """Load the shim scripts into a scratch schema next to the real contrib extensions; compare."""
    url = create_database(pg15_server)
    shim_dir = bootstrap.SHIM_ROOT / "extension"
    with psycopg.connect(url, autocommit=True) as conn:
        apply_bootstrap(conn)
        assert not uses_shims(conn)
        conn.execute("create schema shim")
        for script in ("pgcrypto--1.3.sql", "uuid-ossp--1.1.sql"):
            body = "\n".join(line for line in (shim_dir / script).read_text().splitlines()
                             if not line.startswith("\\echo"))
            with conn.transaction():
                conn.execute("set local search_path = shim")
                conn.execute(body)
        for password in ("secret", "", "x" * 40, "pässwörd"):
            for salt in ("$1$saltsalt", "$1$ab", "$1$", "$1$12345678$ignored"):
                real, ours = conn.execute(
                    "select extensions.crypt(%s, %s), shim.crypt(%s, %s)",
                    [password, salt, password, salt]).fetchone()
                assert real == ours, (password, salt)
            real_salt = conn.execute("select extensions.gen_salt('md5')").fetchone()[0]
            assert conn.execute("select extensions.crypt(%s, %s) = shim.crypt(%s, %s)",
                                [password, real_salt, password, real_salt]).fetchone()[0]
        for data in ("", "abc", "x" * 100):
            for algo in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512"):
                assert conn.execute(
                    "select extensions.digest(%s, %s) = shim.digest(%s, %s), "
                    "extensions.hmac(%s, 'key', %s) = shim.hmac(%s, 'key', %s)",
                    [data, algo] * 4).fetchone() == (True, True), (data, algo)
            assert conn.execute(
                "select extensions.uuid_generate_v3(extensions.uuid_ns_url(), %s) = shim.uuid_generate_v3(shim.uuid_ns_url(), %s),"
                " extensions.uuid_generate_v5(extensions.uuid_ns_url(), %s) = shim.uuid_generate_v5(shim.uuid_ns_url(), %s)",
                [data] * 4).fetchone() == (True, True)


# -- finding the shims ------------------------------------------------------

def test_server_settings_stand_ins_on_18_and_the_preloaded_pg_stat_statements(pg_server):
    """PG 18+: the stand-ins' folder after $system (pg_net, pg_cron, … are missing from every server);
    PG 15 cannot take the setting. pg_stat_statements is preloaded wherever the server has it."""
    preload = bootstrap.shell_setting("shared_preload_libraries", "pg_stat_statements")
    embedded = server_settings(pg_server.bin_dir)
    assert embedded == [f"'extension_control_path=$system:{bootstrap.SHIM_ROOT.resolve()}'", preload]
    if Path("/usr/share/postgresql/15/extension/pg_stat_statements.control").exists():
        assert server_settings(Path("/usr/lib/postgresql/15/bin")) == [preload]
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        assert conn.execute("show extension_control_path").fetchone()[0] == \
            f"$system:{bootstrap.SHIM_ROOT.resolve()}"
        assert conn.execute("show shared_preload_libraries").fetchone()[0] == "pg_stat_statements"
        name = "t_pgss_" + uuid.uuid4().hex[:8]
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(pg_server.url(name), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        assert conn.execute("SELECT count(*) >= 0 FROM pg_stat_statements").fetchone()[0] is True


def test_shim_path_with_spaces_and_quotes(tmp_path_factory, monkeypatch):
    """pg_ctl passes -o through /bin/sh: a path with spaces and a quote must arrive intact."""
    base = tmp_path_factory.mktemp("spaced")
    shim_root = base / "shim dir with spaces and a 'quote'" / "extensions"
    shutil.copytree(bootstrap.SHIM_ROOT / "extension", shim_root / "extension")
    for path in [shim_root.parent, *shim_root.parent.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    monkeypatch.setattr(bootstrap, "SHIM_ROOT", shim_root)
    server = LocalServer(base / "pgdata", port=free_port())
    server.start()
    try:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            assert conn.execute("show extension_control_path").fetchone()[0] == f"$system:{shim_root}"
            conn.execute('create extension "uuid-ossp"; create extension pgcrypto')
            assert conn.execute("select uuid_generate_v4()").fetchone()[0].version == 4
            assert bytes(conn.execute("select digest('x', 'sha256')").fetchone()[0]) == hashlib.sha256(b"x").digest()
    finally:
        server.stop()


def test_colon_in_shim_path_is_refused(tmp_path):
    with pytest.raises(bootstrap.BootstrapError, match="':'"):
        bootstrap.extension_control_path(tmp_path / "a:b")


# -- auth -------------------------------------------------------------------

def test_auth_functions_read_jwt_settings(url):
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("select auth.uid(), auth.role(), auth.email(), auth.jwt()").fetchone() == (
            None, None, None, None)
        conn.execute(f"""set request.jwt.claims = '{{"sub": "{ALICE}", "role": "authenticated", "email": "a@example.com"}}'""")
        uid, role, email, jwt = conn.execute("select auth.uid(), auth.role(), auth.email(), auth.jwt()").fetchone()
        assert uid == uuid.UUID(ALICE)
        assert (role, email) == ("authenticated", "a@example.com")
        assert jwt["sub"] == ALICE
        # older PostgREST: one setting per claim, which wins over the claim set
        conn.execute(f"set request.jwt.claim.sub = '{BOB}'")
        assert conn.execute("select auth.uid()").fetchone()[0] == uuid.UUID(BOB)
        # reset custom settings read as '' - that means "no user", not an error
        conn.execute("reset request.jwt.claim.sub; reset request.jwt.claims")
        assert conn.execute("select auth.uid(), auth.jwt()").fetchone() == (None, None)


def test_rls_policy_with_auth_uid_filters_rows(url):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""
            create table public.notes (
                id bigint generated always as identity primary key,
                owner uuid not null default auth.uid(),
                body text
            );
            alter table public.notes enable row level security;
            create policy "own notes" on public.notes for all to authenticated
                using ((select auth.uid()) = owner) with check ((select auth.uid()) = owner);
        """)
        conn.execute("insert into public.notes (owner, body) values (%s, 'alice 1'), (%s, 'alice 2'), (%s, 'bob')",
                     [ALICE, ALICE, BOB])

        def visible(role: str, sub: str | None) -> list[str]:
            with conn.transaction():
                conn.execute(f"set local role {role}")
                if sub:
                    conn.execute("select set_config('request.jwt.claims', %s, true)", [f'{{"sub": "{sub}"}}'])
                return [b for (b,) in conn.execute("select body from public.notes order by body")]

        assert visible("authenticated", ALICE) == ["alice 1", "alice 2"]
        assert visible("authenticated", BOB) == ["bob"]
        assert visible("authenticated", None) == []
        assert visible("anon", None) == []
        assert visible("service_role", None) == ["alice 1", "alice 2", "bob"]
        # inserting for someone else is refused; for oneself the default fills owner in
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with conn.transaction():
                conn.execute("set local role authenticated")
                conn.execute("select set_config('request.jwt.claims', %s, true)", [f'{{"sub": "{BOB}"}}'])
                conn.execute("insert into public.notes (owner, body) values (%s, 'forged')", [ALICE])
        with conn.transaction():
            conn.execute("set local role authenticated")
            conn.execute("select set_config('request.jwt.claims', %s, true)", [f'{{"sub": "{BOB}"}}'])
            conn.execute("insert into public.notes (body) values ('bob 2')")
        assert visible("authenticated", BOB) == ["bob", "bob 2"]


# -- a typical real-world migration ------------------------------------------

TYPICAL_MIGRATION = r"""
-- Extensions, as generated projects declare them
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists "pgcrypto" with schema extensions;

-- One member row per signed-up user
create table if not exists public.members (
    id uuid not null references auth.users (id) on delete cascade,
    display_name text,
    picture_url text,
    invite_code text not null default encode(extensions.gen_random_bytes(9), 'base64'),
    public_key uuid not null default uuid_generate_v4(),
    joined_at timestamptz not null default timezone('utc', now()),
    name_hash text generated always as (encode(extensions.digest(coalesce(display_name, ''), 'sha256'), 'hex')) stored,
    primary key (id)
);
alter table public.members enable row level security;

create policy "Members are visible to everyone" on public.members
    for select using (true);
create policy "A member may edit only themselves" on public.members
    for update to authenticated using ((select auth.uid()) = id) with check ((select auth.uid()) = id);

-- Create the member row when someone signs up
create or replace function public.on_signup()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
    insert into public.members (id, display_name, picture_url)
    values (new.id, new.raw_user_meta_data ->> 'name', new.raw_user_meta_data ->> 'picture');
    return new;
end;
$$;

create trigger members_on_signup
    after insert on auth.users
    for each row execute procedure public.on_signup();

-- A public bucket for pictures; each user writes only under a folder named after their id
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('pictures', 'pictures', true, 5242880, array['image/png', 'image/jpeg'])
on conflict (id) do nothing;

create policy "Pictures are public" on storage.objects
    for select using (bucket_id = 'pictures');
create policy "Users upload into their own folder" on storage.objects
    for insert to authenticated
    with check (bucket_id = 'pictures' and (storage.foldername(name))[1] = (select auth.uid())::text);

-- Messages, streamed to clients through Realtime
create table public.messages (
    id bigint generated by default as identity primary key,
    author uuid not null default auth.uid() references public.members (id) on delete cascade,
    body text not null check (char_length(body) > 0),
    created_at timestamptz not null default now()
);
alter table public.messages enable row level security;
create policy "Authenticated users read messages" on public.messages
    for select to authenticated using (true);
create policy "Authors write their own messages" on public.messages
    for insert to authenticated with check ((select auth.uid()) = author);

grant select on table public.members to anon;
grant select, insert, update, delete on table public.members, public.messages to authenticated;
grant all on table public.members, public.messages to service_role;
grant usage, select on all sequences in schema public to authenticated;
grant execute on function public.on_signup() to service_role;

alter publication supabase_realtime add table public.messages;
alter table public.messages replica identity full;

comment on table public.members is 'Public profile of each user.';
"""


def test_typical_supabase_migration_applies_unchanged(url):
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute(TYPICAL_MIGRATION)
        conn.execute(
            "insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data, created_at) "
            "values (%s, 'alice@example.com', '{\"name\": \"Alice\"}', '{\"provider\": \"email\"}', now())",
            [ALICE])
        name, code = conn.execute("select display_name, invite_code from public.members where id = %s",
                                  [ALICE]).fetchone()
        assert name == "Alice" and len(code) == 12
        assert conn.execute(
            "select count(*) from pg_publication_tables where pubname = 'supabase_realtime' "
            "and tablename = 'messages'").fetchone()[0] == 1
        with conn.transaction():
            conn.execute("set local role authenticated")
            conn.execute("select set_config('request.jwt.claims', %s, true)", [f'{{"sub": "{ALICE}"}}'])
            conn.execute("insert into public.messages (body) values ('hello')")
            conn.execute("insert into storage.objects (bucket_id, name) values ('pictures', %s)",
                         [f"{ALICE}/me.png"])
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with conn.transaction():
                    conn.execute("insert into storage.objects (bucket_id, name) values ('pictures', %s)",
                                 [f"{BOB}/not-mine.png"])
        assert conn.execute("select name_hash from public.members").fetchone()[0] == \
            hashlib.sha256(b"Alice").hexdigest()
        # deleting the auth user cascades to the member and their messages
        conn.execute("delete from auth.users where id = %s", [ALICE])
        assert conn.execute("select count(*) from public.members").fetchone()[0] == 0
        assert conn.execute("select count(*) from public.messages").fetchone()[0] == 0


def test_storage_helpers(url):
    with psycopg.connect(url) as conn:
        assert conn.execute(
            "select storage.foldername('a/b/c.png'), storage.filename('a/b/c.png'), "
            "storage.extension('a/b/c.tar.gz'), storage.foldername('top.txt')").fetchone() == (
            ["a", "b"], "c.png", "gz", [])
        conn.execute("insert into storage.buckets (id, name) values ('b', 'b')")
        path_tokens = conn.execute(
            "insert into storage.objects (bucket_id, name) values ('b', 'x/y/z.txt') returning path_tokens"
        ).fetchone()[0]
        assert path_tokens == ["x", "y", "z.txt"]
