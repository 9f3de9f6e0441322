"""Lock safety on a live database: a migration never queues behind a long transaction for longer than
lock_timeout (so it never stalls the application for longer), says who blocked it, and retries.

The blocker is real: the test opens a transaction that reads the table the migration alters and keeps it
open ("idle in transaction", as a stuck application would), while another connection plays the
application and times its own queries.
"""

from __future__ import annotations

import re
import threading
import time

import psycopg
import pytest

from support import (BackgroundThread, applied_versions, connect, make_project, one_error_line, rows, run_supatasks,
                     spawn, wait_until)

TABLE = ("CREATE TABLE IF NOT EXISTS public.accounts (id bigint PRIMARY KEY, email text);\n"
         "ALTER TABLE public.accounts ENABLE ROW LEVEL SECURITY;\n"
         "INSERT INTO public.accounts VALUES (1, 'a@example.com') ON CONFLICT DO NOTHING;\n")
ALTER = "ALTER TABLE public.accounts ADD COLUMN IF NOT EXISTS note text;\n"
BLOCKER_QUERY = "SELECT count(*) FROM public.accounts"


def project(root, url: str, staging_env: str = ""):
    make_project(root, {"20260101000001_accounts.sql": TABLE, "20260101000002_note.sql": ALTER})
    (root / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\n{staging_env}")
    result = run_supatasks(["db.push", "--env=staging", "--yes"], root)  # both...
    assert result.returncode == 0, result.stderr
    # ...then take the second one back out, so the test can push it against a blocker.
    with connect(url) as conn:
        conn.execute("ALTER TABLE public.accounts DROP COLUMN note")
        conn.execute("DELETE FROM supabase_migrations.schema_migrations WHERE version = '20260101000002'")


class Blocker:
    """An application transaction that read the table and sits idle, holding its lock."""

    def __init__(self, url: str, name: str = "cabina-api"):
        self.conn = psycopg.connect(url, autocommit=False, application_name=name)
        self.conn.execute(BLOCKER_QUERY).fetchone()
        self.pid = self.conn.info.backend_pid

    def release(self):
        self.conn.commit()

    def close(self):
        self.conn.close()


class Application(BackgroundThread):
    """Runs short queries on the table all along and keeps the longest wait."""

    join_timeout = 60

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self):
        with psycopg.connect(self.url, autocommit=True, application_name="cabina-web") as conn:
            while not self.stopping:
                began = time.monotonic()
                try:
                    conn.execute("SELECT email FROM public.accounts WHERE id = 1").fetchone()
                except psycopg.Error as exc:
                    self.errors.append(str(exc))
                self.latencies.append(time.monotonic() - began)
                time.sleep(0.02)

    @property
    def longest(self) -> float:
        return max(self.latencies, default=0.0)


def migration_waiting(url: str) -> bool:
    return bool(rows(url, "SELECT 1 FROM pg_stat_activity WHERE application_name = 'supatasks' "
                          "AND wait_event_type = 'Lock'"))


def has_note(url: str) -> bool:
    return bool(rows(url, "SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' "
                          "AND column_name = 'note'"))


def test_staging_default_lock_timeout_rolls_back_names_the_blocker_and_spares_the_app(tmp_path, db_url):
    """Staging's default lock_timeout (5s): the migration gives up, the app waited at most that long."""
    project(tmp_path, db_url)
    blocker = Blocker(db_url)
    try:
        with Application(db_url) as app:
            began = time.monotonic()
            result = run_supatasks(["db.push", "--env=staging", "--yes"], tmp_path)
            took = time.monotonic() - began
        assert result.returncode == 1, result.stdout + result.stderr
        line = one_error_line(result.stderr)
        assert line.startswith("error: supabase/migrations/20260101000002_note.sql:1: ERROR 55P03: "
                               "canceling statement due to lock timeout"), line
        note = result.stderr.strip().splitlines()[-1].strip()
        assert re.fullmatch(rf"blocked by pid {blocker.pid} \(postgres, cabina-api, idle in transaction, "
                            rf"transaction since \d\d:\d\d:\d\d UTC\) holds (a lock on accounts|locks on "
                            rf"accounts, accounts_pkey); its last query: '{re.escape(BLOCKER_QUERY)}'", note), note
        assert 5 <= took < 5 + 6
        # The application queued behind the migration's lock request, but never longer than lock_timeout.
        assert app.errors == []
        assert 1.0 < app.longest <= 5.0 + 0.5, app.longest
        assert not has_note(db_url)
        assert applied_versions(db_url) == ["20260101000001"]
    finally:
        blocker.close()


def test_session_settings_seen_by_the_migration(tmp_path, pg_server):
    """What a migration runs under: remote defaults 5s / 15min, a profile's own values, local 60s / 0."""
    from support import create_database

    body = ("CREATE TABLE IF NOT EXISTS public.seen (lt text, st text);\n"
            "ALTER TABLE public.seen ENABLE ROW LEVEL SECURITY;\n"
            "INSERT INTO public.seen SELECT current_setting('lock_timeout'), current_setting('statement_timeout');\n")
    make_project(tmp_path, {"20260101000001_seen.sql": body})
    cases = [("staging", "", ("5s", "15min")),
             ("staging", "SUPATASKS_LOCK_TIMEOUT=2s\nSUPATASKS_STATEMENT_TIMEOUT=1min\n", ("2s", "1min")),
             ("local", "", ("1min", "0"))]
    for env, extra, expected in cases:
        url = create_database(pg_server)
        if env == "local":
            result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": url})
        else:
            (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\n{extra}")
            result = run_supatasks(["db.push", "--env=staging", "--yes"], tmp_path)
        assert result.returncode == 0, result.stderr
        assert rows(url, "SELECT lt, st FROM public.seen") == [expected], (env, extra)


def test_retries_with_backoff_succeed_once_the_blocker_releases(tmp_path, db_url):
    project(tmp_path, db_url)
    blocker = Blocker(db_url)
    try:
        with Application(db_url) as app:
            proc = spawn(["db.up", "--retries", "3"], tmp_path,
                         {"SUPABASE_DB_URL": db_url, "SUPATASKS_LOCK_TIMEOUT": "1s"})
            wait_until(lambda: proc.poll() is not None or migration_waiting(db_url), 30, what="the lock wait")
            timer = threading.Timer(2.5, blocker.release)
            timer.start()
            out, err = proc.communicate(timeout=60)
            timer.join()
        assert proc.returncode == 0, out + err
        notes = [line for line in err.splitlines() if "lock timeout" in line]
        assert notes and notes[0].startswith(
            f"supabase/migrations/20260101000002_note.sql: lock timeout (blocked by pid {blocker.pid} "
            "(postgres, cabina-api"), err
        assert notes[0].endswith("rolled back, retry 1 of 3 in 1s"), notes[0]
        assert len(notes) in (1, 2)  # released after the first attempt, or the second one
        assert has_note(db_url)
        assert applied_versions(db_url) == ["20260101000001", "20260101000002"]
        assert app.errors == [] and app.longest <= 1.0 + 0.5, app.longest
    finally:
        blocker.close()


@pytest.mark.parametrize("how", ["profile SUPATASKS_LOCK_RETRIES", "db.up --retries on staging"])
def test_retries_on_a_remote_profile(tmp_path, db_url, how):
    settings = "SUPATASKS_LOCK_TIMEOUT=1s\n" + ("SUPATASKS_LOCK_RETRIES=3\n" if how.startswith("profile") else "")
    project(tmp_path, db_url, settings)
    args = (["db.push", "--env=staging", "--yes"] if how.startswith("profile")
            else ["db.up", "--env=staging", "--yes", "--retries", "3"])
    blocker = Blocker(db_url)
    try:
        proc = spawn(args, tmp_path)
        wait_until(lambda: proc.poll() is not None or migration_waiting(db_url), 30, what="the lock wait")
        timer = threading.Timer(1.6, blocker.release)
        timer.start()
        out, err = proc.communicate(timeout=60)
        timer.join()
        assert proc.returncode == 0, out + err
        assert "retry 1 of 3 in 1s" in out + err
        assert has_note(db_url)
    finally:
        blocker.close()


def test_retries_exhausted_roll_back_and_name_the_blocker(tmp_path, db_url):
    project(tmp_path, db_url)
    blocker = Blocker(db_url)
    try:
        began = time.monotonic()
        result = run_supatasks(["db.up", "--retries", "1"], tmp_path,
                               {"SUPABASE_DB_URL": db_url, "SUPATASKS_LOCK_TIMEOUT": "1s"})
        took = time.monotonic() - began
        assert result.returncode == 1
        assert "retry 1 of 1 in 1s" in result.stderr
        assert "ERROR 55P03" in one_error_line(result.stderr)
        assert f"blocked by pid {blocker.pid}" in result.stderr.strip().splitlines()[-1]
        assert 3 <= took < 3 + 6  # two attempts of 1 s and a pause of 1 s
        assert not has_note(db_url)
        assert applied_versions(db_url) == ["20260101000001"]
    finally:
        blocker.close()


def test_statement_timeout_cancels_a_long_migration_and_rolls_it_back(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_slow.sql": "CREATE TABLE public.slow (id int);\nSELECT pg_sleep(20);\n"})
    began = time.monotonic()
    result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": db_url, "SUPATASKS_STATEMENT_TIMEOUT": "1s"})
    assert result.returncode == 1
    assert time.monotonic() - began < 10
    assert one_error_line(result.stderr).startswith(
        "error: supabase/migrations/20260101000001_slow.sql:2: ERROR 57014: canceling statement due to "
        "statement timeout")
    assert rows(db_url, "SELECT to_regclass('public.slow')") == [(None,)]
    assert applied_versions(db_url) == []
