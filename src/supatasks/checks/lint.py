"""`db.lint`: the guide's rules and squawk's locking checks over the migration files, as one report.

Severities and ignore entries come from `supabase/supatasks.toml` (see config.py). In a file, a comment
suppresses findings of the next statement (or of the statement it sits in):

    -- supatasks-lint: ignore ST001 because <reason>
    -- supatasks-lint: ignore-file ST020 because <reason>      (anywhere in the file: the whole file)
"""

from __future__ import annotations

import fnmatch
import re
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import MigrationFileError
from ..migrations.files import DOWN_SUFFIX, decode_sql, down_file_for, read_file_bytes, scan_migrations
from ..project import Project
from .config import LintConfig, has_reason, load_config
from .rules import ERROR, RULES, SQUAWK_EXCLUDED, UNSUPPRESSIBLE, WARNING, Finding, Hit, finding, known_rule

REPORT_VERSION = 1
SUPPRESSION = re.compile(r"--\s*supatasks-lint\s*:\s*(?P<body>.*?)\s*$")
PROBLEM_RULES = {"legacy-down-file": "ST021", "invalid-name": "ST022", "duplicate-version": "ST023"}


@dataclass
class LintReport:
    project: Path
    files: list[str]
    findings: list[Finding]
    suppressed: list[Finding]
    squawk: dict
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def as_dict(self) -> dict:
        return {
            "version": REPORT_VERSION,
            "project": str(self.project),
            "files": self.files,
            "summary": {"errors": self.errors, "warnings": self.warnings, "suppressed": len(self.suppressed),
                        "files": len(self.files)},
            "squawk": self.squawk,
            "findings": [f.as_dict() for f in self.findings],
            "suppressed": [f.as_dict() for f in self.suppressed],
        }

    def summary(self) -> str:
        squawk = f"squawk {self.squawk['version']}" if self.squawk.get("ran") else "without squawk"
        return (f"{self.errors} error(s), {self.warnings} warning(s), {len(self.suppressed)} suppressed "
                f"in {len(self.files)} file(s) ({squawk}, {self.seconds:.2f}s)")


def exposed_schemas(project: Project) -> list[str]:
    """The schemas the Data API serves ([api] schemas in config.toml): tables there need RLS."""
    return project.exposed_schemas


# -- suppression comments --------------------------------------------------------------------------------

@dataclass
class Suppression:
    file: str
    line: int
    rules: list[str]
    reason: str | None
    whole_file: bool
    statement: int | None
    used: bool = False


def read_suppressions(label: str, text: str, spans: list[tuple[int, int]]) -> tuple[list[Suppression], list[Finding]]:
    """Suppression comments of a file; `spans` are the (first, last) lines of its statements."""
    found: list[Suppression] = []
    problems: list[Finding] = []
    for number, content in enumerate(text.splitlines(), start=1):
        match = SUPPRESSION.search(content)
        if not match:
            continue
        body = match.group("body")
        because = re.search(r"\bbecause\b", body, flags=re.IGNORECASE)
        head = body[: because.start()] if because else body
        reason = body[because.end():].strip() if because else None
        words = [w for w in re.split(r"[\s,]+", head.strip()) if w]
        verb = words[0].lower() if words else ""
        rules = words[1:]
        if verb not in ("ignore", "ignore-file") or not rules:
            problems.append(finding("ST041", label, number,
                                    "write `-- supatasks-lint: ignore <RULE>[,<RULE>] because <reason>` "
                                    f"(or ignore-file); got {body!r}"))
            continue
        bad = [r for r in rules if not known_rule(r) or r in UNSUPPRESSIBLE]
        if bad:
            problems.append(finding("ST041", label, number, f"unknown or unsuppressible rule(s): {', '.join(bad)}"))
            continue
        statement = None
        if verb == "ignore":
            statement = next((i for i, (_, last) in enumerate(spans) if last >= number), None)
        found.append(Suppression(label, number, rules, reason if has_reason(reason) else None,
                                 verb == "ignore-file", statement))
        if not has_reason(reason):
            problems.append(finding("ST040", label, number,
                                    f"suppression of {', '.join(rules)} has no reason; it suppresses nothing "
                                    "until it says why"))
    return found, problems


# -- one migration file ----------------------------------------------------------------------------------

@dataclass
class FileResult:
    label: str
    findings: list[Finding]
    suppressions: list[Suppression]
    spans: list[tuple[int, int]]
    transactional: bool = True


def lint_migration(label: str, text: str, exposed: list[str]) -> FileResult:
    """Every rule that reads one migration's SQL."""
    from ..sqltext.kinds import non_transactional, transaction_control
    from ..sqltext.split import split_statements
    from .rules import idempotency_hits, logical_change_hits, parse_units, rls_hits

    statements = [s for s in split_statements(text) if s.has_code]
    spans = [_span(s) for s in statements]
    suppressions, findings = read_suppressions(label, text, spans)
    units, hits = [], []
    blocking = []
    for index, stmt in enumerate(statements):
        control = transaction_control(stmt.text)
        if control in ("rollback", "other"):
            hits.append(Hit("ST032", stmt.code_line, f"{_head(stmt.text)}: a migration may not end or prepare "
                                                     "its own transaction", index))
        kind = non_transactional(stmt.text)
        if kind:
            blocking.append((index, stmt, kind))
        new_units, problems = parse_units(stmt.text, stmt.line, index)
        units += new_units
        hits += problems
    if blocking and len(blocking) < len(statements):
        index, stmt, kind = blocking[0]
        hits.append(Hit("ST030", stmt.code_line, f"{kind} cannot run inside a transaction, and this file has "
                                                 "other statements", index))
    hits += idempotency_hits(units) + rls_hits(units, exposed) + logical_change_hits(units)
    for hit in hits:
        findings.append(finding(hit.rule, label, _code_line(hit, statements), hit.message, statement=hit.statement))
    return FileResult(label, findings, suppressions, spans, transactional=not blocking)


def _span(stmt) -> tuple[int, int]:
    return stmt.line, stmt.line + stmt.text.rstrip().count("\n")


def _code_line(hit: Hit, statements) -> int:
    """Hits point at a statement's code, never at the comments above it."""
    stmt = statements[hit.statement] if hit.statement is not None and hit.statement < len(statements) else None
    if stmt is not None and hit.line < stmt.code_line:
        return stmt.code_line
    return hit.line


def _head(text: str) -> str:
    return " ".join(text.split())[:60]


def lint_down_file(label: str, text: str) -> list[Finding]:
    """Down files: they must parse (the rest of the rules are about migrations)."""
    from ..sqltext.split import split_statements
    from .rules import parse_units

    findings = []
    for index, stmt in enumerate(s for s in split_statements(text) if s.has_code):
        _, hits = parse_units(stmt.text, stmt.line, index)
        findings += [finding(h.rule, label, h.line, h.message, statement=index) for h in hits]
    return findings


# -- the whole project -----------------------------------------------------------------------------------

def lint_project(project: Project, *, only: set[Path] | None = None, use_squawk: bool = True) -> LintReport:
    """Lint every migration and down file; with `only`, report only findings about those files."""
    began = time.perf_counter()
    try:
        import pglast  # noqa: F401 - PostgreSQL's own parser; every structural rule needs it
    except ImportError:
        from ..errors import ToolMissing
        raise ToolMissing("pglast is not installed: pip install 'supatasks[lint]'") from None
    config = load_config(project)
    exposed = exposed_schemas(project)
    scan = scan_migrations(project)
    label = project.relative
    findings: list[Finding] = list(config.problems)
    results: dict[str, FileResult] = {}

    by_version = scan.by_version()
    for problem in scan.problems:
        rule = PROBLEM_RULES.get(problem.kind)
        if rule is None:
            continue
        related: tuple[str, ...] = ()
        if problem.kind == "duplicate-version":
            match = re.match(r"^([0-9]+)_", problem.path.name)
            other = by_version.get(match.group(1)) if match else None
            related = (label(other.path),) if other else ()
        findings.append(finding(rule, label(problem.path), None, problem.message, related=related))

    sql_paths = sorted([m.path for m in scan.migrations] + [p.path for p in scan.duplicates()],
                       key=lambda p: p.name)
    linted: list[str] = []
    for path in sql_paths:
        name = label(path)
        linted.append(name)
        try:
            text = decode_sql(path, read_file_bytes(path))
        except MigrationFileError as exc:
            findings.append(finding("ST000", name, None, str(exc)))
            continue
        result = lint_migration(name, text, exposed)
        results[name] = result
        findings += result.findings

    stems = set()
    for migration in scan.migrations:
        stems.add(migration.stem)
        if down_file_for(project, migration, scan) is None:
            findings.append(finding("ST020", label(migration.path), None,
                                    f"no down file: supabase/rollbacks/{migration.stem}{DOWN_SUFFIX}"))
    if project.rollbacks_dir.is_dir():
        for path in sorted(project.rollbacks_dir.glob(f"*{DOWN_SUFFIX}")):
            name = label(path)
            linted.append(name)
            stem = path.name[: -len(DOWN_SUFFIX)]
            if stem not in stems:
                findings.append(finding("ST024", name, None, f"no migration {stem}.sql in supabase/migrations"))
            try:
                findings += lint_down_file(name, decode_sql(path, read_file_bytes(path)))
            except MigrationFileError as exc:
                findings.append(finding("ST000", name, None, str(exc)))

    wanted = None if only is None else {label(Path(p).absolute()) for p in only}
    squawk_info = {"ran": False, "version": None}
    if use_squawk:
        targets = [name for name in results if wanted is None or name in wanted]
        squawk_findings, squawk_info = _squawk(project, results, targets)
        findings += squawk_findings

    _apply_severity(findings, config)
    findings = [f for f in findings if f.severity != "off"]
    kept, suppressed = _suppress(findings, results, config, squawk_ran=squawk_info["ran"])
    if wanted is not None:
        def about(f: Finding) -> bool:
            return f.file in wanted or any(r in wanted for r in f.related)
        kept = [f for f in kept if about(f)]
        suppressed = [f for f in suppressed if about(f)]
        linted = [name for name in linted if name in wanted]
    order = {name: i for i, name in enumerate(linted)}
    key = lambda f: (order.get(f.file, len(order)), f.file or "", f.line or 0, f.rule)  # noqa: E731
    return LintReport(project.root, linted, sorted(kept, key=key), sorted(suppressed, key=key), squawk_info,
                      time.perf_counter() - began)


def _squawk(project: Project, results: dict[str, FileResult], targets: list[str]) -> tuple[list[Finding], dict]:
    from .squawk import find_squawk, run_squawk, squawk_version

    binary = find_squawk()
    if binary is None:
        return [finding("ST090", None, None, "squawk not found next to Python or on PATH; "
                                             "locking and unsafe-operation checks were skipped")], \
            {"ran": False, "version": None}
    major = project.config.get("db", {}).get("major_version")
    pg_version = f"{int(major)}.0" if isinstance(major, int) else None
    found = []
    for in_transaction in (True, False):
        group = [name for name in targets if results[name].transactional == in_transaction]
        found += run_squawk(binary, project.root, group, assume_in_transaction=in_transaction,
                            pg_version=pg_version, exclude=SQUAWK_EXCLUDED)
    findings = []
    for item in found:
        if item.rule == "syntax-error":  # pglast (PostgreSQL's own parser) decides what parses: ST000
            continue
        result = results.get(item.file)
        statement = None
        if result is not None:
            statement = next((i for i, (_, last) in enumerate(result.spans) if last >= item.line), None)
        fix = item.help or f"see https://squawkhq.com/docs/{item.rule}"
        findings.append(Finding(item.rule, ERROR if item.level == "error" else WARNING, item.file, item.line,
                                item.message, fix, source="squawk", column=item.column, statement=statement))
    return findings, {"ran": True, "version": squawk_version(binary)}


def _apply_severity(findings: list[Finding], config: LintConfig) -> None:
    for f in findings:
        if f.rule in config.severity:
            f.severity = config.severity[f.rule]


def _suppress(findings: list[Finding], results: dict[str, FileResult], config: LintConfig,
              squawk_ran: bool) -> tuple[list[Finding], list[Finding]]:
    kept, suppressed = [], []
    for f in findings:
        by = None
        if f.rule not in UNSUPPRESSIBLE:
            by = _comment_for(f, results.get(f.file)) or _ignore_for(f, config)
        if by is None:
            kept.append(f)
        else:
            f.suppressed_by = by
            suppressed.append(f)
    for result in results.values():
        for s in result.suppressions:
            if s.reason is None or s.used:
                continue
            rules = [r for r in s.rules if squawk_ran or r in RULES]
            if rules:
                kept.append(finding("ST042", s.file, s.line, f"suppression of {', '.join(s.rules)} matched "
                                                             "no finding"))
    for entry in config.ignores:
        if not entry.used:
            kept.append(finding("ST042", config.label, None,
                                f"[[lint.ignore]] {entry.pattern}: {', '.join(entry.rules)} matched no finding"))
    return kept, suppressed


def _comment_for(f: Finding, result: FileResult | None) -> dict | None:
    if result is None:
        return None
    for s in result.suppressions:
        if s.reason is None or f.rule not in s.rules:
            continue
        if s.whole_file or (s.statement is not None and s.statement == f.statement and f.line is not None):
            s.used = True
            return {"reason": s.reason, "where": f"{s.file}:{s.line}"}
    return None


def _ignore_for(f: Finding, config: LintConfig) -> dict | None:
    if f.file is None:
        return None
    for entry in config.ignores:
        if f.rule in entry.rules and fnmatch.fnmatchcase(f.file, entry.pattern):
            entry.used = True
            return {"reason": entry.reason, "where": config.label}
    return None


def push_lint_gate(push, *, skip_lint: bool, dry_run: bool, say) -> dict:
    """db.push's gate: lint the files it would ship (pending migrations, their down files, layout problems).

    Errors refuse the push unless `skip_lint` (a dry run only reports them). Returns the audit details."""
    if push.empty:
        return {}
    if skip_lint:
        say("lint skipped (--skip-lint); recorded in the audit log")
        return {"lint": {"skipped": True}}
    from ..errors import Refused

    project = push.target.project
    only = {p.migration.path for p in push.prepared}
    only |= {down for p in push.prepared if (down := down_file_for(project, p.migration)) is not None}
    only |= {problem.path for problem in scan_migrations(project).problems}
    report = lint_project(project, only=only)
    details = {"lint": {"skipped": False, "errors": report.errors, "warnings": report.warnings,
                        "files": len(report.files)}}
    if report.findings:
        for f in report.findings:
            say(f"  {f.location}: {f.severity} {f.rule}: {f.message}")
        say(f"lint of the files to push: {report.summary()}")
    if report.errors and not dry_run:
        raise Refused(f"lint found {report.errors} error(s) in the files to push: fix them (inv db.lint), or pass "
                      "--skip-lint to push anyway (recorded in the audit log); nothing was changed")
    return details
