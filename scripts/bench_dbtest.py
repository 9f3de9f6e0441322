#!/usr/bin/env python3
"""Time `supatasks db.test` on the example project's tests, against pg_prove on the same files.

    python scripts/bench_dbtest.py               # 5 repeats; prints a Markdown table (for docs/benchmarks.md)
    python scripts/bench_dbtest.py --repeat 3

Starts its own servers in a temporary folder (the embedded PostgreSQL 18, whose pgTAP is supatasks' stand-in,
and Debian's PostgreSQL 15 with the real pgTAP where installed), copies the example project there and times,
as a user runs them (a child process, wall clock):

  * `supatasks db.test` the first time (the reset cache and the test template are built: bootstrap, 12
    migrations, seed, pgTAP, helpers), then warm — back to back (the background child of the run before is still
    copying the next spare) and after that child settled (the spare renamed into place);
  * `pg_prove` (pgTAP's own runner, which `supabase test db` runs in Docker) of the same files, one after the
    other, on a migrated and seeded database with pgTAP and supatasks' test helpers installed — the floor
    without scratch copies or isolation beyond the files' own BEGIN/ROLLBACK.

Every run must pass (37 tests): otherwise the script stops with exit code 1. It asserts no timings.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "src"))

from bench_harness import clean_env, free_port, run_timed, venv_program  # noqa: E402

PG15_BIN = Path("/usr/lib/postgresql/15/bin")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from supatasks.server.local_server import LocalServer

    work = Path(tempfile.mkdtemp(prefix="bench-dbtest-"))
    work.chmod(0o755)
    rows = []
    try:
        servers = [("PostgreSQL 18 (embedded), pgTAP stand-in", None)]
        if (PG15_BIN / "postgres").exists():
            servers.append(("PostgreSQL 15 (Debian), real pgTAP", PG15_BIN))
        for label, bin_dir in servers:
            server = LocalServer(work / f"data-{len(rows)}", port=free_port(), bin_dir=bin_dir)
            server.start()
            try:
                rows.append((label, measure(server, work / f"project-{len(rows)}", args.repeat)))
            finally:
                server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| server | db.test, first run (cache built) | db.test, warm | db.test, back to back "
          "| pg_prove, same files |")
    print("|---|---:|---:|---:|---:|")
    for label, (first, warm, prove, workers, rushed) in rows:
        print(f"| {label} | {first[0]:.2f} s | {warm[0]:.2f} s (client CPU {warm[1]:.2f} s, {workers} worker) "
              f"| {rushed:.2f} s | {prove[0]:.2f} s (client CPU {prove[1]:.2f} s) |")
    print("\n(wall clock, medians; client CPU: the command's own user+system time, children included)")
    return 0


def measure(server, project: Path, repeat: int):
    import psycopg

    shutil.copytree(REPO / "supabase", project / "supabase", ignore=shutil.ignore_patterns(".temp", ".branches"))
    env = clean_env(SUPABASE_DB_URL=server.url("postgres"))
    supatasks = venv_program("supatasks")

    def db_test():
        run = run_timed([supatasks, "db.test", "--json"], cwd=project, env=env)
        data = json.loads(run.stdout) if run.stdout.strip() else {}
        if run.exit_code != 0 or data.get("summary", {}).get("passed") != 37:
            raise SystemExit(f"db.test failed:\n{run.tail()}")
        return (run.seconds, run.cpu_seconds), data["workers"]

    def settle():
        """Wait for the background child (the used databases dropped, the next spare made), as a user's next
        run after a few seconds would find it."""
        from supatasks.reset import spares

        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            names = [r[0] for r in conn.execute(
                r"SELECT datname FROM pg_database WHERE datname LIKE 'supatasks\_testtpl\_%'")]
            if not spares.wait_until_settled(conn, "127.0.0.1", server.port, names, timeout=120):
                raise SystemExit("the background work after db.test did not settle")

    first, workers = db_test()
    back_to_back = [db_test()[0] for _ in range(repeat)]
    runs = []
    for _ in range(repeat):
        settle()
        runs.append(db_test()[0])
    warm = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))

    # pg_prove's database: the same migrations and seed (db.reset), then pgTAP and the helpers
    bench_env = clean_env(SUPABASE_DB_URL=server.url("bench"))
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute('CREATE DATABASE "bench"')
    reset = run_timed([supatasks, "db.reset"], cwd=project, env=bench_env)
    if reset.exit_code != 0:
        raise SystemExit(f"db.reset failed:\n{reset.tail()}")
    from supatasks.checks.dbtest import prepare_database

    with psycopg.connect(server.url("bench"), autocommit=True) as conn:
        prepare_database(conn)
    files = sorted(str(p) for p in (project / "supabase" / "tests").rglob("*.sql"))
    prove = []
    for _ in range(repeat):
        run = run_timed(["pg_prove", "-d", server.url("bench"), *files], cwd=project, env=env)
        if run.exit_code != 0 or "Result: PASS" not in run.stdout:
            raise SystemExit(f"pg_prove failed:\n{run.tail()}")
        prove.append((run.seconds, run.cpu_seconds))
    return (first, warm, (statistics.median(r[0] for r in prove), statistics.median(r[1] for r in prove)), workers,
            statistics.median(r[0] for r in back_to_back))


if __name__ == "__main__":
    sys.exit(main())
