-- supatasks' helpers for database tests (inv db.test), in schema `tests`: installed into db.test's scratch
-- database before the test files run, never into the project's own database. The names and arguments are
-- those of the widely used Supabase test helpers (tests.create_supabase_user, tests.authenticate_as, ...),
-- so test files written for them run unchanged. Written for supatasks.

CREATE SCHEMA IF NOT EXISTS tests;

-- A user in auth.users, found again by `identifier` (kept in raw_user_meta_data.test_identifier).
CREATE OR REPLACE FUNCTION tests.create_supabase_user(identifier text, email text DEFAULT NULL, phone text DEFAULT NULL,
                                                      metadata jsonb DEFAULT NULL)
RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER SET search_path = auth, pg_temp AS $$
DECLARE
    new_id uuid := gen_random_uuid();
BEGIN
    INSERT INTO auth.users (id, instance_id, aud, role, email, phone, raw_user_meta_data, raw_app_meta_data,
                            created_at, updated_at)
    VALUES (new_id, '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated',
            coalesce(email, concat(identifier, '@test.com')), phone,
            jsonb_build_object('test_identifier', identifier) || coalesce(metadata, '{}'::jsonb),
            '{"provider": "email", "providers": ["email"]}'::jsonb, now(), now());
    RETURN new_id;
END;
$$;

CREATE OR REPLACE FUNCTION tests.get_supabase_user(identifier text) RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = auth, pg_temp AS $$
DECLARE
    found json;
BEGIN
    SELECT json_build_object('id', u.id, 'email', u.email, 'phone', u.phone,
                             'raw_user_meta_data', u.raw_user_meta_data, 'raw_app_meta_data', u.raw_app_meta_data)
      INTO found
      FROM auth.users u WHERE u.raw_user_meta_data ->> 'test_identifier' = identifier
     LIMIT 1;
    IF found IS NULL THEN
        RAISE EXCEPTION 'no test user with identifier %: create it with tests.create_supabase_user(%) first',
            quote_literal(identifier), quote_literal(identifier);
    END IF;
    RETURN found;
END;
$$;

CREATE OR REPLACE FUNCTION tests.get_supabase_uid(identifier text) RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = auth, pg_temp
AS $$SELECT (tests.get_supabase_user(identifier) ->> 'id')::uuid$$;

-- From here on (to the end of the transaction) the session is that user, as PostgREST makes it: role
-- `authenticated` and the JWT claims in request.jwt.claims, so auth.uid() / auth.jwt() answer for them.
CREATE OR REPLACE FUNCTION tests.authenticate_as(identifier text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    found json := tests.get_supabase_user(identifier);
BEGIN
    PERFORM set_config('role', 'authenticated', true);
    PERFORM set_config('request.jwt.claims',
                       json_build_object('sub', found ->> 'id', 'role', 'authenticated', 'aud', 'authenticated',
                                         'email', found ->> 'email', 'phone', found ->> 'phone',
                                         'user_metadata', found -> 'raw_user_meta_data',
                                         'app_metadata', found -> 'raw_app_meta_data')::text, true);
END;
$$;

CREATE OR REPLACE FUNCTION tests.authenticate_as_service_role() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('role', 'service_role', true);
    PERFORM set_config('request.jwt.claims', json_build_object('role', 'service_role')::text, true);
END;
$$;

-- Back to an anonymous request: role `anon`, no claims.
CREATE OR REPLACE FUNCTION tests.clear_authentication() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('role', 'anon', true);
    PERFORM set_config('request.jwt.claims', '', true);
END;
$$;

-- One pgTAP assertion: every table of the schema (or the one table) has row level security enabled.
CREATE OR REPLACE FUNCTION tests.rls_enabled(testing_schema text) RETURNS text LANGUAGE sql AS $$
    SELECT is(
        (SELECT count(*)::integer FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = testing_schema AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity),
        0,
        'All tables in the ' || testing_schema || ' schema should have row level security enabled')
$$;

CREATE OR REPLACE FUNCTION tests.rls_enabled(testing_schema text, testing_table text) RETURNS text LANGUAGE sql AS $$
    SELECT is(
        (SELECT count(*)::integer FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = testing_schema AND c.relname = testing_table AND c.relkind IN ('r', 'p')
            AND NOT c.relrowsecurity),
        0,
        'Table ' || testing_schema || '.' || testing_table || ' should have row level security enabled')
$$;

GRANT USAGE ON SCHEMA tests TO PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA tests TO PUBLIC;
