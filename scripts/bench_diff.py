#!/usr/bin/env python3
"""Time db.diff (shadow creation + diff + proof) on the example project and on a corpus of N migrations.

    python scripts/bench_diff.py                     # example project and N = 200, 3 repeats, Markdown on stdout
    python scripts/bench_diff.py --sizes 50 --repeat 1

Starts its own embedded PostgreSQL on a free port in a temporary folder, resets each project (db.reset), makes
one schema change in the database (a table with an index, a policy, a view; a new column), then times
`diff_project` in-process as `inv db.diff` calls it: the first run after the reset (the shadow template is
built: the reset cache holds the seeds too, so it is used only when its key matches) and warm runs (the shadow
is a copy of a cached template). Each run is proven (up, re-diff, down); a failing proof stops the script.
Also tries the pinned Supabase CLI's `supabase db diff`, which needs Docker for its shadow database, and
reports why it cannot run where it cannot. Asserts no timings.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

CHANGE = """
CREATE TABLE public.bench_notes (id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz DEFAULT now());
ALTER TABLE public.bench_notes ENABLE ROW LEVEL SECURITY;
CREATE INDEX bench_notes_created ON public.bench_notes (created_at);
CREATE POLICY "read notes" ON public.bench_notes FOR SELECT TO authenticated USING (true);
CREATE VIEW public.bench_bodies AS SELECT id, body FROM public.bench_notes;
"""


def measure(root: Path, url: str, repeat: int) -> dict:
    from supatasks.checks.diff.workflow import diff_project
    from supatasks.project import Project
    from supatasks.reset.reset import reset_database
    from supatasks.target import open_target

    os.environ["SUPABASE_DB_URL"] = url
    project = Project(root)
    began = time.perf_counter()
    reset_database(open_target(project, "local"))
    reset_seconds = time.perf_counter() - began
    with open_target(project, "local").connect() as conn:
        conn.execute(CHANGE)
    runs = []
    for _ in range(1 + repeat):
        report = diff_project(project)
        if not (report.proof and report.proof.ok):
            raise SystemExit(f"proof failed on {root}: {report.proof.problems() if report.proof else report.refused}")
        runs.append(dict(report.seconds, steps=len(report.up.ops)))
    return {"reset": reset_seconds, "cold": runs[0], "warm": runs[1:]}


def try_cli(root: Path, url: str) -> str:
    cli = REPO / ".supatasks/cli/node_modules/.bin/supabase"
    if not cli.exists():
        return "the pinned CLI is not installed (scripts/install-supabase-cli.sh)"
    try:
        result = subprocess.run([str(cli), "db", "diff", "--db-url", url + "?sslmode=disable"], cwd=root,
                                capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "supabase db diff did not finish within 120 s"
    text = (result.stderr + result.stdout).strip().splitlines()
    return f"exit {result.returncode}: " + " / ".join(line for line in text[-3:] if line.strip())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="200")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from bench_corpus import write_project

    from supatasks.server.local_server import LocalServer

    work = Path(tempfile.mkdtemp(prefix="supatasks-bench-diff-"))
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = LocalServer(work / "pgdata", port=port)
    server.start()
    results = {}
    cli_note = ""
    try:
        import psycopg

        def database(name: str) -> str:
            with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            return server.url(name)

        example = work / "example"
        shutil.copytree(REPO / "supabase", example / "supabase", ignore=shutil.ignore_patterns(".temp", ".branches"))
        url = database("bench_example")
        results["example project (12 migrations)"] = measure(example, url, args.repeat)
        cli_note = try_cli(example, url)
        for n in [int(s) for s in args.sizes.split(",")]:
            root = write_project(work / f"corpus{n}", n)
            results[f"corpus of {n} migrations"] = measure(root, database(f"bench_{n}"), args.repeat)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("| project | db.reset (s) | db.diff first run: shadow / diff / proof / total (s) | "
          "db.diff warm, median total (s) | steps |")
    print("|---|---|---|---|---|")
    for label, r in results.items():
        cold = r["cold"]
        warm = sorted(w["total"] for w in r["warm"])
        median = warm[len(warm) // 2] if warm else float("nan")
        print(f"| {label} | {r['reset']:.2f} | {cold['shadow']:.2f} / {cold['diff']:.2f} / "
              f"{cold.get('proof', 0):.2f} / {cold['total']:.2f} | {median:.2f} | {cold['steps']} |")
    print(f"\n`supabase db diff` (pinned CLI): {cli_note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
