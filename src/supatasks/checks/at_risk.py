"""The data at risk: what the statements about to run destroy on the target, measured before consent.

`destructive_changes` reads the planned statements with the parse tree lint uses (rules.parse_units, so DO
blocks count too) and lists what they destroy: tables dropped or truncated (also by DROP SCHEMA … CASCADE),
columns dropped, column types changed to one that may not hold every value, all rows of a table deleted or
rewritten by a DELETE/UPDATE without WHERE. `measure` then asks the target how much each one holds: rows
counted exactly up to EXACT_BOUND (a bounded count that reads no more than that), estimated from
pg_class.reltuples above it, and the size on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .rules import parse_units, table_name

EXACT_BOUND = 100_000
COUNT_LOCK_WAIT, COUNT_TIMEOUT = "5s", "30s"  # a count never queues behind a lock or runs long

DROP_TABLE, TRUNCATE, DROP_COLUMN, CHANGE_TYPE, DELETE_ALL, UPDATE_ALL = (
    "drop table", "truncate", "drop column", "change type", "delete all rows", "update all rows")
#: what the change does to the rows it touches, for people
VERBS = {DROP_TABLE: "dropped", TRUNCATE: "emptied", DROP_COLUMN: "dropped", CHANGE_TYPE: "converted",
         DELETE_ALL: "deleted", UPDATE_ALL: "rewritten"}

# Conversions that keep every value (format_type names): from → the types that hold all of it.
_WIDER = {
    "smallint": {"integer", "bigint", "numeric", "real", "double precision", "text"},
    "integer": {"bigint", "numeric", "double precision", "text"},
    "bigint": {"numeric", "text"},
    "real": {"double precision", "text"},
    "character varying": {"text"},
    "character": {"text", "character varying"},
    "timestamp without time zone": {"timestamp with time zone", "text"},
    "date": {"timestamp without time zone", "timestamp with time zone", "text"},
}


@dataclass
class Change:
    """One destructive change found in a planned statement."""

    kind: str
    table: str                 # schema.table
    column: str | None         # for drop column / change type
    file: str
    line: int
    new_type: str | None = None  # change type: the type as written

    @property
    def subject(self) -> str:
        return f"{self.table}.{self.column}" if self.column else self.table


@dataclass
class AtRisk:
    """A change measured on the target."""

    change: Change
    exists: bool = True        # the table (column) is on the target now
    rows: int | None = 0       # rows holding data (for a column: non-null values)
    exact: bool = True         # False: estimated from the planner's statistics
    bytes: int | None = None   # the table's size (a column's: estimated from pg_stats)
    old_type: str | None = None

    def describe(self) -> str:
        c = self.change
        where = f"{c.file}:{c.line}"
        if not self.exists:
            return f"{c.kind} {c.subject} ({where}): not on the target now, nothing to lose"
        if self.rows is None:
            return (f"{c.kind} {c.subject} ({where}): rows unknown — the table could not be counted within "
                    f"{COUNT_LOCK_WAIT} (locked?) and has no planner estimate")
        count = f"{self.rows:,}" if self.exact else f"about {self.rows:,}"
        what = "value(s)" if c.column and c.kind != CHANGE_TYPE else "row(s)"
        size = f", {_size(self.bytes)}" if self.bytes else ""
        extra = f" from {self.old_type} to {c.new_type}" if c.kind == CHANGE_TYPE else ""
        return f"{c.kind} {c.subject}{extra} — {count} {what} {VERBS[c.kind]}{size} ({where})"

    def as_dict(self) -> dict:
        c = self.change
        return {"kind": c.kind, "table": c.table, "column": c.column, "file": c.file, "line": c.line,
                "exists": self.exists, "rows": self.rows, "exact": self.exact, "bytes": self.bytes,
                "old_type": self.old_type, "new_type": c.new_type}


@dataclass
class DataAtRisk:
    items: list[AtRisk] = field(default_factory=list)

    @property
    def losing(self) -> list[AtRisk]:
        """What destroys rows that exist now (or may: a table that could not be counted)."""
        return [i for i in self.items if i.exists and (i.rows or i.rows is None)]

    @property
    def rows(self) -> int:
        return sum(i.rows or 0 for i in self.losing)

    @property
    def tables(self) -> list[str]:
        """Every table whose rows are at risk (for the backup check)."""
        return sorted({i.change.table for i in self.losing})

    def phrase(self) -> str | None:
        """`drop 1 table and 1 column holding 48,210 rows` — None when no row is at risk."""
        losing = self.losing
        if not losing:
            return None
        parts, last_verb = [], None
        for kind, verb, noun in ((DROP_TABLE, "drop", "table"), (DROP_COLUMN, "drop", "column"),
                                 (TRUNCATE, "truncate", "table"), (CHANGE_TYPE, "convert", "column"),
                                 (DELETE_ALL, "empty", "table"), (UPDATE_ALL, "rewrite", "table")):
            n = len({i.change.subject for i in losing if i.change.kind == kind})
            if n:  # "drop 1 table and 1 column": a verb once for consecutive parts
                parts.append(f"{'' if verb == last_verb else verb + ' '}{n} {noun}{'s' if n > 1 else ''}")
                last_verb = verb
        exact = all(i.exact for i in losing)
        joined = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        if any(i.rows is None for i in losing):  # a table that could not be counted (locked)
            return f"{joined} holding at least {self.rows:,} rows" if self.rows else f"{joined} (rows not counted)"
        return f"{joined} holding {'' if exact else 'about '}{self.rows:,} rows"

    def lines(self) -> list[str]:
        if not self.items:
            return ["Data at risk: none (no statement drops, truncates, narrows or empties anything)"]
        head = self.phrase()
        lines = [f"Data at risk on the target: {head}" if head else
                 "Data at risk on the target: destructive statements, but no rows in what they touch now"]
        lines += [f"  - {i.describe()}" for i in self.items]
        return lines

    def as_dict(self) -> dict:
        return {"rows": self.rows, "exact": all(i.exact for i in self.losing), "summary": self.phrase(),
                "items": [i.as_dict() for i in self.items]}


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


# -- reading the statements --------------------------------------------------------------------------------

def destructive_changes(label: str, statements: list) -> list[Change]:
    """The destructive changes of split statements (sqltext.split.Statement) of one file, in order."""
    from pglast import ast
    from pglast.enums.parsenodes import AlterTableType, ObjectType

    found: list[Change] = []
    for index, stmt in enumerate(statements):
        units, _ = parse_units(stmt.text, stmt.line, index)
        for unit in units:
            node, line = unit.node, unit.line
            if isinstance(node, ast.DropStmt) and node.removeType in (ObjectType.OBJECT_TABLE,
                                                                     ObjectType.OBJECT_SCHEMA):
                kind = DROP_TABLE if node.removeType == ObjectType.OBJECT_TABLE else "drop schema"
                for item in node.objects or ():
                    parts = [getattr(p, "sval", str(p)) for p in (item if isinstance(item, (list, tuple))
                                                                  else [item])]
                    if kind == DROP_TABLE:
                        name = ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}"
                        found.append(Change(DROP_TABLE, name, None, label, line))
                    else:  # every table of the schema: measured per table (see measure)
                        found.append(Change("drop schema", parts[-1], None, label, line))
            elif isinstance(node, ast.TruncateStmt):
                found += [Change(TRUNCATE, table_name(r), None, label, line) for r in node.relations or ()]
            elif isinstance(node, ast.DeleteStmt) and node.whereClause is None:
                found.append(Change(DELETE_ALL, table_name(node.relation), None, label, line))
            elif isinstance(node, ast.UpdateStmt) and node.whereClause is None:
                found.append(Change(UPDATE_ALL, table_name(node.relation), None, label, line))
            elif isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE:
                table = table_name(node.relation)
                for cmd in node.cmds or ():
                    if cmd.subtype == AlterTableType.AT_DropColumn:
                        found.append(Change(DROP_COLUMN, table, cmd.name, label, line))
                    elif cmd.subtype == AlterTableType.AT_AlterColumnType:
                        found.append(Change(CHANGE_TYPE, table, cmd.name, label, line,
                                            new_type=_type_text(cmd.def_.typeName)))
    return found


def _type_text(type_name) -> str:
    from pglast.stream import RawStream

    return RawStream()(type_name)


# -- measuring on the target ------------------------------------------------------------------------------

def measure(conn, changes: list[Change], bound: int = EXACT_BOUND) -> DataAtRisk:
    """What each change would destroy on the target now (read-only; bounded reads)."""
    result = DataAtRisk()
    for change in changes:
        if change.kind == "drop schema":
            tables = [r[0] for r in conn.execute(
                "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 1", (change.table,)).fetchall()]
            for table in tables:
                result.items.append(_measure_one(conn, Change(DROP_TABLE, table, None, change.file, change.line),
                                                 bound))
            continue
        item = _measure_one(conn, change, bound)
        if change.kind == CHANGE_TYPE and item.exists and _keeps_values(conn, item.old_type, change.new_type):
            continue  # a widening (int → bigint, varchar(n) → text): nothing is lost
        result.items.append(item)
    return result


def _measure_one(conn, change: Change, bound: int) -> AtRisk:
    from psycopg import sql

    # pg_class is read without locking the table; its size and its rows only with a bounded lock wait
    row = conn.execute("SELECT c.oid, c.reltuples::bigint, c.relpages::bigint * current_setting('block_size')::bigint "
                       "FROM pg_class c WHERE c.oid = to_regclass(%s) AND c.relkind IN ('r', 'p')",
                       (_regclass(change.table),)).fetchone()
    if row is None:
        return AtRisk(change, exists=False, rows=0)
    oid, estimate, size = row
    exact_size = _bounded(conn, "SELECT pg_total_relation_size(%s)", (oid,))
    size = exact_size if exact_size is not None else size
    schema, _, name = change.table.partition(".")
    table = sql.Identifier(schema, name)
    item = AtRisk(change, bytes=size)
    where = sql.SQL("")
    if change.column:
        found = conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                             "WHERE attrelid = %s AND attname = %s AND attnum > 0 AND NOT attisdropped",
                             (oid, change.column)).fetchone()
        if found is None:
            return AtRisk(change, exists=False, rows=0)
        item.old_type = found[0]
        where = sql.SQL(" WHERE {} IS NOT NULL").format(sql.Identifier(change.column))
        stats = conn.execute("SELECT avg_width, null_frac FROM pg_stats WHERE schemaname = %s AND tablename = %s "
                             "AND attname = %s", (schema, name, change.column)).fetchone()
        width = stats[:1] if stats else None
        if stats and stats[1] is not None:  # the estimate of non-null values, for a column above the bound
            estimate = int(estimate * (1 - stats[1]))
        item.bytes = None
    counted = _bounded(conn, sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {}{} LIMIT %s) AS bounded")
                       .format(table, where), (bound + 1,))
    if counted is None:  # the table is locked or huge: the planner's estimate is all there is (-1: none)
        item.rows, item.exact = (int(estimate) if estimate >= 0 else None), False
    elif counted <= bound:
        item.rows = counted
    else:
        item.rows, item.exact = max(int(estimate), counted), False
    if change.column and width and width[0]:
        item.bytes = int(width[0]) * item.rows
    return item


def _bounded(conn, query, params) -> int | None:
    """A one-value query on the table, or None when it cannot be had within COUNT_LOCK_WAIT / COUNT_TIMEOUT."""
    import psycopg

    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{COUNT_LOCK_WAIT}'")
            conn.execute(f"SET LOCAL statement_timeout = '{COUNT_TIMEOUT}'")
            return conn.execute(query, params).fetchone()[0]
    except psycopg.errors.QueryCanceled:  # statement_timeout
        return None
    except psycopg.errors.LockNotAvailable:  # lock_timeout
        return None


def _regclass(table: str) -> str:
    schema, _, name = table.partition(".")
    return '"' + schema.replace('"', '""') + '"."' + name.replace('"', '""') + '"'


def _keeps_values(conn, old_type: str | None, new_type: str | None) -> bool:
    """Whether every value of `old_type` fits `new_type` unchanged (the server names the new type)."""
    if not old_type or not new_type:
        return False
    try:
        with conn.transaction():
            new = conn.execute("SELECT format_type(t.oid, NULL), %s::regtype::text FROM pg_type t "
                               "WHERE t.oid = %s::regtype", (new_type, new_type)).fetchone()
    except Exception:  # a type the target does not know yet (created by the same plan): assume the worst
        return False
    if new is None:
        return False
    old_base, old_mod = _split_type(old_type)
    new_base, new_mod = _split_type(new[0])[0], _split_type(new_type)[1]
    if old_base == new_base:
        if new_mod is None:
            return True                      # varchar(10) → varchar, numeric(5,2) → numeric
        if old_mod is None:
            return False
        return old_mod <= new_mod if old_base != "numeric" else old_mod == new_mod
    return new_base in _WIDER.get(old_base, set())


def _split_type(text: str) -> tuple[str, tuple | None]:
    base, _, mods = text.partition("(")
    numbers = tuple(int(m) for m in mods.rstrip(")").replace(" ", "").split(",") if m.isdigit()) if mods else None
    return base.strip().lower(), numbers or None


def assess(conn, files: list[tuple[str, list]], bound: int = EXACT_BOUND) -> DataAtRisk:
    """The data at risk of planned files [(label, statements)], measured on `conn` (the target)."""
    changes = [c for label, statements in files for c in destructive_changes(label, statements)]
    return measure(conn, changes, bound)
