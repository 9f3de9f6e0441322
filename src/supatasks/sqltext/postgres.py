"""The split PostgreSQL's lexer implies (with psql's rule for BEGIN ... END routine bodies).

One regular-expression match swallows everything up to the next character that matters (an unbalanced
parenthesis, `;`, a comment, a dollar quote, an escape string with an escaped quote, ...); that character is
then handled on its own. The same pass notes anything the CLI's simpler tokenizer could read differently;
when there is nothing, the CLI's split is known to be this one and the exact model of the CLI (cli.py) need
not run."""

from __future__ import annotations

import functools
import re

from .cli import CLI_ATOMIC_WORD, CLI_TAG_OPENS
from .lexing import (
    DOLLAR_DELIMITER,
    NEWLINE,
    QUOTE_CONTINUE,
    is_pg_ident_char,
    leading_words,
    pg_block_comment_end,
    skip_e_string,
    skip_leading,
    skip_quoted,
)

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
        r"""'[^'\\]*+(?:''[^'\\]*+)*+'(?!""" + QUOTE_CONTINUE + ")",
        # an escape string (E is a word of its own) where no backslash escapes a quote, with
        # its continuations on later lines (read as escape strings too)
        r"""(?<=[eE])(?<![A-Za-z0-9_$\u0080-\U0010ffff][eE])'(?:[^'\\]++|\\[^']|'')*+'"""
        + r"""(?:""" + QUOTE_CONTINUE + r"""(?:[^'\\]++|\\[^']|'')*+')*+"""
        + r"""(?!""" + QUOTE_CONTINUE + ")",
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


def _skip_token(text: str, i: int) -> tuple[int, bool]:
    """Skip the quote, comment, dollar quote or stray character at text[i] (not `;` or a paren).

    Returns the end of the token and whether the CLI's tokenizer could read it differently.
    """
    n = len(text)
    ch = text[i]
    if ch == "'":
        if i > 0 and text[i - 1] in "eE" and (i < 2 or not is_pg_ident_char(text[i - 2])):
            return skip_e_string(text, i + 1)
        return skip_quoted(text, i + 1, "'"), False
    if ch == '"':
        return skip_quoted(text, i + 1, '"'), False
    if ch == "-":
        if text.startswith("--", i):
            m = NEWLINE.search(text, i + 2)
            return (m.end() if m else n), False
        return i + 1, False
    if ch == "/":
        if text.startswith("/*", i):
            close = pg_block_comment_end(text, i, n)
            return (close if close >= 0 else n), False
        return i + 1, False
    if ch == "$":
        m = DOLLAR_DELIMITER.match(text, i)
        if m is None or (i > 0 and is_pg_ident_char(text[i - 1])):
            # no dollar quote here for PostgreSQL; the CLI opens one wherever `$word$` appears
            return i + 1, CLI_TAG_OPENS.match(text, i) is not None
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


def pg_scan(text: str) -> tuple[list[int], list[int], bool]:
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
        code = skip_leading(text, pos, n)
        if code >= n:
            codes.append(-1)
            break
        if text[code] == ";":
            pos = code + 1
            cuts.append(pos)
            codes.append(-1)
            continue
        codes.append(code)
        if text[code : code + 6].lower() == "create" and _is_routine(leading_words(text, code, 4)):
            pos, odd = _routine_end(text, code)
        else:
            pos, odd = _statement_end(text, code)
        if odd:
            differs = True
        if pos < 0:
            break
        cuts.append(pos)
    return cuts, codes, differs


def cli_may_differ(text: str) -> bool:
    """File-wide features that make the CLI's tokenizer depart from PostgreSQL's rules."""
    return (
        "atomic" in text.lower()
        or ("\u0131" in text and CLI_ATOMIC_WORD.search(text) is not None)  # dotless i: ATOMIC
        or "/*/" in text
        or "*/*" in text
        or ("\r" in text and text.count("\r") != text.count("\r\n"))
    )
