-- supatasks DEVELOPMENT STAND-IN of pgTAP 1.2.0 (plain SQL and PL/pgSQL).
--
-- Written for supatasks' local databases, after pgTAP's documented interface: the same function names,
-- argument types and TAP text ("ok 1 - description", "not ok 2", "# Failed test 2: ...", "1..N").
-- The state of a run (plan, test count, failures, TODO blocks) lives in session settings
-- (supatasks_pgtap.*), which a ROLLBACK undoes with everything else; any role may use them, so tests that
-- SET ROLE authenticated keep counting. Functions pgTAP has and this stand-in lacks are listed in
-- ../README.md; calling one fails with PostgreSQL's "function ... does not exist" (42883).

\echo Use "CREATE EXTENSION pgtap" to load this file. \quit

-- -- versions ----------------------------------------------------------------------------------------------

CREATE FUNCTION pgtap_version() RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT 1.2';
CREATE FUNCTION pg_version() RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT current_setting('server_version')$$;
CREATE FUNCTION pg_version_num() RETURNS integer LANGUAGE sql IMMUTABLE
    AS $$SELECT current_setting('server_version_num')::integer$$;
CREATE FUNCTION os_name() RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT 'linux'::text$$;

-- -- the run's state -------------------------------------------------------------------------------------------

CREATE FUNCTION _tap_state(key text) RETURNS text LANGUAGE sql
    AS $$SELECT nullif(current_setting('supatasks_pgtap.' || key, true), '')$$;

CREATE FUNCTION _tap_number(key text) RETURNS integer LANGUAGE sql
    AS $$SELECT _tap_state(key)::integer$$;

CREATE FUNCTION _tap_keep(key text, value text) RETURNS text LANGUAGE sql
    AS $$SELECT set_config('supatasks_pgtap.' || key, coalesce(value, ''), false)$$;

-- The TODO stack: a JSON array of [reason, tests left] (-1: until todo_end()), the newest last.
CREATE FUNCTION _tap_todos() RETURNS jsonb LANGUAGE sql
    AS $$SELECT coalesce(_tap_state('todo')::jsonb, '[]'::jsonb)$$;

CREATE FUNCTION _tap_todo() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    stack jsonb := _tap_todos();
    top   jsonb := stack -> -1;
    left_ integer;
BEGIN
    IF top IS NULL THEN
        RETURN NULL;
    END IF;
    left_ := (top ->> 1)::integer;
    IF left_ = 0 THEN
        PERFORM _tap_keep('todo', (stack - -1)::text);
        RETURN NULL;
    END IF;
    IF left_ = 1 THEN
        PERFORM _tap_keep('todo', (stack - -1)::text);
    ELSIF left_ > 1 THEN
        PERFORM _tap_keep('todo', jsonb_set(stack, '{-1,1}', to_jsonb(left_ - 1))::text);
    END IF;
    RETURN top ->> 0;
END;
$$;

-- -- plan and finish --------------------------------------------------------------------------------------------

CREATE FUNCTION plan(integer) RETURNS text LANGUAGE plpgsql STRICT AS $$
BEGIN
    IF _tap_state('plan') IS NOT NULL THEN
        RAISE EXCEPTION 'You tried to plan twice!';
    END IF;
    PERFORM _tap_keep('plan', $1::text);
    PERFORM _tap_keep('failed', '0');
    RETURN '1..' || $1;
END;
$$;

CREATE FUNCTION no_plan() RETURNS SETOF boolean LANGUAGE plpgsql STRICT AS $$
BEGIN
    PERFORM plan(0);
    RETURN;
END;
$$;

CREATE FUNCTION num_failed() RETURNS integer LANGUAGE sql STRICT AS $$SELECT _tap_number('failed')$$;

CREATE FUNCTION _tap_plural(integer) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$SELECT CASE $1 WHEN 1 THEN '' ELSE 's' END$$;

CREATE FUNCTION finish(exception_on_failure boolean DEFAULT NULL) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    ran     integer := _tap_number('count');
    planned integer := _tap_number('plan');
    failed  integer := coalesce(_tap_number('failed'), 0);
BEGIN
    IF ran IS NULL THEN
        RAISE EXCEPTION '# No tests run!';
    END IF;
    IF coalesce(planned, 0) = 0 THEN
        planned := ran;
        RETURN NEXT '1..' || ran;
    END IF;
    IF ran <> planned THEN
        RETURN NEXT diag('Looks like you planned ' || planned || ' test' || _tap_plural(planned) || ' but ran ' || ran);
    ELSIF failed > 0 THEN
        IF exception_on_failure THEN
            RAISE EXCEPTION '% test% failed of %', failed, _tap_plural(failed), planned;
        END IF;
        RETURN NEXT diag('Looks like you failed ' || failed || ' test' || _tap_plural(failed) || ' of ' || planned);
    END IF;
    RETURN;
END;
$$;

-- -- diagnostics -------------------------------------------------------------------------------------------------

CREATE FUNCTION diag(msg text) RETURNS text LANGUAGE sql STRICT
    AS $$SELECT '# ' || regexp_replace(msg, E'\r\n|\n|\r', E'\n# ', 'g')$$;

CREATE FUNCTION diag(msg anyelement) RETURNS text LANGUAGE sql AS $$SELECT diag($1::text)$$;

CREATE FUNCTION diag(VARIADIC text[]) RETURNS text LANGUAGE sql AS $$SELECT diag(array_to_string($1, ''))$$;

CREATE FUNCTION diag(VARIADIC anyarray) RETURNS text LANGUAGE sql AS $$SELECT diag(array_to_string($1, ''))$$;

-- -- the one assertion everything else reports through ---------------------------------------------------------

CREATE FUNCTION ok(boolean, text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    passed ALIAS FOR $1;
    descr  ALIAS FOR $2;
    why    text;
    number integer;
    line   text;
BEGIN
    IF _tap_state('plan') IS NULL THEN
        RAISE EXCEPTION 'You tried to run a test without a plan! Gotta have a plan';
    END IF;
    why := _tap_todo();
    number := coalesce(_tap_number('count'), 0) + 1;
    PERFORM _tap_keep('count', number::text);
    IF passed IS NOT TRUE AND why IS NULL THEN
        PERFORM _tap_keep('failed', (coalesce(_tap_number('failed'), 0) + 1)::text);
    END IF;
    line := CASE WHEN passed THEN '' ELSE 'not ' END || 'ok ' || number
        || CASE WHEN coalesce(descr, '') = '' THEN '' ELSE ' - ' || substr(diag(descr), 3) END
        || CASE WHEN why IS NULL THEN '' ELSE ' ' || diag('TODO ' || why) END;
    IF passed IS NOT TRUE THEN
        line := line || E'\n' || diag('Failed ' || CASE WHEN why IS NULL THEN '' ELSE '(TODO) ' END || 'test ' || number
                                      || CASE WHEN coalesce(descr, '') = '' THEN '' ELSE ': "' || descr || '"' END);
        IF passed IS NULL THEN
            line := line || E'\n' || diag('    (test result was NULL)');
        END IF;
    END IF;
    RETURN line;
END;
$$;

CREATE FUNCTION ok(boolean) RETURNS text LANGUAGE sql AS $$SELECT ok($1, NULL)$$;

CREATE FUNCTION pass(text) RETURNS text LANGUAGE sql AS $$SELECT ok(true, $1)$$;
CREATE FUNCTION pass() RETURNS text LANGUAGE sql AS $$SELECT ok(true, NULL)$$;
CREATE FUNCTION fail(text) RETURNS text LANGUAGE sql AS $$SELECT ok(false, $1)$$;
CREATE FUNCTION fail() RETURNS text LANGUAGE sql AS $$SELECT ok(false, NULL)$$;

-- A failed ok() followed by diagnostics (nothing when it passed).
CREATE FUNCTION _tap_report(passed boolean, descr text, diagnostics text) RETURNS text LANGUAGE sql AS $$
    SELECT ok(passed, descr) || CASE WHEN passed IS TRUE OR diagnostics IS NULL THEN '' ELSE E'\n' || diag(diagnostics) END
$$;

-- -- comparing values ------------------------------------------------------------------------------------------

CREATE FUNCTION is(anyelement, anyelement, text) RETURNS text LANGUAGE sql AS $$
    SELECT _tap_report($1 IS NOT DISTINCT FROM $2, $3,
                       '        have: ' || coalesce($1::text, 'NULL') || E'\n        want: ' || coalesce($2::text, 'NULL'))
$$;
CREATE FUNCTION is(anyelement, anyelement) RETURNS text LANGUAGE sql AS $$SELECT is($1, $2, NULL)$$;

CREATE FUNCTION isnt(anyelement, anyelement, text) RETURNS text LANGUAGE sql AS $$
    SELECT _tap_report($1 IS DISTINCT FROM $2, $3,
                       '        have: ' || coalesce($1::text, 'NULL') || E'\n        want: anything else')
$$;
CREATE FUNCTION isnt(anyelement, anyelement) RETURNS text LANGUAGE sql AS $$SELECT isnt($1, $2, NULL)$$;

CREATE FUNCTION cmp_ok(anyelement, text, anyelement, text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    outcome boolean;
    have text := coalesce(quote_literal($1), 'NULL');
    want text := coalesce(quote_literal($3), 'NULL');
BEGIN
    EXECUTE 'SELECT ' || have || '::' || pg_typeof($1) || ' ' || $2 || ' ' || want || '::' || pg_typeof($3)
        INTO outcome;
    RETURN _tap_report(coalesce(outcome, false), $4, '    ' || have || E'\n        ' || $2 || E'\n    ' || want);
END;
$$;
CREATE FUNCTION cmp_ok(anyelement, text, anyelement) RETURNS text LANGUAGE sql AS $$SELECT cmp_ok($1, $2, $3, NULL)$$;

CREATE FUNCTION isa_ok(anyelement, regtype, text) RETURNS text LANGUAGE sql AS $$
    SELECT _tap_report(pg_typeof($1) = $2, $3 || ' isa ' || $2,
                       '    ' || $3 || ' isn''t a "' || $2 || '" it''s a "' || pg_typeof($1) || '"')
$$;
CREATE FUNCTION isa_ok(anyelement, regtype) RETURNS text LANGUAGE sql AS $$SELECT isa_ok($1, $2, 'the value')$$;

-- -- patterns ------------------------------------------------------------------------------------------------------

CREATE FUNCTION _tap_pattern(outcome boolean, got text, pattern text, descr text, expected boolean)
RETURNS text LANGUAGE sql AS $$
    SELECT _tap_report(outcome, descr,
                       '                  ' || coalesce(quote_literal(got), 'NULL')
                       || CASE WHEN expected THEN E'\n   doesn''t match: ' ELSE E'\n         matches: ' END
                       || coalesce(quote_literal(pattern), 'NULL'))
$$;

CREATE FUNCTION matches(anyelement, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_pattern($1 ~ $2, $1::text, $2, $3, true)$$;
CREATE FUNCTION matches(anyelement, text) RETURNS text LANGUAGE sql AS $$SELECT matches($1, $2, NULL)$$;
CREATE FUNCTION imatches(anyelement, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_pattern($1 ~* $2, $1::text, $2, $3, true)$$;
CREATE FUNCTION imatches(anyelement, text) RETURNS text LANGUAGE sql AS $$SELECT imatches($1, $2, NULL)$$;
CREATE FUNCTION doesnt_match(anyelement, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_pattern($1 !~ $2, $1::text, $2, $3, false)$$;
CREATE FUNCTION doesnt_match(anyelement, text) RETURNS text LANGUAGE sql AS $$SELECT doesnt_match($1, $2, NULL)$$;
CREATE FUNCTION doesnt_imatch(anyelement, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_pattern($1 !~* $2, $1::text, $2, $3, false)$$;
CREATE FUNCTION doesnt_imatch(anyelement, text) RETURNS text LANGUAGE sql AS $$SELECT doesnt_imatch($1, $2, NULL)$$;
CREATE FUNCTION alike(anyelement, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_pattern($1 ~~ $2, $1::text, $2, $3, true)$$;
CREATE FUNCTION alike(anyelement, text) RETURNS text LANGUAGE sql AS $$SELECT alike($1, $2, NULL)$$;
CREATE FUNCTION ialike(anyelement, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_pattern($1 ~~* $2, $1::text, $2, $3, true)$$;
CREATE FUNCTION ialike(anyelement, text) RETURNS text LANGUAGE sql AS $$SELECT ialike($1, $2, NULL)$$;
CREATE FUNCTION unalike(anyelement, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_pattern($1 !~~ $2, $1::text, $2, $3, false)$$;
CREATE FUNCTION unalike(anyelement, text) RETURNS text LANGUAGE sql AS $$SELECT unalike($1, $2, NULL)$$;
CREATE FUNCTION unialike(anyelement, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_pattern($1 !~~* $2, $1::text, $2, $3, false)$$;
CREATE FUNCTION unialike(anyelement, text) RETURNS text LANGUAGE sql AS $$SELECT unialike($1, $2, NULL)$$;

-- -- skip and todo -------------------------------------------------------------------------------------------------

CREATE FUNCTION skip(why text, how_many integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    lines text[] := '{}';
BEGIN
    FOR i IN 1..how_many LOOP
        lines := lines || (ok(true) || ' ' || diag('SKIP' || coalesce(' ' || why, '')));
    END LOOP;
    RETURN array_to_string(lines, E'\n');
END;
$$;
CREATE FUNCTION skip(text) RETURNS text LANGUAGE sql AS $$SELECT skip($1, 1)$$;
CREATE FUNCTION skip(integer, text) RETURNS text LANGUAGE sql AS $$SELECT skip($2, $1)$$;
CREATE FUNCTION skip(integer) RETURNS text LANGUAGE sql AS $$SELECT skip(NULL, $1)$$;

CREATE FUNCTION _tap_push_todo(why text, how_many integer) RETURNS void LANGUAGE sql AS $$
    SELECT _tap_keep('todo', (_tap_todos() || jsonb_build_array(jsonb_build_array(coalesce(why, ''), how_many)))::text)
$$;

CREATE FUNCTION todo(why text, how_many integer) RETURNS SETOF boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM _tap_push_todo(why, how_many);
    RETURN;
END;
$$;
CREATE FUNCTION todo(how_many integer, why text) RETURNS SETOF boolean LANGUAGE sql
    AS $$SELECT * FROM todo($2, $1)$$;
CREATE FUNCTION todo(why text) RETURNS SETOF boolean LANGUAGE sql AS $$SELECT * FROM todo($1, 1)$$;
CREATE FUNCTION todo(how_many integer) RETURNS SETOF boolean LANGUAGE sql AS $$SELECT * FROM todo(NULL::text, $1)$$;

CREATE FUNCTION todo_start(text) RETURNS SETOF boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM _tap_push_todo($1, -1);
    RETURN;
END;
$$;
CREATE FUNCTION todo_start() RETURNS SETOF boolean LANGUAGE sql AS $$SELECT * FROM todo_start(NULL)$$;

CREATE FUNCTION todo_end() RETURNS SETOF boolean LANGUAGE plpgsql AS $$
DECLARE
    stack jsonb := _tap_todos();
    place integer;
BEGIN
    SELECT max(i - 1) INTO place FROM jsonb_array_elements(stack) WITH ORDINALITY AS e(item, i)
     WHERE (item ->> 1)::integer = -1;
    IF place IS NULL THEN
        RAISE EXCEPTION 'todo_end() called without todo_start()';
    END IF;
    PERFORM _tap_keep('todo', (stack - place)::text);
    RETURN;
END;
$$;

CREATE FUNCTION in_todo() RETURNS boolean LANGUAGE sql AS $$SELECT jsonb_array_length(_tap_todos()) > 0$$;

-- -- running SQL: exceptions ---------------------------------------------------------------------------------------

-- A bare word (or a quoted name) is the name of a prepared statement.
CREATE FUNCTION _tap_query(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN $1 LIKE '"%' OR $1 !~ '[[:space:]]' THEN 'EXECUTE ' || $1 ELSE $1 END
$$;

CREATE FUNCTION throws_ok(text, character, text, text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    code    ALIAS FOR $2;
    message ALIAS FOR $3;
    descr   text := coalesce($4, 'threw ' || $2 || ': ' || $3, 'threw ' || $2, 'threw ' || $3, 'threw an exception');
BEGIN
    EXECUTE _tap_query($1);
    RETURN _tap_report(false, descr, E'      caught: no exception\n      wanted: ' || coalesce(code, 'an exception'));
EXCEPTION WHEN OTHERS OR ASSERT_FAILURE THEN
    RETURN _tap_report((code IS NULL OR SQLSTATE = code) AND (message IS NULL OR SQLERRM = message), descr,
                       '      caught: ' || SQLSTATE || ': ' || SQLERRM || E'\n      wanted: '
                       || coalesce(code, 'an exception') || coalesce(': ' || message, ''));
END;
$$;

CREATE FUNCTION throws_ok(text, text, text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN octet_length($2) = 5 THEN throws_ok($1, $2::character(5), $3, NULL)
                ELSE throws_ok($1, NULL::character(5), $2, $3) END
$$;
CREATE FUNCTION throws_ok(text, text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN octet_length($2) = 5 THEN throws_ok($1, $2::character(5), NULL, NULL)
                ELSE throws_ok($1, NULL::character(5), $2, NULL) END
$$;
CREATE FUNCTION throws_ok(text) RETURNS text LANGUAGE sql
    AS $$SELECT throws_ok($1, NULL::character(5), NULL, NULL)$$;
CREATE FUNCTION throws_ok(text, integer, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT throws_ok($1, $2::character(5), $3, $4)$$;
CREATE FUNCTION throws_ok(text, integer, text) RETURNS text LANGUAGE sql
    AS $$SELECT throws_ok($1, $2::character(5), $3, NULL)$$;
CREATE FUNCTION throws_ok(text, integer) RETURNS text LANGUAGE sql
    AS $$SELECT throws_ok($1, $2::character(5), NULL, NULL)$$;

-- throws_like and friends: the error message against a pattern.
CREATE FUNCTION _tap_throws(query text, pattern text, descr text, operator text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    matched boolean;
BEGIN
    EXECUTE _tap_query(query);
    RETURN _tap_report(false, descr, '    no exception thrown');
EXCEPTION WHEN OTHERS THEN
    EXECUTE 'SELECT $1 ' || operator || ' $2' INTO matched USING SQLERRM, pattern;
    RETURN _tap_report(matched, descr, '   error message: ' || coalesce(quote_literal(SQLERRM), 'NULL')
                                       || E'\n   doesn''t match: ' || coalesce(quote_literal(pattern), 'NULL'));
END;
$$;

CREATE FUNCTION throws_like(text, text, text) RETURNS text LANGUAGE sql AS $$SELECT _tap_throws($1, $2, $3, '~~')$$;
CREATE FUNCTION throws_like(text, text) RETURNS text LANGUAGE sql
    AS $$SELECT throws_like($1, $2, 'Should throw exception like ' || quote_literal($2))$$;
CREATE FUNCTION throws_ilike(text, text, text) RETURNS text LANGUAGE sql AS $$SELECT _tap_throws($1, $2, $3, '~~*')$$;
CREATE FUNCTION throws_ilike(text, text) RETURNS text LANGUAGE sql
    AS $$SELECT throws_ilike($1, $2, 'Should throw exception like ' || quote_literal($2))$$;
CREATE FUNCTION throws_matching(text, text, text) RETURNS text LANGUAGE sql AS $$SELECT _tap_throws($1, $2, $3, '~')$$;
CREATE FUNCTION throws_matching(text, text) RETURNS text LANGUAGE sql
    AS $$SELECT throws_matching($1, $2, 'Should throw exception matching ' || quote_literal($2))$$;
CREATE FUNCTION throws_imatching(text, text, text) RETURNS text LANGUAGE sql AS $$SELECT _tap_throws($1, $2, $3, '~*')$$;
CREATE FUNCTION throws_imatching(text, text) RETURNS text LANGUAGE sql
    AS $$SELECT throws_imatching($1, $2, 'Should throw exception matching ' || quote_literal($2))$$;

-- How an error reads in a diagnostic: code, message, the fields that are set, the context indented.
CREATE FUNCTION _tap_error(code text, message text, detail text, hint text, context text, schema_name text,
                           table_name text, column_name text, constraint_name text, type_name text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(coalesce(nullif(code, '') || ': ', '') || coalesce(nullif(message, ''), ''), 'NO ERROR FOUND')
        || coalesce(E'\n        DETAIL:     ' || nullif(detail, ''), '')
        || coalesce(E'\n        HINT:       ' || nullif(hint, ''), '')
        || coalesce(E'\n        SCHEMA:     ' || nullif(schema_name, ''), '')
        || coalesce(E'\n        TABLE:      ' || nullif(table_name, ''), '')
        || coalesce(E'\n        COLUMN:     ' || nullif(column_name, ''), '')
        || coalesce(E'\n        CONSTRAINT: ' || nullif(constraint_name, ''), '')
        || coalesce(E'\n        TYPE:       ' || nullif(type_name, ''), '')
        || coalesce(E'\n        CONTEXT:\n' || regexp_replace(nullif(context, ''), '^', '            ', 'gn'), '')
$$;

-- (The statement is run on line 14 of the body: the CONTEXT of an error names it as pgTAP's does.)
CREATE FUNCTION lives_ok(text, text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    statement text := _tap_query($1);
    detail    text;
    hint      text;
    context   text;
    sch       text;
    tab       text;
    col       text;
    con       text;
    typ       text;
BEGIN
    -- no exception expected
    EXECUTE statement;
    RETURN ok(true, $2);
EXCEPTION WHEN OTHERS OR ASSERT_FAILURE THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT, context = PG_EXCEPTION_CONTEXT,
        sch = SCHEMA_NAME, tab = TABLE_NAME, col = COLUMN_NAME, con = CONSTRAINT_NAME, typ = PG_DATATYPE_NAME;
    RETURN _tap_report(false, $2, '    died: ' || _tap_error(SQLSTATE, SQLERRM, detail, hint, context, sch, tab, col,
                                                               con, typ));
END;
$$;
CREATE FUNCTION lives_ok(text) RETURNS text LANGUAGE sql AS $$SELECT lives_ok($1, NULL)$$;

-- -- comparing query results -----------------------------------------------------------------------------------

-- Row by row, in order. Different column counts or types make the records incomparable (42804).
CREATE FUNCTION _tap_results(have refcursor, want refcursor, descr text, equal boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    have_row record;
    want_row record;
    have_found boolean;
    want_found boolean;
    number integer := 0;
BEGIN
    BEGIN
        LOOP
            FETCH have INTO have_row;
            have_found := FOUND;
            FETCH want INTO want_row;
            want_found := FOUND;
            EXIT WHEN NOT have_found AND NOT want_found;
            number := number + 1;
            IF have_found IS DISTINCT FROM want_found OR have_row IS DISTINCT FROM want_row THEN
                CLOSE have;
                CLOSE want;
                IF NOT equal THEN
                    RETURN ok(true, descr);
                END IF;
                RETURN _tap_report(false, descr,
                    '    Results differ beginning at row ' || number || E':\n'
                    || '        have: ' || CASE WHEN have_found THEN have_row::text ELSE 'NULL' END || E'\n'
                    || '        want: ' || CASE WHEN want_found THEN want_row::text ELSE 'NULL' END);
            END IF;
        END LOOP;
    EXCEPTION WHEN datatype_mismatch THEN
        RETURN _tap_report(false, descr,
            E'    Number of columns or their types differ between the queries\n        ERROR: ' || SQLERRM);
    END;
    CLOSE have;
    CLOSE want;
    RETURN ok(equal, descr);
END;
$$;

CREATE FUNCTION _tap_open(query text) RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE
    rows refcursor;
BEGIN
    OPEN rows FOR EXECUTE _tap_query(query);
    RETURN rows;
END;
$$;

CREATE FUNCTION _tap_open_array(anyarray) RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE
    rows refcursor;
BEGIN
    OPEN rows FOR SELECT * FROM unnest($1);
    RETURN rows;
END;
$$;

CREATE FUNCTION results_eq(refcursor, refcursor, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results($1, $2, $3, true)$$;
CREATE FUNCTION results_eq(refcursor, refcursor) RETURNS text LANGUAGE sql AS $$SELECT results_eq($1, $2, NULL)$$;
CREATE FUNCTION results_eq(text, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results(_tap_open($1), _tap_open($2), $3, true)$$;
CREATE FUNCTION results_eq(text, text) RETURNS text LANGUAGE sql AS $$SELECT results_eq($1, $2, NULL::text)$$;
CREATE FUNCTION results_eq(text, anyarray, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results(_tap_open($1), _tap_open_array($2), $3, true)$$;
CREATE FUNCTION results_eq(text, anyarray) RETURNS text LANGUAGE sql AS $$SELECT results_eq($1, $2, NULL::text)$$;
CREATE FUNCTION results_eq(text, refcursor, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results(_tap_open($1), $2, $3, true)$$;
CREATE FUNCTION results_eq(text, refcursor) RETURNS text LANGUAGE sql AS $$SELECT results_eq($1, $2, NULL::text)$$;
CREATE FUNCTION results_eq(refcursor, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results($1, _tap_open($2), $3, true)$$;
CREATE FUNCTION results_eq(refcursor, text) RETURNS text LANGUAGE sql AS $$SELECT results_eq($1, $2, NULL::text)$$;
CREATE FUNCTION results_eq(refcursor, anyarray, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results($1, _tap_open_array($2), $3, true)$$;
CREATE FUNCTION results_eq(refcursor, anyarray) RETURNS text LANGUAGE sql AS $$SELECT results_eq($1, $2, NULL::text)$$;

CREATE FUNCTION results_ne(refcursor, refcursor, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results($1, $2, $3, false)$$;
CREATE FUNCTION results_ne(refcursor, refcursor) RETURNS text LANGUAGE sql AS $$SELECT results_ne($1, $2, NULL)$$;
CREATE FUNCTION results_ne(text, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results(_tap_open($1), _tap_open($2), $3, false)$$;
CREATE FUNCTION results_ne(text, text) RETURNS text LANGUAGE sql AS $$SELECT results_ne($1, $2, NULL::text)$$;
CREATE FUNCTION results_ne(text, anyarray, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results(_tap_open($1), _tap_open_array($2), $3, false)$$;
CREATE FUNCTION results_ne(text, anyarray) RETURNS text LANGUAGE sql AS $$SELECT results_ne($1, $2, NULL::text)$$;
CREATE FUNCTION results_ne(text, refcursor, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results(_tap_open($1), $2, $3, false)$$;
CREATE FUNCTION results_ne(text, refcursor) RETURNS text LANGUAGE sql AS $$SELECT results_ne($1, $2, NULL::text)$$;
CREATE FUNCTION results_ne(refcursor, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results($1, _tap_open($2), $3, false)$$;
CREATE FUNCTION results_ne(refcursor, text) RETURNS text LANGUAGE sql AS $$SELECT results_ne($1, $2, NULL::text)$$;
CREATE FUNCTION results_ne(refcursor, anyarray, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_results($1, _tap_open_array($2), $3, false)$$;
CREATE FUNCTION results_ne(refcursor, anyarray) RETURNS text LANGUAGE sql AS $$SELECT results_ne($1, $2, NULL::text)$$;

-- Sets and bags: both sides into temporary tables, compared with EXCEPT (sets) or EXCEPT ALL (bags).
CREATE FUNCTION _tap_table(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    name text := '__tap_' || replace(gen_random_uuid()::text, '-', '');
BEGIN
    EXECUTE format('CREATE TEMPORARY TABLE %I AS ', name) || _tap_query(query);
    RETURN name;
END;
$$;

CREATE FUNCTION _tap_array_table(anyarray) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    name text := '__tap_' || replace(gen_random_uuid()::text, '-', '');
BEGIN
    EXECUTE format('CREATE TEMPORARY TABLE %I AS SELECT * FROM unnest($1)', name) USING $1;
    RETURN name;
END;
$$;

CREATE FUNCTION _tap_columns(name text) RETURNS text LANGUAGE sql AS $$
    SELECT '(' || string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) || ')'
      FROM pg_catalog.pg_attribute
     WHERE attrelid = ('pg_temp.' || quote_ident(name))::regclass AND attnum > 0 AND NOT attisdropped
$$;

CREATE FUNCTION _tap_rows_of(query text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    found_rows text[];
BEGIN
    EXECUTE 'SELECT coalesce(array_agg(r::text), ''{}'') FROM (' || query || ') r' INTO found_rows;
    RETURN found_rows;
END;
$$;

CREATE FUNCTION _tap_compare(have text, want text, descr text, bag boolean, equal boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    have_columns text := _tap_columns(have);
    want_columns text := _tap_columns(want);
    operator text := CASE WHEN bag THEN ' EXCEPT ALL ' ELSE ' EXCEPT ' END;
    extra text[];
    missing text[];
    message text := '';
BEGIN
    IF have_columns IS DISTINCT FROM want_columns THEN
        EXECUTE format('DROP TABLE pg_temp.%I, pg_temp.%I', have, want);
        RETURN _tap_report(false, descr, E'    Columns differ between queries:\n        have: ' || coalesce(have_columns, '()')
                                         || E'\n        want: ' || coalesce(want_columns, '()'));
    END IF;
    extra := _tap_rows_of(format('SELECT * FROM pg_temp.%I', have) || operator || format('SELECT * FROM pg_temp.%I', want));
    missing := _tap_rows_of(format('SELECT * FROM pg_temp.%I', want) || operator || format('SELECT * FROM pg_temp.%I', have));
    EXECUTE format('DROP TABLE pg_temp.%I, pg_temp.%I', have, want);
    IF NOT equal THEN
        RETURN ok(cardinality(extra) > 0 OR cardinality(missing) > 0, descr);
    END IF;
    IF cardinality(extra) > 0 THEN
        message := E'\n' || diag(E'    Extra records:\n        ' || array_to_string(extra, E'\n        '));
    END IF;
    IF cardinality(missing) > 0 THEN
        message := message || E'\n' || diag(E'    Missing records:\n        ' || array_to_string(missing, E'\n        '));
    END IF;
    RETURN ok(message = '', descr) || message;
END;
$$;

CREATE FUNCTION set_eq(text, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_compare(_tap_table($1), _tap_table($2), $3, false, true)$$;
CREATE FUNCTION set_eq(text, text) RETURNS text LANGUAGE sql AS $$SELECT set_eq($1, $2, NULL::text)$$;
CREATE FUNCTION set_eq(text, anyarray, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_compare(_tap_table($1), _tap_array_table($2), $3, false, true)$$;
CREATE FUNCTION set_eq(text, anyarray) RETURNS text LANGUAGE sql AS $$SELECT set_eq($1, $2, NULL::text)$$;
CREATE FUNCTION set_ne(text, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_compare(_tap_table($1), _tap_table($2), $3, false, false)$$;
CREATE FUNCTION set_ne(text, text) RETURNS text LANGUAGE sql AS $$SELECT set_ne($1, $2, NULL::text)$$;
CREATE FUNCTION set_ne(text, anyarray, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_compare(_tap_table($1), _tap_array_table($2), $3, false, false)$$;
CREATE FUNCTION set_ne(text, anyarray) RETURNS text LANGUAGE sql AS $$SELECT set_ne($1, $2, NULL::text)$$;
CREATE FUNCTION bag_eq(text, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_compare(_tap_table($1), _tap_table($2), $3, true, true)$$;
CREATE FUNCTION bag_eq(text, text) RETURNS text LANGUAGE sql AS $$SELECT bag_eq($1, $2, NULL::text)$$;
CREATE FUNCTION bag_eq(text, anyarray, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_compare(_tap_table($1), _tap_array_table($2), $3, true, true)$$;
CREATE FUNCTION bag_eq(text, anyarray) RETURNS text LANGUAGE sql AS $$SELECT bag_eq($1, $2, NULL::text)$$;
CREATE FUNCTION bag_ne(text, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_compare(_tap_table($1), _tap_table($2), $3, true, false)$$;
CREATE FUNCTION bag_ne(text, text) RETURNS text LANGUAGE sql AS $$SELECT bag_ne($1, $2, NULL::text)$$;
CREATE FUNCTION bag_ne(text, anyarray, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_compare(_tap_table($1), _tap_array_table($2), $3, true, false)$$;
CREATE FUNCTION bag_ne(text, anyarray) RETURNS text LANGUAGE sql AS $$SELECT bag_ne($1, $2, NULL::text)$$;

CREATE FUNCTION is_empty(text, text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    found_rows text[] := '{}';
    r record;
BEGIN
    FOR r IN EXECUTE _tap_query($1) LOOP
        found_rows := found_rows || r::text;
    END LOOP;
    RETURN _tap_report(cardinality(found_rows) = 0, $2,
                       E'    Unexpected records:\n        ' || array_to_string(found_rows, E'\n        '));
END;
$$;
CREATE FUNCTION is_empty(text) RETURNS text LANGUAGE sql AS $$SELECT is_empty($1, NULL)$$;

CREATE FUNCTION isnt_empty(text, text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN EXECUTE _tap_query($1) LOOP
        RETURN ok(true, $2);
    END LOOP;
    RETURN ok(false, $2);
END;
$$;
CREATE FUNCTION isnt_empty(text) RETURNS text LANGUAGE sql AS $$SELECT isnt_empty($1, NULL)$$;

CREATE FUNCTION row_eq(text, anyelement, text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    EXECUTE _tap_query($1) INTO r;
    RETURN _tap_report(r::text IS NOT DISTINCT FROM $2::text, $3,
                       '        have: ' || coalesce(r::text, 'NULL') || E'\n        want: ' || coalesce($2::text, 'NULL'));
END;
$$;
CREATE FUNCTION row_eq(text, anyelement) RETURNS text LANGUAGE sql AS $$SELECT row_eq($1, $2, NULL)$$;

-- -- the catalog: relations, columns, keys, indexes, functions, triggers, schemas, types, extensions, roles -------

-- A relation of one of `kinds`, in `schema_name` (NULL: visible on the search path).
CREATE FUNCTION _tap_relation(kinds "char"[], schema_name name, relation name) RETURNS oid LANGUAGE sql STABLE AS $$
    SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relname = relation AND (kinds IS NULL OR c.relkind = ANY(kinds))
       AND CASE WHEN schema_name IS NULL THEN pg_catalog.pg_table_is_visible(c.oid) ELSE n.nspname = schema_name END
     LIMIT 1
$$;

CREATE FUNCTION _tap_has(kinds "char"[], schema_name name, relation name) RETURNS boolean LANGUAGE sql STABLE
    AS $$SELECT _tap_relation(kinds, schema_name, relation) IS NOT NULL$$;

CREATE FUNCTION has_table(name, name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_has('{r,p}', $1, $2), $3)$$;
CREATE FUNCTION has_table(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT has_table($1, $2, 'Table ' || quote_ident($1) || '.' || quote_ident($2) || ' should exist')$$;
CREATE FUNCTION has_table(name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_has('{r,p}', NULL, $1), $2)$$;
CREATE FUNCTION has_table(name) RETURNS text LANGUAGE sql
    AS $$SELECT has_table($1, 'Table ' || quote_ident($1) || ' should exist')$$;
CREATE FUNCTION hasnt_table(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT _tap_has('{r,p}', $1, $2), $3)$$;
CREATE FUNCTION hasnt_table(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_table($1, $2, 'Table ' || quote_ident($1) || '.' || quote_ident($2) || ' should not exist')$$;
CREATE FUNCTION hasnt_table(name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT _tap_has('{r,p}', NULL, $1), $2)$$;
CREATE FUNCTION hasnt_table(name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_table($1, 'Table ' || quote_ident($1) || ' should not exist')$$;

CREATE FUNCTION has_view(name, name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_has('{v}', $1, $2), $3)$$;
CREATE FUNCTION has_view(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT has_view($1, $2, 'View ' || quote_ident($1) || '.' || quote_ident($2) || ' should exist')$$;
CREATE FUNCTION has_view(name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_has('{v}', NULL, $1), $2)$$;
CREATE FUNCTION has_view(name) RETURNS text LANGUAGE sql
    AS $$SELECT has_view($1, 'View ' || quote_ident($1) || ' should exist')$$;
CREATE FUNCTION hasnt_view(name, name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(NOT _tap_has('{v}', $1, $2), $3)$$;
CREATE FUNCTION hasnt_view(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_view($1, $2, 'View ' || quote_ident($1) || '.' || quote_ident($2) || ' should not exist')$$;
CREATE FUNCTION hasnt_view(name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(NOT _tap_has('{v}', NULL, $1), $2)$$;
CREATE FUNCTION hasnt_view(name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_view($1, 'View ' || quote_ident($1) || ' should not exist')$$;

CREATE FUNCTION has_sequence(name, name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_has('{S}', $1, $2), $3)$$;
CREATE FUNCTION has_sequence(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT has_sequence($1, $2, 'Sequence ' || quote_ident($1) || '.' || quote_ident($2) || ' should exist')$$;
CREATE FUNCTION has_sequence(name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_has('{S}', NULL, $1), $2)$$;
CREATE FUNCTION has_sequence(name) RETURNS text LANGUAGE sql
    AS $$SELECT has_sequence($1, 'Sequence ' || quote_ident($1) || ' should exist')$$;

-- Columns: the attribute of a table (or view) in a schema, or visible on the search path.
CREATE FUNCTION _tap_column(schema_name name, relation name, column_name name)
RETURNS TABLE (attname name, attnotnull boolean, atthasdef boolean, atttypid oid, atttypmod integer)
LANGUAGE sql STABLE AS $$
    SELECT a.attname, a.attnotnull, a.atthasdef, a.atttypid, a.atttypmod FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = _tap_relation(NULL, schema_name, relation) AND a.attname = column_name
       AND a.attnum > 0 AND NOT a.attisdropped
$$;

CREATE FUNCTION _tap_column_name(schema_name name, relation name, column_name name) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(quote_ident(schema_name) || '.', '') || quote_ident(relation) || '.' || quote_ident(column_name)
$$;

CREATE FUNCTION has_column(name, name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(EXISTS (SELECT 1 FROM _tap_column($1, $2, $3)), $4)$$;
CREATE FUNCTION has_column(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(EXISTS (SELECT 1 FROM _tap_column(NULL, $1, $2)), $3)$$;
CREATE FUNCTION has_column(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT has_column($1, $2, 'Column ' || _tap_column_name(NULL, $1, $2) || ' should exist')$$;
CREATE FUNCTION hasnt_column(name, name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT EXISTS (SELECT 1 FROM _tap_column($1, $2, $3)), $4)$$;
CREATE FUNCTION hasnt_column(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT EXISTS (SELECT 1 FROM _tap_column(NULL, $1, $2)), $3)$$;
CREATE FUNCTION hasnt_column(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_column($1, $2, 'Column ' || _tap_column_name(NULL, $1, $2) || ' should not exist')$$;

-- The wanted type in the spelling of the one found: quoted like it where it is quoted.
CREATE FUNCTION _tap_type_like(want text, have text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    modifier text;
BEGIN
    IF have !~ '"' THEN
        RETURN want;
    END IF;
    IF have ~ '"$' THEN
        RETURN quote_ident(want);
    END IF;
    modifier := substring(want FROM '[(][^")]+[)]$');
    IF modifier IS NULL THEN
        RETURN quote_ident(want);
    END IF;
    RETURN quote_ident(substring(want FOR char_length(want) - char_length(modifier))) || modifier;
END;
$$;

CREATE FUNCTION _tap_column_type(schema_name name, relation name, column_name name, with_schema boolean)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN with_schema AND pg_catalog.pg_type_is_visible(t.oid) THEN quote_ident(tn.nspname) || '.' ELSE '' END
           || pg_catalog.format_type(a.atttypid, a.atttypmod)
      FROM _tap_column(schema_name, relation, column_name) a
      JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
$$;

CREATE FUNCTION _tap_type_is(have text, want text, descr text, missing text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN have IS NULL THEN ok(false, descr) || E'\n' || diag('   Column ' || missing || ' does not exist')
                ELSE _tap_report(have = want, descr, '        have: ' || have || E'\n        want: ' || want) END
$$;

CREATE FUNCTION col_type_is(name, name, name, name, text, text) RETURNS text LANGUAGE sql AS $$
    SELECT _tap_type_is(have, quote_ident($4) || '.' || _tap_type_like($5, have), $6, _tap_column_name($1, $2, $3))
      FROM (SELECT _tap_column_type($1, $2, $3, true) AS have) found
$$;
CREATE FUNCTION col_type_is(name, name, name, name, text) RETURNS text LANGUAGE sql AS $$
    SELECT col_type_is($1, $2, $3, $4, $5, 'Column ' || _tap_column_name($1, $2, $3) || ' should be type '
                                            || quote_ident($4) || '.' || $5)
$$;
CREATE FUNCTION col_type_is(name, name, name, text, text) RETURNS text LANGUAGE sql AS $$
    SELECT _tap_type_is(have, _tap_type_like($4, have), $5, _tap_column_name($1, $2, $3))
      FROM (SELECT _tap_column_type($1, $2, $3, false) AS have) found
$$;
CREATE FUNCTION col_type_is(name, name, name, text) RETURNS text LANGUAGE sql AS $$
    SELECT col_type_is($1, $2, $3, $4, 'Column ' || _tap_column_name($1, $2, $3) || ' should be type ' || $4)
$$;
CREATE FUNCTION col_type_is(name, name, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT col_type_is(NULL, $1, $2, $3, $4)$$;
CREATE FUNCTION col_type_is(name, name, text) RETURNS text LANGUAGE sql AS $$
    SELECT col_type_is($1, $2, $3, 'Column ' || _tap_column_name(NULL, $1, $2) || ' should be type ' || $3)
$$;

CREATE FUNCTION _tap_nullable(schema_name name, relation name, column_name name, want_not_null boolean, descr text)
RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN a.attname IS NULL
                THEN ok(false, descr) || E'\n'
                     || diag('    Column ' || _tap_column_name(schema_name, relation, column_name) || ' does not exist')
                ELSE ok(a.attnotnull = want_not_null, descr) END
      FROM (SELECT 1) one LEFT JOIN _tap_column(schema_name, relation, column_name) a ON true
$$;

CREATE FUNCTION col_not_null(schema_name name, table_name name, column_name name, description text DEFAULT NULL)
RETURNS text LANGUAGE sql AS $$
    SELECT _tap_nullable($1, $2, $3, true,
                         coalesce($4, 'Column ' || _tap_column_name($1, $2, $3) || ' should be NOT NULL'))
$$;
CREATE FUNCTION col_not_null(table_name name, column_name name, description text DEFAULT NULL)
RETURNS text LANGUAGE sql AS $$
    SELECT _tap_nullable(NULL, $1, $2, true,
                         coalesce($3, 'Column ' || _tap_column_name(NULL, $1, $2) || ' should be NOT NULL'))
$$;
CREATE FUNCTION col_is_null(schema_name name, table_name name, column_name name, description text DEFAULT NULL)
RETURNS text LANGUAGE sql AS $$
    SELECT _tap_nullable($1, $2, $3, false,
                         coalesce($4, 'Column ' || _tap_column_name($1, $2, $3) || ' should allow NULL'))
$$;
CREATE FUNCTION col_is_null(table_name name, column_name name, description text DEFAULT NULL)
RETURNS text LANGUAGE sql AS $$
    SELECT _tap_nullable(NULL, $1, $2, false,
                         coalesce($3, 'Column ' || _tap_column_name(NULL, $1, $2) || ' should allow NULL'))
$$;

CREATE FUNCTION _tap_has_default(schema_name name, relation name, column_name name, descr text) RETURNS text
LANGUAGE sql AS $$
    SELECT CASE WHEN a.attname IS NULL
                THEN ok(false, descr) || E'\n'
                     || diag('    Column ' || _tap_column_name(schema_name, relation, column_name) || ' does not exist')
                ELSE ok(a.atthasdef, descr) END
      FROM (SELECT 1) one LEFT JOIN _tap_column(schema_name, relation, column_name) a ON true
$$;
CREATE FUNCTION col_has_default(name, name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_has_default($1, $2, $3, $4)$$;
CREATE FUNCTION col_has_default(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_has_default(NULL, $1, $2, $3)$$;
CREATE FUNCTION col_has_default(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT col_has_default($1, $2, 'Column ' || _tap_column_name(NULL, $1, $2) || ' should have a default')$$;

-- The default as written (pg_get_expr), or, for a constant, its value: 'x'::text is the default 'x'.
CREATE FUNCTION _tap_default_is(schema_name name, relation name, column_name name, want text, descr text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    col  record;
    have text;
    constant text;
BEGIN
    SELECT a.*, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS expression INTO col
      FROM _tap_column(schema_name, relation, column_name) a
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = _tap_relation(NULL, schema_name, relation)
       AND d.adnum = (SELECT attnum FROM pg_catalog.pg_attribute
                       WHERE attrelid = d.adrelid AND attname = column_name);
    IF NOT FOUND THEN
        RETURN ok(false, descr) || E'\n'
            || diag('    Column ' || _tap_column_name(schema_name, relation, column_name) || ' does not exist');
    END IF;
    IF NOT col.atthasdef THEN
        RETURN ok(false, descr) || E'\n'
            || diag('    Column ' || _tap_column_name(schema_name, relation, column_name) || ' has no default');
    END IF;
    have := col.expression;
    IF have IS DISTINCT FROM want AND have ~ '^(''([^'']|'''')*''|[-0-9.]+)(::[a-z ]+)?$' THEN
        EXECUTE 'SELECT (' || have || ')::text' INTO constant;
        IF constant = want THEN
            have := constant;
        END IF;
    END IF;
    RETURN is(have, want, descr);
END;
$$;
CREATE FUNCTION col_default_is(name, name, name, anyelement, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_default_is($1, $2, $3, $4::text, $5)$$;
CREATE FUNCTION col_default_is(name, name, name, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_default_is($1, $2, $3, $4, $5)$$;
CREATE FUNCTION col_default_is(name, name, anyelement, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_default_is(NULL, $1, $2, $3::text, $4)$$;
CREATE FUNCTION col_default_is(name, name, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_default_is(NULL, $1, $2, $3, $4)$$;
CREATE FUNCTION col_default_is(name, name, anyelement) RETURNS text LANGUAGE sql AS $$
    SELECT col_default_is($1, $2, $3, 'Column ' || _tap_column_name(NULL, $1, $2) || ' should default to '
                                      || coalesce(quote_literal($3), 'NULL'))
$$;
CREATE FUNCTION col_default_is(name, name, text) RETURNS text LANGUAGE sql AS $$
    SELECT col_default_is($1, $2, $3, 'Column ' || _tap_column_name(NULL, $1, $2) || ' should default to '
                                      || coalesce(quote_literal($3), 'NULL'))
$$;

-- Keys: the columns of a table's primary key.
CREATE FUNCTION _tap_key_columns(schema_name name, relation name, kind "char") RETURNS name[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(a.attname ORDER BY k.ord)
      FROM pg_catalog.pg_constraint c
      CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
     WHERE c.conrelid = _tap_relation(NULL, schema_name, relation) AND c.contype = kind
     GROUP BY c.oid
     LIMIT 1
$$;

CREATE FUNCTION has_pk(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(_tap_key_columns($1, $2, 'p') IS NOT NULL, $3)$$;
CREATE FUNCTION has_pk(name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(_tap_key_columns(NULL, $1, 'p') IS NOT NULL, $2)$$;
CREATE FUNCTION has_pk(name) RETURNS text LANGUAGE sql
    AS $$SELECT has_pk($1, 'Table ' || quote_ident($1) || ' should have a primary key')$$;

CREATE FUNCTION col_is_pk(name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT is(_tap_key_columns($1, $2, 'p'), $3, $4)$$;
CREATE FUNCTION col_is_pk(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT is(_tap_key_columns(NULL, $1, 'p'), $2, $3)$$;
CREATE FUNCTION col_is_pk(name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT col_is_pk($1, $2, 'Columns ' || quote_ident($1) || '('
                             || (SELECT string_agg(quote_ident(c), ', ') FROM unnest($2) c) || ') should be a primary key')
$$;
CREATE FUNCTION col_is_pk(name, name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT col_is_pk($1, $2, ARRAY[$3], $4)$$;
CREATE FUNCTION col_is_pk(name, name, text) RETURNS text LANGUAGE sql AS $$SELECT col_is_pk($1, ARRAY[$2], $3)$$;
CREATE FUNCTION col_is_pk(name, name) RETURNS text LANGUAGE sql AS $$
    SELECT col_is_pk($1, $2, 'Column ' || quote_ident($1) || '(' || quote_ident($2) || ') should be a primary key')
$$;

-- Indexes: found by name on a table; its columns (or expressions) as pg_get_indexdef prints them.
CREATE FUNCTION _tap_index(schema_name name, relation name, index_name name) RETURNS oid LANGUAGE sql STABLE AS $$
    SELECT i.indexrelid FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
     WHERE i.indrelid = _tap_relation(NULL, schema_name, relation) AND ic.relname = index_name
$$;

CREATE FUNCTION _tap_index_columns(index_oid oid) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT array_agg(pg_catalog.pg_get_indexdef(index_oid, n, true) ORDER BY n)
      FROM generate_series(1, (SELECT indnkeyatts FROM pg_catalog.pg_index WHERE indexrelid = index_oid)) n
$$;

CREATE FUNCTION _tap_is_schema(name) RETURNS boolean LANGUAGE sql STABLE
    AS $$SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)$$;

CREATE FUNCTION has_index(name, name, name, name[], text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN cols IS NULL
                THEN ok(false, $5) || E'\n' || diag('Index ' || quote_ident($3) || ' ON ' || quote_ident($1) || '.'
                                                    || quote_ident($2) || ' not found')
                ELSE is(quote_ident($3) || ' ON ' || quote_ident($1) || '.' || quote_ident($2) || '('
                        || array_to_string(cols, ', ') || ')',
                        quote_ident($3) || ' ON ' || quote_ident($1) || '.' || quote_ident($2) || '('
                        || array_to_string($4, ', ') || ')', $5) END
      FROM (SELECT _tap_index_columns(_tap_index($1, $2, $3)) AS cols) found
$$;
CREATE FUNCTION has_index(name, name, name, name[]) RETURNS text LANGUAGE sql
    AS $$SELECT has_index($1, $2, $3, $4, 'Index ' || quote_ident($3) || ' should exist')$$;
CREATE FUNCTION has_index(name, name, name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT has_index($1, $2, $3, ARRAY[$4], $5)$$;
CREATE FUNCTION has_index(name, name, name, name) RETURNS text LANGUAGE sql
    AS $$SELECT has_index($1, $2, $3, ARRAY[$4], 'Index ' || quote_ident($3) || ' should exist')$$;
CREATE FUNCTION has_index(name, name, name[], text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN cols IS NULL
                THEN ok(false, $4) || E'\n' || diag('Index ' || quote_ident($2) || ' ON ' || quote_ident($1) || ' not found')
                ELSE is(quote_ident($2) || ' ON ' || quote_ident($1) || '(' || array_to_string(cols, ', ') || ')',
                        quote_ident($2) || ' ON ' || quote_ident($1) || '(' || array_to_string($3, ', ') || ')', $4) END
      FROM (SELECT _tap_index_columns(_tap_index(NULL, $1, $2)) AS cols) found
$$;
CREATE FUNCTION has_index(name, name, name[]) RETURNS text LANGUAGE sql
    AS $$SELECT has_index($1, $2, $3, 'Index ' || quote_ident($2) || ' should exist')$$;
-- (schema, table, index, description) or (table, index, column, description)
CREATE FUNCTION has_index(name, name, name, text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN _tap_is_schema($1) THEN ok(_tap_index($1, $2, $3) IS NOT NULL, $4)
                ELSE has_index($1, $2, ARRAY[$3], $4) END
$$;
-- (schema, table, index) or (table, index, column)
CREATE FUNCTION has_index(name, name, name) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN _tap_is_schema($1) THEN ok(_tap_index($1, $2, $3) IS NOT NULL, 'Index ' || quote_ident($3) || ' should exist')
                ELSE has_index($1, $2, ARRAY[$3], 'Index ' || quote_ident($2) || ' should exist') END
$$;
CREATE FUNCTION has_index(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(_tap_index(NULL, $1, $2) IS NOT NULL, $3)$$;
CREATE FUNCTION has_index(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT has_index($1, $2, 'Index ' || quote_ident($2) || ' should exist')$$;
CREATE FUNCTION hasnt_index(name, name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(_tap_index($1, $2, $3) IS NULL, $4)$$;
CREATE FUNCTION hasnt_index(name, name, name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_index($1, $2, $3, 'Index ' || quote_ident($3) || ' should not exist')$$;
CREATE FUNCTION hasnt_index(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(_tap_index(NULL, $1, $2) IS NULL, $3)$$;
CREATE FUNCTION hasnt_index(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_index($1, $2, 'Index ' || quote_ident($2) || ' should not exist')$$;

-- Functions: by schema (or visible), name and, where given, argument types (normalised through regtype).
CREATE FUNCTION _tap_arguments(name[]) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN array_to_string($1::regtype[], ',');
EXCEPTION WHEN undefined_object THEN
    RETURN array_to_string($1, ',');
END;
$$;

CREATE FUNCTION _tap_function(schema_name name, function_name name, arguments name[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE p.proname = function_name
           AND CASE WHEN schema_name IS NULL THEN pg_catalog.pg_function_is_visible(p.oid) ELSE n.nspname = schema_name END
           AND (arguments IS NULL
                OR coalesce((SELECT string_agg(t::regtype::text, ',' ORDER BY i)
                               FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i)), '')
                   = _tap_arguments(arguments)))
$$;

CREATE FUNCTION has_function(name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(_tap_function($1, $2, $3), $4)$$;
CREATE FUNCTION has_function(name, name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT has_function($1, $2, $3, 'Function ' || quote_ident($1) || '.' || quote_ident($2) || '('
                                    || array_to_string($3, ', ') || ') should exist')
$$;
CREATE FUNCTION has_function(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(_tap_function($1, $2, NULL), $3)$$;
CREATE FUNCTION has_function(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT has_function($1, $2, 'Function ' || quote_ident($1) || '.' || quote_ident($2) || '() should exist')$$;
CREATE FUNCTION has_function(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(_tap_function(NULL, $1, $2), $3)$$;
CREATE FUNCTION has_function(name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT has_function($1, $2, 'Function ' || quote_ident($1) || '(' || array_to_string($2, ', ') || ') should exist')
$$;
CREATE FUNCTION has_function(name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_function(NULL, $1, NULL), $2)$$;
CREATE FUNCTION has_function(name) RETURNS text LANGUAGE sql
    AS $$SELECT has_function($1, 'Function ' || quote_ident($1) || '() should exist')$$;
CREATE FUNCTION hasnt_function(name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT _tap_function($1, $2, $3), $4)$$;
CREATE FUNCTION hasnt_function(name, name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT hasnt_function($1, $2, $3, 'Function ' || quote_ident($1) || '.' || quote_ident($2) || '('
                                      || array_to_string($3, ', ') || ') should not exist')
$$;
CREATE FUNCTION hasnt_function(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT _tap_function($1, $2, NULL), $3)$$;
CREATE FUNCTION hasnt_function(name, name) RETURNS text LANGUAGE sql AS $$
    SELECT hasnt_function($1, $2, 'Function ' || quote_ident($1) || '.' || quote_ident($2) || '() should not exist')
$$;
CREATE FUNCTION hasnt_function(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT _tap_function(NULL, $1, $2), $3)$$;
CREATE FUNCTION hasnt_function(name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT hasnt_function($1, $2, 'Function ' || quote_ident($1) || '(' || array_to_string($2, ', ')
                                  || ') should not exist')
$$;
CREATE FUNCTION hasnt_function(name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT _tap_function(NULL, $1, NULL), $2)$$;
CREATE FUNCTION hasnt_function(name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_function($1, 'Function ' || quote_ident($1) || '() should not exist')$$;

CREATE FUNCTION _tap_trigger(schema_name name, relation name, trigger_name name) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger
                    WHERE tgrelid = _tap_relation(NULL, schema_name, relation) AND tgname = trigger_name)
$$;
CREATE FUNCTION has_trigger(name, name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(_tap_trigger($1, $2, $3), $4)$$;
CREATE FUNCTION has_trigger(name, name, name) RETURNS text LANGUAGE sql AS $$
    SELECT has_trigger($1, $2, $3, 'Table ' || quote_ident($1) || '.' || quote_ident($2) || ' should have trigger '
                                   || quote_ident($3))
$$;
CREATE FUNCTION has_trigger(name, name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_trigger(NULL, $1, $2), $3)$$;
CREATE FUNCTION has_trigger(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT has_trigger($1, $2, 'Table ' || quote_ident($1) || ' should have trigger ' || quote_ident($2))$$;
CREATE FUNCTION hasnt_trigger(name, name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT _tap_trigger($1, $2, $3), $4)$$;
CREATE FUNCTION hasnt_trigger(name, name, name) RETURNS text LANGUAGE sql AS $$
    SELECT hasnt_trigger($1, $2, $3, 'Table ' || quote_ident($1) || '.' || quote_ident($2) || ' should not have trigger '
                                     || quote_ident($3))
$$;
CREATE FUNCTION hasnt_trigger(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT _tap_trigger(NULL, $1, $2), $3)$$;
CREATE FUNCTION hasnt_trigger(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_trigger($1, $2, 'Table ' || quote_ident($1) || ' should not have trigger ' || quote_ident($2))$$;

CREATE FUNCTION has_schema(name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_is_schema($1), $2)$$;
CREATE FUNCTION has_schema(name) RETURNS text LANGUAGE sql
    AS $$SELECT has_schema($1, 'Schema ' || quote_ident($1) || ' should exist')$$;
CREATE FUNCTION hasnt_schema(name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(NOT _tap_is_schema($1), $2)$$;
CREATE FUNCTION hasnt_schema(name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_schema($1, 'Schema ' || quote_ident($1) || ' should not exist')$$;

CREATE FUNCTION _tap_type(schema_name name, type_name name) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
         WHERE t.typisdefined AND t.typname = type_name AND t.typtype IN ('b', 'c', 'd', 'p', 'e')
           AND CASE WHEN schema_name IS NULL THEN pg_catalog.pg_type_is_visible(t.oid) ELSE n.nspname = schema_name END)
$$;
CREATE FUNCTION has_type(name, name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_type($1, $2), $3)$$;
CREATE FUNCTION has_type(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT has_type($1, $2, 'Type ' || quote_ident($1) || '.' || quote_ident($2) || ' should exist')$$;
CREATE FUNCTION has_type(name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_type(NULL, $1), $2)$$;
CREATE FUNCTION has_type(name) RETURNS text LANGUAGE sql
    AS $$SELECT has_type($1, 'Type ' || quote_ident($1) || ' should exist')$$;
CREATE FUNCTION hasnt_type(name, name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(NOT _tap_type($1, $2), $3)$$;
CREATE FUNCTION hasnt_type(name, name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_type($1, $2, 'Type ' || quote_ident($1) || '.' || quote_ident($2) || ' should not exist')$$;
CREATE FUNCTION hasnt_type(name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(NOT _tap_type(NULL, $1), $2)$$;
CREATE FUNCTION hasnt_type(name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_type($1, 'Type ' || quote_ident($1) || ' should not exist')$$;

CREATE FUNCTION _tap_extension(schema_name name, extension_name name) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                    WHERE e.extname = extension_name AND (schema_name IS NULL OR n.nspname = schema_name))
$$;
CREATE FUNCTION has_extension(name, name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_extension($1, $2), $3)$$;
CREATE FUNCTION has_extension(name, name) RETURNS text LANGUAGE sql AS $$
    SELECT has_extension($1, $2, 'Extension ' || quote_ident($2) || ' should exist in schema ' || quote_ident($1))
$$;
CREATE FUNCTION has_extension(name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(_tap_extension(NULL, $1), $2)$$;
CREATE FUNCTION has_extension(name) RETURNS text LANGUAGE sql
    AS $$SELECT has_extension($1, 'Extension ' || quote_ident($1) || ' should exist')$$;
CREATE FUNCTION hasnt_extension(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT _tap_extension($1, $2), $3)$$;
CREATE FUNCTION hasnt_extension(name, name) RETURNS text LANGUAGE sql AS $$
    SELECT hasnt_extension($1, $2, 'Extension ' || quote_ident($2) || ' should not exist in schema ' || quote_ident($1))
$$;
CREATE FUNCTION hasnt_extension(name, text) RETURNS text LANGUAGE sql AS $$SELECT ok(NOT _tap_extension(NULL, $1), $2)$$;
CREATE FUNCTION hasnt_extension(name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_extension($1, 'Extension ' || quote_ident($1) || ' should not exist')$$;

CREATE FUNCTION has_role(name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1), $2)$$;
CREATE FUNCTION has_role(name) RETURNS text LANGUAGE sql
    AS $$SELECT has_role($1, 'Role ' || quote_ident($1) || ' should exist')$$;
CREATE FUNCTION hasnt_role(name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1), $2)$$;
CREATE FUNCTION hasnt_role(name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_role($1, 'Role ' || quote_ident($1) || ' should not exist')$$;

-- -- "these and only these": the *_are assertions ------------------------------------------------------------

CREATE FUNCTION _tap_listing(names name[]) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$SELECT string_agg(quote_ident(n), E'\n        ' ORDER BY n) FROM unnest(names) n$$;

CREATE FUNCTION _tap_are(what text, have name[], want name[], descr text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    extra   name[] := ARRAY(SELECT unnest(have) EXCEPT SELECT unnest(want));
    missing name[] := ARRAY(SELECT unnest(want) EXCEPT SELECT unnest(have));
    message text := '';
BEGIN
    IF cardinality(extra) > 0 THEN
        message := E'\n' || diag('    Extra ' || what || E':\n        ' || _tap_listing(extra));
    END IF;
    IF cardinality(missing) > 0 THEN
        message := message || E'\n' || diag('    Missing ' || what || E':\n        ' || _tap_listing(missing));
    END IF;
    RETURN ok(message = '', descr) || message;
END;
$$;

CREATE FUNCTION _tap_relations(kinds "char"[], schema_name name) RETURNS name[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(
        SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = ANY(kinds)
           AND CASE WHEN schema_name IS NULL
                    THEN pg_catalog.pg_table_is_visible(c.oid) AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                    ELSE n.nspname = schema_name END)
$$;

CREATE FUNCTION tables_are(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('tables', _tap_relations('{r,p}', $1), $2, $3)$$;
CREATE FUNCTION tables_are(name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('tables', _tap_relations('{r,p}', NULL), $1, $2)$$;
CREATE FUNCTION tables_are(name, name[]) RETURNS text LANGUAGE sql
    AS $$SELECT tables_are($1, $2, 'Schema ' || quote_ident($1) || ' should have the correct tables')$$;
CREATE FUNCTION tables_are(name[]) RETURNS text LANGUAGE sql AS $$
    SELECT tables_are($1, 'Search path ' || pg_catalog.current_setting('search_path') || ' should have the correct tables')
$$;
CREATE FUNCTION views_are(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('views', _tap_relations('{v}', $1), $2, $3)$$;
CREATE FUNCTION views_are(name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('views', _tap_relations('{v}', NULL), $1, $2)$$;
CREATE FUNCTION views_are(name, name[]) RETURNS text LANGUAGE sql
    AS $$SELECT views_are($1, $2, 'Schema ' || quote_ident($1) || ' should have the correct views')$$;
CREATE FUNCTION views_are(name[]) RETURNS text LANGUAGE sql AS $$
    SELECT views_are($1, 'Search path ' || pg_catalog.current_setting('search_path') || ' should have the correct views')
$$;

CREATE FUNCTION schemas_are(name[], text) RETURNS text LANGUAGE sql AS $$
    SELECT _tap_are('schemas', ARRAY(SELECT nspname FROM pg_catalog.pg_namespace
                                      WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'), $1, $2)
$$;
CREATE FUNCTION schemas_are(name[]) RETURNS text LANGUAGE sql
    AS $$SELECT schemas_are($1, 'There should be the correct schemas')$$;

CREATE FUNCTION _tap_functions(schema_name name) RETURNS name[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(
        SELECT DISTINCT p.proname FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE CASE WHEN schema_name IS NULL
                    THEN pg_catalog.pg_function_is_visible(p.oid) AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                    ELSE n.nspname = schema_name END)
$$;
CREATE FUNCTION functions_are(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('functions', _tap_functions($1), $2, $3)$$;
CREATE FUNCTION functions_are(name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('functions', _tap_functions(NULL), $1, $2)$$;
CREATE FUNCTION functions_are(name, name[]) RETURNS text LANGUAGE sql
    AS $$SELECT functions_are($1, $2, 'Schema ' || quote_ident($1) || ' should have the correct functions')$$;
CREATE FUNCTION functions_are(name[]) RETURNS text LANGUAGE sql AS $$
    SELECT functions_are($1, 'Search path ' || pg_catalog.current_setting('search_path')
                             || ' should have the correct functions')
$$;

CREATE FUNCTION _tap_extensions(schema_name name) RETURNS name[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT e.extname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                  WHERE CASE WHEN schema_name IS NULL THEN e.extname <> 'plpgsql' ELSE n.nspname = schema_name END)
$$;
CREATE FUNCTION extensions_are(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('extensions', _tap_extensions($1), $2, $3)$$;
CREATE FUNCTION extensions_are(name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('extensions', _tap_extensions(NULL), $1, $2)$$;
CREATE FUNCTION extensions_are(name, name[]) RETURNS text LANGUAGE sql
    AS $$SELECT extensions_are($1, $2, 'Schema ' || quote_ident($1) || ' should have the correct extensions')$$;
CREATE FUNCTION extensions_are(name[]) RETURNS text LANGUAGE sql
    AS $$SELECT extensions_are($1, 'Should have the correct extensions')$$;

-- -- row level security policies -----------------------------------------------------------------------------------

-- Without a schema, a table of that name anywhere (the one on the search path first), as pgTAP looks it up.
CREATE FUNCTION _tap_policy_table(schema_name name, relation name) RETURNS oid LANGUAGE sql STABLE AS $$
    SELECT coalesce(_tap_relation(NULL, schema_name, relation),
                    CASE WHEN schema_name IS NULL THEN (SELECT min(oid) FROM pg_catalog.pg_class WHERE relname = relation) END)
$$;

CREATE FUNCTION _tap_policies(schema_name name, relation name) RETURNS name[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT polname FROM pg_catalog.pg_policy WHERE polrelid = _tap_policy_table(schema_name, relation))
$$;
CREATE FUNCTION policies_are(name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('policies', _tap_policies($1, $2), $3, $4)$$;
CREATE FUNCTION policies_are(name, name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT policies_are($1, $2, $3, 'Table ' || quote_ident($1) || '.' || quote_ident($2)
                                    || ' should have the correct policies')
$$;
CREATE FUNCTION policies_are(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('policies', _tap_policies(NULL, $1), $2, $3)$$;
CREATE FUNCTION policies_are(name, name[]) RETURNS text LANGUAGE sql
    AS $$SELECT policies_are($1, $2, 'Table ' || quote_ident($1) || ' should have the correct policies')$$;

-- The roles a policy applies to, by name (a policy for PUBLIC lists no role).
CREATE FUNCTION _tap_policy_roles(schema_name name, relation name, policy name) RETURNS name[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT r.rolname FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_roles r ON r.oid = ANY(p.polroles)
                  WHERE p.polrelid = _tap_policy_table(schema_name, relation) AND p.polname = policy)
$$;
CREATE FUNCTION policy_roles_are(name, name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('policy roles', _tap_policy_roles($1, $2, $3), $4, $5)$$;
CREATE FUNCTION policy_roles_are(name, name, name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT policy_roles_are($1, $2, $3, $4, 'Policy ' || quote_ident($3) || ' for table ' || quote_ident($1) || '.'
                                            || quote_ident($2) || ' should have the correct roles')
$$;
CREATE FUNCTION policy_roles_are(name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('policy roles', _tap_policy_roles(NULL, $1, $2), $3, $4)$$;
CREATE FUNCTION policy_roles_are(name, name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT policy_roles_are($1, $2, $3, 'Policy ' || quote_ident($2) || ' for table ' || quote_ident($1)
                                        || ' should have the correct roles')
$$;

CREATE FUNCTION _tap_policy_cmd(schema_name name, relation name, policy name) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE'
                       ELSE 'ALL' END
      FROM pg_catalog.pg_policy WHERE polrelid = _tap_policy_table(schema_name, relation) AND polname = policy
$$;
CREATE FUNCTION policy_cmd_is(name, name, name, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT is(_tap_policy_cmd($1, $2, $3), upper($4), $5)$$;
CREATE FUNCTION policy_cmd_is(name, name, name, text) RETURNS text LANGUAGE sql AS $$
    SELECT policy_cmd_is($1, $2, $3, $4, 'Policy ' || quote_ident($3) || ' for table ' || quote_ident($1) || '.'
                                         || quote_ident($2) || ' should apply to ' || upper($4) || ' command')
$$;
CREATE FUNCTION policy_cmd_is(name, name, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT is(_tap_policy_cmd(NULL, $1, $2), upper($3), $4)$$;
CREATE FUNCTION policy_cmd_is(name, name, text) RETURNS text LANGUAGE sql AS $$
    SELECT policy_cmd_is($1, $2, $3, 'Policy ' || quote_ident($2) || ' for table ' || quote_ident($1)
                                     || ' should apply to ' || upper($3) || ' command')
$$;

-- -- more of a table: its columns, indexes and triggers, exactly ----------------------------------------------

CREATE FUNCTION _tap_column_names(schema_name name, relation name) RETURNS name[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT attname FROM pg_catalog.pg_attribute
                  WHERE attrelid = _tap_relation(NULL, schema_name, relation) AND attnum > 0 AND NOT attisdropped)
$$;
CREATE FUNCTION columns_are(name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('columns', _tap_column_names($1, $2), $3, $4)$$;
CREATE FUNCTION columns_are(name, name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT columns_are($1, $2, $3, 'Table ' || quote_ident($1) || '.' || quote_ident($2) || ' should have the correct columns')
$$;
CREATE FUNCTION columns_are(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('columns', _tap_column_names(NULL, $1), $2, $3)$$;
CREATE FUNCTION columns_are(name, name[]) RETURNS text LANGUAGE sql
    AS $$SELECT columns_are($1, $2, 'Table ' || quote_ident($1) || ' should have the correct columns')$$;

CREATE FUNCTION _tap_index_names(schema_name name, relation name) RETURNS name[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT ic.relname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                  WHERE i.indrelid = _tap_relation(NULL, schema_name, relation))
$$;
CREATE FUNCTION indexes_are(name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('indexes', _tap_index_names($1, $2), $3, $4)$$;
CREATE FUNCTION indexes_are(name, name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT indexes_are($1, $2, $3, 'Table ' || quote_ident($1) || '.' || quote_ident($2) || ' should have the correct indexes')
$$;
CREATE FUNCTION indexes_are(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('indexes', _tap_index_names(NULL, $1), $2, $3)$$;
CREATE FUNCTION indexes_are(name, name[]) RETURNS text LANGUAGE sql
    AS $$SELECT indexes_are($1, $2, 'Table ' || quote_ident($1) || ' should have the correct indexes')$$;

CREATE FUNCTION _tap_trigger_names(schema_name name, relation name) RETURNS name[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT tgname FROM pg_catalog.pg_trigger
                  WHERE tgrelid = _tap_relation(NULL, schema_name, relation) AND NOT tgisinternal)
$$;
CREATE FUNCTION triggers_are(name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('triggers', _tap_trigger_names($1, $2), $3, $4)$$;
CREATE FUNCTION triggers_are(name, name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT triggers_are($1, $2, $3, 'Table ' || quote_ident($1) || '.' || quote_ident($2)
                                    || ' should have the correct triggers')
$$;
CREATE FUNCTION triggers_are(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_are('triggers', _tap_trigger_names(NULL, $1), $2, $3)$$;
CREATE FUNCTION triggers_are(name, name[]) RETURNS text LANGUAGE sql
    AS $$SELECT triggers_are($1, $2, 'Table ' || quote_ident($1) || ' should have the correct triggers')$$;

-- -- functions: what they return, security definer ---------------------------------------------------------------

-- The functions of that name (in the schema, or visible), with exactly these argument types where given.
CREATE FUNCTION _tap_functions_named(schema_name name, function_name name, arguments name[])
RETURNS SETOF pg_catalog.oid LANGUAGE sql STABLE AS $$
    SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     WHERE p.proname = function_name
       AND CASE WHEN schema_name IS NULL THEN pg_catalog.pg_function_is_visible(p.oid) ELSE n.nspname = schema_name END
       AND (arguments IS NULL
            OR coalesce((SELECT string_agg(t::regtype::text, ',' ORDER BY i)
                           FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i)), '')
               = array_to_string(arguments, ','))
$$;

CREATE FUNCTION _tap_no_such_function(schema_name name, function_name name, arguments name[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT E'\n' || diag('    Function ' || coalesce(quote_ident(schema_name) || '.', '') || quote_ident(function_name)
                         || '(' || array_to_string(coalesce(arguments, '{}'), ', ') || ') does not exist')
$$;

CREATE FUNCTION _tap_returns(schema_name name, function_name name, arguments name[], want text, descr text)
RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN have IS NULL THEN ok(false, descr) || _tap_no_such_function(schema_name, function_name, arguments)
                ELSE is(have, want, descr) END
      FROM (SELECT (SELECT CASE WHEN p.proretset THEN 'setof ' ELSE '' END || p.prorettype::regtype::text
                      FROM pg_catalog.pg_proc p
                     WHERE p.oid = (SELECT min(f) FROM _tap_functions_named(schema_name, function_name, arguments) f))
                   AS have) found
$$;
CREATE FUNCTION function_returns(name, name, name[], text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_returns($1, $2, $3, $4, $5)$$;
CREATE FUNCTION function_returns(name, name, name[], text) RETURNS text LANGUAGE sql AS $$
    SELECT function_returns($1, $2, $3, $4, 'Function ' || quote_ident($1) || '.' || quote_ident($2) || '('
                                            || array_to_string($3, ', ') || ') should return ' || $4)
$$;
CREATE FUNCTION function_returns(name, name, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_returns($1, $2, NULL, $3, $4)$$;
CREATE FUNCTION function_returns(name, name, text) RETURNS text LANGUAGE sql AS $$
    SELECT function_returns($1, $2, $3, 'Function ' || quote_ident($1) || '.' || quote_ident($2) || '() should return '
                                        || $3)
$$;
CREATE FUNCTION function_returns(name, name[], text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_returns(NULL, $1, $2, $3, $4)$$;
CREATE FUNCTION function_returns(name, name[], text) RETURNS text LANGUAGE sql AS $$
    SELECT function_returns($1, $2, $3, 'Function ' || quote_ident($1) || '(' || array_to_string($2, ', ')
                                        || ') should return ' || $3)
$$;
CREATE FUNCTION function_returns(name, text, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_returns(NULL, $1, NULL, $2, $3)$$;
CREATE FUNCTION function_returns(name, text) RETURNS text LANGUAGE sql
    AS $$SELECT function_returns($1, $2, 'Function ' || quote_ident($1) || '() should return ' || $2)$$;

CREATE FUNCTION _tap_definer(schema_name name, function_name name, arguments name[], want boolean, descr text)
RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN definer IS NULL
                THEN ok(false, descr) || _tap_no_such_function(schema_name, function_name, arguments)
                ELSE ok(definer = want, descr) END
      FROM (SELECT (SELECT p.prosecdef FROM pg_catalog.pg_proc p
                     WHERE p.oid = (SELECT min(f) FROM _tap_functions_named(schema_name, function_name, arguments) f))
                   AS definer) found
$$;
CREATE FUNCTION is_definer(name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_definer($1, $2, $3, true, $4)$$;
CREATE FUNCTION is_definer(name, name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT is_definer($1, $2, $3, 'Function ' || quote_ident($1) || '.' || quote_ident($2) || '('
                                  || array_to_string($3, ', ') || ') should be security definer')
$$;
CREATE FUNCTION is_definer(name, name, text) RETURNS text LANGUAGE sql AS $$SELECT _tap_definer($1, $2, NULL, true, $3)$$;
CREATE FUNCTION is_definer(name, name) RETURNS text LANGUAGE sql AS $$
    SELECT is_definer($1, $2, 'Function ' || quote_ident($1) || '.' || quote_ident($2) || '() should be security definer')
$$;
CREATE FUNCTION is_definer(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_definer(NULL, $1, $2, true, $3)$$;
CREATE FUNCTION is_definer(name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT is_definer($1, $2, 'Function ' || quote_ident($1) || '(' || array_to_string($2, ', ')
                              || ') should be security definer')
$$;
CREATE FUNCTION is_definer(name, text) RETURNS text LANGUAGE sql AS $$SELECT _tap_definer(NULL, $1, NULL, true, $2)$$;
CREATE FUNCTION is_definer(name) RETURNS text LANGUAGE sql
    AS $$SELECT is_definer($1, 'Function ' || quote_ident($1) || '() should be security definer')$$;
CREATE FUNCTION isnt_definer(name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_definer($1, $2, $3, false, $4)$$;
CREATE FUNCTION isnt_definer(name, name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT isnt_definer($1, $2, $3, 'Function ' || quote_ident($1) || '.' || quote_ident($2) || '('
                                    || array_to_string($3, ', ') || ') should not be security definer')
$$;
CREATE FUNCTION isnt_definer(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_definer($1, $2, NULL, false, $3)$$;
CREATE FUNCTION isnt_definer(name, name) RETURNS text LANGUAGE sql AS $$
    SELECT isnt_definer($1, $2, 'Function ' || quote_ident($1) || '.' || quote_ident($2)
                                || '() should not be security definer')
$$;
CREATE FUNCTION isnt_definer(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_definer(NULL, $1, $2, false, $3)$$;
CREATE FUNCTION isnt_definer(name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT isnt_definer($1, $2, 'Function ' || quote_ident($1) || '(' || array_to_string($2, ', ')
                                || ') should not be security definer')
$$;
CREATE FUNCTION isnt_definer(name, text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_definer(NULL, $1, NULL, false, $2)$$;
CREATE FUNCTION isnt_definer(name) RETURNS text LANGUAGE sql
    AS $$SELECT isnt_definer($1, 'Function ' || quote_ident($1) || '() should not be security definer')$$;

-- -- foreign keys ---------------------------------------------------------------------------------------------

-- The columns of each foreign key of a table, in key order.
CREATE FUNCTION _tap_foreign_keys_of(relation oid) RETURNS SETOF name[] LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                  ORDER BY k.ord)
      FROM pg_catalog.pg_constraint c
     WHERE c.conrelid = relation AND c.contype = 'f'
$$;
CREATE FUNCTION _tap_foreign_keys(schema_name name, relation name) RETURNS SETOF name[] LANGUAGE sql STABLE
    AS $$SELECT * FROM _tap_foreign_keys_of(_tap_relation('{r,p}', schema_name, relation))$$;

CREATE FUNCTION has_fk(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(EXISTS (SELECT 1 FROM _tap_foreign_keys($1, $2)), $3)$$;
CREATE FUNCTION has_fk(name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(EXISTS (SELECT 1 FROM _tap_foreign_keys(NULL, $1)), $2)$$;
CREATE FUNCTION has_fk(name) RETURNS text LANGUAGE sql
    AS $$SELECT has_fk($1, 'Table ' || quote_ident($1) || ' should have a foreign key constraint')$$;
CREATE FUNCTION hasnt_fk(name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT EXISTS (SELECT 1 FROM _tap_foreign_keys($1, $2)), $3)$$;
CREATE FUNCTION hasnt_fk(name, text) RETURNS text LANGUAGE sql
    AS $$SELECT ok(NOT EXISTS (SELECT 1 FROM _tap_foreign_keys(NULL, $1)), $2)$$;
CREATE FUNCTION hasnt_fk(name) RETURNS text LANGUAGE sql
    AS $$SELECT hasnt_fk($1, 'Table ' || quote_ident($1) || ' should not have a foreign key constraint')$$;

CREATE FUNCTION _tap_col_is_fk(schema_name name, relation name, columns name[], descr text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    keys text[];
    table_name text := coalesce(quote_ident(schema_name) || '.', '') || quote_ident(relation);
BEGIN
    IF EXISTS (SELECT 1 FROM _tap_foreign_keys(schema_name, relation) k WHERE k = columns) THEN
        RETURN ok(true, descr);
    END IF;
    -- (what the table has: without a schema, of a table of that name anywhere, as pgTAP lists them)
    SELECT array_agg((SELECT string_agg(quote_ident(c), ', ') FROM unnest(k) c) ORDER BY k) INTO keys
      FROM _tap_foreign_keys_of(_tap_policy_table(schema_name, relation)) k;
    IF keys IS NOT NULL THEN
        RETURN ok(false, descr) || E'\n' || diag('    Table ' || table_name
            || E' has foreign key constraints on these columns:\n        ' || array_to_string(keys, E'\n        '));
    END IF;
    RETURN ok(false, descr) || E'\n' || diag('    Table ' || table_name || ' has no foreign key columns');
END;
$$;
CREATE FUNCTION col_is_fk(name, name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_col_is_fk($1, $2, $3, $4)$$;
CREATE FUNCTION col_is_fk(name, name[], text) RETURNS text LANGUAGE sql
    AS $$SELECT _tap_col_is_fk(NULL, $1, $2, $3)$$;
CREATE FUNCTION col_is_fk(name, name[]) RETURNS text LANGUAGE sql AS $$
    SELECT col_is_fk($1, $2, 'Columns ' || quote_ident($1) || '('
                             || (SELECT string_agg(quote_ident(c), ', ') FROM unnest($2) c) || ') should be a foreign key')
$$;
CREATE FUNCTION col_is_fk(name, name, name, text) RETURNS text LANGUAGE sql
    AS $$SELECT col_is_fk($1, $2, ARRAY[$3], $4)$$;
CREATE FUNCTION col_is_fk(name, name, text) RETURNS text LANGUAGE sql AS $$SELECT col_is_fk($1, ARRAY[$2], $3)$$;
CREATE FUNCTION col_is_fk(name, name) RETURNS text LANGUAGE sql AS $$
    SELECT col_is_fk($1, $2, 'Column ' || quote_ident($1) || '(' || quote_ident($2) || ') should be a foreign key')
$$;
