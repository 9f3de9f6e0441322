"""Statement classification, checked against real PostgreSQL servers (18 embedded, 15 system).

Every statement classified as non-transactional is run inside BEGIN and must fail with
SQLSTATE 25001 (active_sql_transaction); every look-alike classified as transactional must
succeed inside a transaction. Transaction-control classes are checked by the transaction
state the server reports after running the statement.
"""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest
from support import create_database
from psycopg.pq import TransactionStatus

from supatasks.sqltext.kinds import leading_keywords, non_transactional, transaction_control

# --------------------------------------------------------------------------------------
# Pure classification


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("create table t (a int)", ["CREATE", "TABLE", "T"]),
        ("-- c\n/* d /* e */ */ Create Or Replace Function f() returns int", ["CREATE", "OR", "REPLACE", "FUNCTION", "F"]),
        ("\ufeff  select 1", ["SELECT"]),
        ('alter table "Quoted" add column x int', ["ALTER", "TABLE"]),
        ("-- only a comment", []),
        ("", []),
        ("begin; commit", ["BEGIN"]),
    ],
)
def test_leading_keywords(sql, expected):
    assert leading_keywords(sql) == expected


def test_leading_keywords_limit():
    assert leading_keywords("create unique index concurrently if not exists i on t (a)", 3) == [
        "CREATE",
        "UNIQUE",
        "INDEX",
    ]


TX_CONTROL = [
    ("BEGIN", "begin"),
    ("begin work", "begin"),
    ("Begin Transaction", "begin"),
    ("begin isolation level serializable", "begin"),
    ("BEGIN READ ONLY", "begin"),
    ("begin not deferrable", "begin"),
    ("START TRANSACTION", "begin"),
    ("start transaction isolation level repeatable read, read only", "begin"),
    ("-- open it\nBEGIN", "begin"),
    ("COMMIT", "commit"),
    ("commit work", "commit"),
    ("commit transaction and no chain", "commit"),
    ("END", "commit"),
    ("end transaction", "commit"),
    ("ROLLBACK", "rollback"),
    ("rollback work", "rollback"),
    ("rollback and no chain", "rollback"),
    ("ABORT", "rollback"),
    ("abort transaction", "rollback"),
    ("COMMIT AND CHAIN", "other"),
    ("rollback and chain", "other"),
    ("PREPARE TRANSACTION 'tx1'", "other"),
    ("COMMIT PREPARED 'tx1'", "other"),
    ("ROLLBACK PREPARED 'tx1'", "other"),
    ("BEGIN ATOMIC", None),
    ("begin atomic select 1; end", None),
    ("DO $$ BEGIN PERFORM 1; END $$", None),
    ("END $$", None),
    ("END IF", None),
    ("end loop", None),
    ("ROLLBACK TO SAVEPOINT s1", None),
    ("rollback to s1", None),
    ("rollback work to savepoint s1", None),
    ("SAVEPOINT s1", None),
    ("RELEASE SAVEPOINT s1", None),
    ("PREPARE q AS SELECT 1", None),
    ("select 'begin'", None),
    ("-- BEGIN\nselect 1", None),
    ("", None),
]


@pytest.mark.parametrize("sql, expected", TX_CONTROL)
def test_transaction_control(sql, expected):
    assert transaction_control(sql) == expected


# Statements PostgreSQL refuses inside a transaction block. {db} is the current database.
NON_TRANSACTIONAL = [
    ("create index concurrently t_b_idx on t (b)", "CREATE INDEX CONCURRENTLY"),
    ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_ab_uq ON public.t (a, b)", "CREATE INDEX CONCURRENTLY"),
    ("-- before\ncreate index concurrently on t (a)", "CREATE INDEX CONCURRENTLY"),
    ("drop index concurrently t_a_idx", "DROP INDEX CONCURRENTLY"),
    ("drop index concurrently if exists no_such_idx", "DROP INDEX CONCURRENTLY"),
    ("reindex index concurrently t_a_idx", "REINDEX CONCURRENTLY"),
    ("reindex table concurrently t", "REINDEX CONCURRENTLY"),
    ("reindex (concurrently) table t", "REINDEX CONCURRENTLY"),
    ("reindex (verbose, concurrently true) index t_a_idx", "REINDEX CONCURRENTLY"),
    ("reindex schema public", "REINDEX SCHEMA"),
    ("reindex (verbose) schema public", "REINDEX SCHEMA"),
    ("reindex database {db}", "REINDEX DATABASE"),
    ("reindex system {db}", "REINDEX SYSTEM"),
    ("vacuum", "VACUUM"),
    ("VACUUM ANALYZE t", "VACUUM"),
    ("vacuum (verbose, analyze) t", "VACUUM"),
    ("vacuum full t", "VACUUM"),
    ("alter system set work_mem = '8MB'", "ALTER SYSTEM"),
    ("alter system reset all", "ALTER SYSTEM"),
    ("cluster", "CLUSTER"),
    ("cluster verbose", "CLUSTER"),
    ("cluster (verbose)", "CLUSTER"),
    ("create database {new}", "CREATE DATABASE"),
    ("drop database if exists {new}", "DROP DATABASE"),
    ("create tablespace {new} location '/nonexistent/supatasks'", "CREATE TABLESPACE"),
    ("drop tablespace if exists {new}", "DROP TABLESPACE"),
    ("alter database {db} set tablespace pg_default", "ALTER DATABASE SET TABLESPACE"),
    ("alter table p detach partition p1 concurrently", "ALTER TABLE DETACH PARTITION CONCURRENTLY"),
    ('alter table public.p detach partition public."p1" concurrently', "ALTER TABLE DETACH PARTITION CONCURRENTLY"),
    ("discard all", "DISCARD ALL"),
    ("commit prepared 'no_such_gid'", "COMMIT PREPARED"),
    ("rollback prepared 'no_such_gid'", "ROLLBACK PREPARED"),
    (
        "create subscription {new} connection 'host=127.0.0.1 port=1 dbname=none' publication pub",
        "CREATE SUBSCRIPTION",
    ),
    (
        "create subscription {new} connection 'host=127.0.0.1 port=1' publication pub with (enabled = false)",
        "CREATE SUBSCRIPTION",
    ),
    ("drop subscription sub_enabled", "DROP SUBSCRIPTION"),
    ("alter subscription sub_enabled refresh publication", "ALTER SUBSCRIPTION REFRESH PUBLICATION"),
    ("alter subscription sub_enabled set publication pub2", "ALTER SUBSCRIPTION SET PUBLICATION"),
    ("alter subscription sub_enabled add publication pub3", "ALTER SUBSCRIPTION ADD PUBLICATION"),
]

# Look-alikes that do run inside a transaction block.
TRANSACTIONAL = [
    "create index t_b_idx2 on t (b)",
    "create unique index t_ab_uq2 on t (a, b)",
    "drop index t_a_idx",
    "reindex index t_a_idx",
    "reindex table t",
    "reindex (verbose) table t",
    "reindex (concurrently false) table t",
    "refresh materialized view concurrently mv",
    "refresh materialized view mv",
    "analyze",
    "analyze t",
    "cluster t using t_a_idx",
    "alter table p detach partition p1",
    "alter table t add column c int",
    "alter database {db} set work_mem = '8MB'",
    "discard plans",
    "discard temp",
    "create subscription {new} connection 'host=127.0.0.1 port=1' publication pub with (connect = false)",
    "create subscription {new} connection 'host=127.0.0.1 port=1' publication pub with (create_slot = false, connect = false)",
    "alter subscription sub_enabled set publication pub with (refresh = false)",
    "alter subscription sub_enabled disable",
    "select 'vacuum; cluster'",
    "comment on table t is 'create index concurrently'",
    "create table vacuum_log (a int)",
]


@pytest.mark.parametrize("sql, expected", NON_TRANSACTIONAL)
def test_non_transactional_names(sql, expected):
    assert non_transactional(sql.format(db="appdb", new="st_new")) == expected


@pytest.mark.parametrize("sql", TRANSACTIONAL + ["alter table p detach partition p1 finalize"])
def test_transactional_look_alikes_are_not_flagged(sql):
    assert non_transactional(sql.format(db="appdb", new="st_new")) is None


@pytest.mark.parametrize("sql", ["", "-- nothing", "select 1", "BEGIN", "COMMIT"])
def test_ordinary_statements_are_not_flagged(sql):
    assert non_transactional(sql) is None


# --------------------------------------------------------------------------------------
# Against real servers

# Syntax a server version does not have yet.
MIN_SERVER = {"cluster (verbose)": 16}  # PostgreSQL 15 needs a table name with an option list

SETUP = """
create table t (a int, b int);
create index t_a_idx on t (a);
create table p (id int) partition by range (id);
create table p1 partition of p for values from (0) to (100);
create table p2 partition of p for values from (100) to (200);
create materialized view mv as select 1 as k;
create unique index mv_k on mv (k);
"""


class Target:
    """A prepared database on one server, with an enabled subscription to test against."""

    def __init__(self, server):
        self.server = server
        self.url = create_database(server)
        self.db = self.url.rsplit("/", 1)[1]
        self.major = int(server.version().split(".")[0])
        self.subscriptions: list[str] = []
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(SETUP)
            # Never connects: the apply worker just retries in the background.
            conn.execute(
                "create subscription sub_enabled connection 'host=127.0.0.1 port=1 dbname=none' "
                "publication pub with (connect = false)"
            )
            conn.execute("alter subscription sub_enabled enable")
            self.subscriptions.append("sub_enabled")

    def render(self, sql: str) -> str:
        return sql.format(db=self.db, new="st_" + uuid.uuid4().hex[:10])

    def close(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            for name in self.subscriptions:
                conn.execute(f"alter subscription {name} disable")
                conn.execute(f"alter subscription {name} set (slot_name = none)")
                conn.execute(f"drop subscription {name}")


@pytest.fixture(scope="module", params=["pg_server", "pg15_server"])
def target(request):
    server = request.getfixturevalue(request.param)
    prepared = Target(server)
    yield prepared
    prepared.close()


@pytest.mark.parametrize("sql, expected", NON_TRANSACTIONAL)
def test_non_transactional_really_fails_in_a_transaction(target, sql, expected):
    if target.major < MIN_SERVER.get(sql, 0):
        pytest.skip(f"syntax needs PostgreSQL {MIN_SERVER[sql]}+")
    statement = target.render(sql)
    assert non_transactional(statement) == expected
    with psycopg.connect(target.url) as conn:  # not autocommit: psycopg issues BEGIN first
        with pytest.raises(psycopg.errors.ActiveSqlTransaction):
            conn.execute(statement)
        conn.rollback()


@pytest.mark.parametrize("sql", TRANSACTIONAL)
def test_look_alikes_really_run_in_a_transaction(target, sql):
    statement = target.render(sql)
    assert non_transactional(statement) is None
    with psycopg.connect(target.url) as conn:
        conn.execute(statement)
        assert conn.info.transaction_status == TransactionStatus.INTRANS
        conn.rollback()


def test_detach_finalize_runs_in_a_transaction(target):
    """Leave a partition half-detached (cancel DETACH ... CONCURRENTLY while it waits), then
    show FINALIZE completes inside a transaction block, so it is rightly not flagged."""
    table = "pf_" + uuid.uuid4().hex[:8]
    with psycopg.connect(target.url, autocommit=True) as conn:
        conn.execute(f"create table {table} (id int) partition by range (id)")
        conn.execute(f"create table {table}_1 partition of {table} for values from (0) to (10)")
    holder = psycopg.connect(target.url)
    holder.execute(f"select * from {table}")  # an open transaction the detach must wait for
    detacher = psycopg.connect(target.url, autocommit=True)
    errors: list[Exception] = []

    def detach() -> None:
        try:
            detacher.execute(f"alter table {table} detach partition {table}_1 concurrently")
        except psycopg.Error as exc:
            errors.append(exc)

    thread = threading.Thread(target=detach)
    thread.start()
    try:
        with psycopg.connect(target.url, autocommit=True) as conn:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                waiting = conn.execute(
                    "select wait_event_type from pg_stat_activity where pid = %s",
                    (detacher.info.backend_pid,),
                ).fetchone()
                if waiting and waiting[0] == "Lock":
                    break
                time.sleep(0.05)
            conn.execute("select pg_cancel_backend(%s)", (detacher.info.backend_pid,))
        thread.join(30)
    finally:
        holder.rollback()
        holder.close()
        detacher.close()
    assert errors and errors[0].sqlstate == "57014"  # canceled
    with psycopg.connect(target.url, autocommit=True) as conn:
        pending = conn.execute(
            "select inhdetachpending from pg_inherits where inhrelid = %s::regclass", (f"{table}_1",)
        ).fetchone()
    assert pending == (True,)
    statement = f"alter table {table} detach partition {table}_1 finalize"
    assert non_transactional(statement) is None
    with psycopg.connect(target.url) as conn:
        conn.execute(statement)
        conn.commit()
    with psycopg.connect(target.url, autocommit=True) as conn:
        assert conn.execute(
            "select count(*) from pg_inherits where inhrelid = %s::regclass", (f"{table}_1",)
        ).fetchone() == (0,)


BEGINS = [sql for sql, kind in TX_CONTROL if kind == "begin"]
ENDS = [sql for sql, kind in TX_CONTROL if kind in ("commit", "rollback")]


@pytest.mark.parametrize("sql", BEGINS)
def test_begin_statements_open_a_transaction(target, sql):
    with psycopg.connect(target.url, autocommit=True) as conn:
        conn.execute(sql)
        assert conn.info.transaction_status == TransactionStatus.INTRANS
        conn.execute("rollback")


@pytest.mark.parametrize("sql", ENDS)
def test_commit_and_rollback_statements_close_it(target, sql):
    with psycopg.connect(target.url, autocommit=True) as conn:
        conn.execute("begin")
        conn.execute(sql)
        assert conn.info.transaction_status == TransactionStatus.IDLE


@pytest.mark.parametrize("sql", ["COMMIT AND CHAIN", "rollback and chain"])
def test_chained_end_keeps_a_transaction_open(target, sql):
    with psycopg.connect(target.url, autocommit=True) as conn:
        conn.execute("begin")
        conn.execute(sql)
        assert conn.info.transaction_status == TransactionStatus.INTRANS
        conn.execute("rollback")


def test_rollback_to_savepoint_stays_in_the_transaction(target):
    with psycopg.connect(target.url, autocommit=True) as conn:
        conn.execute("begin")
        conn.execute("savepoint s1")
        for sql in ("rollback to s1", "ROLLBACK TO SAVEPOINT s1", "rollback work to savepoint s1"):
            assert transaction_control(sql) is None
            conn.execute(sql)
            assert conn.info.transaction_status == TransactionStatus.INTRANS
        conn.execute("rollback")
