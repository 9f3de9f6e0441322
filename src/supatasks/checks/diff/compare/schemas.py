"""Schemas: CREATE SCHEMA IF NOT EXISTS / DROP SCHEMA IF EXISTS (never CASCADE: their objects go first)."""

from __future__ import annotations

from .. import ops

KIND = "schema"
QUERY = f"""
    SELECT n.nspname AS key, format('%%I', n.nspname) AS q, n.oid::bigint AS oid
    FROM pg_namespace n
    WHERE n.nspname = ANY(%(schemas)s) AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_namespace', oid='n.oid')}"""


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, QUERY, schemas))


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    steps = [ops.Op(ops.CREATE_SCHEMA, KIND, key, "add", f"CREATE SCHEMA IF NOT EXISTS {row['q']};", (row["oid"],))
             for key, row in new.items() if key not in old]
    steps += [ops.Op(ops.DROP_SCHEMA, KIND, key, "drop", f"DROP SCHEMA IF EXISTS {row['q']};", (-row["oid"],))
              for key, row in old.items() if key not in new]
    return steps
