"""db.reset's spare: a copy of the cache (and of the bootstrap template) made in the background, renamed into place
by the next reset; the old database renamed away and dropped in the background. Real servers throughout."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import uuid
from pathlib import Path

import psycopg
import pytest

from support import SECRET, create_database, make_project, query, run_supatasks
from supatasks.server import database_admin as admin
from supatasks.reset import spares
from supatasks.connection import DatabaseUrl
from supatasks.project import find_project
from supatasks.reset.reset import CACHE_PREFIX, base_template_name, wait_for_background
from supatasks.reset.lock import SPARE_LOCK_KEY, held, server_lock
from supatasks.checks.snapshot import fingerprint, snapshot
from supatasks.target import open_target

M1 = ("CREATE TABLE IF NOT EXISTS public.notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n"
      "  owner uuid REFERENCES auth.users(id) ON DELETE CASCADE, body text);\n"
      "ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;\n"
      "CREATE POLICY notes_read ON public.notes FOR SELECT USING (owner = auth.uid());\n")
M2 = "ALTER TABLE public.notes ADD COLUMN IF NOT EXISTS tag text DEFAULT 'x';\n"
SEED = "INSERT INTO public.notes (body) VALUES ('seeded');\n"
MIGRATIONS = {"20260101000001_notes.sql": M1}


# -- helpers ---------------------------------------------------------------------------------------------

def new_project(root: Path) -> Path:
    """The project of every test here, with a seed of its own: caches are shared by projects with the same
    files, and each test wants its own."""
    return make_project(root, MIGRATIONS, seed=SEED + f"-- {uuid.uuid4()}\n")


def reset(root: Path, url: str, *args: str, env: dict | None = None) -> dict:
    result = run_supatasks(["db.reset", "--json", *args], root, {"SUPABASE_DB_URL": url, **(env or {})})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def target_of(root: Path, url: str, monkeypatch, password: str | None = None):
    for name in [k for k in os.environ if k.startswith(("SUPABASE_", "SUPATASKS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SUPABASE_DB_URL", url)
    if password:
        monkeypatch.setenv("SUPABASE_DB_PASSWORD", password)
    return open_target(find_project(root), "local", warn=lambda message: None)


def settle(root: Path, url: str, monkeypatch, password: str | None = None) -> None:
    assert wait_for_background(target_of(root, url, monkeypatch, password), timeout=120)


def reset_and_settle(root: Path, url: str, monkeypatch) -> None:
    """A new project, reset once (cold), the background work after it done."""
    new_project(root)
    reset(root, url)
    settle(root, url, monkeypatch)


def drop_the_spare(server, url: str) -> str:
    """Remove the ready spare of the target's cache (as if the background child had not made it yet)."""
    with maint(server) as conn:
        cache = cache_of(conn, name_of(url))
        admin.drop_database(conn, spares.spare_name(cache))
    return cache


def name_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def maint(server, password: str | None = None):
    return psycopg.connect(server.url("postgres"), password=password, autocommit=True)


def row(conn, sql: str, *params):
    return conn.execute(sql, params or None).fetchone()


def oid_of(conn, name: str) -> int | None:
    found = row(conn, "SELECT oid FROM pg_database WHERE datname = %s", name)
    return found[0] if found else None


def cache_of(conn, database: str) -> str:
    caches = admin.databases_with_comment(conn, f"supatasks reset cache of {database}")
    assert len(caches) == 1 and caches[0].startswith(CACHE_PREFIX), caches
    return caches[0]


def contents(url: str) -> tuple:
    with psycopg.connect(url, autocommit=True) as conn:
        return (fingerprint(snapshot(conn)),
                conn.execute("SELECT body FROM public.notes ORDER BY body").fetchall(),
                conn.execute("SELECT version FROM supabase_migrations.schema_migrations ORDER BY 1").fetchall(),
                conn.execute("SHOW search_path").fetchone()[0])


def state_of(conn, name: str) -> tuple:
    return row(conn, "SELECT datallowconn, datistemplate, shobj_description(oid, 'pg_database') "
                     "FROM pg_database WHERE datname = %s", name)


def own_databases(conn, prefix: str) -> list[str]:
    return admin.databases_named_like(conn, prefix)


# -- the spare ---------------------------------------------------------------------------------------------

def test_warm_reset_renames_the_spare_into_place_and_it_matches_a_copy(tmp_path, pg_server, db_url, monkeypatch):
    new_project(tmp_path)
    assert reset(tmp_path, db_url)["cache_hit"] is False
    settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        cache = cache_of(conn, name_of(db_url))
        spare = spares.ready_spare(conn, cache)
        assert spare == spares.spare_name(cache)
        assert state_of(conn, spare)[:2] == (False, False)  # nobody can connect to a spare
        spare_oid = oid_of(conn, spare)
    query(db_url, "INSERT INTO public.notes (body) VALUES ('scratch')")

    warm = reset(tmp_path, db_url)
    assert warm["cache_hit"] is True and warm["spare"] is True
    copy = f"t_copy_{uuid.uuid4().hex[:8]}"
    with maint(pg_server) as conn:
        assert oid_of(conn, name_of(db_url)) == spare_oid  # renamed, not copied
        assert state_of(conn, name_of(db_url)) == (True, False, None)
        admin.copy_database(conn, cache, copy)
    try:
        assert contents(db_url) == contents(pg_server.url(copy))
        assert contents(db_url)[1] == [("seeded",)]  # the scratch row went with the old database
        assert "extensions" in contents(db_url)[3]   # per-database settings came along with the spare
    finally:
        with maint(pg_server) as conn:
            admin.drop_database(conn, copy)

    settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:  # the next spare is ready, a new copy
        assert spares.ready_spare(conn, cache) == spare and oid_of(conn, spare) != spare_oid
        assert own_databases(conn, spares.TRASH_PREFIX) == []


def test_warm_reset_without_a_spare_copies_the_cache(tmp_path, pg_server, db_url, monkeypatch):
    reset_and_settle(tmp_path, db_url, monkeypatch)
    cache = drop_the_spare(pg_server, db_url)
    query(db_url, "INSERT INTO public.notes (body) VALUES ('scratch')")

    warm = reset(tmp_path, db_url)
    assert warm["cache_hit"] is True and warm["spare"] is False
    assert contents(db_url)[1] == [("seeded",)]
    settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        assert spares.ready_spare(conn, cache) is not None


def test_the_output_still_says_from_the_cache(tmp_path, db_url, monkeypatch):
    new_project(tmp_path)
    env = {"SUPABASE_DB_URL": db_url}
    assert "from the migration files" in run_supatasks(["db.reset"], tmp_path, env).stdout
    settle(tmp_path, db_url, monkeypatch)
    warm = run_supatasks(["db.reset"], tmp_path, env)
    assert warm.returncode == 0 and "from the cache" in warm.stdout


def test_a_spare_of_an_earlier_cache_of_the_same_name_is_never_used(tmp_path, pg_server, db_url, monkeypatch):
    reset_and_settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        cache = cache_of(conn, name_of(db_url))
        spare = spares.ready_spare(conn, cache)
        # Make it look copied from an older cache of that name (another oid), and tell it apart by its data.
        admin.set_comment(conn, spare, f"supatasks spare of {cache} (1)")
        admin.set_allow_connections(conn, spare, True)
    query(pg_server.url(spare), "INSERT INTO public.notes (body) VALUES ('from the stale spare')")
    with maint(pg_server) as conn:
        admin.set_allow_connections(conn, spare, False)
        stale_oid = oid_of(conn, spare)
        assert spares.ready_spare(conn, cache) is None

    warm = reset(tmp_path, db_url)
    assert warm["cache_hit"] is True and warm["spare"] is False
    assert contents(db_url)[1] == [("seeded",)]
    settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        assert stale_oid not in [r[0] for r in conn.execute("SELECT oid FROM pg_database")]
        assert spares.ready_spare(conn, cache) == spare


def test_a_changed_project_drops_the_old_spare_and_prepares_one_of_the_new_cache(tmp_path, pg_server, db_url,
                                                                                   monkeypatch):
    reset_and_settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        old_cache = cache_of(conn, name_of(db_url))
        old_spare = spares.ready_spare(conn, old_cache)
        assert old_spare is not None

    (tmp_path / "supabase/migrations/20260101000002_tag.sql").write_text(M2)
    cold = reset(tmp_path, db_url)
    assert cold["cache_hit"] is False and cold["spare"] is True  # the bootstrap template's spare
    assert query(db_url, "SELECT tag FROM public.notes") == [("x",)]
    settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        new_cache = cache_of(conn, name_of(db_url))
        assert new_cache != old_cache
        assert not admin.database_exists(conn, old_cache) and not admin.database_exists(conn, old_spare)
        assert spares.ready_spare(conn, new_cache) is not None
        assert state_of(conn, new_cache) == (False, True, f"supatasks reset cache of {name_of(db_url)}")
    warm = reset(tmp_path, db_url)
    assert warm["cache_hit"] is True and warm["spare"] is True
    assert query(db_url, "SELECT tag, body FROM public.notes") == [("x", "seeded")]


def test_old_databases_and_leftovers_are_dropped_in_the_background(tmp_path, pg_server, db_url, monkeypatch):
    reset_and_settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        before = oid_of(conn, name_of(db_url))
        # What a crashed reset or child can leave: a temporary copy, a retired cache (still a template).
        leftover, retired = spares.temporary_name(), spares.trash_name()
        admin.create_database(conn, leftover, allow_connections=False)
        admin.create_database(conn, retired)
        admin.mark_template(conn, retired)

    reset(tmp_path, db_url)
    settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        oids = [r[0] for r in conn.execute("SELECT oid FROM pg_database")]
        assert before not in oids  # the database the reset replaced is gone, not kept under another name
        assert not admin.database_exists(conn, leftover) and not admin.database_exists(conn, retired)
        assert own_databases(conn, spares.TRASH_PREFIX) == own_databases(conn, spares.TEMPORARY_PREFIX) == []


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_sessions_on_the_target_are_ended_and_it_accepts_connections_after(tmp_path, pg_server, db_url, monkeypatch,
                                                                           warm):
    reset_and_settle(tmp_path, db_url, monkeypatch)
    idle = psycopg.connect(db_url, autocommit=True)
    busy = psycopg.connect(db_url)
    busy.execute("LOCK TABLE public.notes IN ACCESS EXCLUSIVE MODE")  # an open transaction holding a lock
    try:
        result = reset(tmp_path, db_url, *([] if warm else ["--no-cache"]))
        assert result["cache_hit"] is warm
        for conn in (idle, busy):
            with pytest.raises(psycopg.OperationalError):
                conn.execute("SELECT 1")
    finally:
        idle.close()
        busy.close()
    assert query(db_url, "SELECT body FROM public.notes") == [("seeded",)]
    with maint(pg_server) as conn:
        assert state_of(conn, name_of(db_url)) == (True, False, None)
    settle(tmp_path, db_url, monkeypatch)


def test_after_a_failed_reset_the_replaced_database_is_still_dropped(tmp_path, pg_server, db_url, monkeypatch):
    reset_and_settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        before = oid_of(conn, name_of(db_url))
    (tmp_path / "supabase/migrations/20260101000002_bad.sql").write_text("ALTER TABLE nope ADD COLUMN x int;\n")
    failed = run_supatasks(["db.reset"], tmp_path, {"SUPABASE_DB_URL": db_url})
    assert failed.returncode == 1 and "20260101000002_bad.sql:1: ERROR 42P01" in failed.stderr
    settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        assert before not in [r[0] for r in conn.execute("SELECT oid FROM pg_database")]
        assert own_databases(conn, spares.TRASH_PREFIX) == []
        assert spares.ready_spare(conn, base_template_name(find_project(tmp_path))) is not None
    (tmp_path / "supabase/migrations/20260101000002_bad.sql").unlink()
    assert reset(tmp_path, db_url)["cache_hit"] is True  # the cache of the good files is intact
    assert contents(db_url)[1] == [("seeded",)]


def test_a_target_left_closed_by_an_interrupted_reset_is_opened_by_the_next(tmp_path, pg_server, db_url,
                                                                           monkeypatch):
    reset_and_settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:  # as if a reset died between closing the target and the renames
        admin.set_allow_connections(conn, name_of(db_url), False)
    with pytest.raises(psycopg.OperationalError):
        query(db_url, "SELECT 1")
    assert reset(tmp_path, db_url)["cache_hit"] is True
    assert query(db_url, "SELECT body FROM public.notes") == [("seeded",)]
    settle(tmp_path, db_url, monkeypatch)


def test_a_target_left_invalid_by_an_interrupted_drop_is_replaced(tmp_path, pg_server, db_url, monkeypatch):
    reset_and_settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:  # the mark an interrupted DROP DATABASE leaves (PostgreSQL 15.4 and later)
        conn.execute("UPDATE pg_database SET datconnlimit = -2 WHERE datname = %s", (name_of(db_url),))
    assert reset(tmp_path, db_url)["cache_hit"] is True
    assert query(db_url, "SELECT body FROM public.notes") == [("seeded",)]
    settle(tmp_path, db_url, monkeypatch)


def test_a_failed_swap_leaves_the_target_as_it_was(pg_server):
    url = create_database(pg_server)
    query(url, "CREATE TABLE kept (id int)")
    with maint(pg_server) as conn:
        with pytest.raises(psycopg.errors.InvalidCatalogName):  # the replacement does not exist
            admin.replace_database(conn, name_of(url), "no_such_database", spares.trash_name(), spares.TRASH_COMMENT)
        assert state_of(conn, name_of(url)) == (True, False, None)
        assert own_databases(conn, spares.TRASH_PREFIX) == []
    assert query(url, "SELECT to_regclass('public.kept') IS NOT NULL") == [(True,)]
    with maint(pg_server) as conn:
        admin.drop_database(conn, name_of(url))


# -- racing ----------------------------------------------------------------------------------------------------

def test_spares_made_while_resets_run_leave_everything_consistent(tmp_path, pg_server, db_url, monkeypatch):
    new_project(tmp_path)
    reset(tmp_path, db_url)
    target = target_of(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        templates = [base_template_name(target.project), cache_of(conn, name_of(db_url))]
    stop = threading.Event()
    failures: list[BaseException] = []

    def children():  # one background child after another, as fast as they run
        maint_db = target.db.with_database("postgres")
        while not stop.is_set():
            child = spares.launch(maint_db, templates)
            if child is None or child.wait(timeout=120) not in (0,):
                failures.append(AssertionError(f"child failed: {child and child.returncode}"))

    racer = threading.Thread(target=children)
    racer.start()
    try:
        results = [reset(tmp_path, db_url, *args) for args in ([], [], ["--no-cache"], [], [])]
    finally:
        stop.set()
        racer.join()
    assert not failures
    assert [r["cache_hit"] for r in results] == [True, True, False, True, True]
    assert contents(db_url)[1] == [("seeded",)]
    settle(tmp_path, db_url, monkeypatch)
    with maint(pg_server) as conn:
        assert spares.ready_spare(conn, templates[1]) and spares.ready_spare(conn, templates[0])
        assert state_of(conn, templates[1])[:2] == (False, True)
        assert spares.leftovers(conn) == []  # no temporary copy, no stale spare
        assert own_databases(conn, spares.TRASH_PREFIX) == []


def test_a_child_waits_for_a_running_reset(tmp_path, pg_server, db_url, monkeypatch):
    reset_and_settle(tmp_path, db_url, monkeypatch)
    cache = drop_the_spare(pg_server, db_url)
    with maint(pg_server) as conn:
        # stands in for a reset in progress — of `postgres`, so from template1: another database than the child's
        with psycopg.connect(pg_server.url("template1"), autocommit=True) as template1, \
                server_lock(template1, lambda name: psycopg.connect(pg_server.url(name), autocommit=True)):
            child = spares.launch(DatabaseUrl(pg_server.url("postgres")), [cache])
            with pytest.raises(subprocess.TimeoutExpired):
                child.wait(timeout=3)
            assert spares.ready_spare(conn, cache) is None  # nothing was made under the reset's feet
        assert child.wait(timeout=120) == 0
        assert spares.ready_spare(conn, cache) is not None


# -- the child process --------------------------------------------------------------------------------------------

def test_the_child_gets_the_password_from_the_environment_never_argv(tmp_path, pw_server, monkeypatch):
    url = create_database(pw_server)
    new_project(tmp_path)
    env = {"SUPABASE_DB_PASSWORD": SECRET}
    reset(tmp_path, url, env=env)
    settle(tmp_path, url, monkeypatch, SECRET)  # the child could log in: it made the spares
    with maint(pw_server, SECRET) as conn:
        cache = cache_of(conn, name_of(url))
        assert spares.ready_spare(conn, cache) is not None
        admin.drop_database(conn, spares.spare_name(cache))
        with held(conn, SPARE_LOCK_KEY):  # keeps the child waiting, so its command line can be read
            child = spares.launch(DatabaseUrl(pw_server.url("postgres"), SECRET), [cache])
            argv = Path(f"/proc/{child.pid}/cmdline").read_bytes().split(b"\0")
            environ = Path(f"/proc/{child.pid}/environ").read_bytes().split(b"\0")
            assert not any(SECRET.encode() in arg for arg in argv)
            assert f"PGPASSWORD={SECRET}".encode() in environ
            assert child.args == spares.child_argv("127.0.0.1", pw_server.port, [cache])
            assert not any(SECRET in arg for arg in child.args)
            assert not wait_for_background(target_of(tmp_path, url, monkeypatch, SECRET), timeout=1)
        assert child.wait(timeout=120) == 0
        assert spares.ready_spare(conn, cache) is not None
    assert wait_for_background(target_of(tmp_path, url, monkeypatch, SECRET), timeout=60)


def test_the_child_is_harmless_when_the_server_is_gone(tmp_path):
    child = spares.launch(DatabaseUrl(f"postgresql://postgres@127.0.0.1:{_closed_port()}/postgres"),
                          ["supatasks_cache_x"])
    assert child.wait(timeout=60) == 1
    env = {**os.environ, spares.URL_VARIABLE: f"postgresql://postgres@127.0.0.1:{_closed_port()}/postgres"}
    quiet = subprocess.run(spares.child_argv("127.0.0.1", 1, ["supatasks_cache_x"]), env=env,
                           capture_output=True, text=True, timeout=60)
    assert quiet.returncode == 1 and quiet.stdout == quiet.stderr == ""


def test_the_child_runs_in_its_own_session_without_terminal_streams(pg_server):
    with maint(pg_server) as conn:
        with held(conn, SPARE_LOCK_KEY):
            child = spares.launch(DatabaseUrl(pg_server.url("postgres")), [])
            assert os.getsid(child.pid) == child.pid != os.getsid(0)
            for fd in (0, 1, 2):
                assert os.readlink(f"/proc/{child.pid}/fd/{fd}") == "/dev/null"
    assert child.wait(timeout=60) == 0


def _closed_port() -> int:
    from support import free_port
    return free_port()


# -- another server version --------------------------------------------------------------------------------------

def test_spares_on_postgresql_15(tmp_path, pg15_server, monkeypatch):
    url = create_database(pg15_server)
    new_project(tmp_path)
    assert reset(tmp_path, url)["cache_hit"] is False
    settle(tmp_path, url, monkeypatch)
    query(url, "INSERT INTO public.notes (body) VALUES ('scratch')")
    warm = reset(tmp_path, url)
    assert warm["cache_hit"] is True and warm["spare"] is True
    assert contents(url)[1:3] == ([("seeded",)], [("20260101000001",)])
    assert "extensions" in contents(url)[3]
    settle(tmp_path, url, monkeypatch)
