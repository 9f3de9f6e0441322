"""`db.test`: the project's pgTAP files (`supabase/tests/**/*.sql`, the Supabase CLI's layout) on scratch
databases cloned from the reset cache — migrated and seeded, instant when nothing changed: the cache with
pgTAP and the helpers is a template of its own, and, as for db.reset, a spare copy of it made in the background
after each run is renamed into place by the next (the used databases are renamed away and dropped there too).

Each file runs in a transaction of its own that is rolled back at the end (a file's own BEGIN / COMMIT /
ROLLBACK are not sent), so no file sees another's rows; after each file the session is discarded (prepared
statements, temporary tables, settings). Files run in parallel, one scratch database and one connection per
worker. pgTAP is the server's real extension where it has one, else supatasks' stand-in; supatasks' RLS
helpers (schema `tests`) are installed into the scratch databases only. TAP comes back as the rows the
statements return (pgTAP's functions return text), as `psql -tA` would print them.
"""

from __future__ import annotations

import fnmatch
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SupatasksError
from ..project import Project
from ..reporter import Reporter
from .tap import TapResult, parse_tap

SCRATCH_PREFIX = "supatasks_test_"
TEMPLATE_PREFIX = "supatasks_testtpl_"   # the reset cache plus pgTAP and the helpers, kept while it is current
TEMPLATE_COMMENT = "supatasks db.test template: "
TEST_SUFFIXES = (".sql", ".pg")
DEFAULT_TIMEOUT = 60            # seconds: statement_timeout of every statement of a test file
MAX_WORKERS = 4
FILES_PER_WORKER = 8            # a worker costs a database copy: worth it from this many files on
STAND_IN_COMMENT = "supatasks development stand-in"
STAND_IN_NAME = "stand-in"
_SQL = Path(__file__).resolve().parents[1] / "sql"
HELPERS = _SQL / "testing" / "test_helpers.sql"
PGTAP_FUNCTIONS = _SQL / "extensions" / "pgtap-1.2.0-functions.txt"
UNDEFINED_FUNCTION = "42883"
_FUNCTION_NAME = re.compile(r'^function (?:[\w"]+\.)?"?([\w]+)"?\(')
_META_COMMAND = re.compile(r"^[ \t]*\\")


@dataclass
class FileResult:
    file: str
    tap: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None          # the statement that failed, as one line: file:line: ERROR code: message
    parsed: TapResult = field(default_factory=TapResult)

    @property
    def problems(self) -> list[str]:
        return ([self.error] if self.error else []) + self.parsed.problems()

    @property
    def ok(self) -> bool:
        return not self.problems and not self.parsed.failed

    def as_dict(self) -> dict:
        p = self.parsed
        return {"file": self.file, "ok": self.ok, "planned": p.planned, "tests": p.tests, "passed": p.passed,
                "failed": len(p.failed), "skipped": p.skipped, "todo": p.todo, "seconds": round(self.seconds, 3),
                "error": self.error, "problems": self.problems,
                "failures": [a.as_dict() for a in p.failed], "diagnostics": p.diagnostics, "tap": self.tap}


@dataclass
class TestReport:
    server: str
    pgtap: str                        # "pgTAP 1.2.0" or "supatasks' pgTAP stand-in 1.2.0"
    workers: int = 1
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def summary(self) -> str:
        if not self.files:
            return "db.test: no test files, nothing to run"
        tests = sum(f.parsed.tests for f in self.files)
        failed = sum(len(f.parsed.failed) for f in self.files)
        bad = sum(1 for f in self.files if not f.ok)
        verdict = "passed" if self.ok else f"FAILED ({bad} of {len(self.files)} file(s))"
        return (f"db.test {verdict}: {len(self.files)} file(s), {tests} test(s), {failed} failed, "
                f"{self.seconds:.2f}s ({self.workers} worker(s), {self.pgtap})")

    def as_dict(self) -> dict:
        return {"ok": self.ok, "server": self.server, "pgtap": self.pgtap, "workers": self.workers,
                "files": [f.as_dict() for f in self.files],
                "summary": {"files": len(self.files), "files_failed": sum(1 for f in self.files if not f.ok),
                            "tests": sum(f.parsed.tests for f in self.files),
                            "passed": sum(f.parsed.passed for f in self.files),
                            "failed": sum(len(f.parsed.failed) for f in self.files),
                            "seconds": round(self.seconds, 3)}}


# -- which files ---------------------------------------------------------------------------------------------

def tests_dir(project: Project) -> Path:
    return project.supabase_dir / "tests"


def test_files(project: Project, pattern: str | None = None) -> list[Path]:
    """`supabase/tests/**/*.sql` and `*.pg` (the suffixes `supabase test db` runs) in path order; `pattern`
    keeps those whose path under supabase/tests/ contains it (or matches it, where it has a * ? or [)."""
    root = tests_dir(project)
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in TEST_SUFFIXES) if root.is_dir() else []
    if not pattern:
        return files
    glob = any(ch in pattern for ch in "*?[")
    chosen = []
    for path in files:
        relative = path.relative_to(root).as_posix()
        if (fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(path.name, pattern)) if glob \
                else pattern in relative:
            chosen.append(path)
    return chosen


# -- db.test --------------------------------------------------------------------------------------------------

def run_tests(project: Project, *, pattern: str | None = None, workers: int | None = None,
              timeout: float = DEFAULT_TIMEOUT, on_file=lambda result: None,
              say=lambda message: None) -> TestReport:
    """db.test on the local profile's server, on scratch copies of the reset cache (with pgTAP and the helpers);
    they are renamed away at the end and dropped by the background child, which also copies the next spare."""
    import os

    from ..reset import spares
    from ..reset.lock import server_lock
    from ..reset.reset import ensure_reset_cache, maintenance_database
    from ..server import database_admin as admin
    from ..target import scratch_target

    began = time.perf_counter()
    files = test_files(project, pattern)
    if not files and pattern:  # a typo, most likely: not a silent success
        raise SupatasksError(f"no test files: nothing matches {pattern!r} under "
                             f"{project.relative(tests_dir(project))}/")
    if not files:  # nothing to run is not a failure (a project without tests yet)
        say(f"no test files: {project.relative(tests_dir(project))}/ has no .sql or .pg files "
            "(write pgTAP tests there)")
        return TestReport("", "", workers=0)
    target = scratch_target(project, "db.test")
    if not workers:
        workers = min(os.cpu_count() or 1, MAX_WORKERS, -(-len(files) // FILES_PER_WORKER))
    count = max(1, min(workers, len(files), MAX_WORKERS))
    names = [f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:12]}_{i}" for i in range(count)]

    def connect(database: str):
        return target.connect(database=database)

    with target.connect(database=maintenance_database(target.db.database)) as maint:
        cache = ensure_reset_cache(target, maint, _Notes(say))
        template, pgtap = template_for(target, maint, cache)
        try:
            with server_lock(maint, connect):  # the first from a spare copy, made in the background last time
                spares.put_in_place(maint, template, names[0])
                for name in names[1:]:
                    admin.copy_database(maint, template, name)
            report = TestReport(target.describe(), pgtap, workers=count)
            report.files = run_files(project, files, [lambda n=n: target.connect(database=n) for n in names],
                                     timeout=timeout, on_file=on_file, stand_in=STAND_IN_NAME in pgtap)
        finally:
            with server_lock(maint, connect):  # renamed away; the background child drops them
                for name in names:
                    if admin.database_exists(maint, name):
                        spares.retire(maint, name)
            spares.launch(target.db.with_database("postgres"), [template])
    report.seconds = time.perf_counter() - began
    return report


def template_for(target, maint, cache: str) -> tuple[str, str]:
    """The reset cache with pgTAP and the helpers installed, as a template of its own (made once per cache and
    helpers version; an older one is dropped): (its name, which pgTAP it has)."""
    import hashlib

    from ..reset.lock import server_lock
    from ..reset.spares import drop_trash, temporary_name
    from ..server import database_admin as admin

    digest = hashlib.sha256(cache.encode() + b"\0" + HELPERS.read_bytes()).hexdigest()[:24]
    name = TEMPLATE_PREFIX + digest
    with server_lock(maint, lambda database: target.connect(database=database)):
        row = maint.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                            (name,)).fetchone()
        if row and (row[0] or "").startswith(TEMPLATE_COMMENT):
            return name, row[0].removeprefix(TEMPLATE_COMMENT)
        for old in admin.databases_named_like(maint, TEMPLATE_PREFIX):
            drop_trash(maint, old)
        building = temporary_name()
        admin.copy_database(maint, cache, building)
        try:
            with target.connect(database=building) as conn:
                pgtap = prepare_database(conn)
            admin.mark_template(maint, building)
            with maint.transaction():
                admin.set_comment(maint, building, TEMPLATE_COMMENT + pgtap)
                admin.rename_database(maint, building, name)
        except BaseException:
            drop_trash(maint, building)
            raise
    return name, pgtap


class _Notes(Reporter):
    """Passes on the notes of building the reset cache; the migrations' progress stays quiet."""

    def __init__(self, say):
        self.note = say


def run_on_database(project: Project, target, database: str, files: list[Path], *,
                    timeout: float = DEFAULT_TIMEOUT) -> TestReport:
    """The test files, one after the other, on an existing scratch `database` (db.check's): pgTAP and the
    helpers are installed into it first."""
    began = time.perf_counter()
    with target.connect(database=database) as conn:
        pgtap = prepare_database(conn)
    report = TestReport(target.describe(), pgtap, workers=1)
    report.files = run_files(project, files, [lambda: target.connect(database=database)], timeout=timeout,
                             stand_in=STAND_IN_NAME in pgtap)
    report.seconds = time.perf_counter() - began
    return report


def prepare_database(conn) -> str:
    """pgTAP (in `extensions`, as the Supabase CLI enables it) and supatasks' helpers (schema `tests`),
    committed; returns which pgTAP it is."""
    import psycopg

    conn.execute("CREATE SCHEMA IF NOT EXISTS extensions")
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions")
    except psycopg.Error as exc:
        raise SupatasksError(
            f"pgTAP cannot be created on this server ({exc.sqlstate}: {str(exc).strip().splitlines()[0]}): install "
            "it for this PostgreSQL (Debian/Ubuntu: postgresql-<major>-pgtap), or use the embedded server, which "
            "has supatasks' stand-in") from None
    version, comment = conn.execute(
        "SELECT e.extversion, obj_description(e.oid, 'pg_extension') FROM pg_extension e "
        "WHERE e.extname = 'pgtap'").fetchone()
    schema = conn.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pgtap'"
                          ).fetchone()[0]
    with conn.transaction():
        conn.execute(f"SET LOCAL search_path = public, {schema}")
        conn.execute(HELPERS.read_text(encoding="utf-8"))
    if (comment or "").startswith(STAND_IN_COMMENT):
        return f"supatasks' pgTAP {STAND_IN_NAME} {version}"
    return f"pgTAP {version}"


def run_files(project: Project, files: list[Path], connectors, *, timeout: float = DEFAULT_TIMEOUT,
              on_file=lambda result: None, stand_in: bool = False) -> list[FileResult]:
    """Run `files`, each in its own rolled-back transaction, over one connection per `connectors` entry
    (a function opening it); results in the order of `files`."""
    queue = list(enumerate(files))
    lock = threading.Lock()
    results: list[FileResult | None] = [None] * len(files)
    failures: list[BaseException] = []

    def worker(connect) -> None:
        conn = None
        try:
            while True:
                with lock:
                    if not queue or failures:
                        return
                    index, path = queue.pop(0)
                if conn is None or conn.closed or conn.broken:
                    conn = _open(connect)
                result = run_file(conn, project.relative(path), path, timeout, stand_in)
                results[index] = result
                with lock:
                    on_file(result)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            with lock:
                failures.append(exc)
        finally:
            if conn is not None:
                conn.close()

    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in connectors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return [r for r in results if r is not None]


def _open(connect):
    conn = connect()
    conn.prepare_threshold = None   # DISCARD ALL after each file would drop psycopg's prepared statements
    return conn


def run_file(conn, label: str, path: Path, timeout: float = DEFAULT_TIMEOUT, stand_in: bool = False) -> FileResult:
    """One test file in one transaction, rolled back; stops at the first failing statement (as psql's
    ON_ERROR_STOP does for `supabase test db`)."""
    import psycopg

    from ..migrations.files import decode_sql, read_file_bytes
    from ..migrations.sqlerrors import sql_failed
    from ..sqltext.kinds import transaction_control
    from ..sqltext.split import split_statements

    result = FileResult(label)
    began = time.perf_counter()
    try:
        text = decode_sql(path, read_file_bytes(path))
    except SupatasksError as exc:
        result.error = str(exc).splitlines()[0]
        return result
    # psql meta-commands (\set, \pset, \i ...) are psql's, not SQL: blanked, keeping the line numbers
    text = "".join("\n" if _META_COMMAND.match(line) else line for line in text.splitlines(keepends=True))
    statements = [s for s in split_statements(text) if s.has_code and transaction_control(s.text) is None]
    cursor = conn.cursor()
    try:
        with conn.transaction(force_rollback=True):
            cursor.execute(f"SET LOCAL statement_timeout = '{int(timeout * 1000)}ms'")
            cursor.execute(f"SET LOCAL lock_timeout = '{int(timeout * 1000)}ms'")
            for stmt in statements:
                try:
                    cursor.execute(stmt.text, prepare=False)
                except psycopg.Error as exc:
                    failure = sql_failed(exc, label, stmt.text, stmt.line, stmt.code_line)
                    result.error = _error_line(failure, stand_in)
                    break
                result.tap.extend(_rows_as_lines(cursor))
    except psycopg.OperationalError as exc:   # the file ended its own session
        result.error = result.error or f"{label}: the connection was lost: {str(exc).strip().splitlines()[0]}"
    if not conn.closed and not conn.broken:
        conn.execute("DISCARD ALL")
    result.parsed = parse_tap(result.tap)
    result.seconds = time.perf_counter() - began
    return result


def _rows_as_lines(cursor) -> list[str]:
    """The rows a statement returned, as `psql -tA` prints them: columns joined by |, NULL empty."""
    res = cursor.pgresult
    if res is None or not res.nfields:
        return []
    lines: list[str] = []
    for row in range(res.ntuples):
        values = [res.get_value(row, col) for col in range(res.nfields)]
        text = "|".join("" if v is None else bytes(v).decode("utf-8", "replace") for v in values)
        lines.extend(text.split("\n"))
    return lines


def _error_line(failure, stand_in: bool) -> str:
    """file:line: ERROR code: message — and, for a pgTAP function the stand-in lacks, say so."""
    if stand_in and failure.sqlstate == UNDEFINED_FUNCTION:
        found = _FUNCTION_NAME.match(failure.message or "")
        if found and found.group(1) in pgtap_function_names():
            return (f"{failure.label}:{failure.line}: pgtap stand-in lacks {found.group(1)}() "
                    f"({failure.message}; {UNDEFINED_FUNCTION}) — run on a server with the real pgTAP, e.g. "
                    "[db] major_version = 15 with Debian's postgresql-15-pgtap")
    return str(failure).splitlines()[0]


_NAMES: set[str] | None = None


def pgtap_function_names() -> set[str]:
    global _NAMES
    if _NAMES is None:
        _NAMES = {line.strip() for line in PGTAP_FUNCTIONS.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")}
    return _NAMES
