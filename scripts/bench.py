#!/usr/bin/env python3
"""Benchmark supatasks against the Supabase CLI and psql, on one throw-away server, in one run.

    python scripts/bench.py                 # the full run: N = 10, 100, 200, 1000, 5 repeats -> docs/benchmarks.md
    python scripts/bench.py --quick         # a CI smoke run (N = 10, 50; 1 repeat) -> a temporary file
    python scripts/bench.py --sizes 10,200 --repeat 3 --out /tmp/bench.md

What it does: writes a synthetic Supabase project of N realistic migrations per size (scripts/bench_corpus.py),
starts its own embedded PostgreSQL (supatasks.server.local_server.LocalServer, on a free port, in a temporary folder),
bootstraps one template database with supatasks' Supabase bootstrap, and times every command as a user runs
it — a child process, wall clock, from a fresh copy of that template (or of a migrated database) per trial:

  * `supatasks db.up`                        (the console script; the same tasks as `inv db.up`)
  * `supabase migration up --db-url`         (the pinned CLI, when installed)
  * `psql -1 -f` of the concatenated corpus  (the practical floor)
  * `supatasks db.reset` cold and warm, `supabase db reset --db-url`
  * `supatasks db.status`, `supatasks db.push --env=staging --dry-run --json` (the push planner)
  * `inv --list` and `inv --help db.push` against a tasks.py that only imports invoke

It also counts the statements db.status and the push planner send (the server's statement log, switched on
for the measured database only), records each command's peak memory and CPU time (os.wait4), and the start-up
of `inv` against a tasks.py that only imports invoke.

Every command must succeed and leave the expected result behind (N tables, N history rows, the seed row,
N applied in the status JSON...): otherwise the script stops with exit code 1.  It asserts no timings; it
reports them, with the issue's targets next to each ratio, and for each missed target a note on the floor.
`--json` keeps the raw numbers, `--from-json` re-writes the Markdown from them without measuring.  It needs no
`inv`; run it with the project's virtualenv (the one `pip install -e .` went into).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_harness, bench_report, bench_corpus

from bench_harness import REPO, Bench, BenchError, FULL_SIZES, INNER_LOOP_SIZES, QUICK_SIZES, Results  # noqa: E402
from bench_report import NOTES_MARKER, inner_loop_markdown, markdown, text_table  # noqa: E402


def with_notes(report: str, path: Path) -> str:
    """The new report, followed by the notes written by hand at the end of the file it replaces (if any)."""
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if NOTES_MARKER not in old:
        return report
    return report.rstrip("\n") + "\n\n" + NOTES_MARKER + old.split(NOTES_MARKER, 1)[1]


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python scripts/bench.py",
        description="Benchmark supatasks (db.up, db.reset, db.status, the push planner, inv start-up) against "
                    "the Supabase CLI and psql -1 -f, on an embedded PostgreSQL server of its own; write a "
                    "Markdown report. Checks every command's result; asserts no timings.")
    p.add_argument("--sizes", help="comma-separated corpus sizes N (default 10,100,200,1000; --quick: 10,50)")
    p.add_argument("--repeat", type=int, help="timed runs per command and size (default 5; --quick: 1)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run for CI: small sizes, one repeat; writes to a temporary file unless --out")
    p.add_argument("--out", type=Path,
                   help="where to write the Markdown (default docs/benchmarks.md; --quick: a temporary file)")
    p.add_argument("--json", type=Path, help="also write the raw measurements as JSON here")
    p.add_argument("--cli", help="the Supabase CLI binary (default: $SUPABASE_CLI, .supatasks/cli, PATH)")
    p.add_argument("--no-cli", action="store_true", help="skip the Supabase CLI measurements")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (projects, server data, log)")
    p.add_argument("--inner-loop", action="store_true",
                   help="measure only the inner loop (issue #16): the floor row, db.up with nothing to do, warm "
                        "db.reset, db.watch save latency and the start-up; writes that section's Markdown "
                        "(default sizes 10,200,1000; to a temporary file unless --out)")
    p.add_argument("--no-watch", action="store_true",
                   help="skip db.watch (to measure code that has none, e.g. a 'before' run)")
    p.add_argument("--label", default="", help="--inner-loop: what the run measures, e.g. 'before' / 'after'")
    p.add_argument("--from-json", type=Path, metavar="PATH",
                   help="measure nothing: re-write the Markdown from the --json file of an earlier run")
    args = p.parse_args(argv)
    try:
        args.sizes = sorted({int(s) for s in (args.sizes or "").split(",") if s.strip()}) or (
            QUICK_SIZES if args.quick else INNER_LOOP_SIZES if args.inner_loop else FULL_SIZES)
    except ValueError:
        p.error(f"--sizes: expected comma-separated integers, got {args.sizes!r}")
    if any(n < 1 for n in args.sizes):
        p.error("--sizes: every size must be at least 1")
    args.repeat = args.repeat or (1 if args.quick else 5)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def output_path(args: argparse.Namespace) -> Path:
    """--out; else docs/benchmarks.md for a full run, a new temporary file for --quick (never the docs)."""
    if args.out is not None:
        return args.out
    if args.quick or args.inner_loop:
        fd, name = tempfile.mkstemp(prefix="supatasks-bench-", suffix=".md")
        os.close(fd)
        return Path(name)
    return REPO / "docs" / "benchmarks.md"


def find_cli(explicit: str | None) -> tuple[str | None, str | None]:
    """(path, None) or (None, why it is missing)."""
    if explicit:
        return (explicit, None) if Path(explicit).exists() else (None, f"--cli {explicit}: no such file")
    from supatasks.errors import SupatasksError
    from supatasks.project import Project
    from supatasks.server.supabase_cli import find_cli as locate
    try:
        return locate(Project(REPO)), None
    except SupatasksError as exc:
        return None, str(exc)


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    args = parse_args(raw)
    began = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - began:7.1f}s] {message}", file=sys.stderr, flush=True)

    if args.from_json:
        results = Results.from_json(json.loads(args.from_json.read_text()))
        quick = "--quick" in results.argv or args.inner_loop
        out_path = args.out or (None if quick else REPO / "docs" / "benchmarks.md")
        if out_path is None:
            print("bench: --from-json of a --quick run needs --out", file=sys.stderr)
            return 2
        if args.inner_loop:
            out_path.write_text(inner_loop_markdown(results, args.label))
            print(out_path.read_text())
            return 0
        out_path.write_text(with_notes(markdown(results, quick), out_path))
        print(text_table(results))
        log(f"wrote {out_path}")
        return 0

    if args.inner_loop:
        args.no_cli = True  # the inner loop compares supatasks with its floor, not with the CLI
    cli, missing = (None, "--no-cli") if args.no_cli else find_cli(args.cli)
    if missing:
        log(f"the Supabase CLI is not available ({missing}): its rows will be n/a "
            "(install it with scripts/install-supabase-cli.sh)")

    from supatasks.errors import SupatasksError

    workdir = Path(tempfile.mkdtemp(prefix="supatasks-bench-"))
    bench = None
    try:
        bench = Bench(workdir, args.sizes, args.repeat, cli, log=log,
                      startup_repeat=3 if args.quick else max(10, 2 * args.repeat))
        bench.results.cli_missing = missing
        bench.results.argv = raw
        bench.inner_loop, bench.watch = args.inner_loop, not args.no_watch
        if args.json:
            bench.progress = lambda res: args.json.write_text(json.dumps(res.as_json(), indent=2))
        results = bench.run()
        results.environment["load average at end"] = (" / ".join(f"{x:.2f}" for x in os.getloadavg())
                                                       + " (1 / 5 / 15 min)")
    except (BenchError, SupatasksError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        try:
            if bench is not None:
                bench.stop_server()
        finally:
            if args.keep:
                log(f"kept {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)

    out_path = output_path(args)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if args.inner_loop:
        report = inner_loop_markdown(results, args.label)
        print(report, flush=True)
        out_path.write_text(report)
    else:
        print(text_table(results), flush=True)
        out_path.write_text(with_notes(markdown(results, args.quick), out_path))
    if args.json:
        args.json.write_text(json.dumps(results.as_json(), indent=2))
    log(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
