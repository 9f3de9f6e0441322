"""The one SQL statement splitter: a migration file becomes the statements the Supabase CLI stores.

The Supabase CLI (2.117.0) splits a migration file with a small character state machine and
records the pieces in ``supabase_migrations.schema_migrations.statements``. supatasks must
write the same history, so this module reproduces that split exactly, and in parallel runs a
split that follows PostgreSQL's own lexical rules. The two almost always agree. Where they
differ, the CLI has either cut a statement in two (the file then fails under the CLI, e.g.
``CREATE RULE ... DO ALSO (INSERT ... VALUES (1); INSERT ...)``, and supatasks uses the
correct split so the file applies), or has kept together statements that belong apart; when
the CLI would still succeed with that coarser split, supatasks keeps it, so the recorded
history is identical to the CLI's wherever the CLI can apply the file.

Rules of the CLI's split, observed with 2.117.0 and reproduced here:

* a piece ends after a ``;`` outside quotes, comments, dollar quotes, parentheses and
  ``BEGIN ATOMIC ... END`` bodies; whatever follows (a ``-- comment`` on the same line, blank
  lines) belongs to the next piece;
* each piece loses its trailing ``;`` and then surrounding whitespace as JavaScript's
  ``String.prototype.trim`` sees it (this includes CR, NBSP and the byte-order mark, so a
  UTF-8 BOM at the start of a file disappears; NEL and zero-width spaces are kept);
* empty pieces are dropped; a file without any statement gives an empty list (the CLI stores
  an empty array, ``'{}'``, not NULL); a comment-only piece is kept (the CLI sends it, the
  server ignores it).

Everything here is a linear scan driven by precompiled regular expressions that jump from one
interesting character to the next; no pattern can backtrack more than a few characters.
"""

from __future__ import annotations

from dataclasses import dataclass

from .cli import cli_cuts, cli_is_transaction_control
from .lexing import JS_WS_RUN, JS_WS_SET, piece_text, skip_noise
from .postgres import cli_may_differ, pg_scan

__all__ = [
    "Statement",
    "split_statements",
    "history_statements",
    "NO_TRANSACTION_DIRECTIVE",
    "has_no_transaction_directive",
]


# The CLI runs a migration whose first line is exactly this comment outside a transaction.
NO_TRANSACTION_DIRECTIVE = "-- pg-delta: transaction=false"


@dataclass(frozen=True)
class Statement:
    """One piece of a migration file.

    `text` is what to record and what to send to the server (a comment-only piece, where
    `has_code` is False, must not be sent). Line numbers count LF, CRLF and a lone CR as one
    line break each.
    """

    text: str       # exactly as the Supabase CLI stores it in schema_migrations.statements
    line: int       # 1-based line in the file where `text` starts
    code_line: int  # 1-based line where the SQL itself starts (after any leading comments)

    @property
    def has_code(self) -> bool:
        """False for a piece made only of comments (and stray semicolons): nothing to run."""
        return skip_noise(self.text, 0, len(self.text)) < len(self.text)


def split_statements(sql: str) -> list[Statement]:
    """Split a migration file's text into statements, as the Supabase CLI records them.

    `sql` must be the file's exact text (decode the bytes; do not let Python translate CRLF).
    """
    n = len(sql)
    if n == 0:
        return []
    pieces, codes = _final_cuts(sql)
    lone_cr = "\r" in sql and sql.count("\r") != sql.count("\r\n")
    statements: list[Statement] = []
    append = statements.append
    lstrip = JS_WS_RUN.match
    space = JS_WS_SET
    line, line_pos = 1, 0  # the line number at offset line_pos

    def advance(offset: int) -> int:
        nonlocal line, line_pos
        breaks = sql.count("\n", line_pos, offset)
        if lone_cr:  # a CR not followed by LF is a line break too
            breaks += sql.count("\r", line_pos, offset) - sql.count("\r\n", line_pos, offset + 1)
        line, line_pos = line + breaks, offset
        return line

    start = 0
    for k, end in enumerate(pieces):
        a = start
        start = b = end
        while b > a and sql[b - 1] == ";":
            b -= 1
        a = lstrip(sql, a, b).end()
        while b > a and sql[b - 1] in space:
            b -= 1
        if a >= b:
            continue
        first = advance(a)
        code = codes[k] if codes is not None else skip_noise(sql, a, b)
        append(Statement(sql[a:b], first, advance(code) if a <= code < b else first))
    return statements


def history_statements(sql: str) -> list[str] | None:
    """The value the Supabase CLI writes to schema_migrations.statements for this file.

    The CLI 2.117.0 stores an empty array (never NULL) for a file without statements, so this
    returns ``[]`` there; ``None`` is kept in the signature for callers that model NULL.
    """
    return [statement.text for statement in split_statements(sql)]


def has_no_transaction_directive(sql: str) -> bool:
    """True when the CLI would run this file outside a transaction (its first-line directive)."""
    text = sql[1:] if sql.startswith("\ufeff") else sql
    first = text.split("\n", 1)[0]
    if first.endswith("\r"):
        first = first[:-1]
    return first == NO_TRANSACTION_DIRECTIVE


def _final_cuts(text: str) -> tuple[list[int], list[int] | None]:
    """Piece ends (the last is len(text)) and, when known, each piece's first code offset.

    The CLI's split where it can succeed with it, else PostgreSQL's.
    """
    n = len(text)
    pg_all, codes, differs = pg_scan(text)
    pg = [c for c in pg_all if c < n]
    if not differs and not cli_may_differ(text):
        return pg + [n], codes
    cli = [c for c in cli_cuts(text) if c < n]
    if pg == cli:
        return pg + [n], codes
    pg_set = set(pg)
    if not all(c in pg_set for c in cli):
        return pg + [n], codes  # the CLI cuts through a statement: the file fails under the CLI
    # The CLI keeps together some statements PostgreSQL's rules separate.
    bounds = [0] + cli + [n]
    pieces = [(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)]
    sequential = has_no_transaction_directive(text) or any(
        cli_is_transaction_control(piece_text(text, a, b)) for a, b in pieces
    )
    if not sequential:
        # Batched through the extended protocol: one statement per piece at most.
        pg_bounds = [0] + pg + [n]
        k = 0
        for a, b in pieces:
            with_code = 0
            while k < len(pg_bounds) - 1 and pg_bounds[k + 1] <= b:
                sub = piece_text(text, pg_bounds[k], pg_bounds[k + 1])
                if sub and skip_noise(sub, 0, len(sub)) < len(sub):
                    with_code += 1
                k += 1
            if with_code > 1:
                return pg + [n], codes
    return cli + [n], None
