"""The SECURITY advisors: what exposes data through the Data API, or lets a caller change a function's
meaning. Names, levels and what each detects follow Supabase's advisors (Splinter); the queries are ours."""

from __future__ import annotations

from .runner import ERROR, INFO, SECURITY, WARN, Rule

# May the API roles read relation `c`? (False where the roles do not exist: not a Supabase database.)
API_CAN_SELECT = """(
    CASE WHEN to_regrole('anon') IS NULL THEN false ELSE has_table_privilege('anon', c.oid, 'SELECT') END
    OR CASE WHEN to_regrole('authenticated') IS NULL THEN false
            ELSE has_table_privilege('authenticated', c.oid, 'SELECT') END)"""
# Relation `c` is not a member of an extension.
OWN_RELATION = """NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                              AND e.objid = c.oid AND e.deptype = 'e')"""
SECURITY_INVOKER = """coalesce(c.reloptions, '{}')::text[] && ARRAY['security_invoker=1', 'security_invoker=true',
                      'security_invoker=yes', 'security_invoker=on']"""
RELATION = "n.nspname || '.' || c.relname"

RULES = [
    Rule("rls_disabled_in_public", "0013", ERROR, SECURITY,
         "a table in an exposed schema, readable by anon or authenticated, without row level security",
         "ALTER TABLE <table> ENABLE ROW LEVEL SECURITY; and add policies for who may read and write", f"""
        SELECT {RELATION}, 'table ' || {RELATION} || ' is exposed through the API, but row level security is off'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relrowsecurity
          AND n.nspname = ANY(%(exposed)s) AND n.nspname <> ALL(%(platform)s) AND {API_CAN_SELECT}"""),

    Rule("policy_exists_rls_disabled", "0007", ERROR, SECURITY,
         "a table with row level security policies, but row level security is off: the policies do nothing",
         "ALTER TABLE <table> ENABLE ROW LEVEL SECURITY; (or drop the policies)", f"""
        SELECT {RELATION}, 'table ' || {RELATION} || ' has policies ('
               || string_agg(p.polname, ', ' ORDER BY p.polname) || ') but row level security is off'
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relrowsecurity AND n.nspname <> ALL(%(platform)s) AND {OWN_RELATION}
        GROUP BY n.nspname, c.relname"""),

    Rule("rls_enabled_no_policy", "0008", INFO, SECURITY,
         "a table with row level security on and no policy: only owners and the service role see its rows",
         "add policies for the roles that should read or write it (or suppress, if service-role-only)", f"""
        SELECT {RELATION}, 'table ' || {RELATION} || ' has row level security on but no policy'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND c.relrowsecurity AND n.nspname <> ALL(%(platform)s) AND {OWN_RELATION}
          AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)"""),

    Rule("security_definer_view", "0010", ERROR, SECURITY,
         "a view the API roles may read that runs with its owner's rights, bypassing the caller's RLS",
         "ALTER VIEW <view> SET (security_invoker = on); (PostgreSQL 15+), or revoke it from anon/authenticated",
         f"""
        SELECT {RELATION}, 'view ' || {RELATION} || ' runs with its owner''s rights (no security_invoker)'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'v' AND n.nspname <> ALL(%(platform)s) AND {OWN_RELATION}
          AND NOT ({SECURITY_INVOKER}) AND {API_CAN_SELECT}"""),

    Rule("function_search_path_mutable", "0011", WARN, SECURITY,
         "a function without a fixed search_path: a caller's search_path can change what its names mean",
         "ALTER FUNCTION <function> SET search_path = ''; and schema-qualify the names in its body", """
        SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
               'function ' || n.nspname || '.' || p.proname || ' has a role-mutable search_path'
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prokind IN ('f', 'p') AND n.nspname <> ALL(%(platform)s)
          AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid
                          AND e.deptype = 'e')
          AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) s WHERE s LIKE 'search\\_path=%%')"""),

    Rule("auth_users_exposed", "0002", ERROR, SECURITY,
         "a view or materialized view in an exposed schema that reads auth.users and the API roles may read",
         "move it out of the exposed schemas, or revoke SELECT from anon and authenticated", f"""
        SELECT DISTINCT {RELATION}, 'view ' || {RELATION} || ' may expose auth.users to anon or authenticated'
        FROM pg_class u JOIN pg_namespace un ON un.oid = u.relnamespace AND un.nspname = 'auth' AND u.relname = 'users'
        JOIN pg_depend d ON d.refobjid = u.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'n'
        JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
        JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(exposed)s) AND {API_CAN_SELECT}
          AND (c.relkind = 'm' OR (c.relkind = 'v' AND (NOT ({SECURITY_INVOKER}) OR NOT u.relrowsecurity)))"""),

    Rule("rls_references_user_metadata", "0015", ERROR, SECURITY,
         "a policy that reads user_metadata from the JWT: end users can edit it themselves",
         "base the policy on app_metadata (set by the server) or on a table you control", f"""
        SELECT {RELATION} || ': ' || p.polname,
               'policy ' || p.polname || ' on ' || {RELATION} || ' references user_metadata, which users can edit'
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace,
             LATERAL (SELECT coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' '
                             || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') AS expr) x
        WHERE n.nspname <> ALL(%(platform)s)
          AND (x.expr ~ 'auth\\.jwt\\(\\).*user_metadata'
               OR x.expr ~ 'current_setting\\(.*request\\.jwt\\.claims.*user_metadata')"""),

    Rule("extension_in_public", "0014", WARN, SECURITY,
         "an extension installed in public, where the API exposes its functions and objects",
         "ALTER EXTENSION <name> SET SCHEMA extensions; (or drop and create it WITH SCHEMA extensions)", """
        SELECT e.extname, 'extension ' || e.extname || ' is installed in the public schema'
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE n.nspname = 'public' AND e.extname <> 'plpgsql'"""),

    Rule("materialized_view_in_api", "0016", WARN, SECURITY,
         "a materialized view in an exposed schema the API roles may read: it has no row level security",
         "move it to a schema the API does not expose, or revoke SELECT from anon and authenticated", f"""
        SELECT {RELATION}, 'materialized view ' || {RELATION} || ' is readable by anon or authenticated'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'm' AND n.nspname = ANY(%(exposed)s) AND n.nspname <> ALL(%(platform)s)
          AND {OWN_RELATION} AND {API_CAN_SELECT}"""),

    Rule("foreign_table_in_api", "0017", WARN, SECURITY,
         "a foreign table in an exposed schema the API roles may read: it has no row level security",
         "move it to a schema the API does not expose, or revoke SELECT from anon and authenticated", f"""
        SELECT {RELATION}, 'foreign table ' || {RELATION} || ' is readable by anon or authenticated'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'f' AND n.nspname = ANY(%(exposed)s) AND n.nspname <> ALL(%(platform)s)
          AND {OWN_RELATION} AND {API_CAN_SELECT}"""),

    Rule("unsupported_reg_types", "0018", WARN, SECURITY,
         "a column of a reg* type pg_upgrade cannot carry over (the project could not be upgraded)",
         "store the object's name (text) or oid instead, e.g. ALTER COLUMN … TYPE text", """
        SELECT n.nspname || '.' || c.relname || '.' || a.attname,
               'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' has type ' || t.typname
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm')
          AND t.typnamespace = 'pg_catalog'::regnamespace
          AND t.typname IN ('regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper',
                            'regoperator', 'regproc', 'regprocedure')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgsodium')"""),

    Rule("insecure_queue_exposed_in_api", "0019", ERROR, SECURITY,
         "a pgmq queue table without row level security while pgmq_public is exposed through the API",
         "ALTER TABLE pgmq.<queue table> ENABLE ROW LEVEL SECURITY; and add policies", f"""
        SELECT {RELATION}, 'queue table ' || {RELATION} || ' is exposed through pgmq_public without row level security'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relrowsecurity AND n.nspname = 'pgmq' AND c.relname LIKE 'q\\_%%'
          AND 'pgmq_public' = ANY(%(exposed)s) AND {API_CAN_SELECT}"""),

    Rule("fkey_to_auth_unique", "0021", ERROR, SECURITY,
         "a foreign key to an auth table through a unique constraint other than its primary key",
         "reference the auth table's primary key (e.g. auth.users(id)) instead", """
        SELECT n.nspname || '.' || c.relname || ': ' || k.conname,
               'foreign key ' || k.conname || ' of ' || n.nspname || '.' || c.relname || ' references '
               || rn.nspname || '.' || r.relname || ' through a unique constraint that is not its primary key'
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
        JOIN pg_index i ON i.indexrelid = k.conindid
        WHERE k.contype = 'f' AND rn.nspname = 'auth' AND i.indisunique AND NOT i.indisprimary"""),
]
