"""Hostile and broken input: never a traceback, never a partial write.

Property-based (hypothesis) tests drive arbitrary file names and contents through the library functions
behind db.status, db.lint, db.up and the splitter; fixed cases run the real command line on invalid
UTF-8, a BOM, CRLF, NUL bytes, a 10 MB file, an empty file, unreadable files, a symlinked migrations
folder, an SQL-injection file name, malformed .env files, odd --env values and db.new names.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import applied_versions, connect, make_project, one_error_line, record, rows, run_supatasks, trials
from supatasks.errors import SupatasksError
from supatasks.migrations.history import HistoryRow
from supatasks.migrations.files import scan_migrations
from supatasks.migrations.plan import status_rows
from supatasks.project import Project
from supatasks.checks.snapshot import snapshot

try:
    import supatasks.checks.lint as lint_module
except ImportError:  # pragma: no cover - lint arrives with issue 5
    lint_module = None

HYPOTHESIS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def no_traceback(result) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


# -- property: file names and contents through scan, status, lint, prepare -----------------------------

name_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1,
                    max_size=30)
file_names = st.one_of(
    name_text,                                                          # anything at all
    st.builds(lambda v, n: f"{v}_{n}.sql", st.from_regex(r"[0-9]{1,16}", fullmatch=True), name_text),
    st.builds(lambda v, n, s: f"{v}_{n}{s}", st.from_regex(r"[0-9]{1,16}", fullmatch=True), name_text,
              st.sampled_from([".sql", "_down.sql", ".SQL", ".sql\n", ".sql ", ".down.sql"])),
).filter(lambda n: n not in (".", "..") and len(n.encode()) <= 200)

SQLISH = [b"SELECT 1;", b"CREATE TABLE x (id int);", b"'", b"$$", b"$a$", b"--", b"/*", b"*/", b";", b"\n", b"\r\n",
          b"\xef\xbb\xbf", b"\x00", b"\xff", b"\xc3", b"\xe2\x82", "é".encode(), b"BEGIN;", b"COMMIT;", b"ROLLBACK;",
          b"CREATE INDEX CONCURRENTLY i ON x (id);", b"VACUUM;", b"-- pg-delta: transaction=false\n",
          b"PREPARE TRANSACTION 'x';", b"COMMIT AND CHAIN;", b"DO $$ BEGIN PERFORM 1; END $$;", b"E'\\''"]
contents = st.one_of(st.binary(max_size=300),
                     st.lists(st.sampled_from(SQLISH), max_size=25).map(b"".join))


def write_files(root: Path, files: dict[str, bytes]) -> Project:
    make_project(root)
    for name, data in files.items():
        (root / "supabase" / "migrations" / name).write_bytes(data)
    return Project(root)


def test_scan_status_lint_and_prepare_never_raise_anything_but_one_line_errors():
    from supatasks.migrations.runner import prepare

    seen = Counter()

    @settings(max_examples=trials(full=1000, ci=120), **HYPOTHESIS)
    @given(files=st.dictionaries(file_names, contents, max_size=6))
    def prop(files):
        seen["examples"] += 1
        with tempfile.TemporaryDirectory() as tmp:
            project = write_files(Path(tmp), files)
            scan = scan_migrations(project)
            # db.status with nothing applied, then with everything "applied" (the contents are read for drift)
            assert len(status_rows(project, scan, [])) == len(scan.migrations)
            applied = [HistoryRow(m.version, m.name, ["SELECT 1"]) for m in scan.migrations]
            try:
                status_rows(project, scan, applied)
            except SupatasksError as exc:
                assert "\n" not in str(exc).strip()
            # What db.up does before it runs anything: read, decode, split, validate each file.
            for migration in scan.migrations:
                try:
                    prepared = prepare(migration, project.relative(migration.path))
                except SupatasksError as exc:
                    assert str(exc).startswith(project.relative(migration.path) + ":") or \
                        str(exc).startswith(str(migration.path)), str(exc)
                    continue
                assert all(s.text for s in prepared.statements)  # empty pieces are dropped
            # The CLI's rule, and only it, makes a migration: digits, '_', anything, '.sql', top level.
            expected = {n for n in files if re.fullmatch(r"([0-9]+)_(.*)\.sql", n) and not n.endswith("_down.sql")}
            assert {m.filename for m in scan.migrations} | {p.path.name for p in scan.problems
                                                             if p.kind == "duplicate-version"} == expected
            if lint_module is not None:
                report = lint_module.lint_project(project, use_squawk=False)
                assert isinstance(report.findings, list)

    recorded("hostile input: hypothesis file names and contents through scan (db.status), status rows, "
             "prepare (read, decode, split, validate) and db.lint", prop, seen)


def recorded(scenario: str, prop, seen: Counter) -> None:
    """Run a hypothesis property and record how many examples it ran (the figures of docs/reliability.md)."""
    began = time.monotonic()
    failures: list[str] = []
    try:
        prop()
    except Exception as exc:
        failures.append(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise
    finally:
        record(scenario, seen["examples"], failures, time.monotonic() - began)


def test_lint_is_covered_or_skipped_visibly():
    if lint_module is None:
        pytest.skip("src/supatasks/lint.py does not exist yet: the db.lint part of the property test is skipped")
    assert hasattr(lint_module, "lint_project")


# -- property: a migration applies whole or not at all ---------------------------------------------------

GOOD = ["CREATE TABLE h.{t} (id bigint PRIMARY KEY, note text);", "INSERT INTO h.{t} VALUES (1, 'a;b''c');",
        "COMMENT ON TABLE h.{t} IS $c$x;y$c$;", "CREATE VIEW h.{t}_v AS SELECT 1 AS one;",
        "DO $$ BEGIN CREATE TABLE h.{t}_do (id int); END $$;", "-- a comment; with a semicolon\n",
        "/* block ; comment */", "BEGIN;", "COMMIT;", "SELECT ';' AS \"a;b\";", "\n", "\r\n"]
BAD = ["SELECT 1/0;", "INSERT INTO h.nowhere VALUES (1);", "CREATE TABLE h.{t} (;", "SELEC 1;",
       "ROLLBACK;", "RAISE;", "DO $$ BEGIN RAISE EXCEPTION 'boom'; END $$;", "CREATE TABLE h.{t} (id int);"]
PREFIX = ["", "\ufeff"]


@st.composite
def migration_bodies(draw):
    parts = draw(st.lists(st.sampled_from(GOOD + BAD), min_size=1, max_size=8))
    body = draw(st.sampled_from(PREFIX)) + "\n".join(parts) + "\n"
    if draw(st.booleans()):
        body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    data = body.encode()
    garbage = draw(st.sampled_from([b"", b"", b"", b"\xff", b"\x00"]))
    if garbage:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + garbage + data[at:]
    return data


@pytest.fixture
def scratch_db(pg_server, monkeypatch):
    from support import create_database

    url = create_database(pg_server)
    for key in list(os.environ):
        if key.startswith(("SUPABASE_", "SUPATASKS_")) and not key.startswith("SUPATASKS_RELIABILITY"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SUPABASE_DB_URL", url)
    with connect(url) as conn:
        from supatasks.server.bootstrap import ensure_bootstrapped
        ensure_bootstrapped(conn)  # once, so it is not part of what the property compares
        conn.execute("CREATE SCHEMA h")
    return url


def test_db_up_applies_a_file_whole_or_not_at_all(scratch_db):
    from supatasks.migrations.up import migrate_up
    from supatasks.sqltext.split import history_statements
    from supatasks.target import open_target

    seen = Counter()

    @settings(max_examples=trials(full=400, ci=60), **HYPOTHESIS)
    @given(data=migration_bodies())
    def prop(data):
        seen["examples"] += 1
        table = "t" + uuid.uuid4().hex[:8]
        data = data.replace(b"{t}", table.encode())
        with connect(scratch_db) as conn:  # a clean slate for each example
            conn.execute("DROP SCHEMA h CASCADE; CREATE SCHEMA h")
            if conn.execute("SELECT to_regclass('supabase_migrations.schema_migrations')").fetchone()[0]:
                conn.execute("DELETE FROM supabase_migrations.schema_migrations")
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            make_project(root, {"20260101000001_m.sql": data})
            target = open_target(Project(root), warn=lambda _: None)
            with connect(scratch_db) as conn:
                before = snapshot(conn)
            try:
                migrate_up(target)
                failed = None
            except SupatasksError as exc:
                failed = exc
            with connect(scratch_db) as conn:
                after = snapshot(conn)
            if failed is None:
                assert applied_versions(scratch_db) == ["20260101000001"]
                assert rows(scratch_db, "SELECT statements FROM supabase_migrations.schema_migrations") == [
                    (history_statements(data.decode()),)]
            else:
                assert applied_versions(scratch_db) == [], failed
                assert after == before, f"partial write after: {failed}"
                assert "20260101000001_m.sql" in str(failed).splitlines()[0], str(failed)

    recorded("hostile input: hypothesis migration bodies (valid and failing statements, BOM, CRLF, invalid "
             "bytes, NUL, transaction control) through db.up: applied whole or not at all", prop, seen)


# -- fixed cases through the real command line ------------------------------------------------------------

def up(root, url, *args):
    result = run_supatasks(["db.up", *args], root, {"SUPABASE_DB_URL": url})
    no_traceback(result)
    return result


def status_json(root, url) -> dict:
    import json

    result = run_supatasks(["db.status", "--json"], root, {"SUPABASE_DB_URL": url})
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("case, data, where", [
    ("invalid UTF-8", b"SELECT 1;\nSELECT 'caf\xe9';\n", ":2: not valid UTF-8 (byte 0xe9)"),
    ("NUL byte", b"SELECT 1;\n\nSELECT '\x00';\n", ":3: contains a NUL byte"),
])
def test_undecodable_files_are_one_line_everywhere_and_change_nothing(tmp_path, db_url, case, data, where):
    make_project(tmp_path, {"20260101000001_ok.sql": "CREATE TABLE public.ok (id int);\n",
                            "20260101000002_bad.sql": data})
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={db_url}\n")
    for args in (["db.up"], ["db.push", "--env=staging", "--yes"]):
        result = run_supatasks(args, tmp_path, {"SUPABASE_DB_URL": db_url} if args == ["db.up"] else {})
        assert result.returncode == 1
        line = one_error_line(result.stderr)
        assert "20260101000002_bad.sql" in line and where in line, line
        assert applied_versions(db_url) == []  # refused before anything ran, even the good file
    status = status_json(tmp_path, db_url)
    assert [m["state"] for m in status["migrations"]] == ["pending", "pending"]
    lint = run_supatasks(["db.lint", "--json", "--no-squawk"], tmp_path)
    no_traceback(lint)
    assert lint.returncode == 1
    assert where in lint.stdout


def test_bom_and_crlf_apply_and_do_not_show_as_drift(tmp_path, db_url):
    make_project(tmp_path, {
        "20260101000001_bom.sql": "\ufeffCREATE TABLE public.bom (id int);\n".encode(),
        "20260101000002_crlf.sql": b"CREATE TABLE public.crlf (id int);\r\n-- note\r\nINSERT INTO public.crlf "
                                   b"VALUES (1);\r\n",
        "20260101000003_both.sql": "\ufeff-- c\r\nCREATE TABLE public.both_ (id int);\r\n".encode()})
    result = up(tmp_path, db_url)
    assert result.returncode == 0, result.stderr
    assert rows(db_url, "SELECT count(*) FROM public.crlf") == [(1,)]
    assert rows(db_url, "SELECT to_regclass('public.bom') IS NOT NULL, to_regclass('public.both_') IS NOT NULL") \
        == [(True, True)]
    assert [m["state"] for m in status_json(tmp_path, db_url)["migrations"]] == ["applied"] * 3
    statements = dict(rows(db_url, "SELECT version, statements FROM supabase_migrations.schema_migrations"))
    assert statements["20260101000001"] == ["CREATE TABLE public.bom (id int)"]  # the BOM is not kept


def test_empty_file_is_recorded_with_no_statements(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_empty.sql": b"", "20260101000002_blank.sql": b"\n  \r\n\t\n"})
    result = up(tmp_path, db_url)
    assert result.returncode == 0, result.stderr
    assert rows(db_url, "SELECT version, statements FROM supabase_migrations.schema_migrations ORDER BY 1") == [
        ("20260101000001", []), ("20260101000002", [])]
    assert [m["state"] for m in status_json(tmp_path, db_url)["migrations"]] == ["applied", "applied"]


def ten_megabytes(fail_at_end: bool) -> bytes:
    values = ",".join(f"({i}, 'row {i} padded with some text to take room')" for i in range(200))
    insert = f"INSERT INTO public.big (id, t) VALUES {values};\n"
    count = 10_000_000 // len(insert) + 1
    body = "CREATE TABLE public.big (id int, t text);\n" + insert * count
    if fail_at_end:
        body += "SELECT * FROM public.nowhere;\n"
    return body.encode()


def test_a_10_mb_file_applies_and_a_failing_one_leaves_nothing(tmp_path, db_url):
    data = ten_megabytes(fail_at_end=True)
    assert len(data) >= 10_000_000
    make_project(tmp_path, {"20260101000001_big.sql": data})
    result = up(tmp_path, db_url)
    assert result.returncode == 1
    lines = data.count(b"\n")
    assert one_error_line(result.stderr).startswith(f"error: supabase/migrations/20260101000001_big.sql:{lines}: "
                                                    "ERROR 42P01")
    assert rows(db_url, "SELECT to_regclass('public.big')") == [(None,)]
    assert applied_versions(db_url) == []
    (tmp_path / "supabase/migrations/20260101000001_big.sql").write_bytes(ten_megabytes(fail_at_end=False))
    result = up(tmp_path, db_url)
    assert result.returncode == 0, result.stderr
    assert rows(db_url, "SELECT count(*) > 40000 FROM public.big") == [(True,)]
    assert [m["state"] for m in status_json(tmp_path, db_url)["migrations"]] == ["applied"]


def test_unreadable_entries_dangling_symlink_and_a_folder_named_like_a_migration(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_a.sql": "CREATE TABLE public.a (id int);\n"})
    migrations = tmp_path / "supabase/migrations"
    (migrations / "20260101000003_folder.sql").mkdir()  # the CLI skips folders; so does supatasks
    os.symlink(tmp_path / "gone.sql", migrations / "20260101000002_dangling.sql")
    status = status_json(tmp_path, db_url)
    assert [m["version"] for m in status["migrations"]] == ["20260101000001", "20260101000002"]
    result = up(tmp_path, db_url)
    assert result.returncode == 1
    assert "20260101000002_dangling.sql: cannot read the file" in one_error_line(result.stderr)
    assert applied_versions(db_url) == []  # nothing ran: every file is read before the first is applied
    lint = run_supatasks(["db.lint", "--json", "--no-squawk"], tmp_path)
    no_traceback(lint)
    assert lint.returncode == 1 and "cannot read the file" in lint.stdout
    (migrations / "20260101000002_dangling.sql").unlink()
    result = up(tmp_path, db_url)
    assert result.returncode == 0, result.stderr
    assert applied_versions(db_url) == ["20260101000001"]


def test_symlinked_migrations_folder(tmp_path, db_url):
    make_project(tmp_path / "project")
    elsewhere = tmp_path / "shared-migrations"
    elsewhere.mkdir()
    (elsewhere / "20260101000001_a.sql").write_text("CREATE TABLE public.a (id int);\n")
    migrations = tmp_path / "project/supabase/migrations"
    shutil.rmtree(migrations)
    migrations.symlink_to(elsewhere, target_is_directory=True)
    result = up(tmp_path / "project", db_url)
    assert result.returncode == 0, result.stderr
    assert applied_versions(db_url) == ["20260101000001"]
    assert status_json(tmp_path / "project", db_url)["migrations"][0]["state"] == "applied"


def test_file_name_with_sql_injection_goes_in_as_a_parameter(tmp_path, db_url):
    odd = "x');drop table y;--"
    make_project(tmp_path, {"20251231000000_y.sql": "CREATE TABLE public.y (id int);\nINSERT INTO public.y VALUES (7);\n",
                            f"20260101_{odd}.sql": "SELECT 1;\n"})
    result = up(tmp_path, db_url)
    assert result.returncode == 0, result.stderr
    assert rows(db_url, "SELECT id FROM public.y") == [(7,)]  # table y survives
    assert rows(db_url, "SELECT name FROM supabase_migrations.schema_migrations WHERE version = '20260101'") == [(odd,)]
    assert odd in {m["name"] for m in status_json(tmp_path, db_url)["migrations"]}
    assert rows(db_url, "SELECT name FROM supabase_migrations.supatasks_audit WHERE version = '20260101'") == [(odd,)]


def test_malformed_env_lines_are_named_once_and_skipped(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_a.sql": "SELECT 1;\n"})
    (tmp_path / ".env.staging").write_text(
        "this is not valid\n=novalue\nexport SUPATASKS_LOCK_WAIT=3\n"
        f"SUPABASE_DB_URL={db_url}\nBAD KEY=1\n")
    result = run_supatasks(["db.status", "--env=staging"], tmp_path)
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line]
    assert warnings == [f"warning: .env.staging:{n}: not a KEY=value line; ignored" for n in (1, 2, 5)]


@pytest.mark.parametrize("content, fragment", [
    (b"SUPABASE_DB_URL=\xff\xfe\n", ".env.staging: cannot read it"),
    (b"SUPABASE_DB_URL=\n", "profile staging: no database configured"),
    (b"SUPABASE_DB_URL=not a url\n", ".env.staging: SUPABASE_DB_URL: expected postgresql://"),
    (b"SUPABASE_DB_URL=postgresql://u:pw@127.0.0.1:99999/d\n", ".env.staging: SUPABASE_DB_URL: malformed URL"),
    (b"SUPABASE_DB_URL={url}\nSUPATASKS_CONNECT_TIMEOUT=soon\n", "SUPATASKS_CONNECT_TIMEOUT='soon'"),
    (b"SUPABASE_DB_URL={url}\nSUPATASKS_LOCK_WAIT=-1\n", "SUPATASKS_LOCK_WAIT='-1': must not be"),
    (b"SUPABASE_PROJECT_REF=../../etc\nSUPABASE_DB_PASSWORD=x\n", "not a project ref"),
])
def test_broken_env_values_are_one_line_and_change_nothing(tmp_path, db_url, content, fragment):
    make_project(tmp_path, {"20260101000001_a.sql": "SELECT 1;\n"})
    (tmp_path / ".env.staging").write_bytes(content.replace(b"{url}", db_url.encode()))
    result = run_supatasks(["db.up", "--env=staging", "--yes"], tmp_path)
    assert result.returncode == 1
    assert fragment in one_error_line(result.stderr)
    assert applied_versions(db_url) == []


BAD_ENVS = ["../etc", "/etc/passwd", "a/b", "..", ".env", "staging/../production", "production\n", " staging",
            "Staging", "x" * 100, "staging;touch pwned", "staging\x00", "$(touch pwned)"]


def test_env_values_with_path_characters_are_refused(tmp_path, monkeypatch):
    from supatasks.errors import ConfigError
    from supatasks.profiles import load_profile

    make_project(tmp_path)
    (tmp_path / ".env.staging").write_text("SUPABASE_DB_URL=postgresql://postgres@127.0.0.1:1/postgres\n")
    (tmp_path / ".env.production").write_text("SUPABASE_DB_URL=postgresql://postgres@127.0.0.1:1/postgres\n")
    monkeypatch.setenv("SUPABASE_DB_URL", "postgresql://postgres@127.0.0.1:1/postgres")  # no own-file escape hatch
    for env in BAD_ENVS:
        with pytest.raises(ConfigError, match="a profile name is lower-case letters") as caught:
            load_profile(Project(tmp_path), env)
        assert "\n" not in str(caught.value).replace("\\n", ""), repr(str(caught.value))
        if "\x00" not in env:  # (an environment variable cannot hold a NUL)
            monkeypatch.setenv("SUPATASKS_ENV", env)  # the same rule for SUPATASKS_ENV
            with pytest.raises(ConfigError, match="a profile name is lower-case letters"):
                load_profile(Project(tmp_path))
            monkeypatch.delenv("SUPATASKS_ENV")


@pytest.mark.parametrize("env", ["../etc", "production\n", "nosuch"])
def test_env_values_on_the_command_line_are_one_line_and_touch_nothing(tmp_path, env):
    make_project(tmp_path, {"20260101000001_a.sql": "SELECT 1;\n"})
    (tmp_path / ".env.staging").write_text("SUPABASE_DB_URL=postgresql://postgres@127.0.0.1:1/postgres\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = run_supatasks(["db.up", f"--env={env}", "--yes"], tmp_path)
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert ("a profile name is lower-case letters" in line) or ("unknown profile 'nosuch'" in line), line
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


BAD_NAMES = ["$(touch pwned)", "`touch pwned`", "a;touch pwned", "a|touch pwned", "a && b", "a b", "../../escape",
             "a/b", "abc\n", "a\nb", "-rf", "' OR 1=1 --", "ÄÖ", "Add_Users", "", "_a", "a__b", "a\x00b"]


def test_db_new_refuses_names_with_shell_metacharacters(tmp_path):
    from supatasks.errors import MigrationFileError
    from supatasks.migrations.new import create_migration

    make_project(tmp_path)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    for name in BAD_NAMES:
        with pytest.raises(MigrationFileError, match="is not allowed: use lower-case words joined by underscores"):
            create_migration(Project(tmp_path), name)
    with pytest.raises((SupatasksError, OSError)):  # valid characters, longer than a file name may be (the CLI: one line)
        create_migration(Project(tmp_path), "x" * 300)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("name", ["$(touch pwned)", "abc\n", "x" * 300])
def test_db_new_on_the_command_line_is_one_line_and_writes_nothing(tmp_path, name):
    make_project(tmp_path)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    result = run_supatasks(["db.new", f"--name={name}"], tmp_path)
    assert result.returncode == 1, result.stdout
    line = one_error_line(result.stderr)
    assert "is not allowed: use lower-case words" in line or "File name too long" in line, line
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    assert not list(itertools.chain(tmp_path.rglob("pwned"), tmp_path.parent.glob("pwned")))
