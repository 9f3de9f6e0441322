"""Table constraints: primary key, unique, foreign key, check, exclusion (pg_get_constraintdef). A new table
carries its own primary key, unique, check and exclusion constraints in its CREATE TABLE; everything else is an
ALTER TABLE … ADD CONSTRAINT guarded by a look in pg_constraint (ADD CONSTRAINT has no IF NOT EXISTS). A
foreign key or check added to an existing table is added NOT VALID and validated in a second step, so the
table is not locked against writes while its rows are checked. A changed constraint is dropped and added."""

from __future__ import annotations

from .. import ops

KIND = "constraint"
QUERY = f"""
    SELECT n.nspname || '.' || c.relname || '.' || con.conname AS key, n.nspname || '.' || c.relname AS "table",
           format('%%I.%%I', n.nspname, c.relname) AS table_q, quote_literal(format('%%I.%%I', n.nspname, c.relname))
           AS table_lit, format('%%I', con.conname) AS q, quote_literal(con.conname) AS lit,
           con.contype::text AS contype, con.convalidated AS validated, con.oid::bigint AS oid,
           pg_get_constraintdef(con.oid) AS definition,
           (SELECT rn.nspname || '.' || r.relname FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace
            WHERE r.oid = con.confrelid) AS references,
           ARRAY(SELECT pn.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
                 FROM pg_depend dep JOIN pg_proc p ON p.oid = dep.refobjid JOIN pg_namespace pn ON pn.oid = p.pronamespace
                 WHERE dep.classid = 'pg_constraint'::regclass AND dep.objid = con.oid
                   AND dep.refclassid = 'pg_proc'::regclass) AS functions
    FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND con.contype IN ('p', 'u', 'f', 'c', 'x') AND con.conislocal
      AND c.relkind IN ('r', 'p') AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_class', oid='c.oid')}"""


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, QUERY, schemas))


def inline(con: dict, ctx: ops.Context) -> bool:
    """Written inside its new table's CREATE TABLE."""
    return ctx.is_new("table", con["table"]) and con["contype"] in "pucx" and \
        not any(ctx.is_new("function", f) for f in con["functions"])


def inline_for(table: str, ctx: ops.Context) -> list[dict]:
    found = [c for c in ctx.new[KIND].values() if c["table"] == table and inline(c, ctx)]
    return sorted(found, key=lambda c: ("pucx".index(c["contype"]), c["oid"]))


def add_sql(con: dict, ctx: ops.Context) -> str:
    existing = not ctx.is_new("table", con["table"])
    definition = con["definition"]
    later = existing and con["contype"] in "fc" and con["validated"]
    add = f"ALTER TABLE {con['table_q']} ADD CONSTRAINT {con['q']} {definition}{' NOT VALID' if later else ''};"
    sql = ops.guarded(f"NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = {con['table_lit']}::regclass "
                      f"AND conname = {con['lit']})", add)
    if later:
        sql += f"\nALTER TABLE {con['table_q']} VALIDATE CONSTRAINT {con['q']};"
    return sql


def drop_sql(con: dict) -> str:
    return f"ALTER TABLE {con['table_q']} DROP CONSTRAINT IF EXISTS {con['q']};"


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    steps = []
    for key, con in new.items():
        before = old.get(key)
        if before is not None and before["definition"] == con["definition"]:
            continue
        if before is not None and not ctx.is_gone("table", before["table"]):
            steps.append(_drop(before))
        if not inline(con, ctx):
            phase = ops.ADD_FOREIGN_KEY if con["contype"] == "f" else ops.ADD_CONSTRAINT
            steps.append(ops.Op(phase, KIND, key, "alter" if before else "add", add_sql(con, ctx), (con["oid"],)))
    for key, con in old.items():
        if key in new:
            continue
        # a dropped table's own constraints go with it — but not its foreign keys to other tables, which could
        # keep a table dropped before it (tables are dropped newest first) from going
        if not ctx.is_gone("table", con["table"]) or con["references"] not in (None, con["table"]):
            steps.append(_drop(con))
    return steps


def _drop(con: dict) -> ops.Op:
    # foreign keys first: they lean on the unique and primary keys dropped after them
    return ops.Op(ops.DROP_CONSTRAINT, KIND, con["key"], "drop", drop_sql(con),
                  (0 if con["contype"] == "f" else 1, -con["oid"]))
