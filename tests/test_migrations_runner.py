"""The runner sends consecutive transactional files together (one pipeline per group): each file must still
commit with its history row or not at all, errors must still name the file and line, and progress and the
audit log must still describe each file."""

from __future__ import annotations

import psycopg
import pytest

from support import applied_versions, make_project, query
from supatasks import audit
from supatasks.migrations import runner
from supatasks.migrations.files import scan_migrations
from supatasks.project import find_project
from supatasks.errors import MigrationFileError
from supatasks.migrations.sqlerrors import SqlFailed


class Recorder(runner.Reporter):
    def __init__(self):
        self.events = []

    def started(self, prepared):
        self.events.append(("started", prepared.migration.version))

    def finished(self, prepared, seconds):
        self.events.append(("finished", prepared.migration.version, seconds))


def table(i: int) -> str:
    return f"CREATE TABLE public.t{i} (id int PRIMARY KEY, note text DEFAULT 'x;y');\nINSERT INTO public.t{i} VALUES ({i});\n"


def prepared_project(tmp_path, files):
    make_project(tmp_path, files)
    project = find_project(tmp_path)
    return [runner.prepare(m, project.relative(m.path)) for m in scan_migrations(project).migrations]


def apply(url, prepared, settings=None, ctx=None):
    reporter = Recorder()
    with psycopg.connect(url, autocommit=True) as conn:
        done = runner.apply_migrations(conn, prepared, settings or runner.SessionSettings(), reporter, ctx)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    return done, reporter


def test_more_files_than_a_group_all_applied_in_order_each_reported(tmp_path, db_url):
    count = runner.GROUP_FILES * 2 + 3
    files = {f"2026010100{i:04d}_t{i}.sql": table(i) for i in range(1, count + 1)}
    done, reporter = apply(db_url, prepared_project(tmp_path, files))
    assert len(done) == count
    assert applied_versions(db_url) == sorted(f"2026010100{i:04d}" for i in range(1, count + 1))
    finished = [e for e in reporter.events if e[0] == "finished"]
    assert [e[1] for e in finished] == applied_versions(db_url)
    assert all(0 <= e[2] < 5 for e in finished)
    assert query(db_url, f"SELECT id FROM public.t{count}") == [(count,)]


def test_failure_in_the_middle_of_a_group_keeps_the_files_before_it(tmp_path, db_url):
    bad = "CREATE TABLE public.half (id int);\n-- fails:\nINSERT INTO public.half SELECT id FROM public.nowhere;\n"
    files = {"20260101000001_a.sql": table(1), "20260101000002_b.sql": table(2), "20260101000003_bad.sql": bad,
             "20260101000004_c.sql": table(4)}
    with pytest.raises(SqlFailed) as failed:
        apply(db_url, prepared_project(tmp_path, files))
    assert str(failed.value).startswith("supabase/migrations/20260101000003_bad.sql:3: ERROR 42P01")
    assert applied_versions(db_url) == ["20260101000001", "20260101000002"]
    assert query(db_url, "SELECT to_regclass('public.half'), to_regclass('public.t4'), to_regclass('public.t2')") \
        == [(None, None, "t2")]


def test_error_arriving_while_the_group_is_still_being_sent_names_the_right_statement(tmp_path, db_url):
    # The first file fails at once; thousands of statements are still being sent when the error comes back.
    many = "".join(f"INSERT INTO public.t1 VALUES ({i});\n" for i in range(2, 4000))
    first = "CREATE TABLE public.t1 (id int);\nSELECT 1/0;\n" + many
    files = {"20260101000001_first.sql": first, **{f"2026010100{i:04d}_t{i}.sql": table(i) for i in range(2, 6)}}
    for _ in range(3):  # timing-dependent: try a few times
        with pytest.raises(SqlFailed) as failed:
            apply(db_url, prepared_project(tmp_path, files))
        assert str(failed.value).startswith("supabase/migrations/20260101000001_first.sql:2: ERROR 22012")
        assert query(db_url, "SELECT to_regclass('supabase_migrations.schema_migrations') IS NULL "
                             "OR NOT EXISTS (SELECT FROM supabase_migrations.schema_migrations)") == [(True,)]


def test_non_transactional_file_splits_the_groups(tmp_path, db_url):
    files = {"20260101000001_a.sql": table(1),
             "20260101000002_idx.sql": "CREATE INDEX CONCURRENTLY t1_note ON public.t1 (note);\n",
             "20260101000003_b.sql": table(3)}
    done, _ = apply(db_url, prepared_project(tmp_path, files))
    assert [p.migration.version for p in done] == ["20260101000001", "20260101000002", "20260101000003"]
    assert query(db_url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t1_note'::regclass") == [(True,)]


def test_audit_rows_of_a_group_carry_the_server_time_of_each_file(tmp_path, db_url):
    slow = "CREATE TABLE public.slow (id int);\nSELECT pg_sleep(0.3);\n"
    files = {"20260101000001_a.sql": table(1), "20260101000002_slow.sql": slow, "20260101000003_b.sql": table(3)}
    ctx = audit.AuditContext("local", tmp_path)
    _, reporter = apply(db_url, prepared_project(tmp_path, files), ctx=ctx)
    reported = {e[1]: e[2] for e in reporter.events if e[0] == "finished"}
    assert 0.3 <= reported["20260101000002"] < 3 and reported["20260101000001"] < 0.3
    rows = query(db_url, "SELECT version, started_at, finished_at, duration_ms FROM supabase_migrations.supatasks_audit "
                         "WHERE action = 'apply' ORDER BY id")
    assert [r[0] for r in rows] == ["20260101000001", "20260101000002", "20260101000003"]
    slow_row = rows[1]
    assert 300 <= slow_row[3] < 3000
    assert abs((slow_row[2] - slow_row[1]).total_seconds() * 1000 - slow_row[3]) <= 1
    assert rows[0][2] <= rows[1][1] and rows[1][2] <= rows[2][1]  # each file after the one before


def test_inside_a_callers_transaction_files_are_savepoints_not_commits(tmp_path, db_url):
    files = {"20260101000001_a.sql": table(1), "20260101000002_b.sql": table(2)}
    prepared = prepared_project(tmp_path, files)
    with psycopg.connect(db_url, autocommit=True) as conn:
        with pytest.raises(RuntimeError):
            with conn.transaction():
                runner.apply_migrations(conn, prepared, runner.SessionSettings())
                raise RuntimeError("the caller changes its mind")
    assert query(db_url, "SELECT to_regclass('public.t1'), to_regclass('public.t2')") == [(None, None)]


def test_an_invalid_index_left_by_a_failed_concurrent_build_is_not_recorded_as_applied(tmp_path, db_url):
    files = {"20260101000001_t.sql": "CREATE TABLE public.t (v int);\nINSERT INTO public.t VALUES (1), (1);\n",
             "20260101000002_idx.sql": "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_v ON public.t (v);\n"}
    prepared = prepared_project(tmp_path, files)
    with pytest.raises(SqlFailed) as failed:  # the duplicate makes the build fail: t_v stays, INVALID
        apply(db_url, prepared)
    assert failed.value.sqlstate == "23505"
    query(db_url, "DELETE FROM public.t WHERE ctid <> (SELECT min(ctid) FROM public.t)")
    with pytest.raises(MigrationFileError) as refused:  # IF NOT EXISTS now skips the INVALID index
        apply(db_url, prepared)
    assert "index public.t_v is INVALID" in str(refused.value)
    assert "DROP INDEX CONCURRENTLY public.t_v" in str(refused.value)
    assert applied_versions(db_url) == ["20260101000001"]

    query(db_url, "DROP INDEX CONCURRENTLY public.t_v")
    apply(db_url, prepared)
    assert applied_versions(db_url) == ["20260101000001", "20260101000002"]
    assert query(db_url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_v'::regclass") == [(True,)]
