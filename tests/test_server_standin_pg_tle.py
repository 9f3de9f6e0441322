"""The pg_tle stand-in on the embedded PostgreSQL 18 server: database.dev packages stored, CREATE EXTENSION refused."""

from __future__ import annotations

import psycopg
import pytest

from supatasks.server.bootstrap import apply_bootstrap

PACKAGE_SQL = """
create function @extschema@.hello(who text) returns text language sql immutable as $$ select 'hello ' || who $$;
"""


def test_dbdev_migration_stores_the_package_and_create_extension_says_why_not(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        apply_bootstrap(conn)
        conn.execute("create extension if not exists pg_tle")
        assert conn.execute("select extnamespace::regnamespace::text, extversion from pg_extension "
                            "where extname = 'pg_tle'").fetchone() == ("pgtle", "1.4.0")
        assert conn.execute("select count(*) from pg_roles where rolname = 'pgtle_admin'").fetchone() == (1,)
        # the way a `dbdev add` migration installs a package
        conn.execute("""drop extension if exists "acme@greeter" """)
        assert conn.execute("select pgtle.uninstall_extension_if_exists('acme@greeter')").fetchone() == (False,)
        assert conn.execute("select pgtle.install_extension('acme@greeter', '1.0.0', 'Says hello', %s)",
                            (PACKAGE_SQL,)).fetchone() == (True,)
        assert conn.execute("select name, default_version, comment from pgtle.available_extensions()").fetchall() \
            == [("acme@greeter", "1.0.0", "Says hello")]
        assert conn.execute("select version, requires from pgtle.available_extension_versions()").fetchall() \
            == [("1.0.0", ["pg_tle"])]
        with pytest.raises(psycopg.errors.DuplicateObject, match="already installed"):
            conn.execute("select pgtle.install_extension('acme@greeter', '1.0.0', 'again', 'select 1')")

        with pytest.raises(psycopg.errors.FeatureNotSupported, match="supatasks local database") as info:
            conn.execute("""create extension "acme@greeter" schema extensions version '1.0.0'""")
        assert "pgtle.install_extension" in (info.value.diag.message_detail or "")
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            conn.execute("""create extension if not exists "acme@greeter" """)
        # other extensions are not disturbed
        conn.execute("create extension if not exists pg_trgm")
        with pytest.raises(psycopg.Error) as other:
            conn.execute("create extension no_such_extension")
        assert "supatasks" not in str(other.value) and "no_such_extension" in str(other.value)

        assert conn.execute("select pgtle.uninstall_extension('acme@greeter')").fetchone() == (True,)
        assert conn.execute("select count(*) from pgtle.available_extensions()").fetchone() == (0,)
        with pytest.raises(psycopg.errors.NoDataFound):
            conn.execute("select pgtle.uninstall_extension('acme@greeter')")


def test_versions_update_paths_and_defaults(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create extension pg_tle")
        conn.execute("select pgtle.install_extension('calc', '0.1', 'calc', 'select 1', array['pgcrypto'])")
        conn.execute("select pgtle.install_update_path('calc', '0.1', '0.2', 'select 2')")
        conn.execute("select pgtle.install_update_path('calc', '0.2', '0.3', 'select 3')")
        conn.execute("select pgtle.install_extension_version_sql('calc', '0.3', 'select 3')")
        assert conn.execute("select source, target, path from pgtle.extension_update_paths('calc') "
                            "order by 1, 2").fetchall() == [
            ("0.1", "0.2", "0.1--0.2"), ("0.1", "0.3", "0.1--0.2--0.3"),
            ("0.2", "0.1", None), ("0.2", "0.3", "0.2--0.3"),
            ("0.3", "0.1", None), ("0.3", "0.2", None)]
        assert conn.execute("select version from pgtle.available_extension_versions() order by 1").fetchall() \
            == [("0.1",), ("0.2",), ("0.3",)]
        assert conn.execute("select requires from pgtle.available_extension_versions() limit 1").fetchone() \
            == (["pgcrypto", "pg_tle"],)

        with pytest.raises(psycopg.errors.RaiseException, match="Can not uninstall default version"):
            conn.execute("select pgtle.uninstall_extension('calc', '0.1')")
        assert conn.execute("select pgtle.set_default_version('calc', '0.3')").fetchone() == (True,)
        with pytest.raises(psycopg.errors.NoDataFound):
            conn.execute("select pgtle.set_default_version('calc', '9.9')")
        assert conn.execute("select default_version from pgtle.available_extensions()").fetchone() == ("0.3",)
        assert conn.execute("select pgtle.uninstall_extension('calc', '0.1')").fetchone() == (True,)
        assert conn.execute("select count(*) from pgtle.extension_update_paths('calc') where source = '0.1'") \
            .fetchone() == (0,)
        assert conn.execute("select pgtle.uninstall_update_path_if_exists('calc', '0.2', '0.3')").fetchone() \
            == (True,)
        assert conn.execute("select pgtle.uninstall_update_path_if_exists('calc', '0.2', '0.3')").fetchone() \
            == (False,)
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            conn.execute("select pgtle.install_extension('bad--name', '1', 'x', 'select 1')")
        with pytest.raises(psycopg.errors.DuplicateObject, match="control file already exists"):
            conn.execute("select pgtle.install_extension('pg_trgm', '1', 'x', 'select 1')")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="supatasks"):
            conn.execute("select pgtle.create_shell_type('public', 'mytype')")

        conn.execute("create function public.check_pw(username text, shadow_pass text, password_types "
                     "pgtle.password_types, validuntil_time timestamptz, validuntil_null boolean) returns void "
                     "language plpgsql as $$ begin end $$")
        conn.execute("select pgtle.register_feature('public.check_pw', 'passcheck')")
        assert conn.execute("select feature::text, proname from pgtle.feature_info").fetchall() \
            == [("passcheck", "check_pw")]
        assert conn.execute("select pgtle.register_feature_if_not_exists('public.check_pw', 'passcheck')") \
            .fetchone() == (False,)
        conn.execute("select pgtle.unregister_feature('public.check_pw', 'passcheck')")
        assert conn.execute("select count(*) from pgtle.feature_info").fetchone() == (0,)

        conn.execute("drop extension pg_tle cascade")
        assert conn.execute("select count(*) from pg_event_trigger where evtname like 'pgtle%%'").fetchone() == (0,)
        assert conn.execute("select to_regclass('pgtle.stand_in_extension')").fetchone() == (None,)
        conn.execute("create extension pg_tle")


def test_only_pgtle_admin_manages_packages(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("create extension pg_tle")
        conn.execute("drop role if exists tle_reader")
        conn.execute("create role tle_reader")
        try:
            conn.execute("set role tle_reader")
            assert conn.execute("select count(*) from pgtle.available_extensions()").fetchone() == (0,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("select pgtle.install_extension('x', '1', 'x', 'select 1')")
            conn.execute("reset role")
            conn.execute("grant pgtle_admin to tle_reader")
            conn.execute("set role tle_reader")
            assert conn.execute("select pgtle.install_extension('x', '1', 'x', 'select 1')").fetchone() == (True,)
        finally:
            conn.execute("reset role")
            conn.execute("drop owned by tle_reader")
            conn.execute("drop role tle_reader")
