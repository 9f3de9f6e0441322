#!/usr/bin/env python3
"""Run the reliability and security suites with the full trial counts and print the figures.

    scripts/reliability.py                 # full counts (20 concurrency trials, 50 kill -9 trials, ...)
    scripts/reliability.py --trials 5      # 5 trials of every repeated scenario
    scripts/reliability.py -- -k crashes   # extra arguments go to pytest

Writes into .supatasks/reliability/<UTC time>/: results.jsonl (one line per scenario: trials, failures,
seconds), junit.xml (every test), pytest.log, and figures.md — the table docs/reliability.md shows.
Exit code: pytest's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = ["tests/test_migrations_concurrency.py", "tests/test_migrations_crashes.py", "tests/test_server_faults.py",
          "tests/test_migrations_lock_safety.py", "tests/test_tasks_hostile_input.py", "tests/test_tasks_access.py"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", default="full", help="'full' (the documented counts) or a number")
    parser.add_argument("--out", type=Path, help="output folder (default .supatasks/reliability/<UTC time>)")
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = (args.out or ROOT / ".supatasks" / "reliability" / stamp).absolute()
    out.mkdir(parents=True, exist_ok=True)
    results, junit, log = out / "results.jsonl", out / "junit.xml", out / "pytest.log"
    results.unlink(missing_ok=True)
    env = {**os.environ, "SUPATASKS_RELIABILITY_TRIALS": args.trials, "SUPATASKS_RELIABILITY_REPORT": str(results)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
               *SUITES, *args.pytest_args]
    began = dt.datetime.now(dt.timezone.utc)
    with open(log, "w", encoding="utf-8") as handle:
        code = subprocess.call(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    took = (dt.datetime.now(dt.timezone.utc) - began).total_seconds()
    figures = render(results, junit, args.trials, began, took)
    (out / "figures.md").write_text(figures, encoding="utf-8")
    print(figures)
    print(f"(pytest exit code {code}; log, results and junit.xml in {out})")
    return code


def render(results: Path, junit: Path, trials: str, began: dt.datetime, took: float) -> str:
    lines = [f"Run of {began:%Y-%m-%d %H:%M} UTC, SUPATASKS_RELIABILITY_TRIALS={trials}, "
             f"{os.cpu_count()} CPU cores, Python {platform.python_version()}, {took / 60:.1f} minutes.", "",
             "| scenario | trials | failures | seconds |", "|---|---:|---:|---:|"]
    if results.exists():
        for row in map(json.loads, results.read_text(encoding="utf-8").splitlines()):
            lines.append(f"| {row['scenario']} | {row['trials']} | {row['failures']} | {row['seconds']:g} |")
            detail = {k: v for k, v in row.items()
                      if k not in ("scenario", "trials", "failures", "seconds", "first_failure")}
            if detail or row.get("first_failure"):
                lines.append(f"|   ↳ {json.dumps(detail)}{' — ' + row['first_failure'] if row.get('first_failure') else ''}"
                             " | | | |")
    if junit.exists():
        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        cases = suite.findall("testcase")
        failed = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
        skipped = [c for c in cases if c.find("skipped") is not None]
        lines += ["", f"Tests: {len(cases)} run, {len(failed)} failed, {len(skipped)} skipped."]
        lines += [f"- FAILED {c.get('classname')}::{c.get('name')}" for c in failed]
        lines += [f"- skipped {c.get('classname')}::{c.get('name')}: "
                  f"{(c.find('skipped').get('message') or '').strip()}" for c in skipped]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
