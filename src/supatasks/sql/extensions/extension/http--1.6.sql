-- supatasks DEVELOPMENT STAND-IN of http (pgsql-http) 1.6 -- NOT the real extension.
--
-- pgsql-http makes synchronous HTTP requests from SQL: http_get(uri) returns the
-- response (status, content type, headers, body) in the same statement.  Supabase
-- installs it `with schema extensions`; migrations create functions and triggers
-- that call it.
--
-- This stand-in has the same domains, composite types and function signatures
-- (argument names, defaults, return types), in SQL/PL/pgSQL:
--   * RAISES: http() and every helper that would send a request (http_get,
--     http_post, http_put, http_patch, http_delete, http_head) raise
--     feature_not_supported (0A000), naming the request: the local database never
--     sends anything.  Creating functions, views and triggers that call them works;
--     only running them raises.
--   * REAL: urlencode(varchar | bytea | jsonb) encodes exactly as the real one
--     (A-Z a-z 0-9 - . _ ~ kept, space as '+', everything else %XX; for jsonb the
--     top-level scalars as key=value pairs joined by '&', numbers without trailing
--     zeros, nested values skipped, an empty result NULL); http_header(); the
--     text_to_bytea/bytea_to_text casts of the raw bytes (bytea_to_text validates
--     the encoding, the real one does not); http_set_curlopt/http_reset_curlopt/
--     http_list_curlopt keep this session's options (the real option names; an
--     unknown one raises as the real one does), which are never used.
-- Functions that call other functions of this extension name them with
-- @extschema@, so they work under any search_path.

\echo Use "CREATE EXTENSION http" to load this file. \quit

CREATE DOMAIN http_method AS text;
CREATE DOMAIN content_type AS text
CHECK (
    VALUE ~ '^\S+\/\S+'
);

CREATE TYPE http_header AS (
    field VARCHAR,
    value VARCHAR
);

CREATE TYPE http_response AS (
    status INTEGER,
    content_type VARCHAR,
    headers http_header[],
    content VARCHAR
);

CREATE TYPE http_request AS (
    method http_method,
    uri VARCHAR,
    headers http_header[],
    content_type VARCHAR,
    content VARCHAR
);

-- ---------------------------------------------------------------------------
-- curl options: kept for the session (as custom settings supatasks_http.*), never used
-- ---------------------------------------------------------------------------

-- The options the real extension lets a session set, in its order.
CREATE FUNCTION http_supatasks_curlopts()
RETURNS text[]
LANGUAGE sql IMMUTABLE
RETURN ARRAY[
    'CURLOPT_CAINFO', 'CURLOPT_TIMEOUT', 'CURLOPT_TIMEOUT_MS', 'CURLOPT_CONNECTTIMEOUT',
    'CURLOPT_CONNECTTIMEOUT_MS', 'CURLOPT_USERAGENT', 'CURLOPT_USERPWD', 'CURLOPT_IPRESOLVE',
    'CURLOPT_SSLCERTTYPE', 'CURLOPT_PROXY', 'CURLOPT_PROXYPORT', 'CURLOPT_PROXYUSERNAME',
    'CURLOPT_PROXYPASSWORD', 'CURLOPT_TLSAUTH_USERNAME', 'CURLOPT_TLSAUTH_PASSWORD',
    'CURLOPT_TLSAUTH_TYPE', 'CURLOPT_DNS_SERVERS', 'CURLOPT_TCP_KEEPALIVE', 'CURLOPT_TCP_KEEPIDLE',
    'CURLOPT_SSL_VERIFYHOST', 'CURLOPT_SSL_VERIFYPEER', 'CURLOPT_SSLCERT', 'CURLOPT_SSLKEY',
    'CURLOPT_PRE_PROXY', 'CURLOPT_PROXY_CAINFO', 'CURLOPT_PROXY_TLSAUTH_USERNAME',
    'CURLOPT_PROXY_TLSAUTH_PASSWORD', 'CURLOPT_PROXY_TLSAUTH_TYPE', 'CURLOPT_SSLKEY_BLOB',
    'CURLOPT_SSLCERT_BLOB'
]::text[];

CREATE FUNCTION http_set_curlopt (curlopt VARCHAR, value VARCHAR)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    known text;
BEGIN
    IF curlopt IS NULL OR value IS NULL THEN
        RETURN false;
    END IF;
    SELECT o INTO known FROM unnest(@extschema@.http_supatasks_curlopts()) AS o
    WHERE upper(o) = upper(curlopt);
    IF known IS NULL THEN
        RAISE EXCEPTION 'curl option ''%'' is not available for run-time configuration', curlopt
            USING ERRCODE = 'internal_error';
    END IF;
    PERFORM set_config('supatasks_http.' || lower(known), value, false);
    RETURN true;
END
$fn$;

CREATE FUNCTION http_reset_curlopt ()
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    o text;
BEGIN
    FOREACH o IN ARRAY @extschema@.http_supatasks_curlopts() LOOP
        PERFORM set_config('supatasks_http.' || lower(o), '', false);
    END LOOP;
    RETURN true;
END
$fn$;

CREATE FUNCTION http_list_curlopt ()
RETURNS TABLE(curlopt text, value text)
LANGUAGE sql
AS $fn$
    SELECT o, v
    FROM unnest(@extschema@.http_supatasks_curlopts()) WITH ORDINALITY AS t(o, n),
         LATERAL (SELECT current_setting('supatasks_http.' || lower(o), true) AS v) AS s
    WHERE v IS NOT NULL AND v <> ''
    ORDER BY n
$fn$;

-- ---------------------------------------------------------------------------
-- Requests: never sent
-- ---------------------------------------------------------------------------

CREATE FUNCTION http_header (field VARCHAR, value VARCHAR)
RETURNS http_header
LANGUAGE sql
AS $fn$ SELECT $1, $2 $fn$;

CREATE FUNCTION http(request @extschema@.http_request)
RETURNS http_response
LANGUAGE plpgsql
AS $fn$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'feature_not_supported',
        MESSAGE = 'http: supatasks'' local database sends no HTTP requests (development stand-in of the http extension)',
        DETAIL = format('The request was %s %s.', coalesce((request).method::text, 'NULL'),
                        coalesce((request).uri::text, 'NULL')),
        HINT = 'Run this against a database with the real http extension (a Supabase project or `supabase start`).';
END
$fn$;

CREATE FUNCTION http_get(uri VARCHAR)
RETURNS http_response
LANGUAGE sql
AS $fn$ SELECT @extschema@.http(('GET', $1, NULL, NULL, NULL)::@extschema@.http_request) $fn$;

CREATE FUNCTION http_post(uri VARCHAR, content VARCHAR, content_type VARCHAR)
RETURNS http_response
LANGUAGE sql
AS $fn$ SELECT @extschema@.http(('POST', $1, NULL, $3, $2)::@extschema@.http_request) $fn$;

CREATE FUNCTION http_put(uri VARCHAR, content VARCHAR, content_type VARCHAR)
RETURNS http_response
LANGUAGE sql
AS $fn$ SELECT @extschema@.http(('PUT', $1, NULL, $3, $2)::@extschema@.http_request) $fn$;

CREATE FUNCTION http_patch(uri VARCHAR, content VARCHAR, content_type VARCHAR)
RETURNS http_response
LANGUAGE sql
AS $fn$ SELECT @extschema@.http(('PATCH', $1, NULL, $3, $2)::@extschema@.http_request) $fn$;

CREATE FUNCTION http_delete(uri VARCHAR)
RETURNS http_response
LANGUAGE sql
AS $fn$ SELECT @extschema@.http(('DELETE', $1, NULL, NULL, NULL)::@extschema@.http_request) $fn$;

CREATE FUNCTION http_delete(uri VARCHAR, content VARCHAR, content_type VARCHAR)
RETURNS http_response
LANGUAGE sql
AS $fn$ SELECT @extschema@.http(('DELETE', $1, NULL, $3, $2)::@extschema@.http_request) $fn$;

CREATE FUNCTION http_head(uri VARCHAR)
RETURNS http_response
LANGUAGE sql
AS $fn$ SELECT @extschema@.http(('HEAD', $1, NULL, NULL, NULL)::@extschema@.http_request) $fn$;

-- ---------------------------------------------------------------------------
-- URL encoding (real)
-- ---------------------------------------------------------------------------

-- The bytes up to the first zero byte: space as '+', A-Z a-z 0-9 - . _ ~ kept,
-- the rest as %XX.
CREATE FUNCTION urlencode(string BYTEA)
RETURNS TEXT
LANGUAGE sql IMMUTABLE STRICT
RETURN (
    SELECT coalesce(string_agg(
               CASE WHEN b = 32 THEN '+'
                    WHEN b BETWEEN 48 AND 57 OR b BETWEEN 65 AND 90 OR b BETWEEN 97 AND 122
                         OR b IN (45, 46, 95, 126) THEN chr(b)
                    ELSE '%' || upper(lpad(to_hex(b), 2, '0'))
               END, '' ORDER BY i), '')
    FROM (SELECT i, get_byte(string, i) AS b FROM generate_series(0, length(string) - 1) AS i) AS bytes
    WHERE i < coalesce((SELECT min(j) FROM generate_series(0, length(string) - 1) AS j
                        WHERE get_byte(string, j) = 0), length(string))
);

CREATE FUNCTION urlencode(string VARCHAR)
RETURNS TEXT
LANGUAGE sql IMMUTABLE STRICT
RETURN @extschema@.urlencode(convert_to(string, pg_catalog.getdatabaseencoding()));

-- The top-level scalars of an object as key=value pairs, '&' between them.
CREATE FUNCTION urlencode(data JSONB)
RETURNS TEXT
LANGUAGE plpgsql IMMUTABLE STRICT
AS $fn$
DECLARE
    item record;
    value text;
    pairs text[] := '{}';
BEGIN
    IF jsonb_typeof(data) <> 'object' THEN
        RAISE EXCEPTION 'cannot call urlencode_jsonb on a non-object'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR item IN SELECT key, val FROM jsonb_each(data) AS e(key, val) LOOP
        CONTINUE WHEN item.key = '';
        value := CASE jsonb_typeof(item.val)
            WHEN 'string' THEN item.val #>> '{}'
            WHEN 'number' THEN trim_scale((item.val #>> '{}')::numeric)::text
            WHEN 'boolean' THEN item.val #>> '{}'
            WHEN 'null' THEN ''
        END;
        CONTINUE WHEN value IS NULL;  -- objects and arrays are skipped
        pairs := pairs || (@extschema@.urlencode(item.key::varchar) || '=' || @extschema@.urlencode(value::varchar));
    END LOOP;
    IF cardinality(pairs) = 0 THEN
        RETURN NULL;
    END IF;
    RETURN array_to_string(pairs, '&');
END
$fn$;

CREATE FUNCTION http_get(uri VARCHAR, data JSONB)
RETURNS http_response
LANGUAGE sql
AS $fn$
    SELECT @extschema@.http(('GET', $1 || '?' || @extschema@.urlencode($2), NULL, NULL, NULL)::@extschema@.http_request)
$fn$;

CREATE FUNCTION http_post(uri VARCHAR, data JSONB)
RETURNS http_response
LANGUAGE sql
AS $fn$
    SELECT @extschema@.http(('POST', $1, NULL, 'application/x-www-form-urlencoded', @extschema@.urlencode($2))::@extschema@.http_request)
$fn$;

-- ---------------------------------------------------------------------------
-- Raw byte casts (real)
-- ---------------------------------------------------------------------------

CREATE FUNCTION text_to_bytea(data TEXT)
RETURNS BYTEA
LANGUAGE sql IMMUTABLE STRICT
RETURN convert_to(data, pg_catalog.getdatabaseencoding());

CREATE FUNCTION bytea_to_text(data BYTEA)
RETURNS TEXT
LANGUAGE sql IMMUTABLE STRICT
RETURN convert_from(data, pg_catalog.getdatabaseencoding());

COMMENT ON FUNCTION http(http_request) IS
    'supatasks stand-in: raises feature_not_supported, the local database sends no HTTP requests';
