"""Sequences (not those of identity columns, which belong to their column): CREATE SEQUENCE IF NOT EXISTS with
every option, ALTER SEQUENCE for changed options and OWNED BY (after the tables exist), DROP SEQUENCE."""

from __future__ import annotations

from .. import ops

KIND = "sequence"
QUERY = f"""
    SELECT n.nspname || '.' || c.relname AS key, format('%%I.%%I', n.nspname, c.relname) AS q, c.oid::bigint AS oid,
           format_type(s.seqtypid, NULL) AS type, s.seqstart AS start, s.seqincrement AS increment,
           s.seqmin AS min, s.seqmax AS max, s.seqcache AS cache, s.seqcycle AS cycle,
           (SELECT format('%%I.%%I.%%I', tn.nspname, t.relname, a.attname)
            FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
              AND d.deptype = 'a') AS owned_by
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s)
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'i')
      AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_class', oid='c.oid')}"""
OPTIONS = ("type", "start", "increment", "min", "max", "cache", "cycle")


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, QUERY, schemas))


def options(row: dict) -> str:
    return (f"AS {row['type']} INCREMENT BY {row['increment']} MINVALUE {row['min']} MAXVALUE {row['max']} "
            f"START WITH {row['start']} CACHE {row['cache']} {'CYCLE' if row['cycle'] else 'NO CYCLE'}")


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    steps = []
    for key, row in new.items():
        before = old.get(key)
        if before is None:
            steps.append(ops.Op(ops.CREATE_SEQUENCE, KIND, key, "add",
                                f"CREATE SEQUENCE IF NOT EXISTS {row['q']} {options(row)};", (row["oid"],)))
        elif ops.changed(before, row, OPTIONS):
            steps.append(ops.Op(ops.CREATE_SEQUENCE, KIND, key, "alter",
                                f"ALTER SEQUENCE {row['q']} {options(row)};", (row["oid"],)))
        if row["owned_by"] != (before or {}).get("owned_by"):
            steps.append(ops.Op(ops.SEQUENCE_OWNER, KIND, key, "alter",
                                f"ALTER SEQUENCE {row['q']} OWNED BY {row['owned_by'] or 'NONE'};", (row["oid"],)))
    for key, row in old.items():
        if key not in new:
            steps.append(ops.Op(ops.DROP_SEQUENCE, KIND, key, "drop", f"DROP SEQUENCE IF EXISTS {row['q']};",
                                (-row["oid"],)))
    return steps
