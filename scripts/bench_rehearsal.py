#!/usr/bin/env python3
"""What the rehearsal and the verification cost, on the example project (supabase/: 12 migrations, 12 down files).

    python scripts/bench_rehearsal.py               # 5 repeats, a Markdown table on stdout
    python scripts/bench_rehearsal.py --repeat 3

Starts its own embedded PostgreSQL (a temporary folder, a free port) that serves as both the target ("staging",
a bootstrapped database) and the local server the rehearsal copies onto. Per repeat, on a fresh target:
the rehearsal of a push of all 12 files (library: run_push --dry-run --rehearse), the push, the rehearsal of
rolling all 12 back (rehearse_down), the schema verification at the head (verify_schema), and the incident
command as a user runs it — `supatasks db.rollback --env=staging --yes --to=0`, with and without --rehearse
(the target is pushed again in between). It checks each result and asserts no timings.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUPATASKS = str(Path(sys.executable).parent / "supatasks")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], cwd: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "SUPATASKS_"))}
    began = time.perf_counter()
    result = subprocess.run([SUPATASKS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - began
    if result.returncode != 0:
        sys.exit(f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()

    import psycopg

    from supatasks.migrations.push import apply_push, plan_push, run_push
    from supatasks.confirmation import Consent
    from supatasks.project import find_project
    from supatasks.recovery.down import plan_down, rehearse_down
    from supatasks.server.bootstrap import apply_bootstrap
    from supatasks.server.local_server import LocalServer
    from supatasks.target import open_target
    from supatasks.checks.verify import verify_schema

    folder = Path(tempfile.mkdtemp(prefix="supatasks-bench-rehearsal-"))
    server = LocalServer(folder / "pgdata", port=free_port())
    server.start()
    timings: dict[str, list[float]] = {}
    try:
        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench_template")
        with psycopg.connect(server.url("bench_template"), autocommit=True) as conn:
            apply_bootstrap(conn)
        project_root = folder / "project"
        shutil.copytree(REPO / "supabase", project_root / "supabase",
                        ignore=shutil.ignore_patterns(".temp", ".branches"))
        (project_root / ".env.local").write_text(f"SUPABASE_DB_URL={server.url('postgres')}\n")
        os.chdir(project_root)
        for trial in range(options.repeat):
            name = f"bench_target_{trial}"
            with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name} TEMPLATE bench_template")
            (project_root / ".env.staging").write_text(f"SUPABASE_DB_URL={server.url(name)}\n")
            os.environ.pop("SUPABASE_DB_URL", None)
            target = open_target(find_project(project_root), "staging")

            push = plan_push(target)
            began = time.perf_counter()
            outcome = run_push(push, Consent(yes=True), dry_run=True, rehearse=True)
            timings.setdefault("rehearse a push of 12 files (library)", []).append(time.perf_counter() - began)
            assert outcome.rehearsal.ok and len(outcome.rehearsal.steps) == 12
            timings.setdefault("  of which the 12 files on the copy", []).append(
                sum(s for _, s in outcome.rehearsal.steps))
            apply_push(push)

            with target.connect() as conn:
                plan = plan_down(target, conn, to="0")
            began = time.perf_counter()
            rehearsal = rehearse_down(plan)
            timings.setdefault("rehearse rolling back 12 (library)", []).append(time.perf_counter() - began)
            timings.setdefault("  of which pg_dump --schema-only", []).append(rehearsal.dump_seconds)
            timings.setdefault("  of which pg_restore onto the bootstrap copy", []).append(rehearsal.restore_seconds)
            timings.setdefault("  of which the 12 down files on the copy", []).append(
                sum(s for _, s in rehearsal.steps))
            assert rehearsal.ok and len(rehearsal.steps) == 12
            assert not rehearsal.restore_problems, rehearsal.restore_problems  # the copy is complete

            began = time.perf_counter()
            verification = verify_schema(target, push.prepared[-1].migration.version)
            timings.setdefault("verify the schema at the head (library)", []).append(time.perf_counter() - began)
            assert verification.ok, verification.lines()

            timings.setdefault("db.rollback --to=0 (CLI)", []).append(
                run(["db.rollback", "--env=staging", "--yes", "--to=0"], project_root))
            run(["db.push", "--env=staging", "--yes"], project_root)
            timings.setdefault("db.rollback --to=0 --rehearse (CLI)", []).append(
                run(["db.rollback", "--env=staging", "--yes", "--to=0", "--rehearse"], project_root))
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)

    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{options.repeat} repeats, {when}, load average {os.getloadavg()[0]:.2f}\n")
    print("| step | median s | min–max s |")
    print("|---|---|---|")
    for label, values in timings.items():
        print(f"| {label} | {statistics.median(values):.2f} | {min(values):.2f}–{max(values):.2f} |")


if __name__ == "__main__":
    main()
