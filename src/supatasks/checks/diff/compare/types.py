"""Types: enums (new labels with ADD VALUE, renamed ones with RENAME VALUE, removed ones by swapping the type),
composite types (attributes
added, dropped, retyped) and domains (default, NOT NULL, constraints). CREATE TYPE has no IF NOT EXISTS: the
creation is guarded (the guide's DO-block pattern)."""

from __future__ import annotations

from .. import ops

KIND = "type"
QUERY = f"""
    SELECT n.nspname || '.' || t.typname AS key, format('%%I.%%I', n.nspname, t.typname) AS q,
           quote_literal(format('%%I.%%I', n.nspname, t.typname)) AS lit, t.typtype::text AS typtype,
           format('%%I', t.typname || '_old') AS old_name, format('%%I.%%I', n.nspname, t.typname || '_old') AS old_q,
           t.oid::bigint AS oid,
           ARRAY(SELECT quote_literal(e.enumlabel) FROM pg_enum e WHERE e.enumtypid = t.oid
                 ORDER BY e.enumsortorder) AS labels,
           ARRAY(SELECT format('%%I', a.attname) FROM pg_attribute a
                 WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attnames,
           ARRAY(SELECT format_type(a.atttypid, a.atttypmod)
                        || CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation
                                THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END
                 FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                 WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS atttypes,
           CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base,
           CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <>
                     (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)
                THEN t.typcollation::regcollation::text END AS collation,
           t.typnotnull AS notnull, t.typdefault AS default,
           ARRAY(SELECT format('%%I', c.conname) || ' ' || pg_get_constraintdef(c.oid) FROM pg_constraint c
                 WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS checks
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_class r ON r.oid = t.typrelid
    WHERE n.nspname = ANY(%(schemas)s) AND t.typtype IN ('e', 'c', 'd') AND (t.typrelid = 0 OR r.relkind = 'c')
      AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_type', oid='t.oid')}"""


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, QUERY, schemas))


def create_sql(row: dict) -> str:
    if row["typtype"] == "e":
        body = f"CREATE TYPE {row['q']} AS ENUM ({', '.join(row['labels'])});"
    elif row["typtype"] == "c":
        attributes = ", ".join(f"{n} {t}" for n, t in zip(row["attnames"], row["atttypes"]))
        body = f"CREATE TYPE {row['q']} AS ({attributes});"
    else:
        body = f"CREATE DOMAIN {row['q']} AS {row['base']}" + (f" COLLATE {row['collation']}" if row["collation"] else "")
        body += (f" DEFAULT {row['default']}" if row["default"] is not None else "")
        body += " NOT NULL" if row["notnull"] else ""
        body += "".join(f" CONSTRAINT {check}" for check in row["checks"]) + ";"
    return ops.guarded(f"to_regtype({row['lit']}) IS NULL", body)


def drop_sql(row: dict) -> str:
    return f"DROP {'DOMAIN' if row['typtype'] == 'd' else 'TYPE'} IF EXISTS {row['q']};"


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    steps = []
    for key, row in new.items():
        before = old.get(key)
        if before is None:
            steps.append(ops.Op(ops.CREATE_TYPE, KIND, key, "add", create_sql(row), (row["oid"],)))
        elif before["typtype"] != row["typtype"]:
            steps.append(ops.Op(ops.DROP_TYPE, KIND, key, "drop", drop_sql(before), (-before["oid"],)))
            steps.append(ops.Op(ops.CREATE_TYPE, KIND, key, "add", create_sql(row), (row["oid"],)))
        else:
            sql = {"e": _enum_changes, "c": _composite_changes, "d": _domain_changes}[row["typtype"]](before, row)
            if sql is None:
                sql = _enum_swap(before, row, ctx)
            if sql:
                steps.append(ops.Op(ops.CREATE_TYPE, KIND, key, "alter", "\n".join(sql), (row["oid"],)))
    steps += [ops.Op(ops.DROP_TYPE, KIND, key, "drop", drop_sql(row), (-row["oid"],))
              for key, row in old.items() if key not in new]
    return steps


def _enum_changes(old: dict, new: dict) -> list[str] | None:
    a, b = old["labels"], new["labels"]
    if a == b:
        return []
    if len(a) == len(b):  # same places, other names: renamed values
        return [ops.guarded(f"EXISTS (SELECT 1 FROM pg_enum WHERE enumtypid = {new['lit']}::regtype "
                            f"AND enumlabel = {x})", f"ALTER TYPE {new['q']} RENAME VALUE {x} TO {y};")
                for x, y in zip(a, b) if x != y]
    it = iter(b)
    if not all(label in it for label in a):  # the old labels, in order, must be among the new ones
        return None
    sql = []
    for i, label in enumerate(b):
        if label in a:
            continue
        place = f" AFTER {b[i - 1]}" if i > 0 else f" BEFORE {b[1]}" if len(b) > 1 else ""
        sql.append(f"ALTER TYPE {new['q']} ADD VALUE IF NOT EXISTS {label}{place};")
    return sql


def _enum_swap(old: dict, new: dict, ctx: ops.Context) -> list[str]:
    """Labels removed or reordered: PostgreSQL cannot drop an enum value, so the type is swapped — renamed
    away, created anew, every column of it converted through text, the old type dropped — once (guarded by
    the labels it should have)."""
    columns = [c for key, c in ctx.new["column"].items() if c["type"] == new["q"] and key in ctx.old["column"]]
    body = [f"ALTER TYPE {new['q']} RENAME TO {new['old_name']};",
            f"CREATE TYPE {new['q']} AS ENUM ({', '.join(new['labels'])});"]
    for column in columns:
        table = ctx.new["table"][column["table"]]["q"]
        alter = f"ALTER TABLE {table} ALTER COLUMN {column['q']}"
        if column["expression"] is not None:
            body.append(f"{alter} DROP DEFAULT;")
        body.append(f"{alter} TYPE {new['q']} USING {column['q']}::text::{new['q']};")
        if column["expression"] is not None:
            body.append(f"{alter} SET DEFAULT {column['expression']};")
    body.append(f"DROP TYPE {new['old_q']};")
    wanted = "ARRAY[" + ", ".join(new["labels"]) + "]::text[]"
    condition = (f"ARRAY(SELECT enumlabel::text FROM pg_enum WHERE enumtypid = {new['lit']}::regtype "
                 f"ORDER BY enumsortorder) IS DISTINCT FROM {wanted}")
    return [ops.guarded(condition, "\n    ".join(body))]


def _composite_changes(old: dict, new: dict) -> list[str]:
    a, b = dict(zip(old["attnames"], old["atttypes"])), dict(zip(new["attnames"], new["atttypes"]))
    sql = [f"ALTER TYPE {new['q']} DROP ATTRIBUTE IF EXISTS {n};" for n in a if n not in b]
    sql += [f"ALTER TYPE {new['q']} ALTER ATTRIBUTE {n} TYPE {t};" for n, t in b.items() if n in a and a[n] != t]
    sql += [f"ALTER TYPE {new['q']} ADD ATTRIBUTE {n} {t};" for n, t in b.items() if n not in a]
    return sql


def _domain_changes(old: dict, new: dict) -> list[str]:
    q, sql = new["q"], []
    if old["base"] != new["base"] or old["collation"] != new["collation"]:
        return [f"DROP DOMAIN IF EXISTS {q};", create_sql(new)]
    if old["default"] != new["default"]:
        sql.append(f"ALTER DOMAIN {q} " + (f"SET DEFAULT {new['default']};" if new["default"] is not None
                                            else "DROP DEFAULT;"))
    if old["notnull"] != new["notnull"]:
        sql.append(f"ALTER DOMAIN {q} {'SET' if new['notnull'] else 'DROP'} NOT NULL;")
    gone = [c for c in old["checks"] if c not in new["checks"]]
    sql += [f"ALTER DOMAIN {q} DROP CONSTRAINT IF EXISTS {c.split(' ', 1)[0]};" for c in gone]
    added = [c for c in new["checks"] if c not in old["checks"]]
    sql += [f"ALTER DOMAIN {q} DROP CONSTRAINT IF EXISTS {c.split(' ', 1)[0]};\nALTER DOMAIN {q} ADD CONSTRAINT {c};"
            for c in added]
    return sql
