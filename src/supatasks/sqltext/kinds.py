"""What kind of statement a piece of SQL is: transaction control, or a statement PostgreSQL
refuses to run inside a transaction block (SQLSTATE 25001, active_sql_transaction).

These look only at the first tokens of one statement (as produced by supatasks.sqltext.split);
comments, white space, string and identifier quoting are understood, nothing is parsed fully.
"""

from __future__ import annotations

from itertools import islice

from .lexing import DOLLAR_DELIMITER, PG_IDENT_START, lstrip_index, skip_comments_and_space, skip_e_string, skip_quoted

__all__ = ["leading_keywords", "transaction_control", "non_transactional", "concurrent_index_name"]

# Enough for every rule below; ALTER TABLE ... DETACH PARTITION may come after long names.
_HEAD_TOKENS = 48
_ALTER_TABLE_TOKENS = 400


def _tokens(text: str, limit: int = _HEAD_TOKENS) -> list[str]:
    """The first `limit` tokens: words upper-cased; quoted things, numbers and symbols as written.

    A string literal becomes its source text (so `'false'` stays distinguishable from FALSE),
    a dollar-quoted body becomes "$$".
    """
    return list(islice(_iter_tokens(text), limit))


def _iter_tokens(text: str):
    """The tokens of `_tokens`, read only as far as the caller pulls (most rules decide on two words)."""
    n = len(text)
    pos = lstrip_index(text, 0, n)
    while True:
        pos = skip_comments_and_space(text, pos, n)
        if pos >= n:
            return
        ch = text[pos]
        if ch == "'":
            end = skip_quoted(text, pos + 1, "'")
            token = text[pos:end]
        elif ch == '"':
            end = skip_quoted(text, pos + 1, '"')
            token = text[pos:end]
        elif ch == "$":
            m = DOLLAR_DELIMITER.match(text, pos)
            if m is None:
                end = pos + 1
                token = "$"
            else:
                close = text.find(m.group(), m.end())
                end = close + len(m.group()) if close >= 0 else n
                token = "$$"
        elif ch.isdigit():
            end = pos + 1
            while end < n and (text[end].isalnum() or text[end] in "._"):
                end += 1
            token = text[pos:end]
        else:
            m = PG_IDENT_START.match(text, pos)
            if m is None:
                end = pos + 1
                token = ch
            elif m.end() - pos == 1 and ch in "eE" and text.startswith("'", m.end()):
                end, _ = skip_e_string(text, m.end() + 1)
                token = text[pos:end]
            else:
                end = m.end()
                token = m.group().upper()
        pos = end
        if token == ";":
            return  # the statement ends here
        yield token


def _is_word(token: str) -> bool:
    first = token[0]
    return first.isalpha() or first == "_" or ord(first) > 127


def leading_keywords(text: str, n: int = 6) -> list[str]:
    """The first `n` bare words of a statement, upper-cased (stops at the first non-word)."""
    words: list[str] = []
    for token in _tokens(text, n):
        if not _is_word(token):
            break
        words.append(token)
    return words


_TX_MODE_WORDS = {"ISOLATION", "READ", "DEFERRABLE", "NOT"}


def _chain_suffix(rest: list[str]) -> str | None:
    """After COMMIT/ROLLBACK [WORK|TRANSACTION]: 'plain', 'chain', or None if anything else."""
    if rest[:1] in (["WORK"], ["TRANSACTION"]):
        rest = rest[1:]
    if not rest:
        return "plain"
    if rest == ["AND", "NO", "CHAIN"]:
        return "plain"
    if rest == ["AND", "CHAIN"]:
        return "chain"
    return None


_TX_WORDS = {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "PREPARE"}


def transaction_control(text: str) -> str | None:
    """'begin', 'commit', 'rollback', 'other' (two-phase commit, AND CHAIN), or None.

    `BEGIN ATOMIC`, `DO` blocks, `END IF`/`END $$` fragments, `ROLLBACK TO SAVEPOINT`,
    `SAVEPOINT` and `RELEASE` are not transaction control in this sense (None).
    """
    first = _tokens(text, 1)
    if not first or first[0] not in _TX_WORDS:
        return None  # most statements: one token decides
    tokens = _tokens(text, 8)
    head, rest = tokens[0], tokens[1:]
    if head == "BEGIN":
        if not rest or rest[0] in ("WORK", "TRANSACTION") or rest[0] in _TX_MODE_WORDS:
            return "begin"
        return None
    if head == "START":
        return "begin" if rest[:1] == ["TRANSACTION"] else None
    if head in ("COMMIT", "END"):
        if head == "COMMIT" and rest[:1] == ["PREPARED"]:
            return "other"
        kind = _chain_suffix(rest)
        if kind == "plain":
            return "commit"
        return "other" if kind == "chain" else None
    if head in ("ROLLBACK", "ABORT"):
        if head == "ROLLBACK" and rest[:1] == ["PREPARED"]:
            return "other"
        kind = _chain_suffix(rest)
        if kind == "plain":
            return "rollback"
        return "other" if kind == "chain" else None
    if head == "PREPARE" and rest[:1] == ["TRANSACTION"]:
        return "other"
    return None


def _options(tokens: list[str], start: int) -> tuple[dict[str, str], int]:
    """A parenthesised option list `( name [=] [value], ... )` at tokens[start].

    Returns {NAME: value text} and the index just past the closing parenthesis.
    """
    options: dict[str, str] = {}
    if start >= len(tokens) or tokens[start] != "(":
        return options, start
    item: list[str] = []

    def add() -> None:
        if item:
            options[item[0].strip('"').upper()] = " ".join(x for x in item[1:] if x != "=")

    depth = 0
    i = start
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "(":
            depth += 1
            if depth == 1:
                continue
        elif token == ")":
            depth -= 1
            if depth == 0:
                add()
                break
        elif token == "," and depth == 1:
            add()
            item = []
            continue
        item.append(token)
    return options, i


def _truthy(value: str) -> bool:
    """A boolean option value as PostgreSQL reads it; an absent value means true."""
    v = value.strip("'").strip().lower()
    return v in ("", "true", "on", "1", "t", "yes", "y", "tr", "tru", "ye", "o")


def _falsy(value: str) -> bool:
    v = value.strip("'").strip().lower()
    return v in ("false", "off", "0", "f", "no", "n", "fa", "fal", "fals", "of")


# The first words of the statements non_transactional() names; for some, the second words too.
_FIRST_WORDS = {"CREATE", "DROP", "REINDEX", "VACUUM", "CLUSTER", "ALTER", "DISCARD", "COMMIT", "ROLLBACK"}
_SECOND_WORDS = {
    "CREATE": ("UNIQUE", "INDEX", "DATABASE", "TABLESPACE", "SUBSCRIPTION"),
    "DROP": ("INDEX", "DATABASE", "TABLESPACE", "SUBSCRIPTION"),
    "ALTER": ("SYSTEM", "DATABASE", "TABLE", "SUBSCRIPTION"),
    "DISCARD": ("ALL",),
    "COMMIT": ("PREPARED",),
    "ROLLBACK": ("PREPARED",),
}


def non_transactional(text: str) -> str | None:
    """A short name such as 'CREATE INDEX CONCURRENTLY' when the statement cannot run inside a
    transaction block, else None.

    Conservative where only the server knows: DROP SUBSCRIPTION is named (it fails inside a
    transaction when the subscription has a replication slot, the usual case).
    """
    head = _tokens(text, 2)
    if not head or head[0] not in _FIRST_WORDS:
        return None
    if len(head) > 1 and head[1] not in _SECOND_WORDS.get(head[0], (head[1],)):
        return None  # e.g. CREATE TABLE, DROP POLICY: decided without reading further
    t = _tokens(text, 5)  # enough for all but the option lists, read in full below where they matter
    w0 = t[0]
    w1 = t[1] if len(t) > 1 else ""
    w2 = t[2] if len(t) > 2 else ""

    if w0 == "CREATE":
        k = 2 if w1 == "UNIQUE" else 1
        if t[k : k + 2] == ["INDEX", "CONCURRENTLY"]:
            return "CREATE INDEX CONCURRENTLY"
        if w1 == "DATABASE":
            return "CREATE DATABASE"
        if w1 == "TABLESPACE":
            return "CREATE TABLESPACE"
        if w1 == "SUBSCRIPTION":
            return _create_subscription(_tokens(text))
        return None
    if w0 == "DROP":
        if w1 == "INDEX" and w2 == "CONCURRENTLY":
            return "DROP INDEX CONCURRENTLY"
        if w1 == "DATABASE":
            return "DROP DATABASE"
        if w1 == "TABLESPACE":
            return "DROP TABLESPACE"
        if w1 == "SUBSCRIPTION":
            return "DROP SUBSCRIPTION"
        return None
    if w0 == "REINDEX":
        return _reindex(_tokens(text))
    if w0 == "VACUUM":
        return "VACUUM"
    if w0 == "CLUSTER":
        return _cluster(_tokens(text))
    if w0 == "ALTER":
        if w1 == "SYSTEM":
            return "ALTER SYSTEM"
        if w1 == "DATABASE":
            # ALTER DATABASE name SET TABLESPACE new_tablespace
            if t[3:5] == ["SET", "TABLESPACE"]:
                return "ALTER DATABASE SET TABLESPACE"
            return None
        if w1 == "TABLE":
            return _alter_table(text)
        if w1 == "SUBSCRIPTION":
            return _alter_subscription(_tokens(text))
        return None
    if w0 == "DISCARD" and w1 == "ALL":
        return "DISCARD ALL"
    if w0 in ("COMMIT", "ROLLBACK") and w1 == "PREPARED":
        return f"{w0} PREPARED"
    return None


def _reindex(t: list[str]) -> str | None:
    options, i = _options(t, 1)
    kind = t[i] if i < len(t) else ""
    concurrently = ("CONCURRENTLY" in options and _truthy(options["CONCURRENTLY"])) or (
        i + 1 < len(t) and t[i + 1] == "CONCURRENTLY"
    )
    if kind in ("SCHEMA", "DATABASE", "SYSTEM"):
        return f"REINDEX {kind}"
    if concurrently:
        return "REINDEX CONCURRENTLY"
    return None


def _cluster(t: list[str]) -> str | None:
    """CLUSTER without a table name re-clusters every table: not allowed in a transaction."""
    i = 1
    if i < len(t) and t[i] == "(":
        _, i = _options(t, i)
    elif i < len(t) and t[i] == "VERBOSE":
        i += 1
    if i >= len(t) or t[i] == ";":
        return "CLUSTER"
    return None


def _alter_table(text: str) -> str | None:
    """ALTER TABLE ... DETACH PARTITION name CONCURRENTLY (FINALIZE does run in a transaction)."""
    if "detach" not in text.lower():
        return None  # most ALTER TABLEs: no need to read 400 tokens
    t = _tokens(text, _ALTER_TABLE_TOKENS)
    depth = 0
    for i, token in enumerate(t):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0 and token == "DETACH" and t[i + 1 : i + 2] == ["PARTITION"]:
            k = i + 3  # past the partition's name
            while k + 1 < len(t) and t[k] == ".":
                k += 2  # schema-qualified name
            if k < len(t) and t[k] == "CONCURRENTLY":
                return "ALTER TABLE DETACH PARTITION CONCURRENTLY"
            return None
    return None


def _create_subscription(t: list[str]) -> str | None:
    """CREATE SUBSCRIPTION creates a replication slot unless told not to (connect/create_slot)."""
    for i, token in enumerate(t):
        if token == "WITH" and i + 1 < len(t) and t[i + 1] == "(":
            options, _ = _options(t, i + 1)
            if "CONNECT" in options and _falsy(options["CONNECT"]):
                return None
            if "CREATE_SLOT" in options and _falsy(options["CREATE_SLOT"]):
                return None
    return "CREATE SUBSCRIPTION"


def _alter_subscription(t: list[str]) -> str | None:
    """ALTER SUBSCRIPTION ... REFRESH PUBLICATION, or SET/ADD/DROP PUBLICATION with refresh."""
    if len(t) < 4:
        return None
    action = t[3]
    if action == "REFRESH" and t[4:5] == ["PUBLICATION"]:
        return "ALTER SUBSCRIPTION REFRESH PUBLICATION"
    if action in ("SET", "ADD", "DROP") and t[4:5] == ["PUBLICATION"]:
        for i, token in enumerate(t):
            if token == "WITH" and i + 1 < len(t) and t[i + 1] == "(":
                options, _ = _options(t, i + 1)
                if "REFRESH" in options and _falsy(options["REFRESH"]):
                    return None
        return f"ALTER SUBSCRIPTION {action} PUBLICATION"
    return None


def concurrent_index_name(text: str) -> str | None:
    """The name of the index `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON …` creates, as
    PostgreSQL stores it (unquoted names folded to lower case); None for other statements or no name."""
    t = _tokens(text, 8)
    k = 2 if t[1:2] == ["UNIQUE"] else 1
    if t[:1] != ["CREATE"] or t[k:k + 2] != ["INDEX", "CONCURRENTLY"]:
        return None
    k += 2
    if t[k:k + 3] == ["IF", "NOT", "EXISTS"]:
        k += 3
    name = t[k] if k < len(t) else "ON"
    if name == "ON":
        return None  # no name given: PostgreSQL chooses one
    if name.startswith('"'):
        return name[1:-1].replace('""', '"')
    return name.lower() if _is_word(name) else None
