"""An exact model of the Supabase CLI 2.117.0 tokenizer (a character state machine), and the CLI's test
for transaction control that makes it run a file statement by statement.

States: ready; quote (' or ", a doubled quote stays inside); dollar ($tag$ ... $tag$, and a `--` comment
which ends at LF); tag (after `$`); dash (after one `-`); slash (after `/`); block (nested /* */ counted by
two-character windows); escape (a backslash swallows the next character). `(` opens a region closed by the
next `)`, and BEGIN ATOMIC a region closed by the next "end" (case-insensitive, anywhere, even inside a
word); regions nest, but one `)` or "end" closes every directly nested region of its kind at once. Inside a
region `;` does not cut; if it arrives while a quote/tag/dash/slash state is being left, that state stays
current (a quirk reproduced here)."""

from __future__ import annotations

import re

from .lexing import JS_WHITESPACE, JS_WS_SET

# Anywhere in the file, these make the CLI's tokenizer behave differently from PostgreSQL's.
CLI_ATOMIC_WORD = re.compile(r"[Aa][Tt][Oo][Mm][Ii\u0131][Cc]")


CLI_TAG_OPENS = re.compile(r"\$\w*\$")


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
    while e > token_start and text[e - 1] in JS_WS_SET:
        e -= 1
    b = e - 5
    if b < token_start or text[b:e].upper() != "BEGIN":
        return False
    return b == token_start or not _js_ident_unit(text[b - 1])


def cli_cuts(text: str, runs: bool = True) -> list[int]:
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

    atomic = CLI_ATOMIC_WORD.search(text) is not None
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


def cli_is_transaction_control(statement: str) -> bool:
    """The CLI's test that makes it run a file statement by statement (simple protocol)."""
    upper = _cli_strip_leading(statement).upper()
    if not upper:
        return False
    words = _JS_WS_SPLIT.split(upper)
    if words[0] == "ROLLBACK":
        k = 2 if len(words) > 1 and words[1] in ("WORK", "TRANSACTION") else 1
        return not (len(words) > k and words[k] == "TO")
    return _CLI_TX_CONTROL.match(upper) is not None
