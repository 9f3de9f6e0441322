"""Failed SQL reported the way pgcli does: file, line, SQLSTATE, message, detail, hint, context, statement."""

from __future__ import annotations

from ..errors import SupatasksError

STATEMENT_EXCERPT_LINES = 6


class SqlFailed(SupatasksError):
    """A statement of a file failed; the first line of the message says where and why."""

    def __init__(self, label: str, line: int, sqlstate: str | None, message: str, *,
                 detail: str | None = None, hint: str | None = None, context: str | None = None,
                 statement: str = "", note: str | None = None):
        self.label, self.line, self.sqlstate = label, line, sqlstate
        self.message, self.detail, self.hint, self.context = message, detail, hint, context
        self.statement, self.note = statement, note
        lines = [f"{label}:{line}: ERROR {sqlstate or '?????'}: {message}"]
        for key, value in (("DETAIL", detail), ("HINT", hint), ("CONTEXT", context)):
            if value:
                lines.append(f"  {key}: {' '.join(value.split())}")
        if statement:
            lines.append("  STATEMENT: " + _excerpt(statement))
        if note:
            lines.append(f"  {note}")
        super().__init__("\n".join(lines))

    def as_dict(self) -> dict:
        return {"file": self.label, "line": self.line, "sqlstate": self.sqlstate, "message": self.message,
                "detail": self.detail, "hint": self.hint, "context": self.context, "statement": self.statement}


def sql_failed(exc, label: str, statement_text: str, statement_line: int, code_line: int,
               note: str | None = None) -> SqlFailed:
    """Build SqlFailed from a psycopg error raised by `statement_text`, which starts at `statement_line`."""
    diag = getattr(exc, "diag", None)
    position = _int(getattr(diag, "statement_position", None))
    if position:
        line = statement_line + statement_text[: position - 1].count("\n")
    else:
        line = code_line
    primary = getattr(diag, "message_primary", None) or str(exc).strip().splitlines()[0]
    note = note or missing_extension_note(getattr(exc, "sqlstate", None), primary) or _fdw_handler_note(
        getattr(exc, "sqlstate", None), primary)
    code = "\n".join(statement_text.split("\n")[code_line - statement_line:])  # leading comments left out
    return SqlFailed(label, line, getattr(exc, "sqlstate", None), primary,
                     detail=getattr(diag, "message_detail", None), hint=getattr(diag, "message_hint", None),
                     context=getattr(diag, "context", None), statement=code or statement_text, note=note)


#: What to install for the extensions that have no supatasks stand-in (a server must have them).
INSTALL_HINTS = {
    "postgis": "Debian/Ubuntu: apt-get install postgresql-15-postgis-3 and set [db] major_version = 15 in "
               "supabase/config.toml (or SUPATASKS_PG_BIN to a PostgreSQL that has PostGIS)",
    "vector": "the wheel's PostgreSQL 18 has it; for another server install pgvector for it",
    "pgroonga": "PGroonga is a C index access method (no stand-in can provide it); its own apt repository "
                "(packages.groonga.org) has postgresql-15-pgdg-pgroonga for the PGDG PostgreSQL 15 — set "
                "SUPATASKS_PG_BIN to that PostgreSQL",
}


def missing_extension_note(sqlstate: str | None, message: str) -> str | None:
    """For `extension "x" is not available`: what to install (the server has it neither real nor stand-in)."""
    import re

    match = re.match(r'extension "([^"]+)" is not available', message or "")
    if sqlstate != "0A000" or not match:
        return None
    name = match.group(1)
    hint = INSTALL_HINTS.get(name, f"install {name} for this PostgreSQL, or choose one that has it "
                                   "(SUPATASKS_PG_BIN)")
    return f"{name} has no supatasks stand-in: {hint}"


def _fdw_handler_note(sqlstate: str | None, message: str) -> str | None:
    """A Supabase Wrappers handler (`stripe_fdw_handler`, …) is missing: the wrappers stand-in has none."""
    import re

    if sqlstate != "42883" or not re.search(r"function \S*_fdw_(?:handler|validator)\(", message or ""):
        return None
    return ("supatasks' wrappers stand-in has no foreign data wrapper handlers: wrappers reach outside the "
            "database, which the local database never does; keep such statements out of the local reset "
            "(e.g. in a migration guarded by a check of pg_available_extensions) or use a server with the real "
            "wrappers")


def _excerpt(statement: str) -> str:
    lines = statement.strip().splitlines()
    shown = "\n             ".join(lines[:STATEMENT_EXCERPT_LINES])
    if len(lines) > STATEMENT_EXCERPT_LINES:
        shown += f"\n             … ({len(lines) - STATEMENT_EXCERPT_LINES} more lines)"
    return shown


def _int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
