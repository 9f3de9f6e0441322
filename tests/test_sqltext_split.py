"""Unit and property tests of the statement splitter (no server needed).

What the Supabase CLI 2.117.0 really stores is checked against the CLI itself in
test_sqltext_cli_statements.py; here the rules are pinned one by one, the exact model of the CLI's
tokenizer is compared with a literal character-by-character model of it, and the fast path
("PostgreSQL's rules and the CLI agree on this file") is checked to be sound.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supatasks.sqltext.cli import cli_cuts
from supatasks.sqltext.lexing import JS_WHITESPACE
from supatasks.sqltext.postgres import cli_may_differ, pg_scan
from supatasks.sqltext.split import Statement, has_no_transaction_directive, history_statements, split_statements


def texts(sql: str) -> list[str]:
    return [s.text for s in split_statements(sql)]


# --------------------------------------------------------------------------------------
# Basic shape


def test_splits_on_semicolons_and_trims():
    assert texts("select 1;  select 2 ;\n\n select 3") == ["select 1", "select 2", "select 3"]


def test_empty_pieces_are_dropped():
    assert texts(";;\n ; select 1;;; ;") == ["select 1"]


@pytest.mark.parametrize("sql", ["", "   ", "\n\n\t\n", ";", " ; ;\n", "\ufeff", "\u00a0\u3000"])
def test_nothing_to_run_gives_an_empty_list(sql):
    assert split_statements(sql) == []
    # The CLI stores an empty array ('{}'), not NULL.
    assert history_statements(sql) == []


def test_trailing_semicolons_of_the_last_piece_are_removed():
    assert texts("select 1;") == ["select 1"]
    assert texts("select 1") == ["select 1"]


# --------------------------------------------------------------------------------------
# Comments


def test_comment_before_a_statement_stays_with_it():
    sql = "-- header\n/* block */\ncreate table t (a int);"
    [s] = split_statements(sql)
    assert s.text == "-- header\n/* block */\ncreate table t (a int)"
    assert (s.line, s.code_line, s.has_code) == (1, 3, True)


def test_same_line_comment_after_semicolon_goes_to_the_next_statement():
    sql = "select 1; -- about the next one\nselect 2;"
    assert texts(sql) == ["select 1", "-- about the next one\nselect 2"]
    second = split_statements(sql)[1]
    assert (second.line, second.code_line) == (1, 2)


def test_trailing_comment_is_a_comment_only_statement():
    [first, last] = split_statements("select 1;\n-- bye\n/* end */\n")
    assert first.text == "select 1" and first.has_code
    assert last.text == "-- bye\n/* end */"
    assert not last.has_code
    assert (last.line, last.code_line) == (2, 2)


def test_comment_only_file_is_one_statement_without_code():
    sql = "-- only this\n/* and; this */\n"
    [s] = split_statements(sql)
    assert s.text == "-- only this\n/* and; this */"
    assert not s.has_code
    assert history_statements(sql) == ["-- only this\n/* and; this */"]


def test_semicolons_inside_comments_do_not_split():
    sql = "select 1 -- not; here\n + 1; select /* a; /* nested; */ still; */ 2;"
    assert texts(sql) == ["select 1 -- not; here\n + 1", "select /* a; /* nested; */ still; */ 2"]


def test_unclosed_block_comment_counts_as_code():
    # The server must see it (and report the error); it is not silently skipped.
    first, last = split_statements("select 1;\n/* never closed; select 2;")
    assert first.text == "select 1"
    assert last.text == "/* never closed; select 2"  # trailing `;` stripped like any other
    assert last.has_code


def test_has_code_ignores_stray_semicolons_between_comments():
    assert Statement("-- a\n;\n/* b */", 1, 1).has_code is False
    assert Statement("-- a\n; select 1", 1, 2).has_code is True


# --------------------------------------------------------------------------------------
# Quoting


def test_single_quotes_with_doubled_quotes():
    assert texts("select 'a;b''c;'; select 2") == ["select 'a;b''c;'", "select 2"]


def test_escape_strings_with_backslash_quotes():
    sql = "select E'it\\'s; fine\\\\'; select e'x\\'y;'; select 3"
    assert texts(sql) == ["select E'it\\'s; fine\\\\'", "select e'x\\'y;'", "select 3"]


def test_standard_string_backslash_is_literal():
    assert texts("select 'a\\'; select 2") == ["select 'a\\'", "select 2"]


def test_word_ending_in_e_before_a_quote_is_not_an_escape_string():
    # `somee` is a word; the string after it is a standard one (backslash literal).
    assert texts("select somee'a\\'; select 2") == ["select somee'a\\'", "select 2"]


def test_escape_string_continued_on_a_later_line_stays_an_escape_string():
    # PostgreSQL reads 'b\'' after E'a' + newline as part of the same escape string.
    sql = "select E'a'\n  'b\\'c;'; select 2"
    assert texts(sql) == ["select E'a'\n  'b\\'c;'", "select 2"]
    # ... across a comment line too, but not without a line break.
    sql = "select E'a' -- note\n'b\\'c;'; select 2"
    assert texts(sql) == ["select E'a' -- note\n'b\\'c;'", "select 2"]
    assert texts("select E'a' 'b\\'; select 2") == ["select E'a' 'b\\'", "select 2"]
    # A standard string's continuation stays standard.
    assert texts("select 'a'\n'b\\'; select 2") == ["select 'a'\n'b\\'", "select 2"]


def test_double_quoted_identifiers():
    sql = 'create table "a;b" ("c""d;" int); select 1'
    assert texts(sql) == ['create table "a;b" ("c""d;" int)', "select 1"]


def test_dollar_quotes_plain_tagged_and_nested():
    sql = (
        "create function f() returns text language plpgsql as $fn$\n"
        "begin return $$x; y$$ || $q$;$q$; end;\n"
        "$fn$; select $a$ $b$ ; $b$ $a$; select 3"
    )
    assert texts(sql) == [
        "create function f() returns text language plpgsql as $fn$\n"
        "begin return $$x; y$$ || $q$;$q$; end;\n$fn$",
        "select $a$ $b$ ; $b$ $a$",
        "select 3",
    ]


def test_dollar_inside_identifier_is_not_a_quote():
    assert texts("select 1 as a$b$; select 2") == ["select 1 as a$b$", "select 2"]


def test_positional_parameter_is_not_a_quote():
    assert texts("prepare p as select $1; select 2") == ["prepare p as select $1", "select 2"]


def test_do_block():
    sql = "DO $$ BEGIN PERFORM 1; END $$;\nDO LANGUAGE plpgsql $x$ BEGIN NULL; END $x$;"
    assert texts(sql) == ["DO $$ BEGIN PERFORM 1; END $$", "DO LANGUAGE plpgsql $x$ BEGIN NULL; END $x$"]


# --------------------------------------------------------------------------------------
# Bodies and parentheses


def test_begin_atomic_body_is_one_statement():
    sql = (
        "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE SQL\n"
        "BEGIN ATOMIC\n  SELECT 'add;';\n  SELECT a + b;\nEND;\nselect 2;"
    )
    assert texts(sql) == [
        "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE SQL\n"
        "BEGIN ATOMIC\n  SELECT 'add;';\n  SELECT a + b;\nEND",
        "select 2",
    ]


def test_begin_atomic_with_case_end_inside():
    # The CLI stops the body at the CASE's END (and then fails); PostgreSQL's rules do not.
    sql = (
        "create or replace procedure p(a int) language sql begin atomic\n"
        "  select case when a > 0 then 1 else 0 end;\n  select a;\nend;\nselect 1;"
    )
    assert texts(sql) == [
        "create or replace procedure p(a int) language sql begin atomic\n"
        "  select case when a > 0 then 1 else 0 end;\n  select a;\nend",
        "select 1",
    ]


def test_begin_atomic_body_using_words_containing_end():
    sql = "create function f() returns int language sql begin atomic select pending from t; end; select 1"
    assert texts(sql) == [
        "create function f() returns int language sql begin atomic select pending from t; end",
        "select 1",
    ]


def test_rule_with_nested_parentheses_is_not_split():
    sql = (
        "create rule r as on insert to t do also (\n"
        "  insert into a values (new.id, 'x');\n  insert into b values (new.id)\n);\n"
        "insert into t values (1);"
    )
    assert texts(sql) == [
        "create rule r as on insert to t do also (\n"
        "  insert into a values (new.id, 'x');\n  insert into b values (new.id)\n)",
        "insert into t values (1)",
    ]


def test_explicit_transaction_statements_are_their_own():
    sql = "BEGIN;\ncreate table t (a int);\nCOMMIT;\n"
    assert texts(sql) == ["BEGIN", "create table t (a int)", "COMMIT"]


# --------------------------------------------------------------------------------------
# Where the CLI keeps statements together and still succeeds, supatasks records the same.


def test_cli_coarse_piece_kept_when_the_file_runs_statement_by_statement():
    # An explicit BEGIN makes the CLI use the simple query protocol: the piece it forms by
    # misreading E'\'' runs fine, so that is what it records (observed with 2.117.0).
    sql = "BEGIN; SELECT E'\\''; SELECT 'x'; SELECT 1; COMMIT;"
    assert texts(sql) == ["BEGIN", "SELECT E'\\''; SELECT 'x'; SELECT 1; COMMIT"]


def test_cli_coarse_piece_rejected_when_batched():
    # Without BEGIN the CLI batches with the extended protocol and fails on that piece,
    # so supatasks uses the correct split.
    sql = "SELECT E'\\''; SELECT 'x'; SELECT 1;"
    assert texts(sql) == ["SELECT E'\\''", "SELECT 'x'", "SELECT 1"]


def test_cli_coarse_piece_with_one_statement_kept_when_batched():
    sql = "insert into t values (E'it\\'s');\n-- trailing note\n"
    assert texts(sql) == ["insert into t values (E'it\\'s');\n-- trailing note"]


def test_no_transaction_directive():
    assert has_no_transaction_directive("-- pg-delta: transaction=false\nselect 1;")
    assert has_no_transaction_directive("\ufeff-- pg-delta: transaction=false\r\nselect 1;")
    assert not has_no_transaction_directive("-- pg-delta: transaction=false \nselect 1;")
    assert not has_no_transaction_directive("select 1;\n-- pg-delta: transaction=false\n")


# --------------------------------------------------------------------------------------
# Line endings, BOM, white space


def test_crlf_is_trimmed_at_the_ends_and_kept_inside():
    sql = "-- h\r\ncreate table t (\r\n  a int\r\n);\r\n\r\nselect 1;\r\n"
    [a, b] = split_statements(sql)
    assert a.text == "-- h\r\ncreate table t (\r\n  a int\r\n)"
    assert (a.line, a.code_line) == (1, 2)
    assert b.text == "select 1"
    assert b.line == 6  # CRLF counts as one line break


def test_lone_cr_counts_as_a_line_break():
    _, a, b = split_statements("select 1;\rselect 2;\r\nselect 3;")
    assert (a.text, a.line) == ("select 2", 2)
    assert (b.text, b.line) == ("select 3", 3)


def test_leading_bom_is_dropped_and_lines_unchanged():
    [a, b] = split_statements("\ufeff-- c\nselect 1;\nselect 2;")
    assert a.text == "-- c\nselect 1"
    assert (a.line, a.code_line) == (1, 2)
    assert (b.text, b.line) == ("select 2", 3)


def test_bom_between_statements_is_trimmed_but_kept_inside_one():
    assert texts("select 1;\ufeffselect 2;") == ["select 1", "select 2"]
    assert texts("select 1 \ufeff+ 1;") == ["select 1 \ufeff+ 1"]


def test_javascript_trim_white_space_set():
    # Trimmed: NBSP, U+2028, U+3000, VT, FF. Kept: NEL (U+0085), ZWSP, U+001C.
    assert texts("\u00a0\u2028\u3000\v\fselect 1\u00a0;") == ["select 1"]
    assert texts("\u0085select 1;") == ["\u0085select 1"]
    assert texts("\u200bselect 1;") == ["\u200bselect 1"]
    assert texts("\x1cselect 1;") == ["\x1cselect 1"]
    assert "\u0085" not in JS_WHITESPACE and "\ufeff" in JS_WHITESPACE


def test_line_numbers_across_many_statements():
    sql = "select 1;\n\n-- two\nselect 2; select 3;\n/* a\nb */\n\nselect 4;"
    got = [(s.text.splitlines()[-1], s.line, s.code_line) for s in split_statements(sql)]
    assert got == [("select 1", 1, 1), ("select 2", 3, 4), ("select 3", 4, 4), ("select 4", 5, 8)]


# --------------------------------------------------------------------------------------
# Speed


def _big_sql(size: int) -> str:
    parts = []
    total = 0
    i = 0
    while total < size:
        part = (
            f"-- batch {i}; note\ninsert into public.items (id, name, note) values "
            f"({i}, 'name {i}', E'it''s\\n ok'), ({i + 1}, \"x\", 'a (b) c');\n"
        )
        if i % 40 == 0:
            part += (
                f"create or replace function f_{i}() returns trigger language plpgsql as $fn$\n"
                "begin if new.a is null then new.a := 1; end if; return new; end;\n$fn$;\n"
                "/* block ; /* nested ; */ */\n"
            )
        parts.append(part)
        total += len(part)
        i += 1
    return "".join(parts)[:size]


def test_ten_megabytes_split_quickly():
    sql = _big_sql(10_000_000)
    started = time.process_time()
    statements = split_statements(sql)
    elapsed = time.process_time() - started
    assert len(statements) > 50_000
    assert elapsed < 2.0, f"splitting 10 MB took {elapsed:.2f}s"


def test_one_huge_statement_splits_quickly():
    sql = "insert into t values " + ",".join(f"({i},'v{i}',(1+2))" for i in range(400_000)) + ";\n"
    started = time.process_time()
    [s] = split_statements(sql)
    elapsed = time.process_time() - started
    assert s.text == sql.strip()[:-1]
    assert elapsed < 2.0, f"splitting took {elapsed:.2f}s"


@pytest.mark.parametrize(
    "pathological",
    [
        "'" * 200_000,
        "$" * 200_000,
        "$a" * 100_000,
        "(" * 200_000 + ";",
        "/*" * 100_000,
        "-" * 200_000,
        "e'" * 100_000,
        "begin atomic " * 20_000,
        "create function f() begin " + "case " * 50_000,
        "\\" * 200_000,
    ],
)
def test_pathological_inputs_stay_linear(pathological):
    started = time.process_time()
    split_statements(pathological)
    assert time.process_time() - started < 2.0


# --------------------------------------------------------------------------------------
# A literal, character-by-character model of the CLI 2.117.0 tokenizer, used as the
# reference for the optimised model in sqlsplit. States are tuples:
#   ("ready",) ("quote", q, closing) ("dollar", delimiter) ("tag", start) ("dash",)
#   ("slash", depth) ("escape",) ("region", inner_state, closer)

_JS_WS = set(JS_WHITESPACE)


def _ident_unit(ch: str) -> bool:
    return ord(ch) <= 0xFFFF and (ch.isalpha() or ch.isdecimal() or ch in "_$")


def _ends_with_begin_atomic(token: str) -> bool:
    k = len(token) - 6
    if k < 0 or token[k:].upper() != "ATOMIC" or (k > 0 and _ident_unit(token[k - 1])):
        return False
    head = token[:k]
    while head and head[-1] in _JS_WS:
        head = head[:-1]
    k = len(head) - 5
    if k < 0 or head[k:].upper() != "BEGIN":
        return False
    return k == 0 or not _ident_unit(head[k - 1])


def _next_state(state, ch, token):
    kind = state[0]
    if kind == "ready":
        if ch == "$":
            return ("tag", len(token) - 1)
        if ch in "'\"":
            return ("quote", ch, False)
        if ch == "-":
            return ("dash",)
        if ch == "/":
            return ("slash", 0)
        if ch == "\\":
            return ("escape",)
        if ch == ";":
            return None
        if ch == "(":
            return ("region", ("ready",), ")")
        if ch in "cC" and _ends_with_begin_atomic(token):
            return ("region", ("ready",), "END")
        return state
    if kind == "dash":
        return ("dollar", "\n") if ch == "-" else _next_state(("ready",), ch, token)
    if kind == "slash":
        window = token[-2:]
        if window == "/*":
            return ("slash", state[1] + 1)
        if state[1] == 0:
            return _next_state(("ready",), ch, token)
        if window == "*/":
            return ("ready",) if state[1] == 1 else ("slash", state[1] - 1)
        return state
    if kind == "quote":
        if state[2]:
            return ("quote", state[1], False) if ch == state[1] else _next_state(("ready",), ch, token)
        return ("quote", state[1], True) if ch == state[1] else state
    if kind == "dollar":
        return ("ready",) if token.endswith(state[1]) else state
    if kind == "tag":
        if ch == "$":
            return ("dollar", token[state[1] :])
        if ch.isalpha() or ch.isdecimal() or ch == "_":
            return state
        return _next_state(("ready",), ch, token)
    if kind == "escape":
        return ("ready",)
    # region
    inner = _next_state(state[1], ch, token)
    if inner is None:
        inner = state[1]
    if inner[0] == "ready" and token[-len(state[2]) :].upper() == state[2]:
        return ("ready",)
    return ("region", inner, state[2])


def reference_cli_cuts(text: str) -> list[int]:
    cuts, state, token = [], ("ready",), ""
    for i, ch in enumerate(text):
        token += ch
        state = _next_state(state, ch, token)
        if state is None:
            cuts.append(i + 1)
            state, token = ("ready",), ""
    return cuts


_FRAGMENTS = [
    "'", '"', "$", "$$", "$a$", "$1", "a$b", "$é$", ";", "(", ")", "((", "))", "-", "--", "/",
    "*", "/*", "*/", "/*/", "\\", "\n", "\r", "\r\n", " ", "\t", "e", "E'", "x", "begin",
    "BEGIN", "atomic", " ATOMIC", "begin atomic", "end", "END", "case", "pending",
    "create function f() ", "create or replace procedure p() ", "select 1", "ı", "\u00a0",
    "\ufeff", "é", "\U0001d49c", "_", "1", "c", "d", "n", "''", "(1)", "a;b", "'x'", "E'\\''",
    "-- pg-delta: transaction=false\n", "ROLLBACK", "COMMIT", "rollback to s", r"E'a''b\'c'",
    r"'a''b\'", "U&'x'", '"a""b"', "somee'x'", r"\'",
]
sql_soup = st.lists(st.sampled_from(_FRAGMENTS), max_size=30).map("".join)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sql_soup)
def test_cli_model_matches_the_literal_reference(sql):
    expected = reference_cli_cuts(sql)
    assert cli_cuts(sql) == expected
    assert cli_cuts(sql, runs=False) == expected


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sql_soup)
def test_fast_path_is_sound(sql):
    """When the PostgreSQL-rules scan sees nothing the CLI could read differently, the CLI's
    cuts are exactly PostgreSQL's, so skipping the CLI model is safe."""
    cuts, _, differs = pg_scan(sql)
    if not differs and not cli_may_differ(sql):
        n = len(sql)
        assert [c for c in cuts if c < n] == [c for c in reference_cli_cuts(sql) if c < n]


def _check_cover(sql: str) -> None:
    """Statements appear in order in the file; between them only white space and `;`."""
    pos = 0
    line = 1
    for s in split_statements(sql):
        assert s.text, "empty statements are dropped"
        at = sql.find(s.text, pos)
        assert at >= 0
        gap = sql[pos:at]
        assert all(ch in _JS_WS or ch == ";" for ch in gap), repr(gap)
        before = sql[:at]
        line = 1 + before.count("\n") + before.count("\r") - before.count("\r\n")
        assert s.line == line
        assert s.line <= s.code_line <= s.line + s.text.count("\n") + s.text.count("\r")
        pos = at + len(s.text)
    assert all(ch in _JS_WS or ch == ";" for ch in sql[pos:])


@settings(max_examples=800, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_and_covers_arbitrary_text(sql):
    _check_cover(sql)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sql_soup)
def test_covers_sql_like_text(sql):
    _check_cover(sql)


# PostgreSQL's own scanner (libpg_query, through pglast) as an oracle for the lexical rules.

_VALID_PARTS = [
    "select 1", "'a;b'", "'it''s; x'", r"E'x\'y;'", r"E'\\'", r"E'a''b\';c'", r"e'\\''x;'",
    r"'a\'';'", '"q;""id"', "$$a;b$$", "$t$ $$ ; $$ $t$", "$é$;$é$", "-- c; x\n", "--\r",
    "/* a; /* b; */ c; */", "/**/", "(1)", "((1);(2))", "(select 2; )", r"u&'d\0061;'",
    "b'01'", "x'ff'", "n'x;'", "x", "+", "a$b", "$1", "\n", " ", "\r\n", "\t",
]


@st.composite
def valid_statements(draw):
    n = draw(st.integers(1, 5))
    statements = []
    for _ in range(n):
        parts = draw(st.lists(st.sampled_from(_VALID_PARTS), min_size=1, max_size=8))
        # `||` between parts: no string literal continues another one (tested separately)
        statements.append("select " + " || ".join(parts))
    return ";\n".join(statements) + draw(st.sampled_from(["", ";", ";\n", "; -- end"]))


@settings(max_examples=400, deadline=None)
@given(valid_statements())
def test_agrees_with_postgresql_scanner(sql):
    pglast = pytest.importorskip("pglast")
    ours = [s for s in split_statements(sql) if s.has_code]
    theirs = [sql[sl] for sl in pglast.parser.split(sql, with_parser=False, only_slices=True)]
    theirs = [t for t in theirs if t.strip()]
    assert len(ours) == len(theirs), (ours, theirs)
    for mine, scanned in zip(ours, theirs):
        assert scanned.strip() in mine.text
