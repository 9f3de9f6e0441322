"""The pgmq stand-in on the embedded PostgreSQL 18 server: real queues, as Supabase Queues migrations use them."""

from __future__ import annotations

import time

import psycopg
import pytest

from supatasks.server.bootstrap import apply_bootstrap


def _connect(url):
    return psycopg.connect(url, autocommit=True)


def test_supabase_ui_migration_installs_into_existing_schema_and_drops_cleanly(db_url):
    with _connect(db_url) as conn:
        apply_bootstrap(conn)
        conn.execute('create schema if not exists "pgmq"')
        conn.execute("""create extension if not exists "pgmq" with schema "pgmq" version '1.4.4'""")
        conn.execute('grant select on table "pgmq"."meta" to "service_role"')
        row = conn.execute("select extversion, extnamespace::regnamespace::text from pg_extension "
                           "where extname = 'pgmq'").fetchone()
        assert row == ("1.4.4", "pgmq")
        conn.execute("select pgmq.create('Orders')")
        assert conn.execute("select to_regclass('pgmq.q_orders') is not null, "
                            "to_regclass('pgmq.a_orders') is not null").fetchone() == (True, True)
        assert conn.execute("select queue_name, is_partitioned, is_unlogged from pgmq.list_queues()").fetchall() \
            == [("Orders", False, False)]
        conn.execute("drop extension pgmq")
        assert conn.execute("select to_regclass('pgmq.q_orders'), to_regclass('pgmq.meta'), "
                            "to_regtype('pgmq.message_record')").fetchone() == (None, None, None)
        conn.execute("create extension pgmq cascade")
        assert conn.execute("select count(*) from pgmq.meta").fetchone() == (0,)


def test_send_read_visibility_timeout_and_read_ct(db_url):
    with _connect(db_url) as conn:
        conn.execute("create extension pgmq")
        conn.execute("select pgmq.create('jobs')")
        ids = [r[0] for r in conn.execute(
            """select * from pgmq.send('jobs', '{"task": "email", "to": "a@example.com"}')""")]
        ids += [r[0] for r in conn.execute(
            """select pgmq.send_batch('jobs', array['{"n": 2}', '{"n": 3}']::jsonb[])""")]
        assert ids == sorted(ids) and len(set(ids)) == 3

        got = conn.execute("select msg_id, read_ct, message from pgmq.read('jobs', 30, 2)").fetchall()
        assert got == [(ids[0], 1, {"task": "email", "to": "a@example.com"}), (ids[1], 1, {"n": 2})]
        # the two are hidden for 30 s: the next read sees only the third
        assert conn.execute("select msg_id from pgmq.read('jobs', 30, 10)").fetchall() == [(ids[2],)]
        assert conn.execute("select count(*) from pgmq.read('jobs', 30, 10)").fetchone() == (0,)

        # set_vt makes the first visible again; its read count goes on
        conn.execute("select pgmq.set_vt('jobs', %s, 0)", (ids[0],))
        again = conn.execute("select msg_id, read_ct from pgmq.read('jobs', 30, 10)").fetchall()
        assert again == [(ids[0], 2)]

        # a short timeout expires by itself
        conn.execute("select pgmq.set_vt('jobs', %s, 1)", (ids[1],))
        assert conn.execute("select count(*) from pgmq.read('jobs', 1, 10)").fetchone() == (0,)
        time.sleep(1.3)
        assert conn.execute("select msg_id, read_ct from pgmq.read('jobs', 30, 10)").fetchall() == [(ids[1], 2)]

        m = conn.execute("select queue_name, queue_length, total_messages from pgmq.metrics('jobs')").fetchone()
        assert m == ("jobs", 3, 3)


def test_delay_is_honoured(db_url):
    with _connect(db_url) as conn:
        conn.execute("create extension pgmq")
        conn.execute("select pgmq.create('later')")
        conn.execute("""select pgmq.send('later', '{"x": 1}', 1)""")
        conn.execute("""select pgmq.send_batch('later', array['{"x": 2}']::jsonb[], 1)""")
        assert conn.execute("select count(*) from pgmq.read('later', 10, 10)").fetchone() == (0,)
        assert conn.execute("select count(*) from pgmq.pop('later')").fetchone() == (0,)
        time.sleep(1.3)
        assert [r[0] for r in conn.execute("select message from pgmq.read('later', 10, 10)")] \
            == [{"x": 1}, {"x": 2}]


def test_archive_delete_pop_purge(db_url):
    with _connect(db_url) as conn:
        conn.execute("create extension pgmq")
        conn.execute("select pgmq.create('work')")
        ids = [r[0] for r in conn.execute(
            "select pgmq.send_batch('work', array['{\"i\": 1}', '{\"i\": 2}', '{\"i\": 3}', "
            "'{\"i\": 4}', '{\"i\": 5}']::jsonb[])")]
        conn.execute("select * from pgmq.read('work', 60, 1)")
        assert conn.execute("select pgmq.archive('work', %s::bigint)", (ids[0],)).fetchone() == (True,)
        assert conn.execute("select pgmq.archive('work', %s::bigint)", (ids[0],)).fetchone() == (False,)
        arch = conn.execute("select msg_id, read_ct, message, archived_at is not null from pgmq.a_work").fetchall()
        assert arch == [(ids[0], 1, {"i": 1}, True)]
        assert conn.execute("select count(*) from pgmq.q_work where msg_id = %s", (ids[0],)).fetchone() == (0,)
        assert sorted(r[0] for r in conn.execute(
            "select * from pgmq.archive('work', %s::bigint[])", ([ids[1], 999],))) == [ids[1]]

        assert conn.execute("select pgmq.delete('work', %s::bigint)", (ids[2],)).fetchone() == (True,)
        assert conn.execute("select pgmq.delete('work', %s::bigint)", (ids[2],)).fetchone() == (False,)
        assert [r[0] for r in conn.execute("select * from pgmq.delete('work', %s::bigint[])", ([ids[3]],))] \
            == [ids[3]]

        popped = conn.execute("select msg_id, message from pgmq.pop('work')").fetchall()
        assert popped == [(ids[4], {"i": 5})]
        assert conn.execute("select count(*) from pgmq.q_work").fetchone() == (0,)
        assert conn.execute("select count(*) from pgmq.a_work").fetchone() == (2,)

        conn.execute("select pgmq.send('work', '{}')")
        conn.execute("select pgmq.send('work', '{}')")
        assert conn.execute("select pgmq.purge_queue('work')").fetchone() == (2,)
        assert conn.execute("select pgmq.drop_queue('work')").fetchone() == (True,)
        assert conn.execute("select to_regclass('pgmq.q_work'), to_regclass('pgmq.a_work')").fetchone() \
            == (None, None)
        assert conn.execute("select count(*) from pgmq.meta").fetchone() == (0,)


def test_two_readers_never_get_the_same_message(db_url):
    with _connect(db_url) as setup:
        setup.execute("create extension pgmq")
        setup.execute("select pgmq.create_unlogged('shared')")
        setup.execute("select pgmq.send_batch('shared', array_fill('{}'::jsonb, array[4]))")
    with psycopg.connect(db_url) as first, psycopg.connect(db_url) as second:
        # the first reader holds its rows locked (open transaction) with vt = 0:
        # only the lock keeps the second from taking them
        got1 = [r[0] for r in first.execute("select msg_id from pgmq.read('shared', 0, 2)")]
        second.execute("set lock_timeout = '2s'")
        got2 = [r[0] for r in second.execute("select msg_id from pgmq.read('shared', 0, 10)")]
        popped = [r[0] for r in second.execute("select msg_id from pgmq.pop('shared')")]
        assert len(got1) == 2 and len(got2) == 2
        assert not set(got1) & set(got2)
        assert popped == [] or popped[0] not in got1
        second.rollback()
        first.commit()
    with _connect(db_url) as conn:
        assert conn.execute("select is_unlogged from pgmq.meta").fetchone() == (True,)
        assert conn.execute("select relpersistence from pg_class where oid = 'pgmq.q_shared'::regclass").fetchone() \
            == ("u",)


def test_queue_in_a_trigger_and_errors(db_url):
    with _connect(db_url) as conn:
        conn.execute("create extension pgmq")
        conn.execute("select pgmq.create('signups')")
        conn.execute("""
            create table public.profiles (id bigint primary key, email text not null);
            create function public.enqueue_welcome() returns trigger
            language plpgsql security definer set search_path = '' as $$
            begin
              perform pgmq.send('signups', jsonb_build_object('id', new.id, 'email', new.email));
              return new;
            end $$;
            create trigger profiles_welcome after insert on public.profiles
              for each row execute function public.enqueue_welcome();
        """)
        conn.execute("insert into public.profiles values (7, 'x@example.com')")
        assert conn.execute("select message from pgmq.read('signups', 5, 5)").fetchall() \
            == [({"id": 7, "email": "x@example.com"},)]
        assert [r[0] for r in conn.execute("select queue_name from pgmq.metrics_all()")] == ["signups"]

        with pytest.raises(psycopg.errors.FeatureNotSupported, match="supatasks"):
            conn.execute("select pgmq.create_partitioned('big')")
        with pytest.raises(psycopg.errors.RaiseException, match="invalid characters"):
            conn.execute("select pgmq.create('x; drop table y')")
        with pytest.raises(psycopg.errors.RaiseException, match="too long"):
            conn.execute("select pgmq.create(repeat('q', 60))")
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("select pgmq.send('missing', '{}')")
