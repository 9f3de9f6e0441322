"""The hypopg stand-in on the embedded PostgreSQL 18 server: hypothetical indexes recorded per session."""

from __future__ import annotations

import psycopg
import pytest


def _setup(conn):
    conn.execute("create schema if not exists extensions")
    conn.execute("create extension if not exists hypopg with schema extensions")
    conn.execute("set search_path = public, extensions")
    conn.execute("create table public.orders (id bigint primary key, customer text, placed_at timestamptz)")
    conn.execute("insert into public.orders select g, 'c' || (g % 50), now() - g * interval '1 minute' "
                 "from generate_series(1, 2000) g")


def test_create_list_describe_drop(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        _setup(conn)
        oid, name = conn.execute("select * from hypopg_create_index('create index on public.orders (customer)')") \
            .fetchone()
        assert name == f"<{oid}>btree_orders_customer"
        oid2, _ = conn.execute("select indexrelid, indexname from hypopg_create_index("
                               "'CREATE UNIQUE INDEX ON orders USING btree (lower(customer), id) WHERE id > 10;')") \
            .fetchone()
        assert conn.execute("select index_name, schema_name, table_name, am_name from hypopg_list_indexes "
                            "order by indexrelid").fetchall() == [
            (name, "public", "orders", "btree"), (conn.execute("select indexname from hypopg() where indexrelid = %s",
                                                               (oid2,)).fetchone()[0], "public", "orders", "btree")]
        assert conn.execute("select hypopg_get_indexdef(%s)", (oid,)).fetchone() == \
            ("CREATE INDEX ON public.orders USING btree (customer)",)
        assert conn.execute("select hypopg_get_indexdef(%s)", (oid2,)).fetchone() == \
            ("CREATE UNIQUE INDEX ON public.orders USING btree (lower(customer), id) WHERE (id > 10)",)
        row = conn.execute("select innatts, indisunique, indrelid = 'public.orders'::regclass, indexprs is not null, "
                           "indpred is not null from hypopg() where indexrelid = %s", (oid2,)).fetchone()
        assert row == (2, True, True, True, True)
        assert conn.execute("select hypopg_relation_size(%s) > 8192", (oid,)).fetchone() == (True,)
        # nothing real was left behind, and the planner does not see them (documented)
        assert conn.execute("select count(*) from pg_index where indrelid = 'public.orders'::regclass").fetchone() \
            == (1,)
        plan = conn.execute("explain select * from public.orders where customer = 'c7'").fetchall()
        assert "Seq Scan" in plan[0][0]

        assert conn.execute("select hypopg_drop_index(%s)", (oid,)).fetchone() == (True,)
        assert conn.execute("select hypopg_drop_index(%s)", (oid,)).fetchone() == (False,)
        assert conn.execute("select count(*) from hypopg()").fetchone() == (1,)
        conn.execute("select hypopg_reset()")
        assert conn.execute("select count(*) from hypopg_list_indexes").fetchone() == (0,)


def test_indexes_belong_to_their_session_and_errors(db_url):
    with psycopg.connect(db_url, autocommit=True) as one, psycopg.connect(db_url, autocommit=True) as two:
        _setup(one)
        two.execute("set search_path = public, extensions")
        one.execute("select hypopg_create_index('create index on orders (placed_at)')")
        assert one.execute("select count(*) from hypopg()").fetchone() == (1,)
        assert two.execute("select count(*) from hypopg()").fetchone() == (0,)
        two.execute("select hypopg_reset()")
        assert one.execute("select count(*) from hypopg()").fetchone() == (1,)

        with pytest.raises(psycopg.errors.UndefinedColumn):
            one.execute("select hypopg_create_index('create index on orders (nope)')")
        with pytest.raises(psycopg.errors.SyntaxError, match="not a CREATE INDEX"):
            one.execute("select hypopg_create_index('drop table orders')")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="supatasks"):
            one.execute("select hypopg_hide_index('orders_pkey'::regclass)")
        assert one.execute("select count(*) from hypopg()").fetchone() == (1,)
        assert one.execute("select to_regclass('public.orders') is not null").fetchone() == (True,)


def test_relocate_and_drop(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        _setup(conn)
        conn.execute("create schema tools")
        conn.execute("alter extension hypopg set schema tools")
        oid, _ = conn.execute("select * from tools.hypopg_create_index('create index on public.orders (customer)')") \
            .fetchone()
        assert conn.execute("select tools.hypopg_get_indexdef(%s)", (oid,)).fetchone()[0].startswith("CREATE INDEX ON")
        conn.execute("drop extension hypopg")
        assert conn.execute("select count(*) from pg_proc where proname like 'hypopg%%'").fetchone() == (0,)
        assert conn.execute("select to_regclass('tools.hypopg_stand_in_index')").fetchone() == (None,)
