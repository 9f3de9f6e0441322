#!/usr/bin/env python3
"""Compatibility harness: does `supatasks db.reset` build real Supabase projects?

    python scripts/compat.py DIR... [--json] [--cli] [--timeout=120] [--keep]

Each DIR is a Supabase project: a folder holding `supabase/config.toml` (the `supabase/` folder itself is
accepted too; anything else is skipped).  For each one, in turn, the harness copies `supabase/` into a
temporary folder (the original is never touched), runs `supatasks db.reset --json --no-cache` there, and
prints one row: name, number of migrations (files the CLI would apply: `supabase/migrations/<digits>_*.sql`),
result, seconds, and the first `error:` line supatasks printed (`file:line: ERROR SQLSTATE: message`).
A summary (pass rate) follows; `--json` prints all of it as one JSON object instead.

With `--cli`, the same migrations are also applied by the real Supabase CLI (`supabase migration up
--db-url ...?sslmode=disable`) onto a fresh database of the same server that got the same bootstrap
(`supatasks.server.bootstrap.apply_bootstrap`), and the row says whether the CLI fails too and at the same file
with the same SQLSTATE: the evidence for "broken upstream" rather than "supatasks gap".  `migration up` runs
no seeds, so a seed failure has no CLI counterpart.

How the server is shared -- the result must equal what a user gets from `inv db.reset` on the default
local profile (supatasks' embedded server, no SUPABASE_DB_URL):
- every copy runs the real command line on the default local profile.  SUPABASE_DB_URL,
  SUPABASE_PROJECT_REF, SUPATASKS_ENV and SUPATASKS_PROJECT are removed from its environment and only
  `supabase/` is copied (a project's own `.env` files stay behind), so supatasks starts and uses its
  embedded server exactly as it would for the user, with its own settings and extension stand-ins;
- but instead of one server per project (initdb and the bootstrap template every time), every copy's
  `.supatasks` folder is a symlink to one state folder of the harness, and SUPATASKS_LOCAL_PORT is a free
  port: the copies find that one server running.  Each reset recreates the `postgres` database from the
  bootstrap template, as always; `--no-cache` only skips storing a template of the result (the first
  reset of a project has no cache to hit anyway);
- before each reset the harness waits (at most 30 s) until the background process supatasks starts after
  a reset has finished: back-to-back resets of different projects on one server are not what a user does,
  and they race in supatasks (42P04 on `supatasks_spare_base_*`, both making the same spare);
- what a database reset cannot undo is cluster-wide: roles, their settings and memberships.  When the
  harness starts a server it gives the cluster the bootstrap's roles (`apply_bootstrap` on a scratch
  database) and notes that state; after each project it compares, and when a project changed it (or timed
  out) the server is stopped and its data folder deleted, so the next project gets a brand-new one;
- supatasks chooses the server per project (`[db] major_version` where that PostgreSQL is installed, the
  wheel's 18 otherwise or when the installed one lacks an extension the migrations need).  When the running
  server is not the one a project wants, its `db.start` fails (the port is taken): the harness stops the
  running one and lets supatasks start the right one.  The --cli database lives on that same server.

Projects run one at a time, each bounded by --timeout seconds (its process group is killed after that).
At the end the harness stops the servers it started and deletes its temporary folder (--keep keeps it).
Needs: supatasks installed in the Python running this script (its `supatasks` console script next to it,
else on PATH); for --cli, the Supabase CLI (SUPABASE_CLI, `.supatasks/cli` of the supatasks checkout, or PATH).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

MIGRATION = re.compile(r"^([0-9]+)_(.*)\.sql$")
CLI_ERROR = re.compile(r"ERROR: (.*?) \(SQLSTATE (\w{5})\)")
CLI_APPLYING = re.compile(r"Applying migration (\S+\.sql)")
DROPPED_ENV = ("SUPABASE_DB_URL", "SUPABASE_PROJECT_REF", "SUPATASKS_ENV", "SUPATASKS_PROJECT")
CLUSTER_STATE = """
    SELECT coalesce(string_agg(x, ',' ORDER BY x), '') FROM (
      SELECT format('%s:%s%s%s%s', rolname, rolsuper, rolinherit, rolcanlogin, rolbypassrls) AS x FROM pg_roles
      UNION ALL SELECT format('%s>%s', roleid::regrole, member::regrole) FROM pg_auth_members
      UNION ALL SELECT format('%s=%s', setrole, setconfig) FROM pg_db_role_setting WHERE setdatabase = 0
      UNION ALL SELECT 'tablespace ' || spcname FROM pg_tablespace) s
"""


def program(name: str, env_var: str | None = None) -> str | None:
    if env_var and os.environ.get(env_var):
        return os.environ[env_var]
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    checkout = Path(__file__).resolve().parents[1] / ".supatasks" / "cli" / "node_modules" / ".bin" / name
    if checkout.exists():
        return str(checkout)
    return shutil.which(name)


def project_root(path: Path) -> Path | None:
    if (path / "supabase" / "config.toml").is_file():
        return path
    if path.name == "supabase" and (path / "config.toml").is_file():
        return path.parent
    return None


def count_migrations(root: Path) -> int:
    folder = root / "supabase" / "migrations"
    return sum(1 for p in folder.iterdir() if p.is_file() and MIGRATION.match(p.name)) if folder.is_dir() else 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Harness:
    def __init__(self, timeout: float, cli: str | None, keep: bool):
        self.timeout = timeout
        self.cli = cli
        self.keep = keep
        self.work = Path(tempfile.mkdtemp(prefix="supatasks-compat-"))
        self.state = self.work / "state"        # the shared `.supatasks` folder of every copy
        self.state.mkdir()
        self.port = free_port()
        self.supatasks = program("supatasks") or sys.exit("compat: the supatasks command is not installed")
        self.env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
        self.env["SUPATASKS_LOCAL_PORT"] = str(self.port)
        self.baseline: str | None = None        # roles etc. of a fresh, bootstrapped server
        self.copies = 0

    # -- the shared server ------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=10)

    def cluster_state(self) -> str | None:
        try:
            with self.connect("template1") as conn:
                return conn.execute(CLUSTER_STATE).fetchone()[0]
        except psycopg.Error:
            return None

    def fresh_server(self, copy: Path) -> str | None:
        """Start the server this project asks for (outside any timed run) and give the cluster the bootstrap's
        roles (on a scratch database), then remember the cluster-wide state every project must leave as it
        found it.  Returns an error when the server cannot be started."""
        rc, out, err, _ = self.run([self.supatasks, "db.start"], copy)
        if rc != 0:                                 # e.g. another server of ours holds the port: start afresh
            self.stop_server(forget=True)
            rc, out, err, _ = self.run([self.supatasks, "db.start"], copy)
            if rc != 0:
                return first_error(err, out)
        from supatasks.server.bootstrap import apply_bootstrap

        with self.connect() as conn:
            conn.execute("DROP DATABASE IF EXISTS compat_probe")
            conn.execute("CREATE DATABASE compat_probe")
        with self.connect("compat_probe") as conn:
            apply_bootstrap(conn)
        with self.connect() as conn:
            conn.execute("DROP DATABASE compat_probe")
        self.baseline = self.cluster_state()
        return None

    def settle(self, bound: float = 30) -> None:
        """Wait (bounded) until supatasks' background process of the previous reset has finished and no
        other session is on the server, as it would have before a user's next reset."""
        from supatasks.reset.spares import children_running

        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            if children_running("127.0.0.1", self.port):
                time.sleep(0.2)
                continue
            try:
                with self.connect("template1") as conn:
                    busy = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                                        "'client backend' AND pid <> pg_backend_pid()").fetchone()[0]
            except psycopg.Error:
                return
            if not busy:
                return
            time.sleep(0.2)

    def stop_server(self, forget: bool) -> None:
        """Stop the server(s) supatasks started in the shared state folder (fast shutdown, by the pid in
        postmaster.pid: whichever PostgreSQL it is), and with `forget` delete their data."""
        data_dirs = list(self.state.glob("pgdata*"))     # supatasks keeps one per server it chose
        for folder in data_dirs:
            try:
                pid = int((folder / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGINT)
            except (OSError, ValueError, IndexError):
                continue
            deadline = time.monotonic() + 60
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
        if forget:
            for folder in data_dirs:
                shutil.rmtree(folder, ignore_errors=True)
            self.baseline = None

    # -- one project --------------------------------------------------------------
    def copy(self, root: Path, name: str) -> Path:
        self.copies += 1
        dest = self.work / f"{self.copies:03d}-{name}"
        shutil.copytree(root / "supabase", dest / "supabase", symlinks=True,
                        ignore=shutil.ignore_patterns(".temp", ".branches"))
        (dest / ".supatasks").symlink_to(self.state, target_is_directory=True)
        return dest

    def run(self, args: list[str], cwd: Path, env: dict | None = None) -> tuple[int | None, str, str, float]:
        """Run a command in its own process group; kill the group after the timeout (rc None)."""
        started = time.monotonic()
        proc = subprocess.Popen(args, cwd=cwd, env=env or self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=self.timeout)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            rc = None
        return rc, out, err, time.monotonic() - started

    def project(self, path: Path) -> dict:
        root = project_root(path)
        row = {"name": path.name if path.name != "supabase" else path.parent.name, "path": str(path),
               "migrations": 0, "result": "skip", "seconds": None, "error": None}
        if root is None:
            row["error"] = "no supabase/config.toml"
            return row
        row["migrations"] = count_migrations(root)
        copy = self.copy(root, row["name"])
        # supatasks chooses the server per project ([db] major_version, the extensions it needs): when the
        # one running is not this project's, `db.start` fails (the port is taken) and we start afresh.
        if self.baseline is not None and self.run([self.supatasks, "db.start"], copy)[0] != 0:
            self.stop_server(forget=True)
        if self.baseline is None and (problem := self.fresh_server(copy)):
            row.update(result="fail", error=f"server: {problem}")
            return row
        self.settle()
        rc, out, err, seconds = self.run([self.supatasks, "db.reset", "--json", "--no-cache"], copy)
        row["seconds"] = round(seconds, 2)
        if rc == 0:
            row["result"] = "pass"
        else:
            row["result"] = "fail"
            row["error"] = (first_error(err, out).replace(f"{copy}/", "") if rc is not None
                            else f"timeout after {self.timeout:g}s")
        if rc is None or self.cluster_state() != self.baseline:
            self.stop_server(forget=True)           # the next run gets a fresh server
        if self.cli:
            if self.cluster_state() is None:        # the server went away (seen after failed resets)
                self.stop_server(forget=True)
            try:
                problem = self.fresh_server(copy) if self.baseline is None else None
                if problem:
                    raise RuntimeError(f"server: {problem}")
                row["cli"] = self.with_cli(copy, row)
            except (psycopg.Error, RuntimeError) as exc:    # e.g. the server went away
                row["cli"] = {"result": "error", "seconds": None, "error": str(exc).splitlines()[0],
                              "file": None, "sqlstate": None, "same_failure": None}
            if self.cluster_state() != self.baseline:
                self.stop_server(forget=True)
        # Copies stay until the end: the server's data folder path (-D) runs through the copy that started it.
        return row

    def with_cli(self, copy: Path, row: dict) -> dict:
        """Apply the same migrations with the real CLI onto a fresh, bootstrapped database."""
        from supatasks.server.bootstrap import apply_bootstrap

        database = f"compat_cli_{self.copies}"
        self.settle()                               # the background process ends sessions on `postgres`
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database}"')
        try:
            with self.connect(database) as conn:
                apply_bootstrap(conn)
            rc, out, err, seconds = self.run(
                [self.cli, "migration", "up", "--include-all", "--db-url", self.url(database) + "?sslmode=disable"],
                copy)
            text = out + err
            result = {"result": "pass" if rc == 0 else "fail", "seconds": round(seconds, 2), "error": None,
                      "file": None, "sqlstate": None}
            if rc is None:
                result["error"] = f"timeout after {self.timeout:g}s"
            elif rc != 0:
                applying = CLI_APPLYING.findall(text)
                error = CLI_ERROR.search(text)
                result["file"] = applying[-1] if applying else None
                result["sqlstate"] = error.group(2) if error else None
                result["error"] = (f"{error.group(2)}: {error.group(1)}" if error
                                   else next((l for l in text.splitlines() if l.strip()), "?"))[:300]
            result["same_failure"] = same_failure(row, result)
            return result
        finally:
            try:
                with self.connect() as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            except psycopg.Error:
                self.baseline = "unknown"           # recycled below

    def close(self) -> None:
        self.stop_server(forget=False)
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)


def first_error(err: str, out: str) -> str:
    for line in (err + "\n" + out).splitlines():
        if line.startswith("error: "):
            return line[len("error: "):].strip()[:300]
    lines = [l for l in err.splitlines() if l.strip()]
    return (lines[-1] if lines else "exit without a message")[:300]


def same_failure(row: dict, cli: dict) -> bool | None:
    """Both fail in the same migration file with the same SQLSTATE (None: not comparable)."""
    if row["result"] == "pass" or cli["result"] == "pass":
        return row["result"] == cli["result"]
    match = re.match(r"supabase/migrations/([^:]+):\d+: ERROR (\w{5}):", row["error"] or "")
    if not match or not cli["file"]:
        return None
    return match.group(1) == cli["file"] and match.group(2) == cli["sqlstate"]


def summary(rows: list[dict]) -> dict:
    tried = [r for r in rows if r["result"] != "skip"]
    passed = sum(r["result"] == "pass" for r in tried)
    return {"projects": len(tried), "passed": passed, "failed": len(tried) - passed,
            "skipped": len(rows) - len(tried),
            "pass_rate": round(passed / len(tried), 3) if tried else None}


def print_table(rows: list[dict], total: dict, cli: bool) -> None:
    width = max([len(r["name"]) for r in rows] + [7])
    print(f"{'project':<{width}}  {'migr':>4}  {'result':<6}  {'seconds':>7}  first error")
    for r in rows:
        seconds = f"{r['seconds']:.2f}" if r["seconds"] is not None else "-"
        print(f"{r['name']:<{width}}  {r['migrations']:>4}  {r['result']:<6}  {seconds:>7}  {r['error'] or ''}")
        if cli and "cli" in r:
            c = r["cli"]
            same = {True: "same as supatasks", False: "differs from supatasks", None: "not comparable"}[
                c["same_failure"]]
            where = f" in {c['file']}" if c["file"] else ""
            print(f"{'':<{width}}  {'':>4}  cli: {c['result']}{where} ({same}) {c['error'] or ''}".rstrip())
    rate = f"{total['pass_rate']:.0%}" if total["pass_rate"] is not None else "-"
    print(f"\n{total['passed']}/{total['projects']} projects pass ({rate}), {total['failed']} fail"
          + (f", {total['skipped']} skipped" if total["skipped"] else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="Supabase project folders")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--cli", action="store_true", help="also apply the migrations with the Supabase CLI")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per project and command (120)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (copies, server data)")
    args = parser.parse_args(argv)
    cli = None
    if args.cli:
        cli = program("supabase", "SUPABASE_CLI") or sys.exit("compat: --cli needs the Supabase CLI")
    for missing in (p for p in args.dirs if not p.exists()):
        print(f"compat: {missing}: no such folder", file=sys.stderr)
    paths = [p for p in args.dirs if p.is_dir()]       # `corpus/*` also matches files such as SOURCES.tsv
    harness = Harness(args.timeout, cli, args.keep)
    rows = []
    try:
        for path in paths:
            rows.append(harness.project(path.resolve()))
            if not args.json:
                print(f"[{len(rows)}/{len(paths)}] {rows[-1]['name']}: {rows[-1]['result']}", file=sys.stderr)
    finally:
        harness.close()
    total = summary(rows)
    if args.json:
        print(json.dumps({"projects": rows, "summary": total, "timeout": args.timeout}, indent=2))
    else:
        print_table(rows, total, bool(cli))
    return 0 if total["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
