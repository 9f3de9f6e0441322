"""Checks before shipping: lint, check on a scratch database, and looking at a profile's schema."""

from __future__ import annotations

from .edge import db_task
from .help import ENV_HELP, JSON_HELP


@db_task(help={
    "json": JSON_HELP + " The shape is src/supatasks/schemas/lint-report.schema.json.",
    "changed": "Lint only files changed against the git base (committed since it, staged, unstaged, untracked).",
    "base": "The git base for --changed (default: origin/main if it exists, else HEAD).",
    "no_squawk": "Skip squawk's locking and unsafe-operation checks.",
})
def lint(c, json=False, changed=False, base=None, no_squawk=False):
    """Lint the migrations: idempotency, RLS, down files, layout, transactions, plus squawk. Exit 1 on errors."""
    from invoke import Exit

    from ..checks.changed import changed_files
    from ..checks.lint import lint_project
    from ..project import find_project
    from .console import err, print_json

    project = find_project()
    only = None
    if changed or base:
        used, only = changed_files(project, base)
        if not json:
            err(f"linting files changed against {used}: {len(only)} changed under supabase/")
    report = lint_project(project, only=only, use_squawk=not no_squawk)
    if json:
        print_json(report.as_dict())
    else:
        print_lint_report(report)
    if not report.ok:
        raise Exit(code=1)


def print_lint_report(report, say=None) -> None:
    from .console import out, table

    say = say or out
    if report.findings:
        table("lint findings", ["where", "severity", "rule", "problem → fix"],
              [[_short_location(f), f.severity, f.rule if f.source == "supatasks" else f"squawk {f.rule}",
                f"{f.message}\n→ {f.fix}"] for f in report.findings])
    say(("lint clean: " if not report.findings else "lint: ") + report.summary())


@db_task(help={
    "json": JSON_HELP,
    "keep": "Keep the scratch database afterwards (its name is printed) to look around in it.",
    "no_tests": "Skip the pgTAP files of supabase/tests/ (db.test), which run last on the scratch database.",
})
def check(c, json=False, keep=False, no_tests=False):
    """Prove the migrations on a local scratch database: re-run, up→down→up, seeds twice, tests. Exit 1 on failure."""
    from invoke import Exit

    from ..checks.check import MigrationCheck, run_check
    from ..project import find_project
    from .console import err, out, print_json

    say = err if json else out

    def line(item) -> None:
        detail = ""
        if isinstance(item, MigrationCheck) and item.applied:
            trip = "no down file" if item.round_trip is None else (
                "up→down→up ok" if item.round_trip["ok"] else "up→down→up FAILED")
            rerun = "idempotent" if item.rerun["ok"] else "NOT idempotent"
            detail = f"applied {item.seconds:.2f}s, re-run {rerun}, {trip}"
        elif not isinstance(item, MigrationCheck) and item.rerun is not None:
            detail = "second run " + ("idempotent" if item.rerun["ok"] else "NOT idempotent")
        say(f"  {item.status:<7} {item.file}" + (f"  ({detail})" if detail else ""))
        for problem in item.problems():
            say(f"          {problem}")

    report = run_check(find_project(), keep=keep, on_migration=line, on_seed=line, say=err, tests=not no_tests)
    print_check_advise(report.advise, say)
    if json:
        print_json(report.as_dict())
    else:
        if report.tests is not None:
            print_test_report(report.tests)
        out(report.summary())
        if keep:
            out(f"kept the scratch database {report.database} on {report.server}")
    if not report.ok:
        raise Exit(code=1)


@db_task(help={
    "env": ENV_HELP,
    "json": JSON_HELP + " The shape is src/supatasks/schemas/advise-report.schema.json.",
})
def advise(c, env=None, json=False):
    """Supabase's Security and Performance Advisors on a profile's database (read-only). Exit 1 on ERROR."""
    from invoke import Exit

    from ..checks.advise import run_advise
    from ..project import find_project
    from .console import print_json

    report = run_advise(find_project(), env)
    if json:
        print_json(report.as_dict())
    else:
        print_advise_report(report)
    if not report.ok:
        raise Exit(code=1)


@db_task(help={
    "keyword": "-k PATTERN: run only the files whose path under supabase/tests/ contains PATTERN "
               "(or matches it, with * ? [).",
    "tap": "Print the raw TAP of every file (as pg_prove --verbose shows it) instead of the table.",
    "json": JSON_HELP,
    "workers": "Files run at once, each worker on a scratch database of its own (default: one per 8 files, at most "
               "the CPU count and 4).",
    "timeout": "statement_timeout of every statement of a test file, in seconds (default 60).",
})
def test(c, keyword=None, tap=False, json=False, workers=None, timeout=60):
    """Run the pgTAP files of supabase/tests/ on scratch copies of the migrated, seeded database. Exit 1 on failure."""
    from invoke import Exit

    from ..checks.dbtest import run_tests
    from ..project import find_project
    from .console import err, out, print_json

    report = run_tests(find_project(), pattern=keyword, workers=int(workers) if workers else None,
                       timeout=float(timeout), say=err)
    if json:
        print_json(report.as_dict())
    elif tap:
        for result in report.files:
            out(f"# {result.file}")
            for line in result.tap:
                out(line)
            for problem in result.problems:
                out(f"# {problem}")
        out(report.summary())
    else:
        print_test_report(report)
    if not report.ok:
        raise Exit(code=1)


def print_advise_report(report, say=None) -> None:
    from .console import out, table

    say = say or out
    if report.findings:
        table(f"advisors on {report.where}" if report.where else "advisors",
              ["level", "category", "rule", "object", "remedy"],
              [[f.level, f.category, f.rule, f.object, f.remedy] for f in report.findings])
    for s in report.unused:
        say(f"note: [[advise.ignore]] {', '.join(s.rules)} {s.pattern} "
            "matched no finding")
    say(("advisors clean: " if not report.findings else "advisors: ") + report.summary())


def print_check_advise(advise, say) -> None:
    """db.check's advisor lines: ERROR findings the migrations introduced (they fail it), then the old ones."""
    if advise is None:
        return
    say(f"  {'ok' if advise['ok'] else 'FAIL':<7} advisors after the migrations: {advise['summary']}")
    for f in advise["introduced"]:
        say(f"          introduced {f['level']} {f['rule']}: {f['detail']} → {f['remedy']}")
    for f in advise["present_before"]:
        say(f"          already before the migrations (not failed): {f['rule']}: {f['detail']}")


def print_test_report(report, say=None) -> None:
    """One row per file, then every failing assertion (file, test number, description, diagnostics)."""
    from .console import out, table

    say = say or out
    if not report.files:
        say(report.summary())
        return
    table(f"db.test on {report.server}", ["supabase/tests/", "tests", "passed", "failed", "seconds", ""],
          [[f.file.removeprefix("supabase/tests/"), f.parsed.tests, f.parsed.passed, len(f.parsed.failed),
            f"{f.seconds:.2f}", "ok" if f.ok else "FAIL"] for f in report.files])
    for result in report.files:
        for assertion in result.parsed.failed:
            say(f"{result.file} test {assertion.number}"
                + (f" - {assertion.description}" if assertion.description else "") + ": not ok")
            for line in assertion.diagnostics:
                say(f"    {line}")
        for problem in result.problems:
            say(f"{result.file}: {problem}")
    say(report.summary())


@db_task(help={"env": ENV_HELP, "json": JSON_HELP,
               "schema": "Schemas to list, comma-separated (default: public)."})
def tables(c, env=None, json=False, schema="public"):
    """List the tables of a profile with their row level security state and row estimates."""
    from ..checks.inspect import list_tables
    from ..project import find_project
    from ..target import open_target
    from .console import out, print_json, table

    target = open_target(find_project(), env)
    schemas = [s.strip() for s in schema.split(",") if s.strip()]
    with target.connect() as conn:
        rows = list_tables(conn, schemas)
    if json:
        print_json({"env": target.name, "schemas": schemas, "tables": rows})
        return
    table(f"tables on {target.describe()}", ["table", "RLS", "policies", "rows (est.)", "size"],
          [[f"{r['schema']}.{r['name']}", _rls(r), r["policies"],
            "unknown" if r["row_estimate"] is None else r["row_estimate"], _size(r["bytes"])] for r in rows])
    unprotected = [f"{r['schema']}.{r['name']}" for r in rows if not r["rls"]]
    if unprotected:
        out(f"without row level security: {', '.join(unprotected)}")


@db_task(help={"table": "The table: name or schema.name (default schema: the search path, i.e. public).",
               "env": ENV_HELP, "json": JSON_HELP})
def describe(c, table, env=None, json=False):
    """Show a table's columns (type, nullability, default), indexes, constraints, policies and triggers."""
    from ..checks.inspect import describe_table
    from ..project import find_project
    from ..target import open_target
    from .console import out, print_json
    from .console import table as print_table

    target = open_target(find_project(), env)
    with target.connect() as conn:
        info = describe_table(conn, table)
    if json:
        print_json({"env": target.name, **info})
        return
    name = f"{info['schema']}.{info['name']}"
    out(f"{name} on {target.describe()}: RLS {_rls(info)}, "
        f"rows (est.) {'unknown' if info['row_estimate'] is None else info['row_estimate']}")
    print_table("columns", ["column", "type", "nullable", "default"],
                [[col["name"], col["type"], "yes" if col["nullable"] else "no",
                  col["default"] or (f"identity ({col['identity']})" if col["identity"] else "")]
                 for col in info["columns"]])
    if info["indexes"]:
        print_table("indexes", ["index", "definition"], [[i["name"], i["definition"]] for i in info["indexes"]])
    if info["constraints"]:
        print_table("constraints", ["constraint", "type", "definition"],
                    [[k["name"], k["type"], k["definition"]] for k in info["constraints"]])
    if info["policies"]:
        print_table("policies", ["policy", "command", "roles", "using", "with check"],
                    [[p["name"], f"{p['command']} ({p['permissive'].lower()})", ", ".join(p["roles"]), p["using"],
                      p["with_check"]] for p in info["policies"]])
    else:
        out("policies: none" + (" — with RLS enabled, only the service role and owners get rows"
                                if info["rls"] else ""))
    if info["triggers"]:
        print_table("triggers", ["trigger", "definition"], [[t["name"], t["definition"]] for t in info["triggers"]])


@db_task(help={
    "file": "Write the SQL as supabase/migrations/<UTC timestamp>_FILE.sql and its down file "
            "supabase/rollbacks/<same>.down.sql (after the proof passed). -f as in `supabase db diff -f NAME`.",
    "env": ENV_HELP + " The database compared with the migrations (default local).",
    "against": "Compare two profiles' catalogs instead (e.g. --env=staging --against=production); exit 1 if they differ.",
    "json": JSON_HELP + " The SQL, the down SQL, each step, the proof's results, the files written.",
    "schema": "Compare only these schemas, comma-separated (default: the project's own; never auth, storage, "
              "realtime, … unless named).",
    "from_schemas": "Compare with the declarative schema files ([db.migrations] schema_paths, default "
                    "supabase/schemas/*.sql) — the default when they exist and --env is not given.",
    "allow_drops": "Write the migration even though it drops a table or column or narrows a type (data is lost).",
})
def diff(c, file=None, env=None, against=None, json=False, schema=None, from_schemas=False, allow_drops=False):
    """The SQL that brings the migrations' schema to the database (or the schema files); -f NAME writes it."""
    from ..errors import ConfigError
    from ..project import find_project
    from .console import print_json

    project = find_project()
    schemas = [s.strip() for s in schema.split(",") if s.strip()] if schema else None
    if against:
        if file or from_schemas:
            raise ConfigError("--against compares two profiles; it writes no file and reads no schema files")
        return _diff_profiles(project, env, against, json, schemas)
    from invoke import Exit

    from ..checks.diff.workflow import diff_project
    from .console import err, out

    report = diff_project(project, env, name=file, schemas=schemas, from_schemas=from_schemas,
                          allow_drops=allow_drops, say=err)
    if json:
        print_json(report.as_dict())
    else:
        _print_diff(report, file, out, err)
    if file and report.refused:
        raise Exit(code=2)  # nothing was written
    if not report.trustworthy:
        raise Exit(code=1)


def _print_diff(report, name, out, err) -> None:
    if report.empty:
        err(f"no schema changes: the migrations give {report.source} exactly (schemas {', '.join(report.schemas)})")
        return
    if not name or report.refused:
        out(report.up_text().rstrip())
    for warning in report.up.warnings:
        err(f"warning: {warning}")
    proof = report.proof
    if proof is not None and proof.ok:
        err(f"proof passed on a shadow database: up file reproduces {report.source}, down file gives back the "
            f"migrations' schema ({len(report.up.ops)} step(s) up, {len(report.down.ops)} down)")
    for reason in report.refused:
        err(f"{'not written' if name else 'note'}: {reason}")
    for path in report.files:
        err(f"wrote {path}")


def _diff_profiles(project, env, against, json, schemas) -> None:
    from invoke import Exit

    from ..checks.inspect import schema_diff
    from ..target import open_target
    from .console import out, print_json, table

    left, right = open_target(project, env), open_target(project, against)
    with left.connect() as a, right.connect() as b:
        changes = schema_diff(a, b, schemas)
    if json:
        print_json({"env": left.name, "against": right.name, "schemas": schemas, "identical": not changes,
                    "differences": changes})
    elif not changes:
        out(f"no schema differences between {left.name} and {right.name}")
    else:
        marks = {"added": f"only in {left.name}", "removed": f"only in {right.name}", "changed": "differs"}
        table(f"schema: {left.name} vs {right.name}", ["", "kind", "name", left.name, right.name],
              [[marks[ch["change"]], ch["kind"], ch["name"], ch["after"], ch["before"]] for ch in changes])
        out(f"{len(changes)} difference(s) between {left.name} and {right.name}")
    if changes:
        raise Exit(code=1)


@db_task(help={
    "to": "Squash the migrations up to and including this version (default: all of them).",
    "dry_run": "Prove and show the squashed file; change nothing.",
    "json": JSON_HELP + " The SQL, the files replaced, the data statements kept out, the proof, the repair.",
})
def squash(c, to=None, dry_run=False, json=False):
    """Replace the migrations up to --to by one file with the same schema (proven on shadow databases)."""
    from ..checks.squash import require_proven, squash_project
    from ..project import find_project
    from .console import err, out, print_json

    report = squash_project(find_project(), to, dry_run=dry_run, say=err)
    if json:
        print_json(report.as_dict())
    elif dry_run or not report.ok:
        out(report.sql.rstrip())
    for statement in report.data_statements if not json else []:
        err(f"warning: data statement kept out of the squashed file: {statement}")
    require_proven(report)
    if not json:
        verb = "would replace" if dry_run else "replaced"
        err(f"proof passed: the squashed file gives the same catalog snapshot as the {len(report.squashed)} "
            f"migration(s); {verb} them by {report.file} (and its down file)")
        err(report.history_note())


def _short_location(f) -> str:
    """The file name (migrations/ and rollbacks/ files are told apart by .down.sql) and line."""
    if f.file is None:
        return "(project)"
    name = f.file.rsplit("/", 1)[-1]
    return name + (f":{f.line}" if f.line else "")


def _rls(row: dict) -> str:
    if not row["rls"]:
        return "off"
    return "on (forced)" if row["rls_forced"] else "on"


def _size(size: int | None) -> str:
    if size is None:
        return ""
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""
