"""Crashes: `kill -9` of supatasks at random moments of a 200-migration `db.up`, and Ctrl-C (SIGINT).

kill -9 trials (SUPATASKS_RELIABILITY_TRIALS, default 3; `full` = 50): each on a fresh database. Most
trials kill once the history reaches a random migration (so the kills spread over the whole run whatever
the machine's speed), the others at a random time in the first second (start-up, bootstrap, planning).
After every kill: the history is a prefix of the files, every table a migration creates exists iff its
version is in the history (and then completely: its column, row and comment), no session holds the
migration lock; the next `db.up` completes, and the resulting schema is identical to an uninterrupted run.
"""

from __future__ import annotations

import random
import signal
import time

import pytest

from support import (TrialRun, applied_versions, connect, create_database, make_project, migration_lock_holders,
                     rows, run_supatasks, spawn, trials, wait_for_sessions_to_end, wait_until)
from supatasks.checks.snapshot import fingerprint, snapshot

COUNT = 200
INDEX_EVERY = 25  # every 25th migration is a CREATE INDEX CONCURRENTLY file (outside a transaction)
INTERRUPTED = "interrupted: the migration in progress was rolled back, the lock released"


def wait_for_history(proc, url: str, target: int) -> None:
    """Until `target` migrations are recorded (or the run ended)."""
    with connect(url) as probe:
        def reached():
            if proc.poll() is not None:
                return True
            if probe.execute("SELECT to_regclass('supabase_migrations.schema_migrations')").fetchone()[0] is None:
                return False
            return probe.execute("SELECT count(*) FROM supabase_migrations.schema_migrations"
                                 ).fetchone()[0] >= target
        wait_until(reached, timeout=120, interval=0.005, what=f"{target} migrations")


def version(k: int) -> str:
    return f"20260401{k:06d}"


def migration(k: int) -> str:
    if k % INDEX_EVERY == 0:
        return f"CREATE INDEX CONCURRENTLY IF NOT EXISTS t_{k - 1}_v_idx ON public.t_{k - 1} (v);\n"
    return (f"-- migration {k}\n"
            f"CREATE TABLE public.t_{k} (id bigint PRIMARY KEY, v bigint);\n"
            f"ALTER TABLE public.t_{k} ADD COLUMN note text;\n"
            f"INSERT INTO public.t_{k} (id, v, note) VALUES ({k}, {k}, 'm{k}');\n"
            f"COMMENT ON TABLE public.t_{k} IS 'migration {k}';\n")


@pytest.fixture(scope="module")
def project200(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash200")
    make_project(root, {f"{version(k)}_m{k}.sql": migration(k) for k in range(1, COUNT + 1)})
    return root


@pytest.fixture(scope="module")
def reference(project200, pg_server):
    """An uninterrupted run: its duration and the fingerprint of the schema it builds."""
    url = create_database(pg_server)
    began = time.monotonic()
    result = run_supatasks(["db.up"], project200, {"SUPABASE_DB_URL": url})
    assert result.returncode == 0, result.stderr
    seconds = time.monotonic() - began
    with connect(url) as conn:
        return seconds, fingerprint(snapshot(conn))


def check_consistent(url: str) -> list[str]:
    """History and schema agree after a crash; returns the history."""
    history = applied_versions(url)
    assert history == [version(k) for k in range(1, len(history) + 1)], "history is not a prefix of the files"
    applied = set(history)
    tables = _tables(url)
    for k in range(1, COUNT + 1):
        if k % INDEX_EVERY == 0:
            continue
        name = f"t_{k}"
        if version(k) in applied:
            assert tables.get(name) == (1, f"migration {k}"), f"{name} incomplete: {tables.get(name)}"
        else:
            assert name not in tables, f"{name} exists but version {version(k)} is not in the history"
    indexes = dict(rows(url, "SELECT c.relname, x.indisvalid FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
                             "WHERE c.relname LIKE 't\\_%%\\_v\\_idx'"))
    for k in range(INDEX_EVERY, COUNT + 1, INDEX_EVERY):
        if version(k) in applied:
            assert indexes.get(f"t_{k - 1}_v_idx") is True, f"index of {version(k)} missing or invalid"
    assert migration_lock_holders(url) == []
    return history


def _tables(url: str) -> dict[str, tuple[int, str | None]]:
    """t_k -> (rows whose note is set, the table comment)."""
    found = {}
    with connect(url) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE 't\\_%%' AND relkind = 'r' "
            "AND relnamespace = 'public'::regnamespace")]
        for name in names:
            count = conn.execute(f'SELECT count(*) FROM public."{name}" WHERE note IS NOT NULL').fetchone()[0]
            comment = conn.execute("SELECT obj_description(%s::regclass, 'pg_class')",
                                   (f"public.{name}",)).fetchone()[0]
            found[name] = (count, comment)
    return found


def test_kill_9_at_random_moments_leaves_history_matching_schema(project200, pg_server, reference):
    seconds, expected_fingerprint = reference
    rng = random.Random(int(time.time()))
    count = trials(full=50, ci=3)
    landed: list[int] = []  # migrations in the history at the moment of each kill
    inside: list[bool] = []  # did the kill abort an open transaction (pg_stat_database.xact_rollback)?
    run = TrialRun(f"crash: kill -9 during a {COUNT}-migration `supatasks db.up`", count)
    run.extra = {"history_at_kill": landed, "kills_inside_a_transaction": inside,
                 "uninterrupted_run_s": round(seconds, 1)}

    def trial(number: int) -> None:
        url = create_database(pg_server)
        proc = spawn(["db.up"], project200, {"SUPABASE_DB_URL": url})
        try:
            if number % 5 == 4:  # start-up, bootstrap, planning, the first migrations
                time.sleep(rng.uniform(0.0, 1.0))
            else:
                target = rng.randint(1, COUNT - 1)
                wait_for_history(proc, url, target)
                time.sleep(rng.uniform(0, 0.02))
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.communicate(timeout=30)
        wait_for_sessions_to_end(url)
        inside.append(rows(url, "SELECT xact_rollback > 0 FROM pg_stat_database WHERE datname = current_database()"
                           )[0][0])
        landed.append(len(check_consistent(url)))
        result = run_supatasks(["db.up"], project200, {"SUPABASE_DB_URL": url, "SUPATASKS_LOCK_WAIT": "5"})
        assert result.returncode == 0, result.stderr
        assert applied_versions(url) == [version(k) for k in range(1, COUNT + 1)]
        check_consistent(url)
        with connect(url) as conn:
            assert fingerprint(snapshot(conn)) == expected_fingerprint, "schema differs from an uninterrupted run"

    run.run(trial)


def test_kill_9_during_a_long_statement_the_server_rolls_back_within_seconds(tmp_path, db_url):
    """Without a check the server finishes the running statement first (here 30 s) while holding the
    migration's locks and the migration lock; supatasks asks it to watch the client (PostgreSQL 14+)."""
    make_project(tmp_path, {"20260101000001_slow.sql": "CREATE TABLE public.slow (id int);\nSELECT pg_sleep(30);\n"})
    proc = spawn(["db.up"], tmp_path, {"SUPABASE_DB_URL": db_url})
    try:
        wait_until(lambda: proc.poll() is not None or sleeping_backends(db_url), timeout=60, what="the migration")
        assert proc.poll() is None, proc.communicate()
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    began = time.monotonic()
    wait_for_sessions_to_end(db_url, timeout=10)
    assert time.monotonic() - began < 5
    assert migration_lock_holders(db_url) == [] and applied_versions(db_url) == []
    assert rows(db_url, "SELECT to_regclass('public.slow')") == [(None,)]
    (tmp_path / "supabase/migrations/20260101000001_slow.sql").write_text("CREATE TABLE public.slow (id int);\n")
    again = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": db_url, "SUPATASKS_LOCK_WAIT": "0"})
    assert again.returncode == 0, again.stderr


# -- Ctrl-C ---------------------------------------------------------------------------------------

def test_ctrl_c_at_random_moments_of_a_200_migration_run(project200, pg_server, reference):
    """SIGINT once the run is under way (the task has connected): exit 130 with the one-line message, the
    current migration rolled back, the session and the lock gone at once, the next run completes."""
    seconds, expected_fingerprint = reference
    rng = random.Random(int(time.time()) + 1)
    count = trials(full=20, ci=2)
    landed: list[int] = []
    inside: list[bool] = []  # did the interrupt roll back an open transaction?
    finished_first: list[int] = []
    run = TrialRun(f"Ctrl-C (SIGINT) at a random moment of a {COUNT}-migration `supatasks db.up`", count)
    run.extra = {"history_at_interrupt": landed, "interrupts_inside_a_transaction": inside,
                 "finished_before_the_signal": finished_first}

    def trial(number: int) -> None:
        url = create_database(pg_server)
        proc = spawn(["db.up"], project200, {"SUPABASE_DB_URL": url})
        target = rng.randint(1, COUNT - 1)
        try:
            wait_for_history(proc, url, target)
            time.sleep(rng.uniform(0, 0.02))
            began = time.monotonic()
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
            took = time.monotonic() - began
        finally:
            proc.kill()
        assert "Traceback" not in err, err
        if proc.returncode == 0:  # it finished first (rare: the signal follows the target within 20 ms)
            assert applied_versions(url) == [version(k) for k in range(1, COUNT + 1)]
            finished_first.append(number)
            assert len(finished_first) <= max(1, count // 4), "SIGINT does not stop supatasks"
            return
        assert proc.returncode == 130, (proc.returncode, err)
        assert err.strip().splitlines()[-1] == INTERRUPTED, err
        assert took < 6, f"took {took:.1f}s to stop"
        wait_for_sessions_to_end(url, timeout=5)
        inside.append(rows(url, "SELECT xact_rollback > 0 FROM pg_stat_database WHERE datname = current_database()"
                           )[0][0])
        landed.append(len(check_consistent(url)))
        again = run_supatasks(["db.up"], project200, {"SUPABASE_DB_URL": url, "SUPATASKS_LOCK_WAIT": "0"})
        assert again.returncode == 0, again.stderr
        check_consistent(url)
        with connect(url) as conn:
            assert fingerprint(snapshot(conn)) == expected_fingerprint

    run.run(trial)


SLOW_BODY = ("CREATE TABLE IF NOT EXISTS public.b (id bigint);\nALTER TABLE public.b ENABLE ROW LEVEL SECURITY;\n"
             "INSERT INTO public.b VALUES (1);\nSELECT pg_sleep(30);\n")


def sleeping_backends(url: str) -> list[int]:
    return [r[0] for r in rows(url, "SELECT pid FROM pg_stat_activity WHERE query LIKE '%%pg_sleep(30)%%' "
                                    "AND pid <> pg_backend_pid()")]


STOPS = {"SIGINT": (signal.SIGINT, 130, INTERRUPTED),
         "SIGTERM": (signal.SIGTERM, 143, "terminated (SIGTERM): the migration in progress was rolled back, "
                                          "the lock released")}


@pytest.mark.parametrize("stop", sorted(STOPS))
@pytest.mark.parametrize("variant", ["db.up", "db.push --env=staging --yes --skip-advise", "no-transaction file"])
def test_ctrl_c_rolls_back_cancels_the_query_releases_the_lock_exit_130(tmp_path, db_url, variant, stop):
    """Ctrl-C, and SIGTERM the same way (exit 128 + the signal's number). The push skips the advisor gate, which
    would run the slow migration on a scratch database first."""
    sig, code, message = STOPS[stop]
    slow = SLOW_BODY if variant != "no-transaction file" else "-- pg-delta: transaction=false\nSELECT pg_sleep(30);\n"
    files = {"20260101000001_a.sql": "CREATE TABLE IF NOT EXISTS public.a (id bigint);\n"
                                     "ALTER TABLE public.a ENABLE ROW LEVEL SECURITY;\n",
             "20260101000002_slow.sql": slow,
             "20260101000003_c.sql": "CREATE TABLE IF NOT EXISTS public.c (id bigint);\n"
                                     "ALTER TABLE public.c ENABLE ROW LEVEL SECURITY;\n"}
    make_project(tmp_path, files)
    if variant.startswith("db.push"):
        (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={db_url}\n")
        args, env = variant.split(), {}
    else:
        args, env = ["db.up"], {"SUPABASE_DB_URL": db_url}
    proc = spawn(args, tmp_path, env)
    try:
        wait_until(lambda: proc.poll() is not None or sleeping_backends(db_url), timeout=60,
                   what="the slow migration")
        assert proc.poll() is None, proc.communicate()
        began = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
        took = time.monotonic() - began
    finally:
        proc.kill()
    assert proc.returncode == code, (out, err)
    assert took < 6, f"took {took:.1f}s to stop"  # psycopg cancels the query (it waits up to 5 s for that)
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == message, err
    assert [line for line in err.splitlines() if line.startswith(("error", "interrupted", "terminated"))] == [message]
    # The query was cancelled: nothing still sleeps, the session is gone, nobody holds the lock.
    assert sleeping_backends(db_url) == []
    wait_for_sessions_to_end(db_url, timeout=5)
    assert migration_lock_holders(db_url) == []
    # The interrupted migration left nothing; the one before it stays applied.
    assert applied_versions(db_url) == ["20260101000001"]
    assert rows(db_url, "SELECT to_regclass('public.b')") == [(None,)]
    # Another run takes the lock at once (SUPATASKS_LOCK_WAIT=0) and completes.
    (tmp_path / "supabase/migrations/20260101000002_slow.sql").write_text(
        "CREATE TABLE IF NOT EXISTS public.b (id bigint);\nALTER TABLE public.b ENABLE ROW LEVEL SECURITY;\n")
    again = run_supatasks(args, tmp_path, {**env, "SUPATASKS_LOCK_WAIT": "0"})
    assert again.returncode == 0, again.stderr
    assert applied_versions(db_url) == ["20260101000001", "20260101000002", "20260101000003"]


def test_ctrl_c_while_waiting_for_the_lock(tmp_path, db_url):
    from supatasks.migrations.lock import LOCK_KEY

    make_project(tmp_path, {"20260101000001_a.sql": "CREATE TABLE public.a (id int);\n"})
    with connect(db_url, application_name="holder") as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        proc = spawn(["db.up"], tmp_path, {"SUPABASE_DB_URL": db_url, "SUPATASKS_LOCK_WAIT": "60"})
        try:
            # waiting for the lock, not still bootstrapping (that takes a while on a loaded machine)
            wait_until(lambda: rows(db_url, "SELECT 1 FROM pg_stat_activity WHERE application_name = 'supatasks' "
                                            "AND query LIKE '%%pg_try_advisory_lock%%'"),
                       timeout=30, what="supatasks to wait for the lock")
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=10)
        finally:
            proc.kill()
        assert proc.returncode == 130, err
        assert "Traceback" not in err
        assert err.strip().splitlines()[-1] == "interrupted while waiting for the migration lock: nothing was changed"
        assert applied_versions(db_url) == []
        assert migration_lock_holders(db_url) == [holder.info.backend_pid]
