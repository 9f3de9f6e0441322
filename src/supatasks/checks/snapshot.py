"""A catalog snapshot of a database's user schemas: every object keyed by name, with its definition.

One snapshot serves three purposes: comparing a schema before and after an up → down → up round trip,
checking idempotency, and diffing two profiles' databases.
"""

from __future__ import annotations

import hashlib
import json

# Schemas that belong to PostgreSQL, to supatasks/the CLI's bookkeeping, or to the Supabase bootstrap.
EXCLUDED_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", "supabase_migrations")

QUERIES = {
    "table": """
        SELECT n.nspname || '.' || c.relname,
               c.relkind::text || ' rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND n.nspname <> ALL(%(excluded)s)
          AND n.nspname NOT LIKE 'pg_temp%%' AND n.nspname NOT LIKE 'pg_toast%%'""",
    "column": """
        SELECT n.nspname || '.' || c.relname || '.' || a.attname,
               format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
               || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
               || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
               || CASE WHEN a.attgenerated <> '' THEN ' generated' ELSE '' END
               || CASE WHEN a.attcollation <> ty.typcollation THEN ' collate ' || a.attcollation::regcollation::text
                       ELSE '' END
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type ty ON ty.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND n.nspname <> ALL(%(excluded)s)""",
    "constraint": """
        SELECT n.nspname || '.' || c.relname || '.' || con.conname, pg_get_constraintdef(con.oid)
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname <> ALL(%(excluded)s) AND con.contype <> 'n'""",
    "index": """
        SELECT n.nspname || '.' || i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_namespace n ON n.oid = i.relnamespace
        WHERE n.nspname <> ALL(%(excluded)s) AND n.nspname NOT LIKE 'pg_toast%%'""",
    "policy": """
        SELECT schemaname || '.' || tablename || '.' || policyname,
               permissive || ' ' || cmd || ' to ' || array_to_string(roles, ',')
               || ' using ' || coalesce(qual, '-') || ' check ' || coalesce(with_check, '-')
        FROM pg_policies WHERE schemaname <> ALL(%(excluded)s)""",
    "trigger": """
        SELECT n.nspname || '.' || c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND n.nspname <> ALL(%(excluded)s)""",
    "function": """
        SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
               md5(pg_get_functiondef(p.oid))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
        WHERE p.prokind IN ('f', 'p', 'w') AND d.objid IS NULL AND n.nspname <> ALL(%(excluded)s)""",
    "view": """
        SELECT n.nspname || '.' || c.relname, md5(pg_get_viewdef(c.oid)) || coalesce(' ' || c.reloptions::text, '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('v', 'm') AND n.nspname <> ALL(%(excluded)s)""",
    "type": """
        SELECT n.nspname || '.' || t.typname,
               t.typtype::text || coalesce(' ' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                                             FROM pg_enum e WHERE e.enumtypid = t.oid), '')
               || coalesce(' (' || (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                                                      ORDER BY a.attnum)
                                    FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0
                                      AND NOT a.attisdropped) || ')', '')
               || CASE WHEN t.typtype = 'd' THEN ' ' || format_type(t.typbasetype, t.typtypmod)
                       || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END || coalesce(' default ' || t.typdefault, '')
                       || coalesce(' ' || (SELECT string_agg(k.conname || ' ' || pg_get_constraintdef(k.oid), ', '
                                                             ORDER BY k.conname)
                                           FROM pg_constraint k WHERE k.contypid = t.oid), '')
                       ELSE '' END
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        LEFT JOIN pg_class c ON c.oid = t.typrelid
        WHERE t.typtype IN ('e', 'd', 'c') AND (c.oid IS NULL OR c.relkind = 'c')
          AND n.nspname <> ALL(%(excluded)s)""",
    "schema": """
        SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace
        WHERE nspname <> ALL(%(excluded)s) AND nspname NOT LIKE 'pg_%%'""",
    "extension": "SELECT extname, extversion FROM pg_extension",
    # privileges: sorted, and a missing ACL as the owner's defaults (a REVOKE + GRANT that gives back the same
    # privileges compares equal)
    "grant": """
        SELECT n.nspname || '.' || c.relname,
               (SELECT string_agg(x::text, ',' ORDER BY x::text)
                FROM unnest(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char",
                                                          c.relowner))) x)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname <> ALL(%(excluded)s)""",
    "column grant": """
        SELECT n.nspname || '.' || c.relname || '.' || a.attname,
               (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.attacl) x)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE a.attacl IS NOT NULL AND cardinality(a.attacl) > 0 AND a.attnum > 0 AND NOT a.attisdropped
          AND n.nspname <> ALL(%(excluded)s)""",
    "routine grant": """
        SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
               (SELECT string_agg(x::text, ',' ORDER BY x::text)
                FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) x)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname <> ALL(%(excluded)s)""",
    "schema grant": """
        SELECT n.nspname, (SELECT string_agg(x::text, ',' ORDER BY x::text)
                           FROM unnest(coalesce(n.nspacl, acldefault('n', n.nspowner))) x)
        FROM pg_namespace n WHERE n.nspname <> ALL(%(excluded)s) AND n.nspname NOT LIKE 'pg_%%'""",
    "sequence": """
        SELECT n.nspname || '.' || c.relname,
               concat_ws(' ', format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                         s.seqcache, s.seqcycle)
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname <> ALL(%(excluded)s)""",
    "comment": """
        SELECT o.type || ' ' || o.identity, d.description
        FROM pg_description d, pg_identify_object(d.classoid, d.objoid, d.objsubid) o
        WHERE o.schema IS NOT NULL AND o.schema <> ALL(%(excluded)s)
           OR o.type = 'schema' AND o.identity <> ALL(%(excluded)s)""",
    "publication": """
        SELECT p.pubname || coalesce(' ' || n.nspname || '.' || c.relname, ''), p.puballtables::text
        FROM pg_publication p LEFT JOIN pg_publication_rel r ON r.prpubid = p.oid
        LEFT JOIN pg_class c ON c.oid = r.prrelid LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IS NULL OR n.nspname <> ALL(%(excluded)s)""",
}


def snapshot(conn, excluded: tuple[str, ...] = EXCLUDED_SCHEMAS) -> dict[str, dict[str, str]]:
    """{kind: {object name: definition}} for every object outside `excluded` schemas."""
    result: dict[str, dict[str, str]] = {}
    for kind, sql in QUERIES.items():
        rows = conn.execute(sql, {"excluded": list(excluded)}).fetchall()
        result[kind] = {name: definition or "" for name, definition in rows}
    return result


def fingerprint(snap: dict[str, dict[str, str]]) -> str:
    return hashlib.sha256(json.dumps(snap, sort_keys=True).encode()).hexdigest()


def diff(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> list[dict]:
    """Differences as [{kind, name, change: added|removed|changed, before, after}], sorted."""
    changes: list[dict] = []
    for kind in sorted(set(before) | set(after)):
        a, b = before.get(kind, {}), after.get(kind, {})
        for name in sorted(set(a) | set(b)):
            if name not in a:
                changes.append({"kind": kind, "name": name, "change": "added", "before": None, "after": b[name]})
            elif name not in b:
                changes.append({"kind": kind, "name": name, "change": "removed", "before": a[name], "after": None})
            elif a[name] != b[name]:
                changes.append({"kind": kind, "name": name, "change": "changed", "before": a[name],
                                "after": b[name]})
    return changes
