-- supatasks DEVELOPMENT STAND-IN of pg_net 0.19.5 -- NOT the real extension.
--
-- pg_net is Supabase's asynchronous HTTP client: net.http_get/http_post/http_delete
-- queue a request in net.http_request_queue and return its id at once; a background
-- worker sends it later and writes the answer into net._http_response.  Database
-- webhooks (supabase_functions.http_request), triggers and cron jobs call it.
--
-- This stand-in has the same schema `net`, tables, columns, types and function
-- signatures (argument names, defaults, return types), written in SQL/PL/pgSQL.
-- What it does:
--   * RECORDED: every call inserts the request into net.http_request_queue exactly
--     as the real one does (method, URL with the params appended and url-encoded,
--     headers, body as UTF-8 bytes of the JSON text, timeout) and returns its id.
--     The row stays there: nothing takes it out, NOTHING IS EVER SENT.
--   * At the same time it writes the request's row in net._http_response the way
--     the real worker records a failed request (status_code NULL, timed_out false,
--     error_msg saying it was not sent), so net._http_collect_response() answers
--     ('ERROR', <that message>, NULL) and net._await_response() returns at once
--     instead of waiting forever for a worker that does not exist.
--   * REAL: the checks the real functions make when they are called (the
--     Content-Type of http_post must be application/json; the URL must parse;
--     NULL headers pass through), the url-encoding of params (curl's escaping:
--     everything but A-Z a-z 0-9 - . _ ~ becomes %XX), and the URL normalisation
--     the real one gets from libcurl for the common cases (lower-case scheme, an
--     empty path becomes "/", the params go before a #fragment, appended with
--     '&' to a query already there).
--   * The worker functions (net.wake, net.worker_restart, net.wait_until_running,
--     net.check_worker_is_up) return at once: there is no worker to wake.
--   * As on the platform (its grant_pg_net_access event trigger), http_get and
--     http_post are SECURITY DEFINER with search_path = net, and EXECUTE on them
--     is granted to the platform roles where those roles exist.
-- Not provided: the pg_net.* settings (batch_size, ttl, username, database_name);
-- responses are never deleted after a TTL.

\echo Use "CREATE EXTENSION pg_net" to load this file. \quit

CREATE SCHEMA IF NOT EXISTS net;

CREATE DOMAIN net.http_method AS text
CHECK (
    VALUE ILIKE 'get'
    OR VALUE ILIKE 'post'
    OR VALUE ILIKE 'delete'
);

-- The requests, as the real queue holds them until its worker takes them out.
-- Here they stay: this table is the record of every request the database made.
CREATE UNLOGGED TABLE net.http_request_queue (
    id bigserial,
    method net.http_method NOT NULL,
    url text NOT NULL,
    headers jsonb,
    body bytea,
    timeout_milliseconds int NOT NULL
);

-- One row per request, as the real worker writes it.  The stand-in writes it when
-- the request is made: a failed request, error_msg saying it was not sent.
CREATE UNLOGGED TABLE net._http_response (
    id bigint,
    status_code integer,
    content_type text,
    headers jsonb,
    content text,
    timed_out bool,
    error_msg text,
    created timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ON net._http_response (created);

CREATE TYPE net.request_status AS ENUM ('PENDING', 'SUCCESS', 'ERROR');

CREATE TYPE net.http_response AS (
    status_code integer,
    headers jsonb,
    body text
);

CREATE TYPE net.http_response_result AS (
    status net.request_status,
    message text,
    response net.http_response
);

-- ---------------------------------------------------------------------------
-- The worker's functions: there is no worker
-- ---------------------------------------------------------------------------

CREATE FUNCTION net.check_worker_is_up()
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    -- The stand-in has no background worker to be down: every request is
    -- handled (recorded, not sent) by the call that makes it.
    RETURN;
END
$fn$;
COMMENT ON FUNCTION net.check_worker_is_up() IS
    'supatasks stand-in: returns at once (there is no worker; requests are recorded, never sent)';

CREATE FUNCTION net.worker_restart()
RETURNS bool
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN true;
END
$fn$;

CREATE FUNCTION net.wait_until_running()
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN;
END
$fn$;
COMMENT ON FUNCTION net.wait_until_running() IS
    'supatasks stand-in: returns at once (there is no worker)';

CREATE FUNCTION net.wake()
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
    RETURN;
END
$fn$;

-- ---------------------------------------------------------------------------
-- URL helpers (real)
-- ---------------------------------------------------------------------------

-- curl_easy_escape: every byte but A-Z a-z 0-9 - . _ ~ as %XX (upper-case hex).
CREATE FUNCTION net._urlencode_string(string varchar)
RETURNS text
LANGUAGE sql IMMUTABLE
RETURN CASE WHEN string IS NULL THEN NULL ELSE (
    SELECT coalesce(string_agg(
               CASE WHEN b BETWEEN 48 AND 57 OR b BETWEEN 65 AND 90 OR b BETWEEN 97 AND 122
                         OR b IN (45, 46, 95, 126)
                    THEN chr(b)
                    ELSE '%' || upper(lpad(to_hex(b), 2, '0'))
               END, '' ORDER BY i), '')
    FROM (SELECT i, get_byte(raw, i) AS b
          FROM (SELECT convert_to(string, pg_catalog.getdatabaseencoding()) AS raw) AS s,
               generate_series(0, length(raw) - 1) AS i) AS bytes
) END;

-- The URL with the (already encoded) "key=value" params appended to its query,
-- normalised the way libcurl's URL API gives it back for the common cases.
-- Raises 'invalid URL "...": ...' for what libcurl would refuse to parse.
CREATE FUNCTION net._encode_url_with_params_array(url text, params_array text[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $fn$
DECLARE
    parts text[];
    authority text;
    host text;
    port text;
    path text;
    query text;
    fragment text;
    extra text;
BEGIN
    IF url IS NULL OR params_array IS NULL THEN
        RETURN NULL;
    END IF;
    IF url ~ '[[:space:][:cntrl:]]' THEN
        RAISE EXCEPTION 'invalid URL "%": Malformed input to a URL function', url;
    END IF;
    parts := regexp_match(url, '^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$');
    IF parts IS NULL THEN
        RAISE EXCEPTION 'invalid URL "%": Bad scheme', url;
    END IF;
    authority := parts[2];
    -- host[:port] after any user:password@
    host := regexp_replace(authority, '^.*@', '');
    IF host ~ '^\[' THEN
        port := substring(host FROM '^\[[^]]*\](?::(.*))?$');
        host := substring(host FROM '^(\[[^]]*\])');
    ELSIF position(':' IN host) > 0 THEN
        port := split_part(host, ':', 2);
        host := split_part(host, ':', 1);
    END IF;
    IF host IS NULL OR host = '' THEN
        RAISE EXCEPTION 'invalid URL "%": No host part in the URL', url;
    END IF;
    IF port IS NOT NULL AND port <> '' AND (port !~ '^[0-9]{1,5}$' OR port::int > 65535) THEN
        RAISE EXCEPTION 'invalid URL "%": Port number was not a decimal number between 0 and 65535', url;
    END IF;
    path := CASE WHEN parts[3] = '' THEN '/' ELSE parts[3] END;
    query := substr(parts[4], 2);
    fragment := coalesce(parts[5], '');
    SELECT string_agg(p, '&' ORDER BY n) INTO extra
    FROM unnest(params_array) WITH ORDINALITY AS t(p, n)
    WHERE p IS NOT NULL;
    IF extra IS NOT NULL THEN
        query := CASE WHEN query IS NULL OR query = '' THEN extra ELSE query || '&' || extra END;
    END IF;
    RETURN lower(parts[1]) || '://' || authority || path
        || CASE WHEN query IS NULL THEN '' ELSE '?' || query END
        || fragment;
END
$fn$;

-- Records one request: the queue row (kept), and its response row saying it was
-- not sent.  Returns the request id.
CREATE FUNCTION net._supatasks_record_request(
    method text, url text, headers jsonb, body bytea, timeout_milliseconds int)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    request_id bigint;
BEGIN
    INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    VALUES (method, url, headers, body, timeout_milliseconds)
    RETURNING id INTO request_id;

    INSERT INTO net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
    VALUES (request_id, NULL, NULL, NULL, NULL, false,
            'not sent: supatasks'' local database sends no HTTP requests '
            '(development stand-in of pg_net); the request is kept in net.http_request_queue');

    PERFORM net.wake();
    RETURN request_id;
END
$fn$;

-- ---------------------------------------------------------------------------
-- The public API
-- ---------------------------------------------------------------------------

CREATE FUNCTION net.http_get(
    -- url for the request
    url text,
    -- key/value pairs to be url encoded and appended to the `url`
    params jsonb DEFAULT '{}'::jsonb,
    -- key/values to be included in request headers
    headers jsonb DEFAULT '{}'::jsonb,
    -- the maximum number of milliseconds the request may take before being cancelled
    timeout_milliseconds int DEFAULT 5000
)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = net
AS $fn$
DECLARE
    params_array text[];
BEGIN
    SELECT coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
    INTO params_array
    FROM jsonb_each_text(params);

    RETURN net._supatasks_record_request(
        'GET', net._encode_url_with_params_array(url, params_array), headers, NULL, timeout_milliseconds);
END
$fn$;

CREATE FUNCTION net.http_post(
    -- url for the request
    url text,
    -- body of the POST request
    body jsonb DEFAULT '{}'::jsonb,
    -- key/value pairs to be url encoded and appended to the `url`
    params jsonb DEFAULT '{}'::jsonb,
    -- key/values to be included in request headers
    headers jsonb DEFAULT '{"Content-Type": "application/json"}'::jsonb,
    -- the maximum number of milliseconds the request may take before being cancelled
    timeout_milliseconds int DEFAULT 5000
)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = net
AS $fn$
DECLARE
    params_array text[];
    content_type text;
BEGIN
    -- the Content-Type the caller gave, whatever the case of the header's name
    SELECT r.header_value INTO content_type
    FROM jsonb_each_text(coalesce(headers, '{}'::jsonb)) AS r(header_name, header_value)
    WHERE lower(r.header_name) = 'content-type'
    LIMIT 1;

    -- none given: add it (NULL headers stay NULL, as in the real one)
    IF content_type IS NULL THEN
        headers := headers || '{"Content-Type": "application/json"}'::jsonb;
    END IF;

    IF content_type <> 'application/json' THEN
        RAISE EXCEPTION 'Content-Type header must be "application/json"';
    END IF;

    SELECT coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
    INTO params_array
    FROM jsonb_each_text(params);

    RETURN net._supatasks_record_request(
        'POST', net._encode_url_with_params_array(url, params_array), headers,
        convert_to(body::text, 'UTF8'), timeout_milliseconds);
END
$fn$;

CREATE FUNCTION net.http_delete(
    -- url for the request
    url text,
    -- key/value pairs to be url encoded and appended to the `url`
    params jsonb DEFAULT '{}'::jsonb,
    -- key/values to be included in request headers
    headers jsonb DEFAULT '{}'::jsonb,
    -- the maximum number of milliseconds the request may take before being cancelled
    timeout_milliseconds int DEFAULT 5000,
    -- optional body of the request
    body jsonb DEFAULT NULL
)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    params_array text[];
BEGIN
    SELECT coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
    INTO params_array
    FROM jsonb_each_text(params);

    RETURN net._supatasks_record_request(
        'DELETE', net._encode_url_with_params_array(url, params_array), headers,
        convert_to(body::text, 'UTF8'), timeout_milliseconds);
END
$fn$;

-- Waits until the request has its response row.  The stand-in writes that row
-- with the request, so this returns at once; an id that was never requested
-- raises instead of waiting forever (the real one would wait forever).
CREATE FUNCTION net._await_response(request_id bigint)
RETURNS bool
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM net._http_response AS r WHERE r.id = request_id) THEN
        RETURN true;
    END IF;
    RAISE EXCEPTION 'request % not found: supatasks'' pg_net stand-in has no response to wait for', request_id
        USING ERRCODE = 'no_data_found';
END
$fn$;

CREATE FUNCTION net._http_collect_response(
    -- request_id reference
    request_id bigint,
    -- when `true`, return immediately. when `false` wait for the request to complete before returning
    async bool DEFAULT true
)
RETURNS net.http_response_result
LANGUAGE plpgsql
AS $fn$
DECLARE
    rec net._http_response;
BEGIN
    IF NOT async THEN
        PERFORM net._await_response(request_id);
    END IF;

    SELECT * INTO rec FROM net._http_response AS r WHERE r.id = request_id;

    IF rec IS NULL OR rec.error_msg IS NOT NULL THEN
        RETURN ('ERROR', coalesce(rec.error_msg, 'request matching request_id not found'), NULL)::net.http_response_result;
    END IF;

    RETURN ('SUCCESS', 'ok', (rec.status_code, rec.headers, rec.content)::net.http_response)::net.http_response_result;
END
$fn$;

CREATE FUNCTION net.http_collect_response(
    -- request_id reference
    request_id bigint,
    -- when `true`, return immediately. when `false` wait for the request to complete before returning
    async bool DEFAULT true
)
RETURNS net.http_response_result
LANGUAGE plpgsql
AS $fn$
BEGIN
    RAISE NOTICE 'The net.http_collect_response function is deprecated.';
    RETURN net._http_collect_response(request_id, async);
END
$fn$;

COMMENT ON TABLE net.http_request_queue IS
    'supatasks stand-in: every request made through net.http_* is recorded here and kept; nothing is ever sent';
COMMENT ON TABLE net._http_response IS
    'supatasks stand-in: one row per request, written when it is made, error_msg saying it was not sent';

-- ---------------------------------------------------------------------------
-- Privileges: the real extension's, then the platform's
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA net TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA net TO PUBLIC;
GRANT ALL ON ALL TABLES IN SCHEMA net TO PUBLIC;

REVOKE ALL ON FUNCTION net.http_get(text, jsonb, jsonb, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION net.http_post(text, jsonb, jsonb, jsonb, integer) FROM PUBLIC;

DO $grants$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['supabase_functions_admin', 'postgres', 'anon', 'authenticated', 'service_role'] LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('GRANT USAGE ON SCHEMA net TO %I', role_name);
            EXECUTE format('GRANT EXECUTE ON FUNCTION net.http_get(text, jsonb, jsonb, integer) TO %I', role_name);
            EXECUTE format('GRANT EXECUTE ON FUNCTION net.http_post(text, jsonb, jsonb, jsonb, integer) TO %I', role_name);
        END IF;
    END LOOP;
END
$grants$;
