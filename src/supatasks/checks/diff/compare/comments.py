"""Comments on schemas, tables, views, sequences, columns, functions and types: COMMENT ON … IS '…' (or IS NULL
where a comment went away from an object that stays)."""

from __future__ import annotations

from .. import ops

KIND = "comment"
QUERY = f"""
    SELECT target AS key, * FROM (
      SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE ' WHEN 'v' THEN 'VIEW ' WHEN 'm' THEN 'MATERIALIZED VIEW '
                            ELSE 'TABLE ' END || format('%%I.%%I', n.nspname, c.relname) AS target,
             CASE c.relkind WHEN 'S' THEN 'sequence:' WHEN 'v' THEN 'view:' WHEN 'm' THEN 'view:' ELSE 'table:' END
               || n.nspname || '.' || c.relname AS on_, quote_literal(d.description) AS text
      FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
           AND d.objsubid = 0 JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      UNION ALL
      SELECT 'COLUMN ' || format('%%I.%%I.%%I', n.nspname, c.relname, a.attname),
             'column:' || n.nspname || '.' || c.relname || '.' || a.attname, quote_literal(d.description)
      FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY(%(schemas)s) AND d.objsubid > 0
      UNION ALL
      SELECT CASE WHEN p.prokind = 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END
               || format('%%I.%%I', n.nspname, p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
             'function:' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
             quote_literal(d.description)
      FROM pg_description d JOIN pg_proc p ON p.oid = d.objoid AND d.classoid = 'pg_proc'::regclass
      JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY(%(schemas)s) AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_proc', oid='p.oid')}
      UNION ALL
      SELECT CASE WHEN t.typtype = 'd' THEN 'DOMAIN ' ELSE 'TYPE ' END || format('%%I.%%I', n.nspname, t.typname),
             'type:' || n.nspname || '.' || t.typname, quote_literal(d.description)
      FROM pg_description d JOIN pg_type t ON t.oid = d.objoid AND d.classoid = 'pg_type'::regclass
      JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = ANY(%(schemas)s) AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_type', oid='t.oid')}
      UNION ALL
      SELECT 'SCHEMA ' || format('%%I', n.nspname), 'schema:' || n.nspname, quote_literal(d.description)
      FROM pg_description d JOIN pg_namespace n ON n.oid = d.objoid AND d.classoid = 'pg_namespace'::regclass
      WHERE n.nspname = ANY(%(schemas)s) AND n.nspname <> 'public'
    ) x"""


def read(conn, schemas: list[str]) -> dict[str, dict]:
    rows = ops.read_rows(conn, QUERY, schemas)
    for row in rows:
        row["on"] = row.pop("on_")
    return ops.keyed(rows)


def _alive(on: str, ctx: ops.Context) -> bool:
    kind, key = on.split(":", 1)
    return key in ctx.new.get(kind, {})


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    steps = [ops.Op(ops.COMMENT, KIND, key, "alter" if key in old else "add", f"COMMENT ON {key} IS {row['text']};")
             for key, row in new.items() if key not in old or old[key]["text"] != row["text"]]
    steps += [ops.Op(ops.COMMENT, KIND, key, "drop", f"COMMENT ON {key} IS NULL;")
              for key, row in old.items() if key not in new and _alive(row["on"], ctx)]
    return steps
