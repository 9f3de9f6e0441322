"""Triggers (pg_get_triggerdef, written CREATE OR REPLACE TRIGGER; a constraint trigger is dropped if it exists
and created), with their enabled state."""

from __future__ import annotations

from .. import ops

KIND = "trigger"
QUERY = f"""
    SELECT n.nspname || '.' || c.relname || '.' || t.tgname AS key, n.nspname || '.' || c.relname AS "table",
           format('%%I.%%I', n.nspname, c.relname) AS table_q, format('%%I', t.tgname) AS q, t.oid::bigint AS oid,
           pg_get_triggerdef(t.oid) AS definition, t.tgenabled::text AS enabled
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s) AND NOT t.tgisinternal
      AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_class', oid='c.oid')}"""
STATES = {"D": "DISABLE TRIGGER", "O": "ENABLE TRIGGER", "R": "ENABLE REPLICA TRIGGER", "A": "ENABLE ALWAYS TRIGGER"}


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, QUERY, schemas))


def create_sql(row: dict) -> str:
    definition = row["definition"]
    if definition.startswith("CREATE TRIGGER "):
        sql = "CREATE OR REPLACE TRIGGER " + definition.removeprefix("CREATE TRIGGER ") + ";"
    else:
        sql = f"{drop_sql(row)}\n{definition};"
    if row["enabled"] != "O":
        sql += f"\nALTER TABLE {row['table_q']} {STATES[row['enabled']]} {row['q']};"
    return sql


def drop_sql(row: dict) -> str:
    return f"DROP TRIGGER IF EXISTS {row['q']} ON {row['table_q']};"


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    steps = []
    for key, row in new.items():
        before = old.get(key)
        if before is not None and not ops.changed(before, row, ("definition", "enabled")):
            continue
        steps.append(ops.Op(ops.CREATE_TRIGGER, KIND, key, "alter" if before else "add", create_sql(row),
                            (row["oid"],)))
    for key, row in old.items():
        if key not in new and not ctx.is_gone("table", row["table"]) and not ctx.is_gone("view", row["table"]):
            steps.append(ops.Op(ops.DROP_TRIGGER, KIND, key, "drop", drop_sql(row), (-row["oid"],)))
    return steps
