-- supatasks development stand-in of wrappers 0.5.4 (see wrappers.control and ../README.md).

\echo Use "CREATE EXTENSION wrappers" to load this file. \quit

-- Statistics the real wrappers keep per foreign data wrapper; nothing writes them here (no wrapper runs).
CREATE TABLE @extschema@.wrappers_fdw_stats (
    fdw_name text NOT NULL PRIMARY KEY,
    create_times bigint,
    rows_in bigint,
    rows_out bigint,
    bytes_in bigint,
    bytes_out bigint,
    metadata jsonb,
    created_at timestamptz NOT NULL DEFAULT timezone('utc'::text, now()),
    updated_at timestamptz NOT NULL DEFAULT timezone('utc'::text, now())
);

COMMENT ON TABLE @extschema@.wrappers_fdw_stats IS 'Wrappers Foreign Data Wrapper statistics';

DO $grants$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'postgres') THEN
        EXECUTE format('GRANT ALL ON TABLE %s TO postgres', '@extschema@.wrappers_fdw_stats');
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        EXECUTE format('GRANT ALL ON TABLE %s TO service_role', '@extschema@.wrappers_fdw_stats');
    END IF;
END
$grants$;
