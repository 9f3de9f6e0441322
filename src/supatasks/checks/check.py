"""`db.check`: prove the migrations behave, on a scratch database of the local server.

On a database it creates (from the Supabase bootstrap template) and drops again, for each migration
in version order:

1. apply it (the same runner as db.up);
2. run its statements a second time inside a transaction that is rolled back: an error, a schema
   change or a changed row count means the file is not idempotent;
3. where it has a down file: down, then up again, inside a transaction that is rolled back
   (outside one for files that cannot run in a transaction). The schema after the down must equal
   the schema before the migration, and the schema after the second up the one after the first.

Then the seeds run once, and each seed file a second time (rolled back): an error, a schema change
or a changed row count means the seed is not idempotent. Last, the project's pgTAP files
(supabase/tests/, as db.test runs them) on the migrated and seeded scratch database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..errors import SupatasksError
from ..migrations import history
from ..migrations.files import decode_sql, down_file_for, read_file_bytes, require_no_duplicates, scan_migrations
from ..project import Project
from ..target import scratch_target
from .snapshot import EXCLUDED_SCHEMAS, diff, fingerprint, snapshot

SCRATCH_PREFIX = "supatasks_check_"
CHECK_NAMES = ("rerun", "round-trip")


def check_status(skipped: bool, ok: bool, *results: dict | None) -> str:
    """skipped, FAIL, ok — or allowed: it passes only because a failed check is allowed in supatasks.toml."""
    if skipped:
        return "skipped"
    if not ok:
        return "FAIL"
    return "ok" if all((result or {}).get("ok", True) for result in results) else "allowed"


@dataclass
class MigrationCheck:
    file: str
    version: str
    down_file: str | None = None
    applied: bool = False
    apply_error: str | None = None
    seconds: float = 0.0
    rerun: dict | None = None        # {ok, error, schema_changes, row_changes}
    round_trip: dict | None = None   # {ok, error, not_undone, not_reproduced}; None without a down file
    skipped: bool = False
    allowed: dict = field(default_factory=dict)  # check name -> reason, from [[check.allow]]

    def _passed(self, check: str, result: dict | None) -> bool:
        return result is None or result["ok"] or check in self.allowed

    @property
    def ok(self) -> bool:
        return (self.applied and not self.skipped and self.rerun is not None
                and self._passed("rerun", self.rerun) and self._passed("round-trip", self.round_trip))

    @property
    def status(self) -> str:
        return check_status(self.skipped, self.ok, self.rerun, self.round_trip)

    def problems(self) -> list[str]:
        """One short line per thing that went wrong (an allowed one says so, with its reason)."""
        found = []
        if self.apply_error:
            found.append(f"does not apply: {_first_line(self.apply_error)}")
        if self.rerun and not self.rerun["ok"]:
            found.append(_allowed("not idempotent: " + _describe(self.rerun), self.allowed.get("rerun")))
        if self.round_trip and not self.round_trip["ok"]:
            rt, why = self.round_trip, self.allowed.get("round-trip")
            if rt["error"]:
                found.append(_allowed(f"round trip failed: {_first_line(rt['error'])}", why))
            if rt["not_undone"]:
                found.append(_allowed("down file does not undo it: " + _changes_text(rt["not_undone"], "down"), why))
            if rt["not_reproduced"]:
                found.append(_allowed("up after down differs: " + _changes_text(rt["not_reproduced"], "second up"),
                                      why))
        return found

    def as_dict(self) -> dict:
        return {"file": self.file, "version": self.version, "status": self.status, "ok": self.ok,
                "applied": self.applied, "apply_error": self.apply_error, "seconds": round(self.seconds, 3),
                "rerun": self.rerun, "down_file": self.down_file, "round_trip": self.round_trip,
                "allowed": self.allowed, "problems": self.problems()}


@dataclass
class SeedCheck:
    file: str
    ok: bool = False
    error: str | None = None          # the first run failed
    rerun: dict | None = None         # {ok, error, schema_changes, row_changes}
    skipped: bool = False
    allowed: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        return check_status(self.skipped, self.ok, self.rerun)

    def problems(self) -> list[str]:
        if self.error:
            return [f"does not run: {_first_line(self.error)}"]
        if self.rerun and not self.rerun["ok"]:
            return [_allowed("not idempotent: " + _describe(self.rerun), self.allowed.get("rerun"))]
        return []

    def as_dict(self) -> dict:
        return {"file": self.file, "status": self.status, "ok": self.ok, "error": self.error,
                "rerun": self.rerun, "allowed": self.allowed, "problems": self.problems()}


@dataclass
class CheckReport:
    server: str
    database: str
    migrations: list[MigrationCheck] = field(default_factory=list)
    seeds: list[SeedCheck] = field(default_factory=list)
    fingerprint: str | None = None
    kept: bool = False
    seconds: float = 0.0
    advise: dict | None = None  # {ok, introduced, present_before, summary}: the advisors after the migrations
    tests: object | None = None      # dbtest.TestReport of supabase/tests/, None when not run

    @property
    def failed(self) -> list:
        return [m for m in self.migrations if m.status == "FAIL"] + [s for s in self.seeds if s.status == "FAIL"]

    @property
    def ok(self) -> bool:
        return (not self.failed and not any(m.skipped for m in self.migrations)
                and (self.advise is None or self.advise["ok"]) and (self.tests is None or self.tests.ok))

    def summary(self) -> str:
        migrations = sum(1 for m in self.migrations if m.ok)
        seeds = sum(1 for s in self.seeds if s.ok)
        trips = sum(1 for m in self.migrations if m.round_trip is not None)
        failures = len(self.failed) + (0 if self.advise is None else len(self.advise["introduced"]))
        verdict = "passed" if self.ok else f"FAILED ({failures} failure(s))"
        tests = ""
        if self.tests is not None:
            bad = sum(1 for f in self.tests.files if not f.ok)
            tests = f", test files {len(self.tests.files) - bad}/{len(self.tests.files)} ok"
        return (f"check {verdict}: {migrations}/{len(self.migrations)} migration(s) ok, {trips} round trip(s), "
                f"{seeds}/{len(self.seeds)} seed file(s) ok{tests} in {self.seconds:.2f}s")

    def as_dict(self) -> dict:
        return {"ok": self.ok, "server": self.server, "database": self.database, "kept": self.kept,
                "fingerprint": self.fingerprint, "advise": self.advise,
                "migrations": [m.as_dict() for m in self.migrations],
                "seeds": [s.as_dict() for s in self.seeds],
                "tests": self.tests.as_dict() if self.tests is not None else None,
                "summary": {"migrations": len(self.migrations),
                            "migrations_failed": sum(1 for m in self.migrations if m.status == "FAIL"),
                            "migrations_skipped": sum(1 for m in self.migrations if m.skipped),
                            "round_trips": sum(1 for m in self.migrations if m.round_trip is not None),
                            "seeds": len(self.seeds),
                            "seeds_failed": sum(1 for s in self.seeds if s.status == "FAIL"),
                            "seconds": round(self.seconds, 3)}}


def run_check(project: Project, *, keep: bool = False, on_migration=lambda m: None, on_seed=lambda s: None,
              say=lambda message: None, tests: bool = True) -> CheckReport:
    """Check every migration and seed on a scratch database of the local server, then (unless not `tests`)
    run the project's pgTAP files on it; it is dropped afterwards unless `keep`."""
    from ..migrations.seeds import seed_files
    from .scratch import scratch_database

    began = time.perf_counter()
    target = scratch_target(project, "db.check", "SUPABASE_DB_URL in the environment or .env.local?")
    allowances = load_allowances(project)
    scan = scan_migrations(project)
    require_no_duplicates(scan)
    seeds = seed_files(project)
    with scratch_database(target, SCRATCH_PREFIX, say, keep=keep) as name:
        report = CheckReport(target.describe(), name, kept=keep)
        with target.connect(database=name) as conn:
            advised = advise_before(project, conn)
            _check_migrations(project, conn, scan.migrations, report, on_migration, allowances)
            report.advise = advise_after(project, conn, advised)
            if any(m.skipped or not m.applied for m in report.migrations):
                report.seeds = [SeedCheck(s.label, skipped=True) for s in seeds]
            else:
                _check_seeds(conn, seeds, report, on_seed, allowances)
            report.fingerprint = fingerprint(snapshot(conn))
        if tests and all(m.applied for m in report.migrations) and \
                all(s.error is None and not s.skipped for s in report.seeds):
            report.tests = run_project_tests(project, target, name)
    report.seconds = time.perf_counter() - began
    return report


# -- the advisors, before and after the migrations --------------------------------------------------------

def advise_before(project: Project, conn):
    """The advisors on the scratch database before any migration (the platform's own state)."""
    from .advise import advise_project

    return advise_project(project, conn)


def advise_after(project: Project, conn, before) -> dict:
    """ERROR findings the migrations introduced fail the check; those present before are only reported."""
    from .advise import advise_project, introduced

    after = advise_project(project, conn)
    new = introduced(before, after)
    return {"ok": not new, "introduced": [f.as_dict() for f in new],
            "present_before": [f.as_dict() for f in before.findings if f.level == "ERROR"],
            "summary": after.summary()}


def run_project_tests(project: Project, target, database: str):
    """The hook of db.test: supabase/tests/ on the check's scratch database (migrated and seeded); None when
    the project has no test files."""
    from .dbtest import run_on_database, test_files

    files = test_files(project)
    return run_on_database(project, target, database, files) if files else None


def load_allowances(project: Project) -> list[tuple[str, list[str], str]]:
    """[[check.allow]] entries of supabase/supatasks.toml: (file glob, checks, reason).

    A failure of an allowed check is still shown (status `allowed`, with the reason) but does not fail
    db.check: for files that must stay as they are, e.g. a migration applied everywhere long ago."""
    from ..errors import ConfigError
    from .config import read_settings

    settings = read_settings(project)
    label = settings.label
    section = settings.section("check", ("allow",))
    entries = []
    for number, entry in enumerate(section.get("allow", []), start=1):
        pattern, checks = str(entry.get("file", "")).strip(), entry.get("checks", [])
        checks = [checks] if isinstance(checks, str) else list(checks)
        reason = str(entry.get("reason", "")).strip()
        where = f"{label}: [[check.allow]] entry {number}"
        if not pattern or not checks:
            raise ConfigError(f"{where} needs file = \"...\" and checks = [...]")
        bad = [c for c in checks if c not in CHECK_NAMES]
        if bad:
            raise ConfigError(f"{where}: unknown check(s) {', '.join(bad)}; use {', '.join(CHECK_NAMES)}")
        if len(reason) < 3:
            raise ConfigError(f"{where} has no reason; say why the failure is acceptable")
        entries.append((pattern, checks, reason))
    return entries


def allowed_for(allowances, label: str) -> dict[str, str]:
    import fnmatch

    found: dict[str, str] = {}
    for pattern, checks, reason in allowances:
        if fnmatch.fnmatchcase(label, pattern):
            for check in checks:
                found.setdefault(check, reason)
    return found


# -- migrations -------------------------------------------------------------------------------------------

def _check_migrations(project: Project, conn, migrations, report: CheckReport, on_migration, allowances) -> None:
    from ..migrations.executor import SessionSettings
    from ..migrations.runner import apply_migrations, prepare

    history.ensure_history(conn)
    before = snapshot(conn)
    failed = False
    for migration in migrations:
        label = project.relative(migration.path)
        down = down_file_for(project, migration)
        item = MigrationCheck(label, migration.version, down_file=project.relative(down) if down else None,
                              allowed=allowed_for(allowances, label))
        report.migrations.append(item)
        if failed:
            item.skipped = True
            on_migration(item)
            continue
        began = time.perf_counter()
        try:
            prepared = prepare(migration, label, local=True)  # a scratch database of the local server
            apply_migrations(conn, [prepared], SessionSettings())
        except SupatasksError as exc:
            item.apply_error = str(exc)
            failed = True
            on_migration(item)
            continue
        item.applied = True
        item.seconds = time.perf_counter() - began
        after = snapshot(conn)
        rows = row_counts(conn)
        item.rerun = _rerun(conn, prepared, after, rows)
        if down is not None:
            item.round_trip = _round_trip(project, conn, prepared, down, before, after)
            after = snapshot(conn)  # unchanged unless a round trip outside a transaction went wrong
        before = after
        on_migration(item)


def _rerun(conn, prepared, after: dict, rows: dict) -> dict:
    """Run a migration's statements again; what changed (or failed) says it is not idempotent."""
    import psycopg

    from ..migrations.executor import execute_statements

    result = {"ok": False, "error": None, "schema_changes": [], "row_changes": {}}
    try:
        if prepared.transactional:
            with conn.transaction() as tx:
                execute_statements(conn, prepared.label, prepared.executable)
                _compare(conn, after, rows, result)
                raise psycopg.Rollback(tx)
        else:
            execute_statements(conn, prepared.label, prepared.executable)
            _compare(conn, after, rows, result)
    except SupatasksError as exc:
        result["error"] = str(exc)
    result["ok"] = not result["error"] and not result["schema_changes"] and not result["row_changes"]
    return result


def _compare(conn, schema: dict, rows: dict, result: dict) -> None:
    result["schema_changes"] = diff(schema, snapshot(conn))
    now = row_counts(conn)
    result["row_changes"] = {table: [rows.get(table, 0), now.get(table, 0)]
                             for table in sorted(set(rows) | set(now)) if rows.get(table, 0) != now.get(table, 0)}


def _round_trip(project: Project, conn, prepared, down_path, before: dict, after: dict) -> dict:
    """up → down → up: the down must restore `before`, the second up must reproduce `after`."""
    import psycopg

    from ..migrations.executor import SessionSettings, executable, execute_statements
    from ..migrations.runner import apply_one
    from ..sqltext.kinds import non_transactional
    from ..sqltext.split import split_statements

    down_label = project.relative(down_path)
    result = {"ok": False, "error": None, "not_undone": [], "not_reproduced": [],
              "fingerprints": {"before": fingerprint(before), "after_up": fingerprint(after),
                               "after_down": None, "after_second_up": None}}
    try:
        statements = executable(split_statements(decode_sql(down_path, read_file_bytes(down_path))))
    except SupatasksError as exc:
        result["error"] = str(exc)
        return result
    in_transaction = prepared.transactional and not any(non_transactional(s.text) for s in statements)

    def succeeded(what: str, step) -> bool:
        try:
            step()
        except SupatasksError as exc:
            result["error"] = f"{what} failed: {exc}"
            return False
        return True

    def down() -> None:
        if in_transaction:
            with conn.transaction():
                execute_statements(conn, down_label, statements)
                history.remove(conn, prepared.migration.version)
        else:
            execute_statements(conn, down_label, statements)
            history.remove(conn, prepared.migration.version)

    def down_then_up() -> None:
        if not succeeded("down file", down):
            return
        undone = snapshot(conn)
        result["fingerprints"]["after_down"] = fingerprint(undone)
        result["not_undone"] = diff(before, undone)
        if not succeeded("up after down", lambda: apply_one(conn, prepared, SessionSettings())):
            return
        redone = snapshot(conn)
        result["fingerprints"]["after_second_up"] = fingerprint(redone)
        result["not_reproduced"] = diff(after, redone)

    if in_transaction:
        with conn.transaction() as tx:
            down_then_up()
            raise psycopg.Rollback(tx)
    else:
        down_then_up()
    result["ok"] = not result["error"] and not result["not_undone"] and not result["not_reproduced"]
    return result


# -- seeds ------------------------------------------------------------------------------------------------

def _check_seeds(conn, seeds, report: CheckReport, on_seed, allowances) -> None:
    import psycopg

    from ..migrations.seeds import run_seeds

    for seed in seeds:
        item = SeedCheck(seed.label)
        report.seeds.append(item)
        try:
            run_seeds(conn, [seed])
        except SupatasksError as exc:
            item.error = str(exc)
            on_seed(item)
            continue
        schema, rows = snapshot(conn), row_counts(conn)
        result = {"ok": False, "error": None, "schema_changes": [], "row_changes": {}}
        try:
            with conn.transaction() as tx:
                run_seeds(conn, [seed])
                _compare(conn, schema, rows, result)
                raise psycopg.Rollback(tx)
        except SupatasksError as exc:
            result["error"] = str(exc)
        result["ok"] = not result["error"] and not result["schema_changes"] and not result["row_changes"]
        item.rerun = result
        item.allowed = allowed_for(allowances, seed.label)
        item.ok = result["ok"] or "rerun" in item.allowed
        on_seed(item)


def row_counts(conn) -> dict[str, int]:
    """Exact row counts of every table outside the system and bookkeeping schemas (scratch data is small)."""
    tables = conn.execute(
        """SELECT format('%%I.%%I', n.nspname, c.relname), n.nspname || '.' || c.relname
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL(%s)
             AND n.nspname NOT LIKE 'pg_temp%%' AND n.nspname NOT LIKE 'pg_toast%%'
           ORDER BY 2""", (list(EXCLUDED_SCHEMAS),)).fetchall()
    if not tables:
        return {}
    sql = " UNION ALL ".join(f"SELECT {i}, count(*) FROM {quoted}" for i, (quoted, _) in enumerate(tables))
    counts = dict(conn.execute(sql).fetchall())
    return {name: counts[i] for i, (_, name) in enumerate(tables)}


# -- wording ----------------------------------------------------------------------------------------------

def _allowed(problem: str, reason: str | None) -> str:
    return f"{problem} (allowed: {reason})" if reason else problem


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text and text.strip() else ""


def _describe(rerun: dict) -> str:
    if rerun["error"]:
        return f"the second run fails: {_first_line(rerun['error'])}"
    parts = []
    if rerun["schema_changes"]:
        parts.append(_changes_text(rerun["schema_changes"], "second run"))
    if rerun["row_changes"]:
        parts.append("the second run changes row counts: " + ", ".join(
            f"{table} {a}→{b}" for table, (a, b) in rerun["row_changes"].items()))
    return "; ".join(parts)


def _changes_text(changes: list[dict], when: str, limit: int = 3) -> str:
    words = {"added": "appears", "removed": "disappears", "changed": "differs"}
    shown = [f"{c['kind']} {c['name']} {words[c['change']]}" for c in changes[:limit]]
    more = f" (+{len(changes) - limit} more)" if len(changes) > limit else ""
    return f"after the {when}: " + ", ".join(shown) + more
