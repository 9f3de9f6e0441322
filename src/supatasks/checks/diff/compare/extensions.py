"""Extensions: CREATE EXTENSION IF NOT EXISTS … WITH SCHEMA, ALTER EXTENSION … SET SCHEMA, DROP EXTENSION."""

from __future__ import annotations

from .. import ops

KIND = "extension"
QUERY = """
    SELECT e.extname AS key, format('%%I', e.extname) AS q, format('%%I', n.nspname) AS schema,
           e.oid::bigint AS oid
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname <> 'plpgsql'"""


def read(conn, schemas: list[str]) -> dict[str, dict]:
    return ops.keyed(ops.read_rows(conn, QUERY, schemas))


def compare(ctx: ops.Context) -> list[ops.Op]:
    old, new = ctx.old[KIND], ctx.new[KIND]
    steps = []
    for key, row in new.items():
        if key not in old:
            steps.append(ops.Op(ops.CREATE_EXTENSION, KIND, key, "add",
                                f"CREATE EXTENSION IF NOT EXISTS {row['q']} WITH SCHEMA {row['schema']};",
                                (row["oid"],)))
        elif old[key]["schema"] != row["schema"]:
            steps.append(ops.Op(ops.CREATE_EXTENSION, KIND, key, "alter",
                                f"ALTER EXTENSION {row['q']} SET SCHEMA {row['schema']};", (row["oid"],)))
    steps += [ops.Op(ops.DROP_EXTENSION, KIND, key, "drop", f"DROP EXTENSION IF EXISTS {row['q']};", (-row["oid"],))
              for key, row in old.items() if key not in new]
    return steps
