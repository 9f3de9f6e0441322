"""Looking at a database's schema (the guide's "Monitoring" queries): tables, one table, two profiles' diff.

Read-only: every query here only reads the catalog.
"""

from __future__ import annotations

from ..errors import SupatasksError
from .snapshot import diff, snapshot


class TableNotFound(SupatasksError):
    """No table of that name in the database."""


def list_tables(conn, schemas: list[str]) -> list[dict]:
    """Tables of `schemas`: RLS state, policy count and a row estimate (the planner's, or the live-tuple
    statistics where the table was never analyzed; None when neither is known)."""
    rows = conn.execute(
        """SELECT n.nspname, c.relname, c.relkind = 'p', c.relrowsecurity, c.relforcerowsecurity,
                  CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE s.n_live_tup END,
                  (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),
                  pg_total_relation_size(c.oid)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
           WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)
           ORDER BY 1, 2""", (schemas,)).fetchall()
    return [{"schema": schema, "name": name, "partitioned": partitioned, "rls": rls, "rls_forced": forced,
             "row_estimate": estimate, "policies": policies, "bytes": size}
            for schema, name, partitioned, rls, forced, estimate, policies, size in rows]


def describe_table(conn, table: str) -> dict:
    """Columns, indexes, constraints (NOT NULL shows as the column's nullability), policies and triggers of
    `table` ("name" or "schema.name", resolved through the search path)."""
    found = conn.execute(
        """SELECT c.oid, n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity,
                  CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END, obj_description(c.oid, 'pg_class')
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.oid = to_regclass(%s) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')""", (table,)).fetchone()
    if found is None:
        raise TableNotFound(f"no table {table!r} in this database (try inv db.tables)")
    oid, schema, name, rls, forced, estimate, comment = found
    columns = conn.execute(
        """SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
                  pg_get_expr(d.adbin, d.adrelid),
                  CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,
                  a.attgenerated <> '', col_description(a.attrelid, a.attnum)
           FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""", (oid,)).fetchall()
    indexes = conn.execute(
        """SELECT i.relname, pg_get_indexdef(x.indexrelid), x.indisprimary, x.indisunique, x.indisvalid
           FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = %s ORDER BY i.relname""", (oid,)).fetchall()
    constraints = conn.execute(
        """SELECT conname, contype::text, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conrelid = %s AND contype <> 'n' ORDER BY conname""", (oid,)).fetchall()
    policies = conn.execute(
        """SELECT policyname, permissive, cmd, roles::text[], qual, with_check FROM pg_policies
           WHERE schemaname = %s AND tablename = %s ORDER BY policyname""", (schema, name)).fetchall()
    triggers = conn.execute(
        """SELECT tgname, pg_get_triggerdef(oid), tgenabled <> 'D' FROM pg_trigger
           WHERE tgrelid = %s AND NOT tgisinternal ORDER BY tgname""", (oid,)).fetchall()
    kinds = {"p": "primary key", "u": "unique", "f": "foreign key", "c": "check", "x": "exclusion",
             "t": "trigger"}
    return {
        "schema": schema, "name": name, "rls": rls, "rls_forced": forced, "row_estimate": estimate,
        "comment": comment,
        "columns": [{"name": n, "type": t, "nullable": nullable, "default": default, "identity": identity,
                     "generated": generated, "comment": c}
                    for n, t, nullable, default, identity, generated, c in columns],
        "indexes": [{"name": n, "definition": d, "primary": p, "unique": u, "valid": v}
                    for n, d, p, u, v in indexes],
        "constraints": [{"name": n, "type": kinds.get(t, t), "definition": d} for n, t, d in constraints],
        "policies": [{"name": n, "permissive": p, "command": cmd, "roles": list(roles or []), "using": q,
                      "with_check": w} for n, p, cmd, roles, q, w in policies],
        "triggers": [{"name": n, "definition": d, "enabled": e} for n, d, e in triggers],
    }


def schema_diff(conn_env, conn_against, schemas: list[str] | None = None) -> list[dict]:
    """What `env` has that `against` does not, and the other way round.

    Each change: {kind, name, change, before, after} with before = against's, after = env's; so
    `added` means only in env, `removed` only in against, `changed` defined differently."""
    changes = diff(snapshot(conn_against), snapshot(conn_env))
    if schemas:
        changes = [c for c in changes if c["kind"] == "extension" or _in_schemas(c["name"], schemas)]
    return changes


def _in_schemas(name: str, schemas: list[str]) -> bool:
    return any(name == s or name.startswith(s + ".") for s in schemas)
