"""Publications (logical replication, Supabase Realtime's `supabase_realtime`): the publication itself where it
is new, and which tables of the compared schemas it publishes (ALTER PUBLICATION … ADD/DROP TABLE, guarded)."""

from __future__ import annotations

from .. import ops

KIND = "publication"
QUERY = """
    SELECT 'publication ' || p.pubname AS key, format('%%I', p.pubname) AS q, NULL AS "table", NULL AS table_q,
           p.puballtables AS all_tables, quote_literal(p.pubname) AS lit, NULL AS table_lit, p.oid::bigint AS oid
    FROM pg_publication p
    UNION ALL
    SELECT 'publication ' || p.pubname || ' table ' || n.nspname || '.' || c.relname, format('%%I', p.pubname),
           n.nspname || '.' || c.relname, format('%%I.%%I', n.nspname, c.relname), NULL, quote_literal(p.pubname),
           quote_literal(format('%%I.%%I', n.nspname, c.relname)), pr.oid::bigint
    FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid JOIN pg_class c ON c.oid = pr.prrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s)"""


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, QUERY, schemas))


def _member(row: dict) -> str:
    return (f"EXISTS (SELECT 1 FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid "
            f"WHERE p.pubname = {row['lit']} AND r.prrelid = {row['table_lit']}::regclass)")


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    steps = []
    for key, row in new.items():
        if key in old:
            continue
        if row["table"] is None:
            body = f"CREATE PUBLICATION {row['q']}{' FOR ALL TABLES' if row['all_tables'] else ''};"
            steps.append(ops.Op(ops.CREATE_PUBLICATION, KIND, key, "add",
                                ops.guarded(f"NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = {row['lit']})",
                                            body), (row["oid"],)))
        else:
            steps.append(ops.Op(ops.ADD_PUBLICATION_TABLE, KIND, key, "add",
                                ops.guarded(f"NOT {_member(row)}",
                                            f"ALTER PUBLICATION {row['q']} ADD TABLE {row['table_q']};"),
                                (row["oid"],)))
    for key, row in old.items():
        if key in new:
            continue
        if row["table"] is None:
            steps.append(ops.Op(ops.DROP_SCHEMA, KIND, key, "drop", f"DROP PUBLICATION IF EXISTS {row['q']};"))
        elif not ctx.is_gone("table", row["table"]):
            steps.append(ops.Op(ops.DROP_PUBLICATION_TABLE, KIND, key, "drop",
                                ops.guarded(_member(row), f"ALTER PUBLICATION {row['q']} DROP TABLE {row['table_q']};"),
                                (-row["oid"],)))
    return steps
