"""Views and materialized views (pg_get_viewdef, with their reloptions such as security_invoker). A new view
is CREATE OR REPLACE VIEW (a materialized one CREATE MATERIALIZED VIEW IF NOT EXISTS); a changed one — or one
using a column whose type changes — is dropped and created again, with the views built on it, which the drop
would otherwise refuse."""

from __future__ import annotations

from .. import ops

KIND = "view"
QUERY = f"""
    SELECT n.nspname || '.' || c.relname AS key, format('%%I.%%I', n.nspname, c.relname) AS q, c.oid::bigint AS oid,
           c.relkind::text AS relkind, pg_get_viewdef(c.oid) AS definition,
           array_to_string(c.reloptions, ', ') AS options,
           ARRAY(SELECT DISTINCT vn.nspname || '.' || v.relname
                 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
                 JOIN pg_namespace vn ON vn.oid = v.relnamespace
                 WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
                   AND d.refobjid = c.oid AND v.oid <> c.oid) AS dependents,
           ARRAY(SELECT DISTINCT tn.nspname || '.' || t.relname || '.' || a.attname
                 FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                 JOIN pg_class t ON t.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
                 JOIN pg_namespace tn ON tn.oid = t.relnamespace
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                 WHERE r.ev_class = c.oid AND d.refobjsubid > 0 AND t.oid <> c.oid) AS columns
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('v', 'm')
      AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_class', oid='c.oid')}"""


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, QUERY, schemas))


def create_sql(row: dict) -> str:
    body = row["definition"].strip().rstrip(";")
    options = f" WITH ({row['options']})" if row["options"] else ""
    if row["relkind"] == "m":
        return f"CREATE MATERIALIZED VIEW IF NOT EXISTS {row['q']}{options} AS\n{body};"
    return f"CREATE OR REPLACE VIEW {row['q']}{options} AS\n{body};"


def drop_sql(row: dict) -> str:
    return f"DROP {'MATERIALIZED VIEW' if row['relkind'] == 'm' else 'VIEW'} IF EXISTS {row['q']};"


def _changed(a: dict, b: dict) -> bool:
    return ops.changed(a, b, ("definition", "options", "relkind"))


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    retyped = {k for k, c in ctx.new["column"].items() if k in ctx.old["column"]
               and ops.changed(ctx.old["column"][k], c, ("type", "collation"))}
    # a changed view, or one on a column whose type changes (ALTER … TYPE refuses while a view uses it)
    rebuilt = {k for k in new if k in old and (_changed(old[k], new[k]) or retyped & set(old[k]["columns"]))}
    pending = list(rebuilt)
    while pending:  # views on a rebuilt view are rebuilt too
        for dependent in old[pending.pop()]["dependents"]:
            if dependent in new and dependent in old and dependent not in rebuilt:
                rebuilt.add(dependent)
                pending.append(dependent)
    steps = []
    for key, row in new.items():
        if key not in old or key in rebuilt:
            steps.append(ops.Op(ops.CREATE_VIEW, KIND, key, "alter" if key in old else "add", create_sql(row),
                                (row["oid"],)))
    for key, row in old.items():
        if key not in new or key in rebuilt:
            steps.append(ops.Op(ops.DROP_VIEW, KIND, key, "drop", drop_sql(row), (-row["oid"],)))
    ctx.rebuilt |= rebuilt
    return steps
