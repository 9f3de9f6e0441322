"""The rules of `db.lint`: their ids, severities and fixes, and the SQL structure checks behind them.

Each rule that depends on what a statement *is* reads the parse tree of a real PostgreSQL parser
(pglast), one statement at a time as the splitter cut the file, so line numbers are the file's. The
bodies of `DO` blocks are parsed too (pglast's PL/pgSQL parser): a statement inside an `IF`/`CASE`
branch or inside a block with an `EXCEPTION` handler counts as *guarded*, i.e. written to be re-run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    summary: str
    fix: str


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("ST000", "sql-syntax", ERROR, "a statement PostgreSQL cannot parse",
         "fix the SQL; the database would reject it the same way"),
    Rule("ST001", "create-table-not-idempotent", ERROR, "CREATE TABLE without IF NOT EXISTS",
         "write CREATE TABLE IF NOT EXISTS"),
    Rule("ST002", "create-index-not-idempotent", ERROR, "CREATE INDEX without IF NOT EXISTS",
         "write CREATE INDEX IF NOT EXISTS <name> ON ... (the index needs a name)"),
    Rule("ST003", "create-schema-not-idempotent", ERROR, "CREATE SCHEMA without IF NOT EXISTS",
         "write CREATE SCHEMA IF NOT EXISTS"),
    Rule("ST004", "create-extension-not-idempotent", ERROR, "CREATE EXTENSION without IF NOT EXISTS",
         "write CREATE EXTENSION IF NOT EXISTS"),
    Rule("ST005", "create-function-not-replaceable", ERROR, "CREATE FUNCTION/PROCEDURE without OR REPLACE",
         "write CREATE OR REPLACE FUNCTION"),
    Rule("ST006", "create-policy-without-drop", ERROR,
         "CREATE POLICY not preceded by DROP POLICY IF EXISTS for the same policy and table",
         'put DROP POLICY IF EXISTS "<name>" ON <table>; right before it'),
    Rule("ST007", "create-trigger-without-drop", ERROR,
         "CREATE TRIGGER not preceded by DROP TRIGGER IF EXISTS for the same trigger and table",
         "put DROP TRIGGER IF EXISTS <name> ON <table>; before it (or use CREATE OR REPLACE TRIGGER)"),
    Rule("ST008", "add-column-not-idempotent", ERROR,
         "ALTER TABLE ... ADD COLUMN without IF NOT EXISTS, outside a guarding DO block",
         "write ADD COLUMN IF NOT EXISTS"),
    Rule("ST010", "table-without-rls", ERROR,
         "a table created in an API-exposed schema without ENABLE ROW LEVEL SECURITY in the same migration",
         "add ALTER TABLE <table> ENABLE ROW LEVEL SECURITY; (and policies) to the same file"),
    Rule("ST020", "missing-down-file", WARNING, "a migration without a down file",
         "create supabase/rollbacks/<version>_<name>.down.sql that undoes it"),
    Rule("ST021", "legacy-down-file", ERROR,
         "a _down.sql file inside migrations/: the Supabase CLI would apply it as a migration",
         "move it: inv db.fix-layout (it becomes supabase/rollbacks/<version>_<name>.down.sql)"),
    Rule("ST022", "invalid-migration-name", ERROR,
         "a .sql file in migrations/ whose name is not <version>_<name>.sql: the CLI skips it",
         "rename it to <digits>_<name>.sql (inv db.new NAME creates a correct one)"),
    Rule("ST023", "duplicate-version", ERROR, "two migration files share one version",
         "give one of them a new version (a later timestamp)"),
    Rule("ST024", "orphan-down-file", WARNING, "a down file in rollbacks/ with no migration of that name",
         "rename it to match its migration, or delete it"),
    Rule("ST030", "mixed-transactional", ERROR,
         "a file mixes statements that cannot run in a transaction (e.g. CREATE INDEX CONCURRENTLY) with others",
         "move the non-transactional statement to a migration file of its own"),
    Rule("ST031", "multiple-logical-changes", WARNING,
         "DDL on more than one table in one migration (the guide: one logical change per file)",
         "split the file: one migration per table changed"),
    Rule("ST032", "transaction-control", ERROR,
         "ROLLBACK, COMMIT AND CHAIN, PREPARE TRANSACTION or similar in a migration",
         "remove it: supatasks runs each file in one transaction (BEGIN;/COMMIT; around the file are fine)"),
    Rule("ST040", "suppression-without-reason", ERROR,
         "a lint suppression without a reason (or an ignore entry in supatasks.toml without one)",
         "write: -- supatasks-lint: ignore <RULE> because <why it is safe>"),
    Rule("ST041", "suppression-unknown-rule", ERROR, "a lint suppression naming no rule or an unknown rule",
         "name existing rules: ST001-ST032 or a squawk rule such as prefer-bigint-over-int"),
    Rule("ST042", "suppression-unused", WARNING, "a lint suppression that matched no finding",
         "remove the suppression"),
    Rule("ST090", "squawk-unavailable", WARNING, "squawk is not installed: locking checks were skipped",
         "pip install 'supatasks[lint]' (the squawk-cli wheel), or pass --no-squawk"),
)}

# Squawk rules supatasks turns off: its own rules do the job better, or the runner already does it.
SQUAWK_EXCLUDED = (
    "prefer-robust-stmts",        # ST001-ST008 cover idempotency, DO-block guards included
    "require-timeout-settings",   # supatasks sets lock_timeout/statement_timeout on every remote migration
    "transaction-nesting",        # supatasks owns the transaction; BEGIN;/COMMIT; in a file are skipped
)


# -- SQL structure ----------------------------------------------------------------------------------------

@dataclass
class Unit:
    """One SQL statement the migration executes: top-level, or inside a DO block."""

    node: object          # a pglast.ast node (the statement)
    line: int             # line in the file
    guarded: bool = False  # inside an IF/CASE branch or an EXCEPTION-handling block of a DO block
    statement: int = 0     # index of the top-level statement it belongs to


@dataclass
class Hit:
    rule: str
    line: int
    message: str
    statement: int


@dataclass
class FileFacts:
    """What one migration's statements do, collected for the file-wide rules."""

    units: list[Unit] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)


def table_name(rangevar) -> str:
    """schema.table, with an unqualified name taken as public (Supabase's search_path)."""
    return f"{rangevar.schemaname or 'public'}.{rangevar.relname}"


def _names(items) -> list[str]:
    return [getattr(item, "sval", str(item)) for item in items or ()]


def _qualified(parts: list[str]) -> str:
    return ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}"


def offset_line(text: str, offset: int | None) -> int:
    """Line (0-based) of a character offset pglast reports inside `text`."""
    if not offset or offset < 0:
        return 0
    return text[:offset].count("\n")


def parse_units(text: str, line: int, statement: int) -> tuple[list[Unit], list[Hit]]:
    """Parse one statement (and the bodies of its DO blocks) into units; parse failures become ST000 hits."""
    import pglast
    from pglast import ast

    try:
        raws = pglast.parse_sql(text)
    except pglast.parser.ParseError as exc:
        position = exc.args[1] if len(exc.args) > 1 else None
        return [], [Hit("ST000", line + offset_line(text, position), f"syntax error: {exc.args[0]}", statement)]
    units: list[Unit] = []
    hits: list[Hit] = []
    for raw in raws:
        start = line + offset_line(text, raw.stmt_location)
        node = raw.stmt
        units.append(Unit(node, start, False, statement))
        if isinstance(node, ast.DoStmt):
            inner, problems = _do_block_units(node, text, line, statement)
            units += inner
            hits += problems
    return units, hits


def _do_block_units(node, text: str, line: int, statement: int) -> tuple[list[Unit], list[Hit]]:
    import pglast

    body, language, location = None, "plpgsql", None
    for item in node.args or ():
        if item.defname == "as":
            body, location = item.arg.sval, getattr(item, "arg_location", None) or getattr(item, "location", None)
        elif item.defname == "language":
            language = item.arg.sval
    if body is None or language.lower() != "plpgsql":
        return [], []
    body_line = line + offset_line(text, location)
    tag = "$supatasks_lint$"
    while tag in body:
        tag = tag[:-1] + "x$"
    wrapper = f"CREATE FUNCTION pg_temp.supatasks_lint_do() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}"
    try:
        tree = pglast.parse_plpgsql(wrapper)
    except pglast.parser.ParseError as exc:
        return [], [Hit("ST000", body_line, f"syntax error in DO block: {exc.args[0]}", statement)]
    found: list[tuple[str, int, bool]] = []
    _walk_plpgsql(tree, False, found)
    units: list[Unit] = []
    hits: list[Hit] = []
    for query, lineno, guarded in found:
        at = body_line + max(lineno - 1, 0)
        try:
            raws = pglast.parse_sql(query)
        except pglast.parser.ParseError as exc:
            hits.append(Hit("ST000", at, f"syntax error in DO block: {exc.args[0]}", statement))
            continue
        units += [Unit(raw.stmt, at, guarded, statement) for raw in raws]
    return units, hits


def _walk_plpgsql(node, guarded: bool, found: list) -> None:
    """Collect (sql, lineno, guarded) for every plain SQL statement of a PL/pgSQL tree."""
    if isinstance(node, list):
        for item in node:
            _walk_plpgsql(item, guarded, found)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "PLpgSQL_stmt_execsql":
            expr = value.get("sqlstmt", {}).get("PLpgSQL_expr", {})
            if expr.get("query"):
                found.append((expr["query"], value.get("lineno", 1), guarded))
        elif key in ("PLpgSQL_stmt_if", "PLpgSQL_stmt_case"):
            _walk_plpgsql(value, True, found)
        elif key == "PLpgSQL_stmt_block" and isinstance(value, dict) and value.get("exceptions"):
            _walk_plpgsql(value, True, found)
        else:
            _walk_plpgsql(value, guarded, found)


def idempotency_hits(units: list[Unit]) -> list[Hit]:
    """ST001-ST008: DDL that fails (or doubles up) when the file runs a second time."""
    from pglast import ast
    from pglast.enums.parsenodes import AlterTableType, ObjectType

    hits: list[Hit] = []
    dropped: set[tuple[str, str, str]] = set()  # (kind, table, name) dropped IF EXISTS so far
    for unit in units:
        node = unit.node
        if isinstance(node, ast.DropStmt) and node.missing_ok and node.removeType in (
                ObjectType.OBJECT_POLICY, ObjectType.OBJECT_TRIGGER):
            kind = "policy" if node.removeType == ObjectType.OBJECT_POLICY else "trigger"
            for parts in node.objects or ():
                names = _names(parts)
                dropped.add((kind, _qualified(names[:-1]), names[-1]))
            continue
        if unit.guarded:
            continue
        hit = None
        if isinstance(node, ast.CreateStmt) and not node.if_not_exists:
            if node.relation.relpersistence != "t":
                hit = ("ST001", f"CREATE TABLE {table_name(node.relation)} fails when the table exists")
        elif isinstance(node, ast.CreateTableAsStmt) and node.objtype == ObjectType.OBJECT_TABLE \
                and not node.if_not_exists and node.into.rel.relpersistence != "t":
            hit = ("ST001", f"CREATE TABLE {table_name(node.into.rel)} AS fails when the table exists")
        elif isinstance(node, ast.IndexStmt) and not node.if_not_exists:
            name = node.idxname or "(unnamed)"
            hit = ("ST002", f"CREATE INDEX {name} on {table_name(node.relation)} "
                   + ("fails when the index exists" if node.idxname else "creates another index on every run"))
        elif isinstance(node, ast.CreateSchemaStmt) and not node.if_not_exists:
            hit = ("ST003", f"CREATE SCHEMA {node.schemaname} fails when the schema exists")
        elif isinstance(node, ast.CreateExtensionStmt) and not node.if_not_exists:
            hit = ("ST004", f"CREATE EXTENSION {node.extname} fails when the extension exists")
        elif isinstance(node, ast.CreateFunctionStmt) and not node.replace:
            what = "PROCEDURE" if node.is_procedure else "FUNCTION"
            hit = ("ST005", f"CREATE {what} {'.'.join(_names(node.funcname))} fails when it exists")
        elif isinstance(node, ast.CreatePolicyStmt):
            table = table_name(node.table)
            if ("policy", table, node.policy_name) not in dropped:
                hit = ("ST006", f'CREATE POLICY "{node.policy_name}" on {table} fails when the policy exists '
                                f"(no DROP POLICY IF EXISTS before it)")
        elif isinstance(node, ast.CreateTrigStmt) and not node.replace:
            table = table_name(node.relation)
            if ("trigger", table, node.trigname) not in dropped:
                hit = ("ST007", f"CREATE TRIGGER {node.trigname} on {table} fails when the trigger exists "
                                f"(no DROP TRIGGER IF EXISTS before it)")
        elif isinstance(node, ast.AlterTableStmt):
            for cmd in node.cmds or ():
                if getattr(cmd, "subtype", None) == AlterTableType.AT_AddColumn and not cmd.missing_ok:
                    column = getattr(cmd.def_, "colname", "?")
                    hit = ("ST008", f"ADD COLUMN {column} to {table_name(node.relation)} fails when the "
                                    "column exists")
                    break
        if hit:
            hits.append(Hit(hit[0], unit.line, hit[1], unit.statement))
    return hits


def rls_hits(units: list[Unit], exposed_schemas: list[str]) -> list[Hit]:
    """ST010: tables created in an exposed schema must get ENABLE ROW LEVEL SECURITY in the same file."""
    from pglast import ast
    from pglast.enums.parsenodes import AlterTableType, ObjectType

    created: dict[str, Unit] = {}
    enabled: set[str] = set()
    for unit in units:
        node = unit.node
        rel = None
        if isinstance(node, ast.CreateStmt):
            rel = node.relation
        elif isinstance(node, ast.CreateTableAsStmt) and node.objtype == ObjectType.OBJECT_TABLE:
            rel = node.into.rel
        if rel is not None and rel.relpersistence != "t":
            name = table_name(rel)
            if name.split(".", 1)[0] in exposed_schemas:
                created.setdefault(name, unit)
        if isinstance(node, ast.AlterTableStmt):
            if any(getattr(cmd, "subtype", None) == AlterTableType.AT_EnableRowSecurity for cmd in node.cmds or ()):
                enabled.add(table_name(node.relation))
    return [Hit("ST010", unit.line, f"table {name} is reachable through the Data API but row level security "
                                    "is never enabled in this migration", unit.statement)
            for name, unit in created.items() if name not in enabled]


def changed_tables(units: list[Unit]) -> list[tuple[str, Unit]]:
    """Tables whose definition the file's DDL changes, in order of first appearance.

    Counted: CREATE/ALTER/DROP TABLE, RENAME, CREATE INDEX, CREATE/ALTER POLICY, CREATE TRIGGER on a table.
    Not counted: data changes (INSERT/UPDATE/DELETE), functions, types, grants, comments, and tables that
    are only referenced (a foreign key's target)."""
    from pglast import ast
    from pglast.enums.parsenodes import ObjectType

    seen: dict[str, Unit] = {}

    def add(name: str, unit: Unit) -> None:
        seen.setdefault(name, unit)

    for unit in units:
        node = unit.node
        if isinstance(node, ast.CreateStmt):
            add(table_name(node.relation), unit)
        elif isinstance(node, ast.CreateTableAsStmt) and node.objtype == ObjectType.OBJECT_TABLE:
            add(table_name(node.into.rel), unit)
        elif isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE:
            add(table_name(node.relation), unit)
        elif isinstance(node, (ast.IndexStmt, ast.CreateTrigStmt)):
            add(table_name(node.relation), unit)
        elif isinstance(node, (ast.CreatePolicyStmt, ast.AlterPolicyStmt)):
            add(table_name(node.table), unit)
        elif isinstance(node, ast.RenameStmt) and node.relation is not None and node.renameType in (
                ObjectType.OBJECT_TABLE, ObjectType.OBJECT_COLUMN, ObjectType.OBJECT_TABCONSTRAINT):
            add(table_name(node.relation), unit)
        elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            for parts in node.objects or ():
                add(_qualified(_names(parts)), unit)
    return list(seen.items())


def logical_change_hits(units: list[Unit]) -> list[Hit]:
    """ST031: DDL on more than one table."""
    tables = changed_tables(units)
    if len(tables) < 2:
        return []
    name, unit = tables[1]
    listed = ", ".join(t for t, _ in tables)
    return [Hit("ST031", unit.line, f"DDL on {len(tables)} tables ({listed}); this statement starts the "
                                    f"change to {name}", unit.statement)]


# -- findings: what a rule reports ------------------------------------------------------------------------

SEVERITIES = (ERROR, WARNING)


UNSUPPRESSIBLE = ("ST040", "ST041")


SQUAWK_RULE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")


@dataclass
class Finding:
    rule: str
    severity: str
    file: str | None          # relative to the project root; None for a project-wide finding
    line: int | None          # None when the finding is about the whole file
    message: str
    fix: str
    source: str = "supatasks"  # supatasks | squawk
    column: int | None = None
    statement: int | None = field(default=None, repr=False)  # index of the statement in the file
    related: tuple[str, ...] = field(default=(), repr=False)  # other files the finding is about
    suppressed_by: dict | None = None

    @property
    def name(self) -> str:
        rule = RULES.get(self.rule)
        return rule.name if rule else self.rule

    @property
    def location(self) -> str:
        if self.file is None:
            return "(project)"
        return self.file + (f":{self.line}" if self.line else "")

    def as_dict(self) -> dict:
        data = {"rule": self.rule, "name": self.name, "severity": self.severity, "source": self.source,
                "file": self.file, "line": self.line, "column": self.column, "message": self.message,
                "fix": self.fix}
        if self.suppressed_by is not None:
            data["suppressed_by"] = self.suppressed_by
        return data


def finding(rule_id: str, file: str | None, line: int | None, message: str, **extra) -> Finding:
    rule = RULES[rule_id]
    return Finding(rule_id, rule.severity, file, line, message, rule.fix, **extra)


def known_rule(rule: str) -> bool:
    return rule in RULES or bool(SQUAWK_RULE.match(rule))
