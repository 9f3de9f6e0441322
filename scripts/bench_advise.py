#!/usr/bin/env python3
"""Time db.advise (Supabase's advisors as catalog queries) and db.push's advisor gate.

    python scripts/bench_advise.py                  # example project and the 200-migration corpus, 5 repeats
    python scripts/bench_advise.py --sizes 200,1000 --repeat 3

On an embedded PostgreSQL of its own (a temporary folder, a free port), from one bootstrapped template:

  * `supatasks db.advise --json` on the example project (supabase/) and on the synthetic corpus of N
    migrations (scripts/bench_corpus.py), each migrated first with `supatasks db.up` — a child process, wall
    clock, and the queries' own time (the report's summary.seconds);
  * the push gate at N: `supatasks db.push --env=staging --dry-run --json` with every migration pending,
    with the advisors (a scratch database of the local server: N migrations applied, advisors before and
    after) and with --skip-advise; the difference is what the gate costs.

Every run must succeed (exit 0; the gate's dry run reports without refusing). It asserts no timings; it prints
a Markdown table for docs/benchmarks.md."""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_corpus import write_project  # noqa: E402
from bench_harness import REPO, BenchError, clean_env, free_port, run_timed, venv_program  # noqa: E402

TEMPLATE = "bench_advise_template"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python scripts/bench_advise.py", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="200", help="corpus sizes N, comma-separated (default 200)")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (default 5)")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    from supatasks.server import database_admin as admin
    from supatasks.server.bootstrap import apply_bootstrap
    from supatasks.server.local_server import LocalServer

    supatasks = venv_program("supatasks")
    work = Path(tempfile.mkdtemp(prefix="supatasks-bench-advise-"))
    server = LocalServer(work / "pgdata", port=free_port())
    server.start()
    rows = []
    try:
        import psycopg

        def admin_conn():
            return psycopg.connect(server.url("postgres"), autocommit=True)

        with admin_conn() as conn:
            admin.create_database(conn, TEMPLATE)
        with psycopg.connect(server.url(TEMPLATE), autocommit=True) as conn:
            apply_bootstrap(conn)
        with admin_conn() as conn:
            admin.mark_template(conn, TEMPLATE)

        def fresh(name: str) -> str:
            with admin_conn() as conn:
                admin.clone_database(conn, TEMPLATE, name)
            return server.url(name)

        def run(argv, project, env, what):
            result = run_timed([supatasks, *argv], cwd=project, env=clean_env(**env))
            if result.exit_code != 0:
                raise BenchError(f"{what} failed (exit {result.exit_code}):\n{result.tail()}")
            return result

        def advise_rows(label: str, project: Path, n: int) -> None:
            url = fresh(f"advise_{n}")
            run(["db.up"], project, {"SUPABASE_DB_URL": url}, f"db.up of {label}")
            walls, queries, found = [], [], None
            for _ in range(args.repeat):
                result = run(["db.advise", "--json"], project, {"SUPABASE_DB_URL": url}, f"db.advise on {label}")
                data = json.loads(result.stdout)
                walls.append(result.seconds)
                queries.append(data["summary"]["seconds"])
                found = data["summary"]
            rows.append((f"`db.advise` on {label}", n, statistics.median(walls), min(walls),
                         f"queries {statistics.median(queries) * 1000:.0f} ms; {found['errors']} error(s), "
                         f"{found['warnings']} warning(s), {found['info']} info, {found['suppressed']} suppressed"))

        example = work / "example"
        shutil.copytree(REPO / "supabase", example / "supabase", ignore=shutil.ignore_patterns(".temp", ".branches"))
        advise_rows("the example project", example, len(list((example / "supabase/migrations").glob("*.sql"))))

        for n in sizes:
            project = write_project(work / f"corpus{n}", n)
            advise_rows(f"the {n}-migration corpus", project, n)
            staging = fresh(f"staging_{n}")
            (project / ".env.staging").write_text(f"SUPABASE_DB_URL={staging}\n")
            (project / ".env.local").write_text(f"SUPABASE_DB_URL={server.url('postgres')}\n")
            timings = {}
            for label, extra in (("with the advisor gate", []), ("--skip-advise", ["--skip-advise"])):
                walls = [run(["db.push", "--env=staging", "--dry-run", "--json", "--skip-lint", *extra], project, {},
                             f"db.push --dry-run {label}").seconds for _ in range(args.repeat)]
                timings[label] = walls
                rows.append((f"`db.push --env=staging --dry-run --skip-lint` {label}", n, statistics.median(walls),
                             min(walls), f"{n} pending"))
            gate = statistics.median(timings["with the advisor gate"]) - statistics.median(timings["--skip-advise"])
            rows.append(("the advisor gate itself (difference of the medians)", n, gate, None,
                         f"scratch clone, {n} migrations applied, advisors twice"))
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print("| what | N | median s | min s | notes |\n|---|---:|---:|---:|---|")
    for what, n, median, least, notes in rows:
        print(f"| {what} | {n} | {median:.2f} | {'' if least is None else f'{least:.2f}'} | {notes} |")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(1)
