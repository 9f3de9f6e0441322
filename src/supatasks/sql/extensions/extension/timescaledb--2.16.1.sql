-- supatasks development stand-in of timescaledb 2.16.1 (see timescaledb.control and ../README.md).

\echo Use "CREATE EXTENSION timescaledb" to load this file. \quit

CREATE SCHEMA _timescaledb_catalog;
CREATE SCHEMA timescaledb_information;

-- The tables create_hypertable() was given, by oid: a table dropped since is no hypertable any more.
CREATE TABLE _timescaledb_catalog.hypertable (
    id serial NOT NULL UNIQUE,
    relid oid PRIMARY KEY,
    time_column name NOT NULL,
    chunk_time_interval text
);

-- The real view has more columns; these are the ones people read.
CREATE VIEW timescaledb_information.hypertables AS
SELECT n.nspname AS hypertable_schema, c.relname AS hypertable_name, pg_get_userbyid(c.relowner) AS owner,
       1::smallint AS num_dimensions, 0::bigint AS num_chunks, false AS compression_enabled,
       h.time_column, h.chunk_time_interval
FROM _timescaledb_catalog.hypertable h
JOIN pg_catalog.pg_class c ON c.oid = h.relid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace;

GRANT USAGE ON SCHEMA timescaledb_information TO PUBLIC;
GRANT SELECT ON timescaledb_information.hypertables TO PUBLIC;

CREATE FUNCTION @extschema@.create_hypertable(
    relation regclass,
    time_column_name name,
    partitioning_column name DEFAULT NULL,
    number_partitions integer DEFAULT NULL,
    associated_schema_name name DEFAULT NULL,
    associated_table_prefix name DEFAULT NULL,
    chunk_time_interval anyelement DEFAULT NULL::bigint,
    create_default_indexes boolean DEFAULT true,
    if_not_exists boolean DEFAULT false,
    partitioning_func regproc DEFAULT NULL,
    migrate_data boolean DEFAULT false,
    chunk_target_size text DEFAULT NULL,
    chunk_sizing_func regproc DEFAULT NULL,
    time_partitioning_func regproc DEFAULT NULL)
RETURNS TABLE (hypertable_id integer, schema_name name, table_name name, created boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
DECLARE
    known _timescaledb_catalog.hypertable;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = relation AND attname = time_column_name
                   AND attnum > 0 AND NOT attisdropped) THEN
        RAISE EXCEPTION 'column "%" does not exist', time_column_name USING ERRCODE = 'undefined_column';
    END IF;
    DELETE FROM _timescaledb_catalog.hypertable h WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = h.relid);
    SELECT * INTO known FROM _timescaledb_catalog.hypertable h WHERE h.relid = relation;
    IF FOUND THEN
        IF NOT if_not_exists THEN
            RAISE EXCEPTION 'table "%" is already a hypertable', relation USING ERRCODE = 'TS110';
        END IF;
        RAISE NOTICE 'table "%" is already a hypertable, skipping', relation;
        created := false;
    ELSE
        INSERT INTO _timescaledb_catalog.hypertable (relid, time_column, chunk_time_interval)
        VALUES (relation, time_column_name, chunk_time_interval::text) RETURNING * INTO known;
        created := true;
    END IF;
    hypertable_id := known.id;
    SELECT n.nspname, c.relname INTO schema_name, table_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = relation;
    RETURN NEXT;
END
$$;

-- time_bucket: the start of the bucket of width `bucket_width` that holds `ts`. Buckets of days, hours, …
-- start at 2000-01-03 (a Monday) as TimescaleDB's do; buckets of months or years at 2000-01-01.
CREATE FUNCTION @extschema@.time_bucket(bucket_width interval, ts timestamp, origin timestamp DEFAULT NULL)
RETURNS timestamp
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$
DECLARE
    months integer := extract(year FROM bucket_width)::integer * 12 + extract(month FROM bucket_width)::integer;
    start timestamp := coalesce(origin, CASE WHEN months > 0 THEN timestamp '2000-01-01'
                                             ELSE timestamp '2000-01-03' END);
    elapsed integer;
BEGIN
    IF ts IS NULL OR bucket_width IS NULL THEN
        RETURN NULL;
    END IF;
    IF months = 0 THEN
        RETURN date_bin(bucket_width, ts, start);
    END IF;
    IF extract(day FROM bucket_width) <> 0 OR extract(epoch FROM bucket_width) <> extract(epoch FROM
            make_interval(years => months / 12, months => months % 12)) THEN
        RAISE EXCEPTION 'month intervals cannot have day or time component' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    elapsed := (extract(year FROM ts)::integer - extract(year FROM start)::integer) * 12
               + extract(month FROM ts)::integer - extract(month FROM start)::integer;
    IF ts < start + make_interval(months => elapsed) THEN
        elapsed := elapsed - 1;
    END IF;
    RETURN start + make_interval(months => (floor(elapsed::numeric / months) * months)::integer);
END
$$;

CREATE FUNCTION @extschema@.time_bucket(bucket_width interval, ts timestamptz, origin timestamptz DEFAULT NULL)
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog
RETURN (@extschema@.time_bucket(bucket_width, ts AT TIME ZONE 'UTC', origin AT TIME ZONE 'UTC')) AT TIME ZONE 'UTC';

CREATE FUNCTION @extschema@.time_bucket(bucket_width interval, ts date, origin date DEFAULT NULL)
RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
RETURN (@extschema@.time_bucket(bucket_width, ts::timestamp, origin::timestamp))::date;

CREATE FUNCTION @extschema@.time_bucket(bucket_width bigint, ts bigint, "offset" bigint DEFAULT 0)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
RETURN floor((ts - "offset")::numeric / bucket_width)::bigint * bucket_width + "offset";

CREATE FUNCTION @extschema@.time_bucket(bucket_width integer, ts integer, "offset" integer DEFAULT 0)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
RETURN floor((ts - "offset")::numeric / bucket_width)::integer * bucket_width + "offset";
