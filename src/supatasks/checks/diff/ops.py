"""One step of a generated migration, and the phases that put steps in dependency order.

Drops run first, dependents before what they depend on (policies, triggers and views before the columns and
tables they use; functions after the tables whose defaults, checks, policies and triggers call them); then creations, dependencies first (schemas, extensions, types, sequences,
tables, functions, constraints, indexes, views, triggers, row level security, policies, grants, comments,
publications). Inside a phase, steps follow the objects' oids in the database they come from — the order
they were created in, which is an order their own dependencies allow — and drops the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# drops (dependents first)
REVOKE, DROP_PUBLICATION_TABLE, DROP_POLICY, DROP_TRIGGER, DROP_VIEW, DROP_CONSTRAINT, DROP_INDEX = range(7)
ALTER_COLUMN_DROP, DROP_TABLE, DROP_FUNCTION, DROP_SEQUENCE, DROP_TYPE, DROP_EXTENSION, DROP_SCHEMA = range(7, 14)
# creations (dependencies first)
CREATE_SCHEMA, CREATE_EXTENSION, CREATE_TYPE, CREATE_SEQUENCE, CREATE_TABLE, ALTER_COLUMN = range(20, 26)
SEQUENCE_OWNER, CREATE_FUNCTION, COLUMN_DEFAULT_AFTER_FUNCTIONS, ADD_CONSTRAINT, ADD_FOREIGN_KEY = range(26, 31)
CREATE_INDEX, CREATE_VIEW, CREATE_MATVIEW_INDEX, CREATE_TRIGGER, ROW_SECURITY, CREATE_POLICY = range(31, 37)
GRANT, COMMENT, CREATE_PUBLICATION, ADD_PUBLICATION_TABLE = range(37, 41)


@dataclass
class Op:
    phase: int
    kind: str               # table, column, constraint, index, view, function, policy, grant, …
    name: str               # the object, as people read it (schema.table.column)
    change: str             # add | drop | alter
    sql: str                # the statement(s), each ending in ';'
    order: tuple = ()       # tie-break inside the phase (the object's oid where it helps)
    destructive: bool = False   # loses data: dropping a table or column, narrowing a type
    warning: str | None = None  # shown with the SQL (a rename written as drop + add, …)
    # GRANT/REVOKE steps that differ only in the privilege share one statement: (statement with {} for the
    # privileges, privilege)
    merge: tuple[str, str] | None = None

    def sort_key(self) -> tuple:
        return (self.phase, self.order, self.name)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "change": self.change, "sql": self.sql,
                "destructive": self.destructive, "warning": self.warning}


@dataclass
class Context:
    """Both sides of a comparison: `old` (what the migrations give) and `new` (what the file must produce),
    {kind: {key: row}} each, so one kind can ask about another (is this table new? this function?)."""
    old: dict[str, dict[str, dict]]
    new: dict[str, dict[str, dict]]
    unsupported: list[str] = field(default_factory=list)   # objects no step can express
    rebuilt: set[str] = field(default_factory=set)  # views and functions dropped and created again: what hangs
                                                    # on them (grants, comments, triggers, indexes) is re-added

    def is_new(self, kind: str, key: str) -> bool:
        return key in self.new.get(kind, {}) and key not in self.old.get(kind, {})

    def is_gone(self, kind: str, key: str) -> bool:
        return key in self.old.get(kind, {}) and key not in self.new.get(kind, {})


def read_rows(conn, sql: str, schemas: list[str]) -> list[dict]:
    """The rows of a catalog query as dicts; `%(schemas)s` is the list of schemas compared."""
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, {"schemas": schemas}).fetchall()


def keyed(rows: list[dict]) -> dict[str, dict]:
    return {row["key"]: row for row in rows}


#: Leaves objects that belong to an extension out (`{catalog}` the catalog table, `{oid}` the column).
NOT_EXTENSION_MEMBER = ("NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{catalog}'::regclass "
                        "AND d.objid = {oid} AND d.deptype = 'e')")


def guarded(condition: str, statement: str) -> str:
    """`statement` run only when `condition` (SQL) holds: the guide's DO-block pattern, for statements that
    have no IF NOT EXISTS of their own."""
    return f"DO $$\nBEGIN\n  IF {condition} THEN\n    {statement}\n  END IF;\nEND\n$$;"


def statements(steps: list[Op]) -> list[str]:
    """The SQL of `steps` in order; neighbouring grants (or revokes) of one object to one role become one
    statement (`GRANT SELECT, INSERT ON TABLE … TO …`)."""
    out: list[str] = []
    pending: tuple[str, list[str]] | None = None
    for step in steps:
        if step.merge and pending and pending[0] == step.merge[0]:
            pending[1].append(step.merge[1])
            continue
        if pending:
            out.append(pending[0].format(", ".join(pending[1])))
            pending = None
        if step.merge:
            pending = (step.merge[0], [step.merge[1]])
        else:
            out.append(step.sql)
    if pending:
        out.append(pending[0].format(", ".join(pending[1])))
    return out


def changed(old: dict, new: dict, fields: tuple[str, ...]) -> bool:
    return any(old.get(f) != new.get(f) for f in fields)
