"""The wrappers stand-in: a dump's `create extension "wrappers"` applies; a wrapper's handler is missing, and
the error says why (nothing reaches outside the local database)."""

from __future__ import annotations

import psycopg

from support import connect, make_project, one_error_line, run_supatasks


def test_a_dumps_create_extension_applies_and_the_stats_table_is_there(bootstrapped_url):
    with connect(bootstrapped_url) as conn:
        conn.execute('create extension if not exists "wrappers" with schema "extensions"')
        row = conn.execute("select a.comment, e.extversion, e.extnamespace::regnamespace::text "
                           "from pg_extension e join pg_available_extensions a on a.name = e.extname "
                           "where e.extname = 'wrappers'").fetchone()
        assert row[0].startswith("supatasks development stand-in of wrappers") and row[1:] == ("0.5.4", "extensions")
        conn.execute("insert into extensions.wrappers_fdw_stats (fdw_name, rows_in) values ('stripe', 3)")
        assert conn.execute("select rows_in, created_at <= now() from extensions.wrappers_fdw_stats").fetchone() \
            == (3, True)
        conn.execute("drop extension wrappers")
        assert conn.execute("select to_regclass('extensions.wrappers_fdw_stats')").fetchone() == (None,)


def test_a_wrapper_fails_with_a_line_that_says_why(tmp_path, pg_server):
    from conftest import create_database

    url = create_database(pg_server)
    make_project(tmp_path, {"20250101000000_stripe.sql":
                            'create extension if not exists "wrappers" with schema "extensions";\n'
                            "create foreign data wrapper stripe_wrapper handler extensions.stripe_fdw_handler "
                            "validator extensions.stripe_fdw_validator;\n"})
    result = run_supatasks(["db.reset"], tmp_path, {"SUPABASE_DB_URL": url})
    assert result.returncode == 1
    assert "20250101000000_stripe.sql:2: ERROR 42883" in one_error_line(result.stderr)
    assert "wrappers stand-in has no foreign data wrapper handlers" in result.stderr
    with psycopg.connect(url) as conn:  # the file is atomic: the extension went with it
        assert conn.execute("select count(*) from pg_extension where extname = 'wrappers'").fetchone() == (0,)
