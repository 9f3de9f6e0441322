"""Tables and their columns: CREATE TABLE IF NOT EXISTS with the columns (type, collation, default, identity,
generated expression, NOT NULL) and the table's own primary key, unique, check and exclusion constraints;
ADD COLUMN IF NOT EXISTS / DROP COLUMN IF EXISTS / ALTER COLUMN (TYPE, SET/DROP DEFAULT, SET/DROP NOT NULL,
identity); row level security (ENABLE/FORCE); DROP TABLE. A dropped column next to an added one of the same
type may be a rename: it is written as drop + add, with a warning (the data of the old column is lost)."""

from __future__ import annotations

import re

from .. import ops
from . import constraints

KIND = "table"
COLUMN = "column"
TABLES = f"""
    SELECT n.nspname || '.' || c.relname AS key, format('%%I.%%I', n.nspname, c.relname) AS q, c.oid::bigint AS oid,
           c.relkind::text AS relkind, c.relispartition AS partition, c.relrowsecurity AS rls,
           c.relforcerowsecurity AS force_rls, c.relpersistence::text AS persistence,
           EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) AS inherits
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p')
      AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_class', oid='c.oid')}"""
COLUMNS = f"""
    SELECT n.nspname || '.' || c.relname || '.' || a.attname AS key, n.nspname || '.' || c.relname AS "table",
           format('%%I', a.attname) AS q, a.attnum AS attnum, c.oid::bigint AS table_oid,
           format_type(a.atttypid, a.atttypmod) AS type,
           CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                THEN a.attcollation::regcollation::text END AS collation,
           a.attnotnull AS notnull, a.attidentity::text AS identity, a.attgenerated::text AS generated,
           pg_get_expr(d.adbin, d.adrelid) AS expression,
           ARRAY(SELECT pn.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
                 FROM pg_depend dep JOIN pg_proc p ON p.oid = dep.refobjid JOIN pg_namespace pn ON pn.oid = p.pronamespace
                 WHERE dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid
                   AND dep.refclassid = 'pg_proc'::regclass) AS functions
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_class', oid='c.oid')}"""
COLUMN_FIELDS = ("type", "collation", "notnull", "identity", "generated", "expression")
IDENTITY = {"a": "ALWAYS", "d": "BY DEFAULT"}


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, TABLES, schemas))


def read_columns(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, COLUMNS, schemas))


def _deferred_default(column: dict, ctx: ops.Context) -> bool:
    """The default calls a function this diff creates: it is set after the functions exist."""
    return not column["generated"] and any(ctx.is_new("function", f) for f in column["functions"])


def column_definition(column: dict, ctx: ops.Context) -> str:
    sql = f"{column['q']} {column['type']}"
    if column["collation"]:
        sql += f" COLLATE {column['collation']}"
    if column["generated"] == "s":
        sql += f" GENERATED ALWAYS AS ({column['expression']}) STORED"
    elif column["identity"]:
        sql += f" GENERATED {IDENTITY[column['identity']]} AS IDENTITY"
    elif column["expression"] is not None and not _deferred_default(column, ctx):
        sql += f" DEFAULT {column['expression']}"
    if column["notnull"] and not column["identity"]:
        sql += " NOT NULL"
    return sql


def _shape(columns: dict[str, dict], table: str) -> list[tuple]:
    return [tuple(c[f] for f in ("q", *COLUMN_FIELDS)) for c in _columns_of(columns, table)]


def _columns_of(columns: dict[str, dict], table: str) -> list[dict]:
    return sorted((c for c in columns.values() if c["table"] == table), key=lambda c: c["attnum"])


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    old_cols, new_cols = ctx.old[COLUMN], ctx.new[COLUMN]
    steps: list[ops.Op] = []
    for key, row in new.items():
        if row["relkind"] == "p" or row["partition"] or row["inherits"]:
            if key not in old or _shape(old_cols, key) != _shape(new_cols, key):
                ctx.unsupported.append(f"table {key}: partitioned or inherited tables are not written by db.diff")
            continue
        before = old.get(key)
        columns = _columns_of(new_cols, key)
        if before is None:
            steps.append(_create_table(row, columns, ctx))
        else:
            steps += _alter_columns(row, _columns_of(old_cols, key), columns, ctx)
        for column in columns:
            if _deferred_default(column, ctx) and (before is None or column["key"] not in old_cols or
                                                  old_cols[column["key"]]["expression"] != column["expression"]):
                steps.append(ops.Op(ops.COLUMN_DEFAULT_AFTER_FUNCTIONS, COLUMN, column["key"], "alter",
                                    f"ALTER TABLE {row['q']} ALTER COLUMN {column['q']} SET DEFAULT "
                                    f"{column['expression']};", (row["oid"], column["attnum"])))
        steps += _row_security(row, before)
    for key, row in old.items():
        if key not in new:
            warning = _renamed_table(key, ctx)
            steps.append(ops.Op(ops.DROP_TABLE, KIND, key, "drop", f"DROP TABLE IF EXISTS {row['q']};",
                                (-row["oid"],), destructive=True, warning=warning))
    return steps


def _create_table(row: dict, columns: list[dict], ctx: ops.Context) -> ops.Op:
    items = [column_definition(c, ctx) for c in columns]
    items += [f"CONSTRAINT {c['q']} {c['definition']}" for c in constraints.inline_for(row["key"], ctx)]
    unlogged = "UNLOGGED " if row["persistence"] == "u" else ""
    body = ",\n    ".join(items)
    return ops.Op(ops.CREATE_TABLE, KIND, row["key"], "add",
                  f"CREATE {unlogged}TABLE IF NOT EXISTS {row['q']} (\n    {body}\n);", (row["oid"],))


def _row_security(row: dict, before: dict | None) -> list[ops.Op]:
    sql = []
    if row["rls"] != (before["rls"] if before else False):
        sql.append(f"ALTER TABLE {row['q']} {'ENABLE' if row['rls'] else 'DISABLE'} ROW LEVEL SECURITY;")
    if row["force_rls"] != (before["force_rls"] if before else False):
        sql.append(f"ALTER TABLE {row['q']} {'FORCE' if row['force_rls'] else 'NO FORCE'} ROW LEVEL SECURITY;")
    if not sql:
        return []
    return [ops.Op(ops.ROW_SECURITY, "row level security", row["key"], "alter" if before else "add", "\n".join(sql),
                   (row["oid"],))]


def _alter_columns(row: dict, old: list[dict], new: list[dict], ctx: ops.Context) -> list[ops.Op]:
    q, steps = row["q"], []
    before = {c["q"]: c for c in old}
    after = {c["q"]: c for c in new}
    added = [c for c in new if c["q"] not in before]
    for column in old:
        if column["q"] in after:
            continue
        twins = [c["q"] for c in added if c["type"] == column["type"]]
        warning = (f"{row['key']}.{column['q']} may have been renamed to {', '.join(twins)}: written as drop + add, "
                   f"its data is lost; to keep it, replace both with ALTER TABLE {q} RENAME COLUMN "
                   f"{column['q']} TO {twins[0]};") if twins else None
        steps.append(ops.Op(ops.ALTER_COLUMN_DROP, COLUMN, column["key"], "drop",
                            f"ALTER TABLE {q} DROP COLUMN IF EXISTS {column['q']};", (-row["oid"], -column["attnum"]),
                            destructive=not column["generated"], warning=warning))
    for column in new:
        was = before.get(column["q"])
        if was is None:
            steps.append(ops.Op(ops.ALTER_COLUMN, COLUMN, column["key"], "add",
                                f"ALTER TABLE {q} ADD COLUMN IF NOT EXISTS {column_definition(column, ctx)};",
                                (row["oid"], column["attnum"])))
        elif ops.changed(was, column, COLUMN_FIELDS):
            steps += _alter_column(row, was, column, ctx)
    return steps


def _alter_column(row: dict, was: dict, column: dict, ctx: ops.Context) -> list[ops.Op]:
    q, c = row["q"], column["q"]
    order = (row["oid"], column["attnum"])
    if was["generated"] or column["generated"]:  # a generated column has no data of its own: drop and add
        return [ops.Op(ops.ALTER_COLUMN_DROP, COLUMN, column["key"], "drop",
                       f"ALTER TABLE {q} DROP COLUMN IF EXISTS {c};", (-row["oid"], -column["attnum"]),
                       destructive=not was["generated"]),
                ops.Op(ops.ALTER_COLUMN, COLUMN, column["key"], "add",
                       f"ALTER TABLE {q} ADD COLUMN IF NOT EXISTS {column_definition(column, ctx)};", order)]
    sql, destructive = [], False
    retype = was["type"] != column["type"] or was["collation"] != column["collation"]
    default_changes = was["expression"] != column["expression"] or retype
    if was["identity"] and not column["identity"]:
        sql.append(f"ALTER TABLE {q} ALTER COLUMN {c} DROP IDENTITY IF EXISTS;")
    if default_changes and was["expression"] is not None and not was["identity"]:
        sql.append(f"ALTER TABLE {q} ALTER COLUMN {c} DROP DEFAULT;")
    if retype:
        collate = f" COLLATE {column['collation']}" if column["collation"] else ""
        sql.append(f"ALTER TABLE {q} ALTER COLUMN {c} TYPE {column['type']}{collate} USING {c}::{column['type']};")
        destructive = not widening(was["type"], column["type"])
    if column["identity"] and not was["identity"]:
        sql.append(f"ALTER TABLE {q} ALTER COLUMN {c} ADD GENERATED {IDENTITY[column['identity']]} AS IDENTITY;")
    elif column["identity"] and was["identity"] != column["identity"]:
        sql.append(f"ALTER TABLE {q} ALTER COLUMN {c} SET GENERATED {IDENTITY[column['identity']]};")
    if default_changes and column["expression"] is not None and not column["identity"] \
            and not _deferred_default(column, ctx):
        sql.append(f"ALTER TABLE {q} ALTER COLUMN {c} SET DEFAULT {column['expression']};")
    if was["notnull"] != column["notnull"] and not column["identity"]:
        sql.append(f"ALTER TABLE {q} ALTER COLUMN {c} {'SET' if column['notnull'] else 'DROP'} NOT NULL;")
    if not sql:
        return []
    return [ops.Op(ops.ALTER_COLUMN, COLUMN, column["key"], "alter", "\n".join(sql), order, destructive=destructive,
                   warning=f"{column['key']}: {was['type']} → {column['type']} may not fit every value"
                   if destructive else None)]


_INTEGERS = ["smallint", "integer", "bigint"]
_SIZED = re.compile(r"^(character varying|varchar|character|numeric)\((\d+)(?:,(\d+))?\)$")


def widening(old: str, new: str) -> bool:
    """Every value of type `old` fits `new` unchanged (so ALTER … TYPE loses nothing)."""
    if old == new or new == "text" and (old.startswith(("character varying", "character(")) or old == "text"):
        return True
    if old in _INTEGERS and new in _INTEGERS:
        return _INTEGERS.index(new) >= _INTEGERS.index(old)
    if old in _INTEGERS and new == "numeric":
        return True
    a, b = _SIZED.match(old), _SIZED.match(new)
    if a and new in ("character varying", "numeric") and a.group(1) == new:
        return True
    if a and b and a.group(1) == b.group(1):
        if a.group(1) == "numeric":
            return int(b.group(3) or 0) >= int(a.group(3) or 0) and \
                int(b.group(2)) - int(b.group(3) or 0) >= int(a.group(2)) - int(a.group(3) or 0)
        return int(b.group(2)) >= int(a.group(2))
    return False


def _renamed_table(key: str, ctx: ops.Context) -> str | None:
    gone = sorted(c["type"] for c in ctx.old[COLUMN].values() if c["table"] == key)
    for other in ctx.new[KIND]:
        if other not in ctx.old[KIND] and sorted(c["type"] for c in ctx.new[COLUMN].values()
                                                if c["table"] == other) == gone:
            return (f"{key} may have been renamed to {other}: written as drop + create, its rows are lost; to keep "
                    f"them, replace both with ALTER TABLE … RENAME TO")
    return None
