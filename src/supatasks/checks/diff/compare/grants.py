"""Privileges on tables, views, sequences, columns, functions, procedures and schemas: one GRANT or REVOKE per
(object, grantee, privilege) that differs. A missing ACL means the owner's defaults (acldefault). An object the
diff creates gets the server's default privileges (ALTER DEFAULT PRIVILEGES) when the file runs: its grants are
not compared here — the proof applies the file and adds the GRANTs and REVOKEs still missing (proof.py)."""

from __future__ import annotations

from .. import ops

KIND = "grant"
_GRANTEE = "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE format('%%I', pg_get_userbyid(a.grantee)) END"
QUERY = f"""
    SELECT on_ || '|' || coalesce(col, '') || '|' || grantee || '|' || privilege AS key, * FROM (
      SELECT CASE c.relkind WHEN 'S' THEN 'sequence:' WHEN 'v' THEN 'view:' WHEN 'm' THEN 'view:' ELSE 'table:' END
               || n.nspname || '.' || c.relname AS on_,
             CASE c.relkind WHEN 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END || format('%%I.%%I', n.nspname, c.relname)
               AS target, NULL::text AS col, {_GRANTEE} AS grantee, a.privilege_type AS privilege,
             a.is_grantable AS grantable
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
           aclexplode(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char",
                                                    c.relowner))) a
      WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_class', oid='c.oid')}
      UNION ALL
      SELECT 'table:' || n.nspname || '.' || c.relname, 'TABLE ' || format('%%I.%%I', n.nspname, c.relname),
             format('%%I', att.attname), {_GRANTEE}, a.privilege_type, a.is_grantable
      FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace,
           aclexplode(att.attacl) a
      WHERE n.nspname = ANY(%(schemas)s) AND att.attacl IS NOT NULL AND att.attnum > 0 AND NOT att.attisdropped
      UNION ALL
      SELECT 'function:' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
             CASE WHEN p.prokind = 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END
               || format('%%I.%%I', n.nspname, p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
             NULL, {_GRANTEE}, a.privilege_type, a.is_grantable
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,
           aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
      WHERE n.nspname = ANY(%(schemas)s) AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_proc', oid='p.oid')}
      UNION ALL
      SELECT 'schema:' || n.nspname, 'SCHEMA ' || format('%%I', n.nspname), NULL, {_GRANTEE}, a.privilege_type,
             a.is_grantable
      FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
      WHERE n.nspname = ANY(%(schemas)s) AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_namespace', oid='n.oid')}
    ) g"""


def read(conn, schemas: list[str]) -> dict[str, dict]:
    rows = ops.read_rows(conn, QUERY, schemas)
    for row in rows:
        row["on"] = row.pop("on_")
    return ops.keyed(rows)



def grant_sql(row: dict) -> str:
    privilege = f"{row['privilege']} ({row['col']})" if row["col"] else row["privilege"]
    option = " WITH GRANT OPTION" if row["grantable"] else ""
    return f"GRANT {privilege} ON {row['target']} TO {row['grantee']}{option};"


def revoke_sql(row: dict) -> str:
    privilege = f"{row['privilege']} ({row['col']})" if row["col"] else row["privilege"]
    return f"REVOKE {privilege} ON {row['target']} FROM {row['grantee']};"


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    alive = {row["on"] for row in new.values()}  # every existing object has its owner's privileges at least
    created = alive - {row["on"] for row in old.values()}
    steps = []
    for key, row in new.items():
        before = old.get(key)
        if row["on"] in created:  # left to the default privileges; the proof adds what they do not give
            continue
        if before is not None and before["grantable"] == row["grantable"]:
            continue
        if before is not None and before["grantable"] and not row["grantable"]:
            steps.append(ops.Op(ops.GRANT, KIND, key, "alter",
                                f"REVOKE GRANT OPTION FOR {row['privilege']} ON {row['target']} FROM {row['grantee']};"))
            continue
        steps.append(ops.Op(ops.GRANT, KIND, key, "add", grant_sql(row), (row["on"], row["grantee"]),
                            merge=_merge(row, "GRANT {} ON %s TO %s%s", row["grantable"])))
    for key, row in old.items():
        if key not in new and row["on"] in alive and (row["col"] is None or _column_alive(row, ctx)):
            steps.append(ops.Op(ops.REVOKE, KIND, key, "drop", revoke_sql(row), (row["on"], row["grantee"]),
                                merge=_merge(row, "REVOKE {} ON %s FROM %s%s", False)))
    return steps


def _merge(row: dict, template: str, option: bool) -> tuple[str, str]:
    privilege = f"{row['privilege']} ({row['col']})" if row["col"] else row["privilege"]
    statement = template % (row["target"].replace("{", "{{").replace("}", "}}"),
                            row["grantee"].replace("{", "{{").replace("}", "}}"), " WITH GRANT OPTION" if option else "")
    return statement + ";", privilege


def _column_alive(row: dict, ctx: ops.Context) -> bool:
    table = row["on"].split(":", 1)[1]
    return any(c["table"] == table and c["q"] == row["col"] for c in ctx.new.get("column", {}).values())
