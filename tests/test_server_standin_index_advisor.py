"""The index_advisor stand-in on the embedded PostgreSQL 18 server: real indexes tried and rolled back."""

from __future__ import annotations

import psycopg


def test_recommends_the_index_the_planner_uses_and_leaves_nothing(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create schema if not exists extensions")
        conn.execute("create extension if not exists index_advisor with schema extensions cascade")
        assert conn.execute("select extname from pg_extension where extname in ('hypopg', 'index_advisor') "
                            "order by 1").fetchall() == [("hypopg",), ("index_advisor",)]
        conn.execute("""
            create table public.book (id int primary key, title text not null, author text);
            insert into public.book select g, 'title ' || g, 'author ' || (g % 100) from generate_series(1, 5000) g;
            analyze public.book;
        """)
        before = conn.execute("select count(*) from pg_index").fetchone()[0]
        row = conn.execute("select * from extensions.index_advisor("
                           "'select book.id from book where title = $1 -- by title;')").fetchone()
        startup_before, startup_after, total_before, total_after, statements, errors = row
        assert statements == ["CREATE INDEX ON public.book USING btree (title)"]
        assert errors == []
        assert float(total_after) < float(total_before)
        assert conn.execute("select count(*) from pg_index").fetchone()[0] == before
        assert conn.execute("select count(*) from pg_prepared_statements").fetchone() == (0,)

        # an indexed key needs nothing
        row = conn.execute("select index_statements, errors from extensions.index_advisor("
                           "'select title from public.book where id = 42')").fetchone()
        assert row == ([], [])

        # errors are answered, not raised
        row = conn.execute("select total_cost_before, index_statements, errors from extensions.index_advisor("
                           "'select 1; select 2')").fetchone()
        assert row == (None, [], ["Query must not contain a semicolon"])
        row = conn.execute("select errors from extensions.index_advisor('select * from public.missing')").fetchone()
        assert row == (['relation "public.missing" does not exist'],)

        conn.execute("drop extension index_advisor")
        conn.execute("drop extension hypopg")
        assert conn.execute("select count(*) from pg_proc where proname in ('index_advisor', 'hypopg')").fetchone() \
            == (0,)
