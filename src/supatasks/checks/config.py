"""`supabase/supatasks.toml`, read once: the [lint] settings (severity, ignore entries) for db.lint and the
[[check.allow]] entries for db.check (checks/check.py reads its section from `read_settings`).

    [lint]
    severity = { ST020 = "error", prefer-bigint-over-int = "off" }

    [[lint.ignore]]
    file = "supabase/migrations/20260210_api_key_pool.sql"   # a path or glob, relative to the project root
    rules = ["ST006"]
    reason = "why it is safe"                                 # required
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..project import Project, read_toml
from .rules import SEVERITIES, UNSUPPRESSIBLE, Finding, finding, known_rule

CONFIG_NAME = "supatasks.toml"


@dataclass
class Settings:
    label: str     # the file as shown to people (supabase/supatasks.toml)
    data: dict     # {} when the file does not exist

    def section(self, name: str, known: tuple[str, ...]) -> dict:
        """The [name] table, refusing settings it does not know."""
        table = self.data.get(name, {})
        unknown = set(table) - set(known)
        if unknown:
            raise ConfigError(f"{self.label}: unknown [{name}] setting(s) {', '.join(sorted(unknown))}; "
                              f"expected {' and '.join(known)}")
        return table


def read_settings(project: Project) -> Settings:
    """supabase/supatasks.toml (optional), read for db.lint and db.check alike."""
    path = project.supabase_dir / CONFIG_NAME
    label = project.relative(path)
    return Settings(label, read_toml(path, label))


@dataclass
class IgnoreEntry:
    pattern: str
    rules: list[str]
    reason: str
    used: bool = False


@dataclass
class LintConfig:
    label: str
    severity: dict[str, str] = field(default_factory=dict)
    ignores: list[IgnoreEntry] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)


def load_config(project: Project) -> LintConfig:
    settings = read_settings(project)
    config = LintConfig(settings.label)
    lint = settings.section("lint", ("severity", "ignore"))
    for rule, level in dict(lint.get("severity", {})).items():
        if level not in (*SEVERITIES, "off"):
            raise ConfigError(f"{config.label}: [lint] severity {rule} = {level!r}: use error, warning or off")
        if rule in UNSUPPRESSIBLE:
            raise ConfigError(f"{config.label}: [lint] severity of {rule} cannot be changed")
        if not known_rule(rule):
            raise ConfigError(f"{config.label}: [lint] severity: unknown rule {rule!r}")
        config.severity[rule] = level
    for number, entry in enumerate(lint.get("ignore", []), start=1):
        pattern = str(entry.get("file", "")).strip()
        rules = entry.get("rules", [])
        rules = [rules] if isinstance(rules, str) else list(rules)
        reason = str(entry.get("reason", "")).strip()
        where = f"[[lint.ignore]] entry {number}"
        if not pattern or not rules:
            raise ConfigError(f"{config.label}: {where} needs file = \"...\" and rules = [...]")
        bad = [r for r in rules if not known_rule(r) or r in UNSUPPRESSIBLE]
        if bad:
            config.problems.append(finding("ST041", config.label, None,
                                           f"{where}: unknown or unsuppressible rule(s) {', '.join(bad)}"))
            continue
        if not has_reason(reason):
            config.problems.append(finding("ST040", config.label, None,
                                           f"{where} ({pattern}: {', '.join(rules)}) has no reason; "
                                           "it suppresses nothing until it says why"))
            continue
        config.ignores.append(IgnoreEntry(pattern, rules, reason))
    return config


def has_reason(reason: str | None) -> bool:
    return bool(reason and re.search(r"\w{2,}", reason))
