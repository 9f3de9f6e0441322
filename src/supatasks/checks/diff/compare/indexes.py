"""Indexes that are not a constraint's (pg_get_indexdef, written CREATE INDEX IF NOT EXISTS); a changed index
is dropped and created again. Indexes of materialized views are created after the views."""

from __future__ import annotations

import re

from .. import ops

KIND = "index"
QUERY = f"""
    SELECT n.nspname || '.' || i.relname AS key, format('%%I.%%I', n.nspname, i.relname) AS q,
           n.nspname || '.' || t.relname AS "table", t.relkind::text AS table_kind, i.oid::bigint AS oid,
           pg_get_indexdef(i.oid) AS definition
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = i.relnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND t.relkind IN ('r', 'p', 'm')
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid AND c.contype IN ('p', 'u', 'x'))
      AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_class', oid='t.oid')}"""
_CREATE = re.compile(r"^CREATE (UNIQUE )?INDEX ")


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, QUERY, schemas))


def create_sql(row: dict) -> str:
    return _CREATE.sub(lambda m: f"CREATE {m.group(1) or ''}INDEX IF NOT EXISTS ", row["definition"], count=1) + ";"


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    steps = []
    for key, row in new.items():
        before = old.get(key)
        if before is not None and before["definition"] == row["definition"]:
            continue
        if before is not None:
            steps.append(_drop(before))
        phase = ops.CREATE_MATVIEW_INDEX if row["table_kind"] == "m" else ops.CREATE_INDEX
        steps.append(ops.Op(phase, KIND, key, "alter" if before else "add", create_sql(row), (row["oid"],)))
    steps += [_drop(row) for key, row in old.items()
              if key not in new and not ctx.is_gone("table", row["table"]) and not ctx.is_gone("view", row["table"])]
    return steps


def _drop(row: dict) -> ops.Op:
    return ops.Op(ops.DROP_INDEX, KIND, row["key"], "drop", f"DROP INDEX IF EXISTS {row['q']};", (-row["oid"],))
