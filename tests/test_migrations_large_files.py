"""Large migration files never make a run hang (issue #11).

A failing file with large statements used to stall psycopg's pipeline (the client waited for results while
the server waited for the rest of the input). Every case here fails within seconds, names the file, line and
SQLSTATE, rolls the failing file back and keeps the files before it — on PostgreSQL 18 (embedded) and 15,
through db.up, db.push and db.reset. The watchdog, the second line of defence, is tested on a real stall.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from psycopg.generators import fetch

from support import applied_versions, create_database, make_project, one_error_line, rows, run_supatasks
from supatasks.migrations.watchdog import Watchdog

SMALL = {f"2026010100000{i}_t{i}.sql": f"CREATE TABLE public.t{i} (id int PRIMARY KEY);\n" for i in range(1, 6)}


@pytest.fixture(params=["pg_server", "pg15_server"])
def server(request):
    return request.getfixturevalue(request.param)


def big_file(megabytes: float, fail_at: float) -> tuple[bytes, int]:
    """CREATE TABLE then ~10 kB INSERTs up to `megabytes`; a failing SELECT at the fraction `fail_at` of the
    file. Returns the file and the line of the failing statement."""
    values = ",".join(f"({i}, '{'x' * 40}')" for i in range(200))
    insert = f"INSERT INTO public.big (id, t) VALUES {values};\n"
    count = int(megabytes * 1_000_000 // len(insert)) + 1
    failing = int(count * fail_at)
    lines = ["CREATE TABLE public.big (id int, t text);\n"]
    lines += [insert] * failing + ["SELECT * FROM public.nowhere;\n"] + [insert] * (count - failing)
    return "".join(lines).encode(), failing + 2


def assert_failed_at(result, label: str, line: int) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1, result.stderr
    assert one_error_line(result.stderr).startswith(f"error: {label}:{line}: ERROR 42P01"), result.stderr


def test_a_6_mb_file_failing_in_the_middle_fails_fast_and_leaves_nothing(tmp_path, server):
    url = create_database(server)
    data, line = big_file(6, 0.5)
    make_project(tmp_path, {"20260101000001_big.sql": data})
    began = time.monotonic()
    result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": url}, timeout=120)
    assert_failed_at(result, "supabase/migrations/20260101000001_big.sql", line)
    assert time.monotonic() - began < 60
    assert rows(url, "SELECT to_regclass('public.big')") == [(None,)]
    assert applied_versions(url) == []


def test_small_files_then_a_4_mb_failing_file_keep_the_five_before_it(tmp_path, server):
    url = create_database(server)
    data, line = big_file(4, 0.9)
    make_project(tmp_path, {**SMALL, "20260101000006_big.sql": data})
    result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": url}, timeout=120)
    assert_failed_at(result, "supabase/migrations/20260101000006_big.sql", line)
    assert applied_versions(url) == sorted(v.split("_")[0] for v in SMALL)
    assert rows(url, "SELECT to_regclass('public.t5') IS NOT NULL, to_regclass('public.big')") == [(True, None)]


def test_the_same_through_db_push(tmp_path, server):
    url = create_database(server)
    data, line = big_file(4, 0.9)
    make_project(tmp_path, {**SMALL, "20260101000006_big.sql": data})
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\n")
    result = run_supatasks(["db.push", "--env=staging", "--yes", "--skip-lint", "--skip-advise"], tmp_path,
                           timeout=120)  # the small tables have no RLS; the point is the big file's failure
    assert_failed_at(result, "supabase/migrations/20260101000006_big.sql", line)
    assert applied_versions(url) == sorted(v.split("_")[0] for v in SMALL)


def test_the_same_through_db_reset(tmp_path, server):
    url = create_database(server)
    data, line = big_file(6, 0.5)
    make_project(tmp_path, {**SMALL, "20260101000006_big.sql": data})
    result = run_supatasks(["db.reset"], tmp_path, {"SUPABASE_DB_URL": url}, timeout=120)
    assert_failed_at(result, "supabase/migrations/20260101000006_big.sql", line)
    (tmp_path / "supabase/migrations/20260101000006_big.sql").write_bytes(big_file(6, 1.0)[0].replace(
        b"SELECT * FROM public.nowhere;\n", b""))
    result = run_supatasks(["db.reset"], tmp_path, {"SUPABASE_DB_URL": url}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(applied_versions(url)) == 6
    assert rows(url, "SELECT count(*) > 100000 FROM public.big") == [(True,)]


def test_the_watchdog_ends_a_real_stall_and_the_server_rolls_back(server):
    """A real stall: a 40 MB query handed to libpq but not flushed, and a wait for its result. The server
    has part of the message and waits for the rest; the client waits to read. The watchdog sees the server
    idle in ClientRead, shuts the socket down; the wait ends with an error, the server session is gone."""
    url = create_database(server)
    with psycopg.connect(url, autocommit=True) as conn, Watchdog(conn, stall_seconds=2) as watchdog:
        conn.execute("CREATE TABLE public.stalled (t text)")
        conn.execute("BEGIN")
        conn.execute("INSERT INTO public.stalled VALUES ('inside the stalled transaction')")
        pid = conn.info.backend_pid
        conn.pgconn.send_query_params(b"SELECT length($1)", [b"x" * 40_000_000])
        began = time.monotonic()
        with watchdog.watching("supabase/migrations/20260101000001_stall.sql"):
            with pytest.raises(psycopg.OperationalError):
                conn.wait(fetch(conn.pgconn))
        waited = time.monotonic() - began
    assert watchdog.fired and watchdog.fired.startswith("supabase/migrations/20260101000001_stall.sql: no progress")
    assert 2 <= waited < 30
    deadline = time.monotonic() + 10
    while rows(url, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)) != [(0,)]:
        assert time.monotonic() < deadline, "the stalled session is still on the server"
        time.sleep(0.1)
    assert rows(url, "SELECT count(*) FROM public.stalled") == [(0,)]  # its transaction was rolled back


def test_the_watchdog_leaves_a_busy_server_alone(server):
    """A long statement is progress: the server is active, not waiting for the client."""
    url = create_database(server)
    with psycopg.connect(url, autocommit=True) as conn, Watchdog(conn, stall_seconds=1) as watchdog:
        with watchdog.watching("busy.sql"):
            assert conn.execute("SELECT pg_sleep(6), 1").fetchone()[1] == 1
    assert watchdog.fired is None
