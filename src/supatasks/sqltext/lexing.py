"""Lexing helpers shared by both splits (postgres.py, cli.py) and by kinds.py: white space as JavaScript and
PostgreSQL see it, comments, quoted tokens, dollar quotes, escape strings, the first words of a statement."""

from __future__ import annotations

import re

# Characters JavaScript's trim() and the `\s` class (with the u flag) treat as white space.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


JS_WS_SET = frozenset(JS_WHITESPACE)


_LEADING = re.compile("[" + re.escape(JS_WHITESPACE) + r"]*+(?:[ \t\n\r\f\v]++|--[^\r\n]*+)*+")


_SPACE_AND_LINE_COMMENTS = re.compile(r"(?:[ \t\n\r\f\v]++|--[^\r\n]*+)*+")


JS_WS_RUN = re.compile("[" + re.escape(JS_WHITESPACE) + "]*")


NEWLINE = re.compile(r"[\r\n]")


_BLOCK_MARK = re.compile(r"/\*|\*/")


def lstrip_index(text: str, a: int, b: int) -> int:
    return JS_WS_RUN.match(text, a, b).end()


def _rstrip_index(text: str, a: int, b: int) -> int:
    while b > a and text[b - 1] in JS_WS_SET:
        b -= 1
    return b


def pg_block_comment_end(text: str, start: int, limit: int) -> int:
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


def skip_comments_and_space(text: str, pos: int, limit: int) -> int:
    """Skip PostgreSQL white space and comments; an unclosed block comment counts as code."""
    while True:
        pos = _SPACE_AND_LINE_COMMENTS.match(text, pos, limit).end()
        if text.startswith("/*", pos, limit):
            end = pg_block_comment_end(text, pos, limit)
            if end < 0:
                return pos
            pos = end
        else:
            return pos


def skip_leading(text: str, pos: int, limit: int) -> int:
    """Where a piece's code starts: past the white space the CLI trims, then PostgreSQL's
    white space and comments."""
    pos = _LEADING.match(text, pos, limit).end()
    if text.startswith("/*", pos, limit):
        return skip_comments_and_space(text, pos, limit)
    return pos


def skip_noise(text: str, pos: int, limit: int) -> int:
    """Skip white space, comments and empty statements; return where code starts (or limit)."""
    while True:
        pos = skip_comments_and_space(text, pos, limit)
        if pos < limit and text[pos] == ";":
            pos += 1
            continue
        return pos


PG_IDENT_START = re.compile(r"[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_$\u0080-\U0010ffff]*")


def is_pg_ident_char(ch: str) -> bool:
    """A character that continues an identifier for PostgreSQL (any non-ASCII one does)."""
    return not ch.isascii() or ch.isalnum() or ch in "_$"


def leading_words(text: str, pos: int, count: int, limit: int | None = None) -> list[str]:
    """Up to `count` bare words from `pos`, skipping comments; stops at anything else."""
    if limit is None:
        limit = len(text)
    words: list[str] = []
    while len(words) < count:
        pos = skip_comments_and_space(text, pos, limit)
        m = PG_IDENT_START.match(text, pos, limit)
        if m is None:
            break
        words.append(m.group())
        pos = m.end()
    return words


# Between the parts of a string literal continued on a later line: white space and comments
# including a line break, then the next part's opening quote (PostgreSQL's quotecontinue).
QUOTE_CONTINUE = r"(?:[ \t\f]++|--[^\n\r]*+)*+[\n\r](?:[ \t\n\r\f\v]++|--[^\n\r]*+[\n\r])*+'"


DOLLAR_TAG = r"(?:[A-Za-z_\u0080-\U0010ffff][A-Za-z0-9_\u0080-\U0010ffff]*)?"


DOLLAR_DELIMITER = re.compile(r"\$" + DOLLAR_TAG + r"\$")


_E_STRING_STOP = re.compile(r"['\\]")


_QUOTE_CONTINUES = re.compile(QUOTE_CONTINUE)


def skip_quoted(text: str, pos: int, quote: str) -> int:
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


def skip_e_string(text: str, pos: int) -> tuple[int, bool]:
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


def piece_text(text: str, a: int, b: int) -> str:
    while b > a and text[b - 1] == ";":
        b -= 1
    a = lstrip_index(text, a, b)
    b = _rstrip_index(text, a, b)
    return text[a:b]
