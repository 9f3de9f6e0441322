-- supatasks DEVELOPMENT STAND-IN of http (pgsql-http): 1.6 -> 1.7.
-- 1.7 adds http_headers('name', 'value', ...), which builds an http_header[]
-- from name/value pairs (real: nothing here sends a request).

\echo Use "CREATE EXTENSION http" to load this file. \quit

ALTER DOMAIN http_method DROP CONSTRAINT IF EXISTS http_method_check;

CREATE FUNCTION http_headers(VARIADIC args text[])
RETURNS http_header[]
LANGUAGE plpgsql IMMUTABLE STRICT
AS $fn$
DECLARE
    result @extschema@.http_header[];
BEGIN
    IF array_length(args, 1) % 2 <> 0 THEN
        RAISE EXCEPTION 'Arguments must be provided in key-value pairs';
    END IF;
    FOR i IN 1 .. array_length(args, 1) BY 2 LOOP
        result := array_append(result, @extschema@.http_header(args[i], args[i + 1]));
    END LOOP;
    RETURN result;
END
$fn$;
