"""squawk (the `squawk-cli` wheel): locking and unsafe-operation checks, read through its JSON reporter."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import SupatasksError


@dataclass(frozen=True)
class SquawkFinding:
    file: str           # as passed to squawk (relative to the project root)
    line: int           # 1-based (squawk's JSON counts from 0)
    column: int         # 1-based
    rule: str
    level: str          # squawk's level, lower-cased: warning | error
    message: str
    help: str | None


def find_squawk() -> str | None:
    """The squawk binary installed next to this Python (the wheel's script), else on PATH."""
    beside = Path(sys.executable).parent / "squawk"
    if beside.is_file():
        return str(beside)
    return shutil.which("squawk")


def squawk_version(binary: str) -> str:
    from .. import programs

    result = programs.run(binary, ["--version"], check=False, timeout=30)
    return result.stdout.strip().removeprefix("squawk ").strip() or "unknown"


def run_squawk(binary: str, root: Path, files: list[str], *, assume_in_transaction: bool,
               pg_version: str | None = None, exclude: tuple[str, ...] = ()) -> list[SquawkFinding]:
    """Lint `files` (paths relative to `root`, where a .squawk.toml is honoured) and return the findings."""
    from .. import programs

    if not files:
        return []
    args = ["--reporter", "json"]
    if exclude:
        args.append("--exclude=" + ",".join(exclude))
    if pg_version:
        args.append(f"--pg-version={pg_version}")
    if assume_in_transaction:
        args.append("--assume-in-transaction")
    result = programs.run(binary, [*args, *files], cwd=root, check=False, timeout=300)
    if result.exit_code not in (0, 1):
        detail = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise SupatasksError(f"squawk failed (exit code {result.exit_code}): {detail[0] if detail else ''}")
    try:
        data = json.loads(result.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise SupatasksError(f"squawk printed something that is not JSON: {exc}") from None
    findings = []
    for item in data:
        findings.append(SquawkFinding(
            file=item.get("file", ""),
            line=int(item.get("line") or 0) + 1,
            column=int(item.get("column") or 0) + 1,
            rule=item.get("rule_name") or "squawk",
            level=str(item.get("level", "warning")).lower(),
            message=" ".join(str(item.get("message", "")).split()),
            help=item.get("help"),
        ))
    return findings
