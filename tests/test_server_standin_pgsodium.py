"""The pgsodium development stand-in on the embedded server: keys and random bytes real, ciphers raise."""

from __future__ import annotations

import subprocess

import psycopg
import pytest

from conftest import create_database
from support import connect


@pytest.fixture
def supabase_db(bootstrapped_url):
    """A bootstrapped database with pgsodium created as dumps of older projects spell it."""
    with connect(bootstrapped_url) as conn:
        conn.execute('CREATE SCHEMA IF NOT EXISTS "pgsodium"')
        conn.execute('CREATE EXTENSION IF NOT EXISTS "pgsodium" WITH SCHEMA "pgsodium"')
    return bootstrapped_url


def test_installs_as_dumps_spell_it_with_its_roles_and_drops_cleanly(supabase_db):
    with connect(supabase_db) as conn:
        assert conn.execute("SELECT extversion, extnamespace::regnamespace::text FROM pg_extension "
                            "WHERE extname = 'pgsodium'").fetchone() == ("3.1.8", "pgsodium")
        assert [r[0] for r in conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'pgsodium%' ORDER BY 1")] == [
            "pgsodium_keyholder", "pgsodium_keyiduser", "pgsodium_keymaker"]
        assert conn.execute("SELECT pg_has_role('pgsodium_keymaker', 'pgsodium_keyiduser', 'MEMBER')"
                            ).fetchone() == (True,)
        # Supabase's grants on the uuid forms to service_role
        assert conn.execute(
            "SELECT has_function_privilege('service_role', "
            "'pgsodium.crypto_aead_det_decrypt(bytea, bytea, uuid, bytea)', 'EXECUTE'), "
            "has_function_privilege('anon', 'pgsodium.crypto_aead_det_decrypt(bytea, bytea, uuid, bytea)', "
            "'EXECUTE')").fetchone() == (True, False)
        # the statements a dump of such a project carries apply
        conn.execute("GRANT ALL ON SCHEMA pgsodium TO postgres")
        conn.execute("GRANT SELECT ON TABLE pgsodium.valid_key TO pgsodium_keyiduser")
        conn.execute("GRANT EXECUTE ON FUNCTION pgsodium.crypto_aead_det_encrypt(bytea, bytea, uuid, bytea) "
                     "TO service_role")

        conn.execute("DROP EXTENSION pgsodium")
        assert conn.execute("SELECT to_regclass('pgsodium.key'), to_regtype('pgsodium.key_type'), "
                            "to_regproc('pgsodium.randombytes_buf')").fetchone() == (None, None, None)
        conn.execute('CREATE EXTENSION IF NOT EXISTS "pgsodium" WITH SCHEMA "pgsodium"')  # roles exist now
        assert conn.execute("SELECT count(*) FROM pgsodium.key").fetchone() == (0,)


def test_bare_database(db_url):
    with connect(db_url) as conn:
        conn.execute("CREATE EXTENSION pgsodium")
        assert conn.execute("SELECT length(pgsodium.randombytes_buf(7))").fetchone() == (7,)
        conn.execute("DROP EXTENSION pgsodium CASCADE")
        assert conn.execute("SELECT to_regnamespace('pgsodium') IS NOT NULL, to_regclass('pgsodium.key')"
                            ).fetchone() == (True, None)


def test_create_key_and_valid_key(supabase_db):
    with connect(supabase_db) as conn:
        key = conn.execute("SELECT id, name, status::text, key_type::text, key_id, key_context "
                           "FROM pgsodium.create_key(name := 'orders_key')").fetchone()
        assert key[1:4] == ("orders_key", "valid", "aead-det") and key[4] >= 1 and key[5] == b"pgsodium"
        second = conn.execute("SELECT key_id FROM pgsodium.create_key('hmacsha256', 'signing')").fetchone()[0]
        assert second > key[4]
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("SELECT * FROM pgsodium.create_key(name := 'orders_key')")
        # a raw key gets a nonce and a parent key made for it, as pgsodium does
        raw = conn.execute("SELECT id FROM pgsodium.create_key('secretbox', 'imported', raw_key := '\\x0102')"
                           ).fetchone()[0]
        assert conn.execute("SELECT key_id, length(raw_key_nonce), parent_key IS NOT NULL FROM pgsodium.key "
                            "WHERE id = %s", (raw,)).fetchone() == (None, 16, True)
        # expired and invalid keys leave valid_key
        conn.execute("SELECT * FROM pgsodium.create_key(name := 'old', expires := now() - interval '1 day')")
        conn.execute("UPDATE pgsodium.key SET status = 'invalid' WHERE name = 'signing'")
        assert [r[0] for r in conn.execute(
            "SELECT name FROM pgsodium.valid_key WHERE name IS NOT NULL ORDER BY name")] == [
            "imported", "orders_key"]


def test_keys_are_kept_by_pg_dump(pg_server, supabase_db, tmp_path):
    with connect(supabase_db) as conn:
        key_id = conn.execute("SELECT id FROM pgsodium.create_key(name := 'kept')").fetchone()[0]
    dump = tmp_path / "sodium.sql"
    subprocess.run([str(pg_server.bin_dir / "pg_dump"), "-f", str(dump), "-d", supabase_db],
                   check=True, capture_output=True)
    assert 'CREATE EXTENSION IF NOT EXISTS pgsodium WITH SCHEMA pgsodium' in dump.read_text()
    target = create_database(pg_server)
    subprocess.run([str(pg_server.bin_dir / "psql"), "-q", "-d", target, "-f", str(dump)],
                   capture_output=True)
    with connect(target) as conn:
        assert conn.execute("SELECT id FROM pgsodium.valid_key WHERE name = 'kept'").fetchone() == (key_id,)
        # the key_id sequence came along: the next key does not collide
        conn.execute("SELECT * FROM pgsodium.create_key(name := 'next')")


def test_random_bytes_have_libsodium_sizes(supabase_db):
    with connect(supabase_db) as conn:
        row = conn.execute(
            "SELECT length(pgsodium.randombytes_buf(1000)), length(pgsodium.crypto_aead_det_keygen()), "
            "length(pgsodium.crypto_aead_det_noncegen()), length(pgsodium.crypto_secretbox_keygen()), "
            "length(pgsodium.crypto_secretbox_noncegen()), length(pgsodium.randombytes_buf(0))").fetchone()
        assert row == (1000, 32, 16, 32, 24, 0)
        distinct = conn.execute("SELECT count(DISTINCT pgsodium.randombytes_buf(16)) "
                                "FROM generate_series(1, 200)").fetchone()[0]
        assert distinct == 200
        values = [r[0] for r in conn.execute(
            "SELECT pgsodium.randombytes_uniform(6) FROM generate_series(1, 600)")]
        assert set(values) == {0, 1, 2, 3, 4, 5}
        assert conn.execute("SELECT count(DISTINCT pgsodium.randombytes_random()) FROM generate_series(1, 50)"
                            ).fetchone()[0] > 45


def test_ciphers_raise_feature_not_supported_but_migrations_using_them_apply(supabase_db):
    with connect(supabase_db) as conn:
        key = conn.execute("SELECT id FROM pgsodium.create_key(name := 'pii')").fetchone()[0]
        # a migration's helper written against pgsodium: created fine
        conn.execute("""
            CREATE FUNCTION public.encrypt_note(note text, key_uuid uuid) RETURNS text
            LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
                SELECT encode(pgsodium.crypto_aead_det_encrypt(convert_to(note, 'utf8'),
                                                               convert_to('notes', 'utf8'), key_uuid, NULL),
                              'base64')
            $$;
        """)
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="supatasks' local database cannot "
                                                                      "encrypt or decrypt with pgsodium"):
            conn.execute("SELECT public.encrypt_note('hello', %s)", (key,))
        for call in [
            "pgsodium.crypto_aead_det_decrypt('\\x00'::bytea, '\\x00'::bytea, 1::bigint)",
            "pgsodium.crypto_aead_det_encrypt('\\x00'::bytea, '\\x00'::bytea, pgsodium.crypto_aead_det_keygen())",
            "pgsodium.crypto_secretbox('\\x00'::bytea, pgsodium.crypto_secretbox_noncegen(), "
            "pgsodium.crypto_secretbox_keygen())",
            "pgsodium.crypto_secretbox_open('\\x00'::bytea, pgsodium.crypto_secretbox_noncegen(), 1::bigint)",
        ]:
            with pytest.raises(psycopg.errors.FeatureNotSupported, match="development stand-in of pgsodium"):
                conn.execute(f"SELECT {call}")


def test_security_label_needs_the_c_provider(supabase_db):
    """Documented limitation: transparent column encryption's SECURITY LABEL cannot apply locally."""
    with connect(supabase_db) as conn:
        conn.execute("CREATE TABLE public.patients (id bigint PRIMARY KEY, ssn text)")
        with pytest.raises(psycopg.errors.InvalidParameterValue, match='provider "pgsodium" is not loaded'):
            conn.execute("SECURITY LABEL FOR pgsodium ON COLUMN public.patients.ssn "
                         "IS 'ENCRYPT WITH KEY ID 00000000-0000-0000-0000-000000000000'")
