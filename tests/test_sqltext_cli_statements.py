"""The real Supabase CLI (2.117.0) against supatasks' splitter, file by file.

Every file in tests/corpus/tricky/ is applied with `supabase migration up --db-url ...` to a
fresh database. For the files the CLI applies, the `statements` column it writes must equal
`history_statements(file text)`. Files named `cli_fails_*.sql` hold SQL the CLI splits wrongly:
the CLI must fail on them, and supatasks' split must keep the statement whole and apply.
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from support import cli_url, create_database

from supatasks.sqltext.cli import cli_cuts
from supatasks.sqltext.lexing import piece_text
from supatasks.sqltext.split import history_statements, split_statements

CORPUS = Path(__file__).parent / "corpus" / "tricky"
FILES = sorted(p.name for p in CORPUS.glob("*.sql"))
APPLIED = [name for name in FILES if not name.startswith("cli_fails_")]
FAILING = [name for name in FILES if name.startswith("cli_fails_")]
VERSION_BASE = 20240101000000  # file k of a run gets version VERSION_BASE + k

# Objects a file expects to exist before it runs (created directly, not as a migration).
SETUP = {"create_index_concurrently.sql": "create table public.cic_t (a int)"}

# What applying the file must have done: (query, expected first column of the first row).
EFFECTS = {
    "cli_fails_rule_nested_parens.sql": ("select count(*) from public.order_audit where id = 7", 2),
    "cli_fails_atomic_case.sql": ("select public.sign_of(-5)", -1),
    "cli_fails_escaped_quote.sql": ("select string_agg(s, '|' order by s) from public.quotes", "it's|next"),
    "rule_with_semicolons.sql": ("select count(*) from public.event_log", 1),
    "begin_atomic.sql": ("select public.add_one(41) + public.twice(0)", 42),
    "explicit_transaction_escaped_quote.sql": ("select count(*) from public.esc", 2),
    "escaped_quote_then_comment.sql": ("select s from public.said", "it's"),
    "create_index_concurrently.sql": ("select count(*) from pg_indexes where indexname = 'cic_t_a_idx'", 1),
}

# How many statements with code supatasks' split must give for the files the CLI gets wrong.
WHOLE = {
    "cli_fails_rule_nested_parens.sql": 4,
    "cli_fails_atomic_case.sql": 2,
    "cli_fails_escaped_quote.sql": 3,
}


def read_sql(name: str) -> str:
    """The file's exact text: bytes decoded as UTF-8, line endings untouched."""
    return (CORPUS / name).read_bytes().decode("utf-8")


def cli_model_statements(sql: str) -> list[str]:
    """The pieces the CLI's own tokenizer makes (sqlsplit's exact model of it), trimmed."""
    bounds = [0] + [c for c in cli_cuts(sql) if c < len(sql)] + [len(sql)]
    pieces = (piece_text(sql, bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1))
    return [p for p in pieces if p]


@dataclass
class CliRun:
    returncode: int
    output: str
    recorded: bool                     # a history row exists for the file's version
    statements: list[str] | None
    statements_is_null: bool | None


def _cli_migration_up(cli: str, server, project: Path, names: list[str]) -> dict[str, CliRun]:
    """Apply `names` (in this order, versions 1, 2, ...) to one fresh database with the CLI."""
    url = create_database(server)
    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            if name in SETUP:
                conn.execute(SETUP[name])
    migrations = project / "supabase" / "migrations"
    migrations.mkdir(parents=True)
    (project / "supabase" / "config.toml").write_text('project_id = "supatasks-tests"\n')
    versions = {}
    for k, name in enumerate(names, start=1):
        version = f"{VERSION_BASE + k}"
        versions[name] = version
        (migrations / f"{version}_{Path(name).stem}.sql").write_bytes((CORPUS / name).read_bytes())
    proc = subprocess.run(
        [cli, "migration", "up", "--db-url", cli_url(url)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    rows = {}
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("select to_regclass('supabase_migrations.schema_migrations') is not null").fetchone()[0]:
            for version, statements, is_null in conn.execute(
                "select version, statements, statements is null from supabase_migrations.schema_migrations"
            ):
                rows[version] = (statements, is_null)
    runs = {}
    for name, version in versions.items():
        row = rows.get(version)
        runs[name] = CliRun(
            returncode=proc.returncode,
            output=proc.stdout + proc.stderr,
            recorded=row is not None,
            statements=row[0] if row else None,
            statements_is_null=row[1] if row else None,
        )
    return runs


@pytest.fixture(scope="module")
def cli_runs(supabase_cli, pg_server, tmp_path_factory) -> dict[str, CliRun]:
    """The corpus applied with the real CLI: every file the CLI can apply as one migration each
    in a single `migration up` (their objects do not collide), and each failing file on its own."""
    workdir = tmp_path_factory.mktemp("cli-projects")
    batches = [APPLIED] + [[name] for name in FAILING]
    with ThreadPoolExecutor(max_workers=len(batches)) as pool:
        results = pool.map(
            lambda job: _cli_migration_up(supabase_cli, pg_server, workdir / f"p{job[0]}", job[1]),
            enumerate(batches),
        )
        runs: dict[str, CliRun] = {}
        for result in results:
            runs.update(result)
    return runs


def _apply_with_supatasks_split(server, name: str) -> str:
    """Run supatasks' statements one by one (autocommit) on a fresh database; return its URL."""
    url = create_database(server)
    with psycopg.connect(url, autocommit=True) as conn:
        if name in SETUP:
            conn.execute(SETUP[name])
        for statement in split_statements(read_sql(name)):
            if statement.has_code:
                conn.execute(statement.text)
    return url


def test_corpus_is_intact():
    assert len(APPLIED) >= 15 and len(FAILING) >= 3
    # Git or an editor must not have normalised these.
    assert b"\r\n" in (CORPUS / "crlf.sql").read_bytes()
    assert (CORPUS / "bom.sql").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("name", APPLIED)
def test_cli_records_exactly_our_statements(cli_runs, name):
    run = cli_runs[name]
    assert run.returncode == 0, run.output
    assert run.recorded, run.output
    assert run.statements_is_null is False
    assert run.statements == history_statements(read_sql(name))


@pytest.mark.parametrize("name", APPLIED)
def test_cli_model_matches_the_real_cli(cli_runs, name):
    """The exact model of the CLI's tokenizer reproduces what the CLI stored."""
    assert cli_runs[name].statements == cli_model_statements(read_sql(name))


@pytest.mark.parametrize("name", FILES)
def test_our_statements_apply(pg_server, name):
    url = _apply_with_supatasks_split(pg_server, name)
    if name in EFFECTS:
        query, expected = EFFECTS[name]
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute(query).fetchone()[0] == expected


@pytest.mark.parametrize("name", FAILING)
def test_cli_fails_where_its_split_is_wrong(cli_runs, name):
    run = cli_runs[name]
    sql = read_sql(name)
    assert run.returncode != 0
    assert not run.recorded
    assert re.search(r"syntax error|cannot insert multiple commands", run.output), run.output
    # The CLI failed on the piece its tokenizer made (the model predicts which and what).
    model = cli_model_statements(sql)
    failed_at = int(re.search(r"At statement: (\d+)", run.output).group(1))
    assert model[failed_at].splitlines()[0] in run.output
    # supatasks does not follow the CLI here: its statements are whole.
    ours = history_statements(sql)
    assert ours != model
    assert len([s for s in split_statements(sql) if s.has_code]) == WHOLE[name]


def test_empty_file_is_recorded_as_an_empty_array_not_null(cli_runs):
    for name in ("empty.sql", "whitespace_only.sql", "semicolons_only.sql"):
        run = cli_runs[name]
        assert run.recorded and run.statements == [] and run.statements_is_null is False
        assert history_statements(read_sql(name)) == []


def test_bom_is_not_recorded(cli_runs):
    run = cli_runs["bom.sql"]
    assert run.statements[0].startswith("-- a file saved")
    assert all("\ufeff" not in s for s in run.statements)


def test_comment_only_file_is_recorded_as_the_comment(cli_runs):
    run = cli_runs["comment_only.sql"]
    assert run.statements == [read_sql("comment_only.sql").strip()]
    assert [s.has_code for s in split_statements(read_sql("comment_only.sql"))] == [False]


def test_comment_after_semicolon_belongs_to_the_next_statement(cli_runs):
    recorded = cli_runs["comments_with_semicolons.sql"].statements
    assert recorded[1].startswith("-- trailing comment; stays with the next statement\n")
    recorded = cli_runs["trailing_comments.sql"].statements
    assert recorded == [
        "create table public.trailing (id int)",
        "-- after the last statement\n\n-- a closing remark\n/* and a block */",
    ]
