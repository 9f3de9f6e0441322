"""The advisors' model and runner: a rule is a named, read-only catalog query with its metadata; running
the rules gives findings, some suppressed by `[[advise.ignore]]` entries of `supabase/supatasks.toml`.

    [[advise.ignore]]
    rule = "rls_enabled_no_policy"       # or rules = ["…", "…"]: the advisors' own names
    object = "public.api_key_pool"       # a glob over the finding's object (default "*")
    reason = "only the service role reads it; it bypasses RLS"   # required

Every query runs in one read-only transaction (`SET TRANSACTION READ ONLY`, a statement and lock timeout,
`search_path = pg_catalog` so PostgreSQL's deparser writes policy expressions schema-qualified), which is
rolled back: the advisors run on any profile, without confirmation.
"""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass, field

from ..config import has_reason, read_settings

ERROR, WARN, INFO = "ERROR", "WARN", "INFO"
LEVELS = (ERROR, WARN, INFO)
SECURITY, PERFORMANCE = "SECURITY", "PERFORMANCE"
REPORT_VERSION = 1
STATEMENT_TIMEOUT = "60s"
LOCK_TIMEOUT = "5s"
DOCS = "https://supabase.com/docs/guides/database/database-linter?lint="

# Schemas that belong to the platform or to extensions: the advisors leave them alone (as Splinter does).
PLATFORM_SCHEMAS = (
    "_timescaledb_cache", "_timescaledb_catalog", "_timescaledb_config", "_timescaledb_internal", "auth",
    "cron", "extensions", "graphql", "graphql_public", "information_schema", "net", "pgmq", "pgroonga",
    "pgsodium", "pgsodium_masks", "pgtle", "pgbouncer", "pg_catalog", "pg_toast", "realtime", "repack",
    "storage", "supabase_functions", "supabase_migrations", "tiger", "topology", "vault",
)


@dataclass(frozen=True)
class Rule:
    """One advisor. `sql` returns rows (object, detail); it may use %(exposed)s (the Data API's schemas)
    and %(platform)s (PLATFORM_SCHEMAS) and must only read."""
    name: str          # as Supabase's advisors (Splinter) name it
    number: str        # Splinter's lint number, for the documentation link
    level: str         # ERROR | WARN | INFO
    category: str      # SECURITY | PERFORMANCE
    summary: str       # what it detects
    remedy: str        # one line: what to do
    sql: str

    @property
    def url(self) -> str:
        return f"{DOCS}{self.number}_{self.name}"


@dataclass
class Finding:
    rule: str
    level: str
    category: str
    object: str
    detail: str
    remedy: str
    url: str
    suppressed_by: dict | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.rule, self.object

    def as_dict(self) -> dict:
        found = {"rule": self.rule, "level": self.level, "category": self.category, "object": self.object,
                 "detail": self.detail, "remedy": self.remedy, "url": self.url}
        if self.suppressed_by is not None:
            found["suppressed_by"] = self.suppressed_by
        return found


@dataclass
class Suppression:
    rules: list[str]
    pattern: str
    reason: str
    used: bool = False

    def matches(self, finding: Finding) -> bool:
        return finding.rule in self.rules and fnmatch.fnmatchcase(finding.object, self.pattern)


@dataclass
class AdviseReport:
    exposed: list[str]
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    unused: list[Suppression] = field(default_factory=list)
    seconds: float = 0.0
    where: str = ""

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (f"{self.count(ERROR)} error(s), {self.count(WARN)} warning(s), {self.count(INFO)} info, "
                f"{len(self.suppressed)} suppressed ({self.seconds:.2f}s)")

    def as_dict(self) -> dict:
        from . import RULES

        return {
            "version": REPORT_VERSION,
            "where": self.where,
            "exposed_schemas": self.exposed,
            "rules": len(RULES),
            "summary": {"errors": self.count(ERROR), "warnings": self.count(WARN), "info": self.count(INFO),
                        "suppressed": len(self.suppressed), "seconds": round(self.seconds, 3)},
            "findings": [f.as_dict() for f in self.findings],
            "suppressed": [f.as_dict() for f in self.suppressed],
            "unused_suppressions": [{"rules": s.rules, "object": s.pattern, "reason": s.reason}
                                    for s in self.unused],
        }


def load_suppressions(project) -> list[Suppression]:
    """[[advise.ignore]] entries of supabase/supatasks.toml (the one config loader, checks/config.py).

    An entry without a reason, or naming a rule that does not exist, is refused with one line."""
    from ...errors import ConfigError
    from . import RULES

    settings = read_settings(project)
    section = settings.section("advise", ("ignore",))
    found = []
    for number, entry in enumerate(section.get("ignore", []), start=1):
        where = f"{settings.label}: [[advise.ignore]] entry {number}"
        rules = entry.get("rules", entry.get("rule", []))
        rules = [rules] if isinstance(rules, str) else list(rules)
        unknown = set(entry) - {"rule", "rules", "object", "reason"}
        if unknown:
            raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}; "
                              "expected rule (or rules), object and reason")
        if not rules:
            raise ConfigError(f"{where} needs rule = \"<advisor name>\" (e.g. rls_enabled_no_policy)")
        bad = [r for r in rules if r not in RULES]
        if bad:
            raise ConfigError(f"{where}: unknown advisor(s) {', '.join(bad)}; known: {', '.join(sorted(RULES))}")
        reason = str(entry.get("reason", "")).strip()
        if not has_reason(reason):
            raise ConfigError(f"{where} ({', '.join(rules)}) has no reason = \"...\"; say why the finding is "
                              "acceptable")
        found.append(Suppression(rules, str(entry.get("object", "*")).strip() or "*", reason))
    return found


def advise(conn, exposed: list[str], suppressions: list[Suppression] | None = None,
           rules=None, label: str = "supabase/supatasks.toml") -> AdviseReport:
    """Run the rules on `conn` (an autocommit connection) in one read-only transaction, rolled back."""
    import psycopg

    from . import RULES

    began = time.perf_counter()
    report = AdviseReport(list(exposed))
    params = {"exposed": list(exposed), "platform": list(PLATFORM_SCHEMAS)}
    raw: list[Finding] = []
    with conn.transaction() as tx:
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
        conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        conn.execute("SET LOCAL search_path = pg_catalog")
        for rule in (rules or RULES.values()):
            for obj, detail in conn.execute(rule.sql, params).fetchall():
                raw.append(Finding(rule.name, rule.level, rule.category, obj, detail, rule.remedy, rule.url))
        raise psycopg.Rollback(tx)
    order = {level: i for i, level in enumerate(LEVELS)}
    raw.sort(key=lambda f: (order[f.level], f.category, f.rule, f.object))
    for finding in raw:
        by = next((s for s in suppressions or [] if s.matches(finding)), None)
        if by is None:
            report.findings.append(finding)
        else:
            by.used = True
            finding.suppressed_by = {"reason": by.reason, "where": label}
            report.suppressed.append(finding)
    report.unused = [s for s in suppressions or [] if not s.used]
    report.seconds = time.perf_counter() - began
    return report


def advise_project(project, conn) -> AdviseReport:
    """The advisors with the project's exposed schemas ([api] schemas) and suppressions."""
    return advise(conn, project.exposed_schemas, load_suppressions(project),
                  label=project.relative(project.supabase_dir / "supatasks.toml"))


def run_advise(project, env: str | None = None) -> AdviseReport:
    """db.advise: the advisors on a profile's database (any profile: it only reads)."""
    from ...target import open_target

    target = open_target(project, env)
    suppressions = load_suppressions(project)  # a bad entry is refused before connecting
    with target.connect() as conn:
        report = advise(conn, project.exposed_schemas, suppressions,
                        label=project.relative(project.supabase_dir / "supatasks.toml"))
    report.where = target.describe()
    return report


def introduced(before: AdviseReport, after: AdviseReport, level: str = ERROR) -> list[Finding]:
    """Findings of `level` in `after` that `before` did not have (same rule, same object)."""
    known = {f.key for f in before.findings}
    return [f for f in after.findings if f.level == level and f.key not in known]
