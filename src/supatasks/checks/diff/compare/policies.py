"""Row level security policies: DROP POLICY IF EXISTS, then CREATE POLICY (the guide's idempotent pair), with
the expressions as PostgreSQL prints them (pg_get_expr)."""

from __future__ import annotations

from .. import ops

KIND = "policy"
QUERY = """
    SELECT n.nspname || '.' || c.relname || '.' || p.polname AS key, n.nspname || '.' || c.relname AS "table",
           format('%%I.%%I', n.nspname, c.relname) AS table_q, format('%%I', p.polname) AS q, p.oid::bigint AS oid,
           p.polpermissive AS permissive, p.polcmd::text AS cmd,
           ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE format('%%I', pg_get_userbyid(r)) END
                 FROM unnest(p.polroles) r ORDER BY 1) AS roles,
           pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS check
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s)"""
COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, QUERY, schemas))


def drop_sql(row: dict) -> str:
    return f"DROP POLICY IF EXISTS {row['q']} ON {row['table_q']};"


def create_sql(row: dict) -> str:
    sql = (f"{drop_sql(row)}\nCREATE POLICY {row['q']} ON {row['table_q']}\n"
           f"  AS {'PERMISSIVE' if row['permissive'] else 'RESTRICTIVE'} FOR {COMMANDS[row['cmd']]}\n"
           f"  TO {', '.join(row['roles'])}")
    if row["using"] is not None:
        sql += f"\n  USING ({row['using']})"
    if row["check"] is not None:
        sql += f"\n  WITH CHECK ({row['check']})"
    return sql + ";"


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    fields = ("permissive", "cmd", "roles", "using", "check")
    steps = [ops.Op(ops.CREATE_POLICY, KIND, key, "alter" if key in old else "add", create_sql(row), (row["oid"],))
             for key, row in new.items() if key not in old or ops.changed(old[key], row, fields)]
    steps += [ops.Op(ops.DROP_POLICY, KIND, key, "drop", drop_sql(row), (-row["oid"],))
              for key, row in old.items() if key not in new and not ctx.is_gone("table", row["table"])]
    return steps
