"""Functions and procedures (pg_get_functiondef, which writes CREATE OR REPLACE). A change of the result type,
the argument names or their defaults cannot be replaced in place: the old one is dropped first. Aggregates are
not written (listed as not expressible)."""

from __future__ import annotations

from .. import ops

KIND = "function"
QUERY = f"""
    SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key,
           format('%%I.%%I', n.nspname, p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS q,
           p.oid::bigint AS oid, p.prokind::text AS prokind,
           CASE WHEN p.prokind = 'a' THEN NULL ELSE pg_get_functiondef(p.oid) END AS definition,
           pg_get_function_result(p.oid) AS result, pg_get_function_arguments(p.oid) AS arguments,
           l.lanname AS language, p.prosqlbody IS NOT NULL AS atomic
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
    WHERE n.nspname = ANY(%(schemas)s) AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_proc', oid='p.oid')}"""


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, QUERY, schemas))


def create_sql(row: dict, views_follow: bool) -> str:
    """pg_get_functiondef's CREATE OR REPLACE. A LANGUAGE sql body is checked when it is created, and may read
    a view this file creates further down (views come after functions, which they may call): then it is created
    with the body check off for that statement (SET LOCAL, inside the file's transaction), as pg_dump does."""
    sql = row["definition"].rstrip() + ";"
    if views_follow and row["language"] == "sql" and not row["atomic"]:
        sql = f"SET LOCAL check_function_bodies = off;\n{sql}\nSET LOCAL check_function_bodies = on;"
    return sql


def drop_sql(row: dict) -> str:
    return f"DROP {'PROCEDURE' if row['prokind'] == 'p' else 'FUNCTION'} IF EXISTS {row['q']};"


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    views_follow = bool(ctx.rebuilt) or any(k not in ctx.old["view"] for k in ctx.new["view"])
    steps = []
    for key, row in new.items():
        before = old.get(key)
        if row["prokind"] == "a":
            if before is None:
                ctx.unsupported.append(f"aggregate {key}: not written by db.diff")
            continue
        if before is not None and before["definition"] == row["definition"]:
            continue
        if before is not None and ops.changed(before, row, ("result", "arguments", "prokind")):
            steps.append(ops.Op(ops.DROP_FUNCTION, KIND, key, "drop", drop_sql(before), (-before["oid"],)))
            ctx.rebuilt.add(key)
        steps.append(ops.Op(ops.CREATE_FUNCTION, KIND, key, "alter" if before else "add",
                            create_sql(row, views_follow), (row["oid"],)))
    for key, row in old.items():
        if key not in new and row["prokind"] != "a":
            steps.append(ops.Op(ops.DROP_FUNCTION, KIND, key, "drop", drop_sql(row), (-row["oid"],)))
    return steps
