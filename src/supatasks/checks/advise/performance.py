"""The PERFORMANCE advisors: policies that cost a function call per row, missing or duplicate indexes,
tables without a primary key, indexes never used, bloated tables. Names, levels and what each detects follow
Supabase's advisors (Splinter); the queries are ours."""

from __future__ import annotations

from .runner import INFO, PERFORMANCE, WARN, Rule
from .security import OWN_RELATION, RELATION

# A policy expression calls auth.uid()/jwt()/role()/email() or current_setting() outside a sub-select (once
# the wrapped calls are removed, one is left): PostgreSQL then calls it for every row instead of once.
PER_ROW_CALL = """regexp_replace(lower({expr}), 'select\\s+(auth\\.(uid|jwt|role|email)|current_setting)\\(', '', 'g')
                  ~ '(auth\\.(uid|jwt|role|email)|current_setting)\\('"""

USAGE_SCANS = 1000  # reads of a table before its unused indexes are reported

RULES = [
    Rule("auth_rls_initplan", "0003", WARN, PERFORMANCE,
         "a policy calling auth.<function>() or current_setting() per row instead of once per query",
         "wrap the call in a sub-select: (select auth.uid()) = user_id", f"""
        SELECT {RELATION} || ': ' || p.polname,
               'policy ' || p.polname || ' on ' || {RELATION} || ' re-evaluates auth.<function>() or '
               || 'current_setting() for each row'
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relrowsecurity AND n.nspname <> ALL(%(platform)s)
          AND ({PER_ROW_CALL.format(expr="coalesce(pg_get_expr(p.polqual, p.polrelid), '')")}
               OR {PER_ROW_CALL.format(expr="coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')")})"""),

    Rule("multiple_permissive_policies", "0006", WARN, PERFORMANCE,
         "several permissive policies for one role and action on a table: each one runs for every query",
         "merge them into one policy per role and action (conditions joined with OR)", f"""
        SELECT {RELATION} || ': ' || r.rolname || ' ' || a.cmd,
               'table ' || {RELATION} || ' has ' || count(*) || ' permissive policies for role ' || r.rolname
               || ' and ' || a.cmd || ': ' || string_agg(p.polname, ', ' ORDER BY p.polname)
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_roles r ON p.polroles @> ARRAY[r.oid] OR p.polroles = ARRAY[0::oid]
        CROSS JOIN LATERAL unnest(CASE p.polcmd WHEN 'r' THEN ARRAY['SELECT'] WHEN 'a' THEN ARRAY['INSERT']
                                     WHEN 'w' THEN ARRAY['UPDATE'] WHEN 'd' THEN ARRAY['DELETE']
                                     ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'] END) AS a(cmd)
        WHERE c.relkind IN ('r', 'p') AND p.polpermissive AND n.nspname <> ALL(%(platform)s) AND {OWN_RELATION}
          AND r.rolname NOT LIKE 'pg\\_%%' AND r.rolname NOT LIKE 'supabase%%admin' AND NOT r.rolbypassrls
        GROUP BY n.nspname, c.relname, r.rolname, a.cmd
        HAVING count(*) > 1"""),

    Rule("unindexed_foreign_keys", "0001", INFO, PERFORMANCE,
         "a foreign key whose columns lead no index: deletes and joins on the referenced table scan this one",
         "CREATE INDEX IF NOT EXISTS <name> ON <table> (<foreign key columns>);", f"""
        SELECT {RELATION} || ': ' || k.conname,
               'foreign key ' || k.conname || ' of ' || {RELATION} || ' has no index covering its columns'
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE k.contype = 'f' AND n.nspname <> ALL(%(platform)s) AND {OWN_RELATION}
          AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = k.conrelid AND i.indisvalid
                          AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(k.conkey)] = k.conkey)"""),

    Rule("duplicate_index", "0009", WARN, PERFORMANCE,
         "two or more identical indexes on one table: every write maintains each of them",
         "DROP INDEX all but one of them", f"""
        SELECT {RELATION} || ': ' || string_agg(i.relname, ', ' ORDER BY i.relname),
               'table ' || {RELATION} || ' has identical indexes ' || string_agg(i.relname, ', ' ORDER BY i.relname)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND n.nspname <> ALL(%(platform)s) AND {OWN_RELATION}
        GROUP BY n.nspname, c.relname, x.indrelid, x.indkey::text, x.indclass::text, x.indcollation::text,
                 x.indoption::text, i.relam, x.indisunique, coalesce(pg_get_expr(x.indexprs, x.indrelid), ''),
                 coalesce(pg_get_expr(x.indpred, x.indrelid), '')
        HAVING count(*) > 1"""),

    Rule("no_primary_key", "0004", INFO, PERFORMANCE,
         "a table without a primary key: slow to update row by row, and replication cannot identify rows",
         "ALTER TABLE <table> ADD PRIMARY KEY (<column>); (e.g. an identity column)", f"""
        SELECT {RELATION}, 'table ' || {RELATION} || ' has no primary key'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname <> ALL(%(platform)s) AND {OWN_RELATION}
          AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)"""),

    # Only where statistics exist: an index counts as unused when its table has been read often enough to
    # judge (USAGE_SCANS sequential or index scans since the statistics were reset) and the index never was.
    # A fresh or just-seeded database (a seed's foreign key checks are scans too) says nothing.
    Rule("unused_index", "0005", INFO, PERFORMANCE,
         "an index never used although its table has been read: it costs every write and the disk",
         "DROP INDEX it once you are sure no rare query needs it (statistics cover the time since their reset)",
         f"""
        SELECT s.schemaname || '.' || s.relname || ': ' || s.indexrelname,
               'index ' || s.indexrelname || ' on ' || s.schemaname || '.' || s.relname || ' has not been used ('
               || (t.seq_scan + coalesce(t.idx_scan, 0)) || ' scans of the table)'
        FROM pg_stat_user_indexes s JOIN pg_index x ON x.indexrelid = s.indexrelid
        JOIN pg_stat_user_tables t ON t.relid = s.relid JOIN pg_class c ON c.oid = s.relid
        WHERE s.idx_scan = 0 AND NOT x.indisunique AND NOT x.indisprimary
          AND t.seq_scan + coalesce(t.idx_scan, 0) >= {USAGE_SCANS}
          AND s.schemaname <> ALL(%(platform)s) AND {OWN_RELATION}"""),

    # An estimate from the planner's statistics (ANALYZE): the pages the live rows need against the pages
    # the table has. Tables never analyzed have no statistics and are not judged.
    Rule("table_bloat", "0020", INFO, PERFORMANCE,
         "a table far larger than its live rows need (dead rows not reclaimed)",
         "VACUUM (FULL) <table>; in a quiet hour, or pg_repack; then look at autovacuum settings", f"""
        WITH widths AS (
            SELECT s.schemaname, s.tablename, sum((1 - s.null_frac) * s.avg_width) AS width
            FROM pg_stats s WHERE s.schemaname <> ALL(%(platform)s) GROUP BY 1, 2),
        sizes AS (
            SELECT {RELATION} AS name, c.relpages::numeric AS pages,
                   ceil(c.reltuples * (w.width + 28) / (current_setting('block_size')::numeric - 24)) AS needed
            FROM widths w JOIN pg_namespace n ON n.nspname = w.schemaname
            JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.tablename
            WHERE c.relkind = 'r' AND c.reltuples >= 0)
        SELECT name, 'table ' || name || ' has ' || pages || ' pages where its live rows need about '
               || greatest(needed, 1) || ' (' || pg_size_pretty(((pages - needed) * current_setting('block_size')::numeric)::bigint)
               || ' wasted)'
        FROM sizes
        WHERE pages > 70 * greatest(needed, 1)
          AND (pages - needed) * current_setting('block_size')::numeric > 20 * 1024 * 1024"""),
]
