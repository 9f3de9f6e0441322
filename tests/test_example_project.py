"""The example project in supabase/ (the Cabina schema of the guide) on real servers.

How files are run here: each migration, down or seed file is sent as ONE
simple-protocol query (psycopg `execute` without parameters) on an autocommit
connection.  PostgreSQL runs a multi-statement simple query as one implicit
transaction, unless the text carries its own BEGIN/COMMIT (the guide's favorites
example), in which case those govern.  Either way a file applies whole or not at
all, and nothing is stripped from or added to the files.
"""

from __future__ import annotations

import re
import time
import tomllib
from pathlib import Path

import psycopg
import pytest

from support import REPO, create_database
from supatasks.server.bootstrap import apply_bootstrap

SUPABASE = REPO / "supabase"
MIGRATION_NAME = re.compile(r"^([0-9]+)_(.*)\.sql$")
GUIDE_FIRST = "20260210_api_key_pool.sql"

EXPECTED_TABLES = {"api_key_pool", "profiles", "partners", "events", "generations", "favorites", "styles_metadata"}
EXPECTED_POLICIES = {
    ("api_key_pool", "Service role only"),
    ("profiles", "Users can view their own profile"),
    ("profiles", "Users can update their own profile"),
    ("profiles", "Masters can view all profiles"),
    ("partners", "Authenticated users can view partners"),
    ("partners", "Masters can manage partners"),
    ("events", "Authenticated users can view active events"),
    ("events", "Masters can manage events"),
    ("styles_metadata", "Styles are viewable by everyone"),
    ("generations", "Users can view their own generations"),
    ("generations", "Users can create their own generations"),
    ("favorites", "Users can manage their own favorites"),
}
MASTER = "00000000-0000-0000-0000-000000000001"


def migrations() -> list[Path]:
    files = [p for p in (SUPABASE / "migrations").iterdir() if p.is_file() and MIGRATION_NAME.match(p.name)]
    return sorted(files, key=lambda p: int(MIGRATION_NAME.match(p.name).group(1)))


def down_file(migration: Path) -> Path:
    return SUPABASE / "rollbacks" / f"{migration.stem}.down.sql"


def run_file(conn, path: Path) -> None:
    conn.execute(path.read_text(encoding="utf-8"), prepare=False)


def snapshot(conn, with_data: bool = True) -> dict:
    """What the example owns: public schema objects (and, optionally, every row)."""
    q = lambda sql: sorted(tuple(r) for r in conn.execute(sql).fetchall())  # noqa: E731
    snap = {
        "columns": q("select table_name, column_name, data_type, column_default, is_nullable "
                     "from information_schema.columns where table_schema = 'public'"),
        "indexes": q("select indexname, indexdef from pg_indexes where schemaname = 'public'"),
        "constraints": q("select conrelid::regclass::text, conname, pg_get_constraintdef(oid) from pg_constraint "
                         "where connamespace = 'public'::regnamespace"),
        "policies": q("select tablename, policyname, cmd, roles::text, qual, with_check from pg_policies "
                      "where schemaname = 'public'"),
        "triggers": q("select tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) from pg_trigger "
                      "where not tgisinternal and tgrelid::regclass::text not like 'auth.%'"),
        "functions": q("select proname, pg_get_functiondef(oid) from pg_proc "
                       "where pronamespace = 'public'::regnamespace"),
        "rls": q("select relname, relrowsecurity from pg_class "
                 "where relnamespace = 'public'::regnamespace and relkind = 'r'"),
        "publication": q("select schemaname, tablename from pg_publication_tables where pubname = 'supabase_realtime'"),
    }
    if with_data:
        tables = [t for (t,) in conn.execute(
            "select tablename from pg_tables where schemaname = 'public' order by 1")]
        snap["data"] = {t: q(f'select t::text from public."{t}" as t') for t in tables}
        snap["auth_users"] = q("select id::text, email from auth.users")
    return snap


@pytest.fixture(params=["pg_server", "pg15_server"])
def url(request) -> str:
    server = request.getfixturevalue(request.param)
    url = create_database(server)
    with psycopg.connect(url, autocommit=True) as conn:
        apply_bootstrap(conn)
    return url


# -- the files themselves -----------------------------------------------------

def test_file_layout_and_guide_texts():
    names = [p.name for p in migrations()]
    assert names[0] == GUIDE_FIRST
    versions = [MIGRATION_NAME.match(n).group(1) for n in names]
    assert len(set(versions)) == len(versions)
    assert all(len(v) == 14 and v > "20260210" for v in versions[1:])
    for migration in migrations():
        assert down_file(migration).exists(), f"no down file for {migration.name}"
    # no down file sits in migrations/ (the CLI would apply it as a migration)
    assert not list((SUPABASE / "migrations").glob("*down*"))

    guide = Path(__file__).resolve().parents[2].joinpath("shared/seed/migrations-guide.txt")
    if not guide.exists():
        pytest.skip("the guide is not next to the project")
    text = guide.read_text(encoding="utf-8")
    first = (SUPABASE / "migrations" / GUIDE_FIRST).read_text(encoding="utf-8")
    assert first.endswith("\n") and first[:-1] in text and first.startswith("-- Tabla para el Pool")
    favorites = next(p for p in migrations() if p.name.endswith("_favorites.sql")).read_text(encoding="utf-8")
    assert favorites[:-1] in text and favorites.startswith("-- Safe to run multiple times")
    assert favorites.rstrip().endswith("COMMIT;")


def test_config_toml():
    config = tomllib.loads((SUPABASE / "config.toml").read_text(encoding="utf-8"))
    assert config["project_id"] == "cabina"
    assert config["db"]["seed"] == {"enabled": True, "sql_paths": ["./seed.sql"]}


# -- up, again, seed, checks, down, up ---------------------------------------

def test_up_twice_seed_twice_checks_down_and_up_again(url):
    with psycopg.connect(url, autocommit=True) as conn:
        # up, recording the schema before each migration for the down checks
        before: dict[str, dict] = {}
        for migration in migrations():
            before[migration.name] = snapshot(conn, with_data=False)
            run_file(conn, migration)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE

        seed = SUPABASE / "seed.sql"
        run_file(conn, seed)
        applied = snapshot(conn)

        # up again: every file but the guide's first one is idempotent and changes nothing.
        # The guide's api_key_pool file has a bare CREATE POLICY: its re-run fails whole
        # (one implicit transaction), which leaves the database as it was.
        for migration in migrations():
            if migration.name == GUIDE_FIRST:
                with pytest.raises(psycopg.errors.DuplicateObject):
                    run_file(conn, migration)
            else:
                run_file(conn, migration)
        run_file(conn, seed)
        assert snapshot(conn) == applied

        check_schema(conn)
        check_seed(conn)
        check_updated_at_trigger(conn)
        check_cascade(conn)
        check_rls(conn)

        # down, newest first: each one restores the schema as it was before its migration
        for migration in reversed(migrations()):
            run_file(conn, down_file(migration))
            assert snapshot(conn, with_data=False) == before[migration.name], migration.name
        assert conn.execute("select count(*) from pg_tables where schemaname = 'public'").fetchone()[0] == 0
        assert conn.execute("select count(*) from pg_proc where pronamespace = 'public'::regnamespace"
                            ).fetchone()[0] == 0
        # the seed's Auth user is not the example's to drop
        assert conn.execute("select count(*) from auth.users where id = %s", [MASTER]).fetchone()[0] == 1

        # and up again, with the seed
        for migration in migrations():
            run_file(conn, migration)
        run_file(conn, seed)
        check_schema(conn)
        check_seed(conn)


def check_schema(conn) -> None:
    tables = {t for (t,) in conn.execute("select tablename from pg_tables where schemaname = 'public'")}
    assert tables == EXPECTED_TABLES
    no_rls = [t for (t,) in conn.execute(
        "select relname from pg_class where relnamespace = 'public'::regnamespace "
        "and relkind = 'r' and not relrowsecurity")]
    assert no_rls == []
    policies = set(conn.execute("select tablename, policyname from pg_policies where schemaname = 'public'").fetchall())
    assert policies == EXPECTED_POLICIES
    columns = {(t, c): (d, n) for t, c, d, n in conn.execute(
        "select table_name, column_name, column_default, is_nullable "
        "from information_schema.columns where table_schema = 'public'")}
    assert columns[("events", "max_guests")][0] == "100"
    assert ("events", "credits_remaining") in columns
    assert columns[("profiles", "preferences")][0] == "'{}'::jsonb"
    assert columns[("profiles", "role")] == ("'user'::text", "NO")
    assert ("favorites", "note") in columns
    indexes = dict(conn.execute("select indexname, indexdef from pg_indexes where schemaname = 'public'").fetchall())
    assert "WHERE (is_active = true)" in indexes["idx_events_active"]
    assert "created_at DESC" in indexes["idx_generations_created_at"]
    assert "USING gin (preferences)" in indexes["idx_profiles_preferences"]
    fk = conn.execute("select pg_get_constraintdef(oid) from pg_constraint where conname = 'fk_events_partner'"
                      ).fetchone()[0]
    assert "REFERENCES partners(id) ON DELETE CASCADE" in fk
    assert conn.execute("select count(*) from pg_publication_tables where pubname = 'supabase_realtime' "
                        "and tablename = 'generations'").fetchone()[0] == 1


def check_seed(conn) -> None:
    styles = conn.execute("select id, label, category, subcategory, is_premium from styles_metadata order by id"
                          ).fetchall()
    assert styles == [
        ("jhonw_a", "Baba Yaga", "cinema", "John Wick", True),
        ("pb_a", "Thomas Shelby", "series", "Peaky Blinders", True),
        ("suit_a", "Harvey Specter", "series", "La Ley de los Audaces", False),
    ]
    assert conn.execute("select is_master, role, preferences from profiles where id = %s", [MASTER]
                        ).fetchone() == (True, "master", {})


def check_updated_at_trigger(conn) -> None:
    partner = conn.execute("insert into partners (name) values ('Trigger Co') returning id").fetchone()[0]
    event = conn.execute(
        "insert into events (partner_id, name, credits_allocated, credits_used) values (%s, 'Gala', 50, 5) "
        "returning id", [partner]).fetchone()[0]
    conn.execute("update events set updated_at = '2000-01-01' where id = %s", [event])  # the trigger overrides it
    time.sleep(0.01)
    old = conn.execute("select updated_at from events where id = %s", [event]).fetchone()[0]
    assert old.year != 2000
    conn.execute("update events set name = 'Gala 2' where id = %s", [event])
    new, max_guests = conn.execute("select updated_at, max_guests from events where id = %s", [event]).fetchone()
    assert new > old and max_guests == 100
    profile_before = conn.execute("select updated_at from profiles where id = %s", [MASTER]).fetchone()[0]
    conn.execute("update profiles set preferences = '{\"lang\": \"es\"}' where id = %s", [MASTER])
    assert conn.execute("select updated_at from profiles where id = %s", [MASTER]).fetchone()[0] > profile_before
    conn.execute("update profiles set preferences = '{}' where id = %s", [MASTER])


def check_cascade(conn) -> None:
    partner = conn.execute("insert into partners (name) values ('Cascade Co') returning id").fetchone()[0]
    conn.execute("insert into events (partner_id, name) values (%s, 'One'), (%s, 'Two')", [partner, partner])
    other = conn.execute("select count(*) from events where partner_id <> %s", [partner]).fetchone()[0]
    assert conn.execute("select count(*) from events where partner_id = %s", [partner]).fetchone()[0] == 2
    conn.execute("delete from partners where id = %s", [partner])
    assert conn.execute("select count(*) from events where partner_id = %s", [partner]).fetchone()[0] == 0
    assert conn.execute("select count(*) from events").fetchone()[0] == other


def check_rls(conn) -> None:
    def as_user(sub: str | None, query: str):
        with conn.transaction():
            conn.execute("set local role " + ("authenticated" if sub else "anon"))
            if sub:
                conn.execute("select set_config('request.jwt.claims', %s, true)", [f'{{"sub": "{sub}"}}'])
            return conn.execute(query).fetchall()

    stranger = "33333333-3333-4333-8333-333333333333"
    assert as_user(None, "select count(*) from styles_metadata") == [(3,)]
    assert as_user(None, "select count(*) from profiles") == [(0,)]
    assert as_user(None, "select count(*) from api_key_pool") == [(0,)]
    assert as_user(MASTER, "select count(*) from profiles where id = '%s'" % MASTER) == [(1,)]
    assert as_user(stranger, "select count(*) from profiles") == [(0,)]
