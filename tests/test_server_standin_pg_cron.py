"""The pg_cron development stand-in on the embedded server: jobs are validated and kept, never run."""

from __future__ import annotations

import time

import psycopg
import pytest

from supatasks.server.bootstrap import apply_bootstrap
from support import connect


@pytest.fixture
def cron_db(db_url):
    """A bootstrapped database with pg_cron created as Supabase dumps spell it."""
    with connect(db_url) as conn:
        apply_bootstrap(conn)
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_cron WITH SCHEMA pg_catalog")
    return db_url


def jobs(conn) -> list[tuple]:
    return conn.execute(
        "SELECT jobid, jobname, schedule, command, database, username, active FROM cron.job ORDER BY jobid"
    ).fetchall()


@pytest.mark.parametrize("schema_clause", ["WITH SCHEMA pg_catalog", "WITH SCHEMA extensions", ""])
def test_installs_in_the_schemas_migrations_name_and_drops_cleanly(db_url, schema_clause):
    with connect(db_url) as conn:
        apply_bootstrap(conn)
        conn.execute(f"CREATE EXTENSION IF NOT EXISTS pg_cron {schema_clause}")
        assert conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'").fetchone()[0] == "1.6.4"
        conn.execute("SELECT cron.schedule('kept', '@daily', 'SELECT 1')")
        conn.execute("DROP EXTENSION pg_cron")
        assert conn.execute("SELECT to_regnamespace('cron')").fetchone()[0] is None


def test_older_version_installs_and_updates(db_url):
    with connect(db_url) as conn:
        conn.execute("CREATE EXTENSION pg_cron WITH SCHEMA pg_catalog VERSION '1.6'")
        assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'").fetchone()[0] == "1.6"
        conn.execute("ALTER EXTENSION pg_cron UPDATE")
        assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'").fetchone()[0] == "1.6.4"


def test_migration_schedules_lists_reschedules_and_unschedules_by_name(cron_db):
    with connect(cron_db) as conn:
        database = conn.execute("SELECT current_database()").fetchone()[0]
        # the shape of a real migration: a named job calling an Edge Function through pg_net
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_net WITH SCHEMA extensions")
        command = ("SELECT net.http_post(url := 'https://proj.example.test/functions/v1/digest', "
                   "body := '{}'::jsonb)")
        first = conn.execute("SELECT cron.schedule('daily-digest', '0 7 * * *', %s)", [command]).fetchone()[0]
        anonymous = conn.execute("SELECT cron.schedule('*/10 * * * *', 'VACUUM ANALYZE')").fetchone()[0]
        assert jobs(conn) == [
            (first, "daily-digest", "0 7 * * *", command, database, "postgres", True),
            (anonymous, None, "*/10 * * * *", "VACUUM ANALYZE", database, "postgres", True),
        ]
        nodename, nodeport = conn.execute("SELECT nodename, nodeport FROM cron.job WHERE jobid = %s", [first]).fetchone()
        assert nodename == "localhost"
        assert nodeport == int(conn.execute("SHOW port").fetchone()[0])

        # scheduling the same name again updates that job (the usual re-run of a migration)
        again = conn.execute("SELECT cron.schedule('daily-digest', '30 seconds', 'SELECT 2')").fetchone()[0]
        assert again == first
        assert jobs(conn)[0] == (first, "daily-digest", "30 seconds", "SELECT 2", database, "postgres", True)

        assert conn.execute("SELECT cron.unschedule('daily-digest')").fetchone()[0] is True
        assert conn.execute("SELECT cron.unschedule(%s)", [anonymous]).fetchone()[0] is True
        assert jobs(conn) == []
        with pytest.raises(psycopg.errors.InternalError_, match="could not find valid entry for job 'daily-digest'"):
            conn.execute("SELECT cron.unschedule('daily-digest')")
        with pytest.raises(psycopg.errors.InternalError_, match=f"could not find valid entry for job {anonymous}"):
            conn.execute("SELECT cron.unschedule(%s)", [anonymous])


@pytest.mark.parametrize("schedule", [
    "* * * * *", "0 3 * * 1-5", "*/15 8-18 * * *", "0 0 1 jan,jul *", "30 23 $ * *", "0 12 * * Sun",
    "5,35 */2 1-15/3 * 0", "@daily", "@hourly", "@reboot", "1 second", "59 seconds", " 10 Seconds ",
])
def test_accepts_what_pg_cron_accepts(cron_db, schedule):
    with connect(cron_db) as conn:
        job_id = conn.execute("SELECT cron.schedule('j', %s, 'SELECT 1')", [schedule]).fetchone()[0]
        assert conn.execute("SELECT schedule FROM cron.job WHERE jobid = %s", [job_id]).fetchone()[0] == schedule


@pytest.mark.parametrize("schedule", [
    "* * * *", "60 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 * 13 *", "0 0 * * 8", "1/5 * * * *",
    "*/0 * * * *", "0 0 * * funday", "@Daily", "@fortnightly", "60 seconds", "0 seconds", "5 minutes",
    "5 second ", "every day", "",
])
def test_rejects_invalid_schedules_like_pg_cron(cron_db, schedule):
    with connect(cron_db) as conn:
        with pytest.raises(psycopg.errors.InvalidParameterValue) as caught:
            conn.execute("SELECT cron.schedule('bad', %s, 'SELECT 1')", [schedule])
        assert caught.value.diag.message_primary == f"invalid schedule: {schedule}"
        assert caught.value.diag.message_hint == "Use cron format (e.g. 5 4 * * *), or interval format '[1-59] seconds'"
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            conn.execute("SELECT cron.alter_job(cron.schedule('good', '@daily', 'SELECT 1'), schedule := %s)", [schedule])
        assert jobs(conn) == []


def test_alter_job_and_schedule_in_database(cron_db):
    with connect(cron_db) as conn:
        job_id = conn.execute(
            "SELECT cron.schedule_in_database('cleanup', '0 4 * * *', 'DELETE FROM t', 'postgres', active := false)"
        ).fetchone()[0]
        assert jobs(conn)[0][4:] == ("postgres", "postgres", False)
        conn.execute("SELECT cron.alter_job(%s, schedule := '15 4 * * *', active := true)", [job_id])
        assert jobs(conn)[0][2] == "15 4 * * *" and jobs(conn)[0][6] is True
        with pytest.raises(psycopg.errors.InternalError_, match="no updates specified"):
            conn.execute("SELECT cron.alter_job(%s)", [job_id])
        with pytest.raises(psycopg.errors.InternalError_, match="Job 999 does not exist or you don't own it"):
            conn.execute("SELECT cron.alter_job(999, command := 'SELECT 1')")
        with pytest.raises(psycopg.errors.InvalidCatalogName):
            conn.execute("SELECT cron.schedule_in_database('x', '@daily', 'SELECT 1', 'no_such_database')")


def test_jobs_belong_to_the_role_that_scheduled_them(cron_db):
    with connect(cron_db) as conn:
        conn.execute("CREATE ROLE standin_cron_a LOGIN; CREATE ROLE standin_cron_b LOGIN")
        conn.execute("GRANT USAGE ON SCHEMA cron TO standin_cron_a, standin_cron_b")
        with conn.transaction():
            conn.execute("SET LOCAL ROLE standin_cron_a")
            mine = conn.execute("SELECT cron.schedule('mine', '@hourly', 'SELECT 1')").fetchone()[0]
        with conn.transaction():
            conn.execute("SET LOCAL ROLE standin_cron_b")
            # row level security: b sees none of a's jobs and cannot remove them
            assert conn.execute("SELECT count(*) FROM cron.job").fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InternalError_, match="could not find valid entry for job 'mine'"):
            with conn.transaction():
                conn.execute("SET LOCAL ROLE standin_cron_b")
                conn.execute("SELECT cron.unschedule('mine')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with conn.transaction():
                conn.execute("SET LOCAL ROLE standin_cron_b")
                conn.execute("SELECT cron.unschedule(%s)", [mine])
        # schedule_in_database is revoked from PUBLIC, as in the real one: an administrator grants it
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with conn.transaction():
                conn.execute("SET LOCAL ROLE standin_cron_b")
                conn.execute("SELECT cron.schedule_in_database('x', '@daily', 'SELECT 1', 'postgres')")
        conn.execute("GRANT EXECUTE ON FUNCTION cron.schedule_in_database(text, text, text, text, text, boolean)"
                     " TO standin_cron_b")
        with pytest.raises(psycopg.errors.InternalError_, match="must be superuser to create a job for another role"):
            with conn.transaction():
                conn.execute("SET LOCAL ROLE standin_cron_b")
                conn.execute("SELECT cron.schedule_in_database('x', '@daily', 'SELECT 1', 'postgres', 'standin_cron_a')")
        assert jobs(conn)[0][5] == "standin_cron_a"


def test_jobs_are_kept_never_run(cron_db):
    with connect(cron_db) as conn:
        conn.execute("CREATE TABLE public.ticks (at timestamptz DEFAULT now())")
        conn.execute("SELECT cron.schedule('tick', '1 second', 'INSERT INTO public.ticks DEFAULT VALUES')")
        time.sleep(2.5)
        assert conn.execute("SELECT count(*) FROM public.ticks").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM cron.job_run_details").fetchone()[0] == 0
        assert [row[1] for row in jobs(conn)] == ["tick"]
        # pg_dump keeps the jobs with the extension, as with the real one
        configured = conn.execute(
            "SELECT array(SELECT unnest(extconfig)::regclass::text ORDER BY 1) FROM pg_extension WHERE extname = 'pg_cron'"
        ).fetchone()[0]
        assert "cron.job" in configured and "cron.job_run_details" in configured
