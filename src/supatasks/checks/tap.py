"""Reading TAP (the Test Anything Protocol) as pgTAP writes it: `1..N`, `ok 1 - description`,
`not ok 2 - description # TODO why`, `ok 3 # SKIP why`, and `# diagnostics` after a test."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PLAN = re.compile(r"^1\.\.(\d+)\b")
_TEST = re.compile(r"^(not )?ok\b(?: (\d+))?(?: - )?(.*)$")
_DIRECTIVE = re.compile(r"(?:^|\s)# (TODO|SKIP)\b\s*(.*)$", re.IGNORECASE)


@dataclass
class Assertion:
    number: int
    ok: bool
    description: str
    directive: str | None = None      # TODO | SKIP
    reason: str = ""
    diagnostics: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """A `not ok` that is not marked TODO."""
        return not self.ok and self.directive != "TODO"

    def as_dict(self) -> dict:
        return {"number": self.number, "ok": self.ok, "description": self.description,
                "directive": self.directive, "reason": self.reason, "diagnostics": self.diagnostics}


@dataclass
class TapResult:
    planned: int | None = None
    assertions: list[Assertion] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)   # before the first test, and finish()'s

    @property
    def tests(self) -> int:
        return len(self.assertions)

    @property
    def failed(self) -> list[Assertion]:
        return [a for a in self.assertions if a.failed]

    @property
    def passed(self) -> int:
        return sum(1 for a in self.assertions if not a.failed)

    @property
    def skipped(self) -> int:
        return sum(1 for a in self.assertions if a.directive == "SKIP")

    @property
    def todo(self) -> int:
        return sum(1 for a in self.assertions if a.directive == "TODO")

    def problems(self) -> list[str]:
        """What is wrong with the run as a whole (besides failed assertions)."""
        if self.planned is None:
            if not self.assertions:
                return ["no tests ran (no plan, no assertion)"]
            return ["no plan: the file never called plan(), or no_plan() without finish()"]
        if self.planned != self.tests:
            return [f"planned {self.planned} test{'s' if self.planned != 1 else ''} but ran {self.tests}"]
        return []


def parse_tap(lines: list[str]) -> TapResult:
    """The plan, the tests and their diagnostics; lines that are neither are ignored, as TAP says."""
    result = TapResult()
    last: Assertion | None = None
    for line in lines:
        plan = _PLAN.match(line)
        if plan:
            result.planned = int(plan.group(1))
            continue
        test = _TEST.match(line)
        if test:
            rest = test.group(3)
            directive = _DIRECTIVE.search(rest)
            description = rest[:directive.start()].strip() if directive else rest.strip()
            number = int(test.group(2)) if test.group(2) else len(result.assertions) + 1
            last = Assertion(number, not test.group(1), description,
                             directive.group(1).upper() if directive else None,
                             directive.group(2).strip() if directive else "")
            result.assertions.append(last)
            continue
        if line.startswith("#"):
            text = line[2:] if line.startswith("# ") else line[1:]
            run_level = last is None or text.startswith("Looks like you ")  # finish()'s summary
            (result.diagnostics if run_level else last.diagnostics).append(text)
    return result
