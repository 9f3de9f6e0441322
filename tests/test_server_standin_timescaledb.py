"""The timescaledb stand-in: create_hypertable() as migrations call it is recorded and the table stays plain;
time_bucket() gives TimescaleDB's buckets (weeks from Monday 2000-01-03, months from 2000-01-01)."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from support import connect


@pytest.fixture
def conn(bootstrapped_url):
    with connect(bootstrapped_url) as conn:
        conn.execute("create extension if not exists timescaledb with schema extensions")
        yield conn


def test_create_hypertable_is_recorded_and_the_table_stays_usable(conn):
    conn.execute("create table public.token_event (time timestamptz not null, token text)")
    row = conn.execute("select * from create_hypertable('public.token_event', 'time', "
                       "chunk_time_interval => INTERVAL '7 days')").fetchone()
    assert row[1:] == ("public", "token_event", True)
    assert conn.execute("select time_column, chunk_time_interval from timescaledb_information.hypertables "
                        "where hypertable_name = 'token_event'").fetchone() == ("time", "7 days")
    again = conn.execute("select created from create_hypertable('public.token_event', 'time', "
                         "if_not_exists => true)").fetchone()
    assert again == (False,)
    with pytest.raises(psycopg.Error, match="already a hypertable"):
        conn.execute("select create_hypertable('public.token_event', 'time')")
    with pytest.raises(psycopg.errors.UndefinedColumn):
        conn.execute("select create_hypertable('public.token_event', 'at')")
    conn.execute("insert into public.token_event values ('2024-05-08 13:22+00', 'a'), ('2024-05-09 01:00+00', 'b')")
    grouped = conn.execute("select time_bucket('1 day', time), count(*) from public.token_event "
                           "group by 1 order by 1").fetchall()
    assert [n for _, n in grouped] == [1, 1]
    # a table dropped and made again (as later migrations do) is a new table: a hypertable again
    conn.execute("drop table public.token_event")
    conn.execute("create table public.token_event (time timestamptz not null)")
    assert conn.execute("select created from create_hypertable('public.token_event', 'time')").fetchone() == (True,)


@pytest.mark.parametrize("expr, expected", [
    ("time_bucket('15 minutes', timestamp '2024-05-08 13:22')", dt.datetime(2024, 5, 8, 13, 15)),
    ("time_bucket('7 days', timestamp '2024-05-08 13:00')", dt.datetime(2024, 5, 6)),  # a Monday
    ("time_bucket('1 month', date '2024-05-08')", dt.date(2024, 5, 1)),
    ("time_bucket('3 months', timestamp '2024-05-08')", dt.datetime(2024, 4, 1)),
    ("time_bucket('1 year', timestamp '1999-05-08')", dt.datetime(1999, 1, 1)),
    ("time_bucket('1 day', timestamptz '2024-05-06 23:30-05') at time zone 'UTC'", dt.datetime(2024, 5, 7)),
    ("time_bucket(10, 27)", 20),
    ("time_bucket(10, -3)", -10),
])
def test_time_bucket(conn, expr, expected):
    conn.execute("set search_path = public, extensions")
    assert conn.execute(f"select {expr}").fetchone()[0] == expected


def test_month_buckets_refuse_a_day_part(conn):
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        conn.execute("select extensions.time_bucket('1 month 2 days', timestamp '2024-05-08')")


def test_drop_extension_removes_it(conn):
    conn.execute("drop extension timescaledb")
    assert conn.execute("select to_regnamespace('timescaledb_information'), "
                        "to_regproc('extensions.create_hypertable')").fetchone() == (None, None)
