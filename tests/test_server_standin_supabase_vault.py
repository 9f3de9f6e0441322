"""The supabase_vault development stand-in on the embedded server: secrets really stored and read back."""

from __future__ import annotations

import subprocess

import psycopg
import pytest

from conftest import create_database
from supatasks.server.bootstrap import apply_bootstrap
from support import connect


@pytest.fixture
def supabase_db(bootstrapped_url):
    return bootstrapped_url


def test_preinstalled_and_installs_as_dumps_spell_it(supabase_db):
    with connect(supabase_db) as conn:
        assert conn.execute("SELECT extversion, extnamespace::regnamespace::text FROM pg_extension "
                            "WHERE extname = 'supabase_vault'").fetchone() == ("0.3.1", "vault")
        # what `supabase db dump` writes: a no-op here, as on the platform
        conn.execute('CREATE EXTENSION IF NOT EXISTS "supabase_vault" WITH SCHEMA "vault"')
        columns = conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
            "WHERE attrelid = 'vault.secrets'::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum").fetchall()
        assert columns == [
            ("id", "uuid", True), ("name", "text", False), ("description", "text", True),
            ("secret", "text", True), ("key_id", "uuid", False), ("nonce", "bytea", False),
            ("created_at", "timestamp with time zone", True), ("updated_at", "timestamp with time zone", True)]
        view_columns = [r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'vault.decrypted_secrets'::regclass "
            "AND attnum > 0 ORDER BY attnum")]
        assert view_columns == ["id", "name", "description", "secret", "decrypted_secret", "key_id",
                                "nonce", "created_at", "updated_at"]
        # the signatures migrations call, with their argument names and defaults
        args = conn.execute(
            "SELECT pg_get_function_arguments(oid) FROM pg_proc "
            "WHERE pronamespace = 'vault'::regnamespace AND proname IN ('create_secret', 'update_secret') "
            "ORDER BY proname").fetchall()
        assert args == [
            ("new_secret text, new_name text DEFAULT NULL::text, new_description text DEFAULT ''::text, "
             "new_key_id uuid DEFAULT NULL::uuid",),
            ("secret_id uuid, new_secret text DEFAULT NULL::text, new_name text DEFAULT NULL::text, "
             "new_description text DEFAULT NULL::text, new_key_id uuid DEFAULT NULL::uuid",)]

        # into a schema that already exists, and dropped cleanly
        conn.execute("DROP EXTENSION supabase_vault")
        assert conn.execute("SELECT to_regclass('vault.secrets'), to_regclass('vault.decrypted_secrets'), "
                            "to_regprocedure('vault.create_secret(text,text,text,uuid)')").fetchone() \
            == (None, None, None)
        assert conn.execute("SELECT to_regnamespace('vault') IS NOT NULL").fetchone() == (True,)
        conn.execute('CREATE EXTENSION IF NOT EXISTS "supabase_vault" WITH SCHEMA "vault"')
        assert conn.execute("SELECT count(*) FROM vault.secrets").fetchone() == (0,)


def test_bare_database_without_platform_roles(db_url):
    with connect(db_url) as conn:
        conn.execute("CREATE EXTENSION supabase_vault")
        secret_id = conn.execute("SELECT vault.create_secret('s3cret')").fetchone()[0]
        assert conn.execute("SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = %s",
                            (secret_id,)).fetchone() == ("s3cret",)
        conn.execute("DROP EXTENSION supabase_vault CASCADE")
        assert conn.execute("SELECT to_regclass('vault.secrets')").fetchone() == (None,)


def test_migration_stores_project_url_and_a_function_reads_it(supabase_db):
    """The way projects keep their URL and key for pg_net/pg_cron calls: create_secret in a migration,
    a SECURITY DEFINER function with an empty search_path reading vault.decrypted_secrets."""
    with connect(supabase_db) as conn:
        conn.execute("""
            SELECT vault.create_secret('https://abcdefgh.supabase.co', 'project_url', 'the project''s URL');
            SELECT vault.create_secret('sb_secret_ünïcödé-✓', 'service_key');

            CREATE FUNCTION public.edge_function_url(fn text) RETURNS text
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
            BEGIN
                RETURN (SELECT decrypted_secret FROM vault.decrypted_secrets WHERE name = 'project_url')
                       || '/functions/v1/' || fn;
            END
            $$;
        """)
        assert conn.execute("SELECT public.edge_function_url('send-email')").fetchone() \
            == ("https://abcdefgh.supabase.co/functions/v1/send-email",)
        rows = conn.execute("SELECT name, description, decrypted_secret, secret, length(nonce) "
                            "FROM vault.decrypted_secrets ORDER BY name").fetchall()
        assert [(r[0], r[1], r[2]) for r in rows] == [
            ("project_url", "the project's URL", "https://abcdefgh.supabase.co"),
            ("service_key", "", "sb_secret_ünïcödé-✓")]
        # the stored column is not the secret (obfuscated, as the README says, not encrypted)
        for name, _, plain, stored, nonce_len in rows:
            assert plain not in stored and nonce_len == 16
        # a second secret with the same name is refused, as on the platform
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("SELECT vault.create_secret('other', 'project_url')")


def test_update_secret_changes_only_what_is_given(supabase_db):
    with connect(supabase_db) as conn:
        secret_id = conn.execute(
            "SELECT vault.create_secret('old value', 'api_key', 'the key')").fetchone()[0]
        before = conn.execute("SELECT secret, updated_at FROM vault.secrets WHERE id = %s",
                              (secret_id,)).fetchone()
        conn.execute("SELECT vault.update_secret(%s, 'new value')", (secret_id,))
        row = conn.execute("SELECT name, description, decrypted_secret, secret, updated_at "
                           "FROM vault.decrypted_secrets WHERE id = %s", (secret_id,)).fetchone()
        assert row[:3] == ("api_key", "the key", "new value")
        assert row[3] != before[0] and row[4] >= before[1]
        conn.execute("SELECT vault.update_secret(%s, new_name := 'renamed_key', new_description := 'now')",
                     (secret_id,))
        assert conn.execute("SELECT name, description, decrypted_secret FROM vault.decrypted_secrets "
                            "WHERE id = %s", (secret_id,)).fetchone() == ("renamed_key", "now", "new value")
        # a long secret (a service account's JSON, a certificate) and an empty one round-trip
        long_value = "-----BEGIN CERTIFICATE-----\n" + "MIIB" * 20000 + "\n-----END CERTIFICATE-----"
        conn.execute("SELECT vault.update_secret(%s, %s)", (secret_id, long_value))
        empty_id = conn.execute("SELECT vault.create_secret('', 'empty')").fetchone()[0]
        assert conn.execute("SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = %s",
                            (secret_id,)).fetchone() == (long_value,)
        assert conn.execute("SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = %s",
                            (empty_id,)).fetchone() == ("",)


def test_a_row_the_stand_in_did_not_write_cannot_be_read(supabase_db):
    """Tampering (or a ciphertext from the platform) is detected, not turned into garbage."""
    with connect(supabase_db) as conn:
        secret_id = conn.execute("SELECT vault.create_secret('tamper me', 'x')").fetchone()[0]
        conn.execute("UPDATE vault.secrets SET secret = encode(decode(secret, 'base64') || '\\x00'::bytea, "
                     "'base64') WHERE id = %s", (secret_id,))
        with pytest.raises(psycopg.errors.DataException, match="invalid ciphertext"):
            conn.execute("SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = %s", (secret_id,))


def test_service_role_manages_secrets_api_roles_cannot(supabase_db):
    with connect(supabase_db) as conn:
        conn.execute("SELECT vault.create_secret('owner made', 'first')")
        conn.execute("SET ROLE service_role")
        new_id = conn.execute("SELECT vault.create_secret('from service_role', 'second')").fetchone()[0]
        assert conn.execute("SELECT decrypted_secret FROM vault.decrypted_secrets WHERE id = %s",
                            (new_id,)).fetchone() == ("from service_role",)
        conn.execute("DELETE FROM vault.secrets WHERE name = 'first'")
        conn.execute("RESET ROLE")
        for role in ("anon", "authenticated"):
            conn.execute(f"SET ROLE {role}")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT decrypted_secret FROM vault.decrypted_secrets")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT vault.create_secret('nope')")
            conn.execute("RESET ROLE")
        assert conn.execute("SELECT name FROM vault.secrets").fetchall() == [("second",)]
        # postgres may pass its rights on (WITH GRANT OPTION), as on the platform
        assert conn.execute("SELECT has_table_privilege('postgres', 'vault.decrypted_secrets', "
                            "'SELECT WITH GRANT OPTION')").fetchone() == (True,)


def test_secrets_survive_pg_dump_and_restore(pg_server, supabase_db, tmp_path):
    """vault.secrets is kept by pg_dump (extension config table) and decrypts in another database."""
    with connect(supabase_db) as conn:
        conn.execute("SELECT vault.create_secret('kept across a restore', 'restored')")
    dump = tmp_path / "vault.dump"
    subprocess.run([str(pg_server.bin_dir / "pg_dump"), "-Fc", "-f", str(dump), "-d", supabase_db],
                   check=True, capture_output=True)
    target = create_database(pg_server)
    with connect(target) as conn:
        apply_bootstrap(conn)
    subprocess.run([str(pg_server.bin_dir / "pg_restore"), "--no-owner", "-d", target, str(dump)],
                   capture_output=True)  # the bootstrap's objects already exist: those errors are expected
    with connect(target) as conn:
        assert conn.execute("SELECT decrypted_secret FROM vault.decrypted_secrets "
                            "WHERE name = 'restored'").fetchall() == [("kept across a restore",)]
