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

import functools
import re
from dataclasses import dataclass

__all__ = [
    "Statement",
    "split_statements",
    "history_statements",
    "NO_TRANSACTION_DIRECTIVE",
    "has_no_transaction_directive",
]

# Characters JavaScript's trim() and the `\s` class (with the u flag) treat as white space.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
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
        return _skip_noise(self.text, 0, len(self.text)) < len(self.text)


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
    lstrip = _JS_WS_RUN.match
    space = _JS_WS_SET
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
        code = codes[k] if codes is not None else _skip_noise(sql, a, b)
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


# --------------------------------------------------------------------------------------
# Small helpers shared by both scanners (and by statement_kinds).

_JS_WS_SET = frozenset(JS_WHITESPACE)
_LEADING = re.compile("[" + re.escape(JS_WHITESPACE) + r"]*+(?:[ \t\n\r\f\v]++|--[^\r\n]*+)*+")
_SPACE_AND_LINE_COMMENTS = re.compile(r"(?:[ \t\n\r\f\v]++|--[^\r\n]*+)*+")
_JS_WS_RUN = re.compile("[" + re.escape(JS_WHITESPACE) + "]*")
_NEWLINE = re.compile(r"[\r\n]")
_BLOCK_MARK = re.compile(r"/\*|\*/")


def _lstrip_index(text: str, a: int, b: int) -> int:
    return _JS_WS_RUN.match(text, a, b).end()


def _rstrip_index(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1] in _JS_WS_SET:
        b -= 1
    return b


def _pg_block_comment_end(text: str, start: int, limit: int) -> int:
    """End of the (nested) block comment opened at `start`, PostgreSQL's way; -1 if unclosed."""
    depth = 1
    pos = start + 2
    while True:
        m = _BLOCK_MARK.search(text, pos, limit)
        if m is None:
            return -1
        pos = m.end()
        if text[m.start()] == "/":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return pos


def _skip_comments_and_space(text: str, pos: int, limit: int) -> int:
    """Skip PostgreSQL white space and comments; an unclosed block comment counts as code."""
    while True:
        pos = _SPACE_AND_LINE_COMMENTS.match(text, pos, limit).end()
        if text.startswith("/*", pos, limit):
            end = _pg_block_comment_end(text, pos, limit)
            if end < 0:
                return pos
            pos = end
        else:
            return pos


def _skip_leading(text: str, pos: int, limit: int) -> int:
    """Where a piece's code starts: past the white space the CLI trims, then PostgreSQL's
    white space and comments."""
    pos = _LEADING.match(text, pos, limit).end()
    if text.startswith("/*", pos, limit):
        return _skip_comments_and_space(text, pos, limit)
    return pos


def _skip_noise(text: str, pos: int, limit: int) -> int:
    """Skip white space, comments and empty statements; return where code starts (or limit)."""
    while True:
        pos = _skip_comments_and_space(text, pos, limit)
        if pos < limit and text[pos] == ";":
            pos += 1
            continue
        return pos


_PG_IDENT_START = re.compile(r"[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_$\u0080-\U0010ffff]*")


def _is_pg_ident_char(ch: str) -> bool:
    """A character that continues an identifier for PostgreSQL (any non-ASCII one does)."""
    return not ch.isascii() or ch.isalnum() or ch in "_$"


def _leading_words(text: str, pos: int, count: int, limit: int | None = None) -> list[str]:
    """Up to `count` bare words from `pos`, skipping comments; stops at anything else."""
    if limit is None:
        limit = len(text)
    words: list[str] = []
    while len(words) < count:
        pos = _skip_comments_and_space(text, pos, limit)
        m = _PG_IDENT_START.match(text, pos, limit)
        if m is None:
            break
        words.append(m.group())
        pos = m.end()
    return words


# --------------------------------------------------------------------------------------
# The split PostgreSQL's lexer implies (with psql's rule for BEGIN ... END routine bodies).
#
# One regular-expression match swallows everything up to the next character that matters
# (an unbalanced parenthesis, `;`, a comment, a dollar quote, an escape string with an escaped
# quote, ...); that character is then handled on its own. The same pass notes anything the
# CLI's simpler tokenizer could read differently; when there is nothing, the CLI's split is
# known to be this one and the exact model of the CLI need not run.

# Between the parts of a string literal continued on a later line: white space and comments
# including a line break, then the next part's opening quote (PostgreSQL's quotecontinue).
_QUOTE_CONTINUE = r"(?:[ \t\f]++|--[^\n\r]*+)*+[\n\r](?:[ \t\n\r\f\v]++|--[^\n\r]*+[\n\r])*+'"
_TAG = r"(?:[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*)?"
# A run of text that cannot end a statement and leaves the parenthesis depth unchanged:
# anything but quotes, `$`, `;`, backslash, comment starts and parentheses, plus whole quoted
# tokens (with their doubled quotes; no backslash in one an E could prefix) and balanced groups
# of parentheses (nested up to five deep) made of the same. Whatever stops a run is handled one
# token at a time.
_PG_ATOM = "|".join(
    [
        r"""[^'"$;\\/\-()]++""",
        r"""(?<![eE])'[^']*+(?:''[^']*+)*+'""",  # a standard string, '' inside
        # any string without a backslash and not continued on a later line (an escape
        # string's continuation is read as an escape string)
        r"""'[^'\\]*+(?:''[^'\\]*+)*+'(?!""" + _QUOTE_CONTINUE + ")",
        # an escape string (E is a word of its own) where no backslash escapes a quote, with
        # its continuations on later lines (read as escape strings too)
        r"""(?<=[eE])(?<![A-Za-z0-9_$\u0080-\U0010ffff][eE])'(?:[^'\\]++|\\[^']|'')*+'"""
        + r"""(?:""" + _QUOTE_CONTINUE + r"""(?:[^'\\]++|\\[^']|'')*+')*+"""
        + r"""(?!""" + _QUOTE_CONTINUE + ")",
        # a word ending in e, then a standard string
        r"""(?<=[A-Za-z0-9_$\u0080-\U0010ffff][eE])'[^']*+(?:''[^']*+)*+'""",
        r'''"[^"]*+(?:""[^"]*+)*+"''',  # a quoted identifier, "" inside
        r"""-(?!-)""",
        r"""/(?!\*)""",
    ]
)


def _nested_groups(atom: str, levels: int) -> str:
    group = r"\((?:" + atom + r")*+\)"
    for _ in range(levels - 1):
        group = r"\((?:" + atom + "|" + group + r")*+\)"
    return group


@functools.cache
def _pg_run() -> re.Pattern:
    """Everything up to the next `;`, `(`, `)` or quote-like start; compiled on first use (about 60 ms —
    commands that never split SQL should not pay for it at start-up)."""
    return re.compile("(?:" + _PG_ATOM + "|" + _nested_groups(_PG_ATOM, 5) + ")*+")


# Inside CREATE FUNCTION/PROCEDURE the words BEGIN, CASE and END matter too.
_PG_TOKEN_ROUTINE = re.compile(
    r"""'|"|--|/\*|;|\\|\$|[()]"""
    r"""|(?<![A-Za-z0-9_$\u0080-\U0010ffff])"""
    r"""(?:[Bb][Ee][Gg][Ii][Nn]|[Cc][Aa][Ss][Ee]|[Ee][Nn][Dd])"""
    r"""(?![A-Za-z0-9_$\u0080-\U0010ffff])"""
)
_DOLLAR_DELIMITER = re.compile(r"\$" + _TAG + r"\$")
_E_STRING_STOP = re.compile(r"['\\]")
_QUOTE_CONTINUES = re.compile(_QUOTE_CONTINUE)
# Anywhere in the file, these make the CLI's tokenizer behave differently from PostgreSQL's.
_CLI_ATOMIC_WORD = re.compile(r"[Aa][Tt][Oo][Mm][Ii\u0131][Cc]")
_CLI_TAG_OPENS = re.compile(r"\$\w*\$")


def _skip_quoted(text: str, pos: int, quote: str) -> int:
    """From just after an opening quote, the end of a '' / "" quoted token (len if unclosed)."""
    n = len(text)
    while True:
        p = text.find(quote, pos)
        if p < 0:
            return n
        if p + 1 < n and text[p + 1] == quote:
            pos = p + 2
            continue
        return p + 1


def _skip_e_string(text: str, pos: int) -> tuple[int, bool]:
    """From just after E', the end of an escape string, and whether a backslash escapes a quote.

    A string continued on a later line (only white space and comments between, with a line
    break) keeps being read as an escape string, as PostgreSQL's lexer does.
    """
    n = len(text)
    escaped_quote = False
    while True:
        m = _E_STRING_STOP.search(text, pos)
        if m is None:
            return n, escaped_quote
        p = m.start()
        if text[p] == "\\":
            if p + 1 < n and text[p + 1] == "'":
                escaped_quote = True
            pos = p + 2
            continue
        if p + 1 < n and text[p + 1] == "'":
            pos = p + 2
            continue
        more = _QUOTE_CONTINUES.match(text, p + 1)
        if more is None:
            return p + 1, escaped_quote
        pos = more.end()


def _skip_token(text: str, i: int) -> tuple[int, bool]:
    """Skip the quote, comment, dollar quote or stray character at text[i] (not `;` or a paren).

    Returns the end of the token and whether the CLI's tokenizer could read it differently.
    """
    n = len(text)
    ch = text[i]
    if ch == "'":
        if i > 0 and text[i - 1] in "eE" and (i < 2 or not _is_pg_ident_char(text[i - 2])):
            return _skip_e_string(text, i + 1)
        return _skip_quoted(text, i + 1, "'"), False
    if ch == '"':
        return _skip_quoted(text, i + 1, '"'), False
    if ch == "-":
        if text.startswith("--", i):
            m = _NEWLINE.search(text, i + 2)
            return (m.end() if m else n), False
        return i + 1, False
    if ch == "/":
        if text.startswith("/*", i):
            close = _pg_block_comment_end(text, i, n)
            return (close if close >= 0 else n), False
        return i + 1, False
    if ch == "$":
        m = _DOLLAR_DELIMITER.match(text, i)
        if m is None or (i > 0 and _is_pg_ident_char(text[i - 1])):
            # no dollar quote here for PostgreSQL; the CLI opens one wherever `$word$` appears
            return i + 1, _CLI_TAG_OPENS.match(text, i) is not None
        delimiter = m.group()
        size = len(delimiter)
        end = m.end()
        differs = (
            not delimiter.isascii()
            # the CLI also matches a closing delimiter overlapping the opening one ($$$, $a$a$)
            or text.find(delimiter, end - size + 1, end + size - 1) >= 0
        )
        close = text.find(delimiter, end)
        return (close + size if close >= 0 else n), differs
    if ch == "\\":
        return i + 1, True  # outside strings the CLI lets a backslash escape the next character
    return i + 1, False


def _is_routine(words: list[str]) -> bool:
    w = [word.lower() for word in words]
    if len(w) >= 2 and w[0] == "create":
        if w[1] in ("function", "procedure"):
            return True
        if len(w) >= 4 and w[1] == "or" and w[2] == "replace" and w[3] in ("function", "procedure"):
            return True
    return False


def _statement_end(text: str, pos: int) -> tuple[int, bool]:
    """From a statement's first code character: just past its `;` (-1: none), CLI may differ."""
    n = len(text)
    depth = 0
    differs = False
    run = _pg_run().match
    while True:
        end = run(text, pos).end()
        if end >= n:
            return -1, differs
        ch = text[end]
        if ch == "(":
            depth += 1
            pos = end + 1
        elif ch == ")":
            if depth:
                depth -= 1
            pos = end + 1
        elif ch == ";":
            if depth == 0:
                return end + 1, differs
            differs = True  # the CLI has its own idea of parentheses
            pos = end + 1
        else:
            pos, odd = _skip_token(text, end)
            if odd:
                differs = True


def _routine_end(text: str, pos: int) -> tuple[int, bool]:
    """Like _statement_end for CREATE FUNCTION/PROCEDURE: psql's BEGIN/CASE ... END counting."""
    depth = 0
    body_depth = 0
    differs = False
    token = _PG_TOKEN_ROUTINE
    while True:
        m = token.search(text, pos)
        if m is None:
            return -1, differs
        i = m.start()
        ch = text[i]
        if ch == ";":
            if depth == 0 and body_depth == 0:
                return i + 1, differs
            differs = True
            pos = i + 1
        elif ch == "(":
            depth += 1
            pos = i + 1
        elif ch == ")":
            if depth:
                depth -= 1
            pos = i + 1
        elif m.end() - i > 1 and ch not in "-/":  # BEGIN / CASE / END
            pos = m.end()
            if depth == 0:
                word = m.group().lower()
                if word == "begin":
                    body_depth += 1
                elif word == "case":
                    if body_depth:
                        body_depth += 1
                elif body_depth:
                    body_depth -= 1
        else:
            pos, odd = _skip_token(text, i)
            if odd:
                differs = True


def _pg_scan(text: str) -> tuple[list[int], list[int], bool]:
    """Split by PostgreSQL's rules.

    Returns the offsets just after each top-level `;`; for each piece (the last one may end at
    the end of the text without a `;`) the offset of its first code character or -1; and
    whether the CLI's tokenizer may read the text differently.
    """
    n = len(text)
    cuts: list[int] = []
    codes: list[int] = []
    differs = False
    pos = 0
    while pos < n:
        code = _skip_leading(text, pos, n)
        if code >= n:
            codes.append(-1)
            break
        if text[code] == ";":
            pos = code + 1
            cuts.append(pos)
            codes.append(-1)
            continue
        codes.append(code)
        if text[code : code + 6].lower() == "create" and _is_routine(_leading_words(text, code, 4)):
            pos, odd = _routine_end(text, code)
        else:
            pos, odd = _statement_end(text, code)
        if odd:
            differs = True
        if pos < 0:
            break
        cuts.append(pos)
    return cuts, codes, differs


def _cli_may_differ(text: str) -> bool:
    """File-wide features that make the CLI's tokenizer depart from PostgreSQL's rules."""
    return (
        "atomic" in text.lower()
        or ("\u0131" in text and _CLI_ATOMIC_WORD.search(text) is not None)  # dotless i: ATOMIC
        or "/*/" in text
        or "*/*" in text
        or ("\r" in text and text.count("\r") != text.count("\r\n"))
    )


# --------------------------------------------------------------------------------------
# An exact model of the Supabase CLI 2.117.0 tokenizer (character state machine).
#
# States: ready; quote (' or ", a doubled quote stays inside); dollar ($tag$ ... $tag$, and a
# `--` comment which ends at LF); tag (after `$`); dash (after one `-`); slash (after `/`);
# block (nested /* */ counted by two-character windows); escape (a backslash swallows the next
# character). `(` opens a region closed by the next `)`, and BEGIN ATOMIC a region closed by
# the next "end" (case-insensitive, anywhere, even inside a word); regions nest, but one `)`
# or "end" closes every directly nested region of its kind at once. Inside a region `;` does
# not cut; if it arrives while a quote/tag/dash/slash state is being left, that state stays
# current (a quirk reproduced here).

_CLI_READY = re.compile(r"""[;('"\-/\\$]|(?<=[Aa][Tt][Oo][Mm][Ii\u0131])[Cc]""")
_CLI_READY_PAREN = re.compile(r"""[;('"\-/\\$)]|(?<=[Aa][Tt][Oo][Mm][Ii\u0131])[Cc]""")
_CLI_READY_END = re.compile(
    r"""[;('"\-/\\$]|(?<=[Aa][Tt][Oo][Mm][Ii\u0131])[Cc]|(?<=[Ee][Nn])[Dd]"""
)
# Runs of ready-state text with nothing to do: a whole quoted token reads the same as its
# characters one by one (a doubled quote is two adjacent tokens); one `-` or `/` that opens no
# comment hands the next character back to the ready state (except `-` then `;` inside a
# region, where the quirk keeps the dash state alive); inside a region `;` does nothing, and
# so does `)` inside a BEGIN ATOMIC region. At the top level a parenthesised group read
# without stopping is without effect too: `(` opens a region, `)` closes all. When the file
# has the word ATOMIC, a `c` that could end it stops a run, and so does a `d` ending "end"
# inside a BEGIN ATOMIC region.


def _cli_run(excluded: str, dash: str, atomic: bool, end: bool = False, group: bool = False):
    extra = ""
    special = []
    if atomic:
        extra += "cC"
        special.append(r"(?<![Aa][Tt][Oo][Mm][Ii\u0131])[cC]")
    if end:
        extra += "dD"
        special.append(r"(?<![Ee][Nn])[dD]")
    common = [r"'[^']*+'", r'"[^"]*+"', r"/(?!\*)"] + special
    atoms = ["[^" + excluded + extra + "]++", dash] + common
    if group:
        inner = ["[^" + r""")'"\-/\\$""" + extra + "]++", r"-(?![-;])"] + common
        atoms.append(r"\((?:" + "|".join(inner) + r")*+\)")
    return re.compile("(?:" + "|".join(atoms) + ")*+")


_TOP = r""";('"\-/\\$"""
_IN_PARENS = r"""('"\-/\\$)"""
_IN_BODY = r"""('"\-/\\$"""
_CLI_RUN = _cli_run(_TOP, r"-(?!-)", atomic=False, group=True)
_CLI_RUN_PAREN = _cli_run(_IN_PARENS, r"-(?![-;])", atomic=False)
_CLI_RUN_ATOMIC = _cli_run(_TOP, r"-(?!-)", atomic=True, group=True)
_CLI_RUN_PAREN_ATOMIC = _cli_run(_IN_PARENS, r"-(?![-;])", atomic=True)
_CLI_RUN_END = _cli_run(_IN_BODY, r"-(?![-;])", atomic=True, end=True)
_CLI_BLOCK_WINDOW = re.compile(r"(?=/\*|\*/)")
_ASCII_WORD_RUN = re.compile(r"[A-Za-z0-9_]*")

_READY, _QUOTE, _QUOTE_CLOSING, _DASH, _SLASH, _TAG = range(6)
_PAREN = ")"
_END = "END"


def _js_ident_unit(ch: str) -> bool:
    """The CLI's /[\\p{L}\\p{Nd}_$]/ test on one UTF-16 unit (an astral character never matches)."""
    if ord(ch) > 0xFFFF:
        return False
    return ch.isalpha() or ch.isdecimal() or ch in "_$"


def _tag_char(ch: str) -> bool:
    return ch.isalpha() or ch.isdecimal() or ch == "_"


def _cli_begin_atomic(text: str, token_start: int, c_index: int) -> bool:
    """The CLI's check, made when a `c` is read, that the token ends with BEGIN <ws> ATOMIC."""
    a = c_index - 5
    if a < token_start or text[a : c_index + 1].upper() != "ATOMIC":
        return False
    if a > token_start and _js_ident_unit(text[a - 1]):
        return False
    e = a
    while e > token_start and text[e - 1] in _JS_WS_SET:
        e -= 1
    b = e - 5
    if b < token_start or text[b:e].upper() != "BEGIN":
        return False
    return b == token_start or not _js_ident_unit(text[b - 1])


def _cli_cuts(text: str, runs: bool = True) -> list[int]:
    """Offsets just after each `;` where the CLI ends a piece.

    `runs=False` reads every event one by one (the reference the run shortcuts are tested against).
    """
    n = len(text)
    cuts: list[int] = []
    stack: list[str] = []
    token = 0
    pos = 0
    state = _READY
    quote = ""
    tag_start = 0

    def leave(b: int, current: int) -> tuple[int, int]:
        """A state is left at text[b], which the ready state then reads: (state, pos)."""
        nonlocal token
        if text[b] == ";":
            if stack:
                return current, b + 1  # the quirk: the old state stays
            cuts.append(b + 1)
            token = b + 1
            return _READY, b + 1
        return _READY, b

    atomic = _CLI_ATOMIC_WORD.search(text) is not None
    if atomic:
        top_run, paren_run = _CLI_RUN_ATOMIC, _CLI_RUN_PAREN_ATOMIC
    else:
        top_run, paren_run = _CLI_RUN, _CLI_RUN_PAREN
    while pos < n:
        if state == _READY:
            if not runs:
                # the reference: one event at a time
                if not stack:
                    rx = _CLI_READY
                elif stack[-1] == _PAREN:
                    rx = _CLI_READY_PAREN
                else:
                    rx = _CLI_READY_END
                m = rx.search(text, pos)
                if m is None:
                    break
                i = m.start()
            else:
                if not stack:
                    run = top_run
                elif stack[-1] == _PAREN:
                    run = paren_run
                else:
                    run = _CLI_RUN_END
                i = run.match(text, pos).end()
                if i >= n:
                    break
            ch = text[i]
            pos = i + 1
            if ch == ";":
                if not stack:
                    cuts.append(pos)
                    token = pos
            elif ch == "(":
                stack.append(_PAREN)
            elif ch == ")":
                while stack and stack[-1] == _PAREN:
                    stack.pop()
            elif ch in "dD":
                while stack and stack[-1] == _END:
                    stack.pop()
            elif ch in "cC":
                if _cli_begin_atomic(text, token, i):
                    stack.append(_END)
            elif ch == "'" or ch == '"':
                state, quote = _QUOTE, ch
            elif ch == "-":
                state = _DASH
            elif ch == "/":
                state = _SLASH
            elif ch == "\\":
                if pos < n:
                    if text[pos] == ")":
                        while stack and stack[-1] == _PAREN:
                            stack.pop()
                    pos += 1
            else:  # "$"
                state, tag_start = _TAG, i
        elif state == _QUOTE:
            p = text.find(quote, pos)
            if p < 0 or p + 1 >= n:
                break
            if text[p + 1] == quote:
                pos = p + 2
            else:
                state, pos = leave(p + 1, _QUOTE_CLOSING)
        elif state == _QUOTE_CLOSING:
            if text[pos] == quote:
                state, pos = _QUOTE, pos + 1
            else:
                state, pos = leave(pos, _QUOTE_CLOSING)
        elif state == _DASH:
            if text[pos] == "-":
                nl = text.find("\n", pos + 1)
                if nl < 0:
                    break
                state, pos = _READY, nl + 1
            else:
                state, pos = leave(pos, _DASH)
        elif state == _SLASH:
            if text[pos - 1] == "/" and text[pos] == "*":
                depth = 1
                scan = pos
                state = _READY
                while True:
                    w = _CLI_BLOCK_WINDOW.search(text, scan)
                    if w is None:
                        pos = n
                        break
                    p = w.start()
                    if text[p] == "/":
                        depth += 1
                    else:
                        depth -= 1
                        if depth == 0:
                            pos = p + 2
                            break
                    scan = p + 1
            else:
                state, pos = leave(pos, _SLASH)
        else:  # _TAG
            j = _ASCII_WORD_RUN.match(text, pos).end()
            while j < n and not text[j].isascii() and _tag_char(text[j]):
                j = _ASCII_WORD_RUN.match(text, j + 1).end()
            if j >= n:
                break
            if text[j] == "$":
                delimiter = text[tag_start : j + 1]
                close = text.find(delimiter, j + 2 - len(delimiter))
                if close < 0:
                    break
                state, pos = _READY, close + len(delimiter)
            else:
                state, pos = leave(j, _TAG)
    return cuts


# --------------------------------------------------------------------------------------
# Choosing between the two splits.

_JS_WS_CLASS = "[" + re.escape(JS_WHITESPACE) + "]"
_CLI_TX_CONTROL = re.compile(
    r"^(?:BEGIN|START" + _JS_WS_CLASS + r"+TRANSACTION|COMMIT|END|ABORT|PREPARE"
    + _JS_WS_CLASS + r"+TRANSACTION)(?:" + _JS_WS_CLASS + r"|$)"
)
_JS_WS_SPLIT = re.compile(_JS_WS_CLASS + "+")


def _cli_strip_leading(text: str) -> str:
    """The CLI's way to find where a statement's words start (its comment skipping is simpler)."""
    s = text.lstrip(" \t\n\r")
    while s.startswith("\ufeff"):
        s = s[1:].lstrip(" \t\n\r")
    while True:
        if s.startswith("--"):
            i = s.find("\n")
            if i < 0:
                return ""
            s = s[i + 1 :].lstrip(" \t\n\r")
        elif s.startswith("/*"):
            i = s.find("*/")
            if i < 0:
                return s
            s = s[i + 2 :].lstrip(" \t\n\r")
        else:
            return s.strip(JS_WHITESPACE)


def _cli_is_transaction_control(statement: str) -> bool:
    """The CLI's test that makes it run a file statement by statement (simple protocol)."""
    upper = _cli_strip_leading(statement).upper()
    if not upper:
        return False
    words = _JS_WS_SPLIT.split(upper)
    if words[0] == "ROLLBACK":
        k = 2 if len(words) > 1 and words[1] in ("WORK", "TRANSACTION") else 1
        return not (len(words) > k and words[k] == "TO")
    return _CLI_TX_CONTROL.match(upper) is not None


def _piece_text(text: str, a: int, b: int) -> str:
    while b > a and text[b - 1] == ";":
        b -= 1
    a = _lstrip_index(text, a, b)
    b = _rstrip_index(text, a, b)
    return text[a:b]


def _final_cuts(text: str) -> tuple[list[int], list[int] | None]:
    """Piece ends (the last is len(text)) and, when known, each piece's first code offset.

    The CLI's split where it can succeed with it, else PostgreSQL's.
    """
    n = len(text)
    pg_all, codes, differs = _pg_scan(text)
    pg = [c for c in pg_all if c < n]
    if not differs and not _cli_may_differ(text):
        return pg + [n], codes
    cli = [c for c in _cli_cuts(text) if c < n]
    if pg == cli:
        return pg + [n], codes
    pg_set = set(pg)
    if not all(c in pg_set for c in cli):
        return pg + [n], codes  # the CLI cuts through a statement: the file fails under the CLI
    # The CLI keeps together some statements PostgreSQL's rules separate.
    bounds = [0] + cli + [n]
    pieces = [(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)]
    sequential = has_no_transaction_directive(text) or any(
        _cli_is_transaction_control(_piece_text(text, a, b)) for a, b in pieces
    )
    if not sequential:
        # Batched through the extended protocol: one statement per piece at most.
        pg_bounds = [0] + pg + [n]
        k = 0
        for a, b in pieces:
            with_code = 0
            while k < len(pg_bounds) - 1 and pg_bounds[k + 1] <= b:
                sub = _piece_text(text, pg_bounds[k], pg_bounds[k + 1])
                if sub and _skip_noise(sub, 0, len(sub)) < len(sub):
                    with_code += 1
                k += 1
            if with_code > 1:
                return pg + [n], codes
    return cli + [n], None
