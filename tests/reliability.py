"""Helpers shared by the reliability suites (test_concurrency, test_crashes, test_server_faults,
test_lock_safety, test_hostile_input, test_access).

Trial counts: each repeated scenario has a CI-sized default and a documented full count.
`SUPATASKS_RELIABILITY_TRIALS=full` runs the full counts (scripts/reliability.sh does), a number runs
that many trials of every repeated scenario. With `SUPATASKS_RELIABILITY_REPORT=<file>` each scenario
appends one JSON line (scenario, trials, failures, seconds) to the file: docs/reliability.md is built
from those lines.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import traceback
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from projects import SUPATASKS

TRIALS_VAR = "SUPATASKS_RELIABILITY_TRIALS"
REPORT_VAR = "SUPATASKS_RELIABILITY_REPORT"


def trials(full: int, ci: int) -> int:
    """How many trials of a repeated scenario this run makes."""
    wanted = os.environ.get(TRIALS_VAR, "").strip().lower()
    if wanted == "full":
        return full
    if wanted:
        return max(1, int(wanted))
    return ci


def record(scenario: str, count: int, failures: list[str], seconds: float, **extra) -> None:
    """One line of figures for docs/reliability.md (only when SUPATASKS_RELIABILITY_REPORT is set)."""
    path = os.environ.get(REPORT_VAR)
    if not path:
        return
    line = {"scenario": scenario, "trials": count, "failures": len(failures), "seconds": round(seconds, 1),
            "first_failure": failures[0][:500] if failures else None, **extra}
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


@dataclass
class TrialRun:
    """Run every trial even after a failure (the figures count them all), then fail the test if any failed."""

    scenario: str
    count: int
    failures: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def run(self, trial) -> None:
        began = time.monotonic()
        for number in range(self.count):
            try:
                trial(number)
            except Exception as exc:  # noqa: BLE001 - AssertionError, a timeout, anything: it is a failure
                detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                self.failures.append(f"trial {number}: {detail}")
        record(self.scenario, self.count, self.failures, time.monotonic() - began, **self.extra)
        assert not self.failures, f"{len(self.failures)} of {self.count} trials failed:\n" + "\n".join(
            self.failures[:5])


def clean_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The process environment without the caller's SUPABASE_/SUPATASKS_ settings, plus `env`."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "SUPATASKS_"))}
    full.update(env or {})
    return full


def _default_sigint() -> None:
    # A test run started in the background (nohup, `&` in a script) inherits SIGINT ignored, and so would
    # every child: give supatasks the disposition a terminal gives it, so Ctrl-C tests test something.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start the real `supatasks` console script without waiting for it."""
    return subprocess.Popen([SUPATASKS, *args], cwd=cwd, env=clean_env(env), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)


def new_database(server) -> str:
    """A fresh database on `server` (trust or password auth); its URL without a password."""
    name = "r_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server.url("postgres"), password=server.password, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


def connect(url: str, password: str | None = None, **kwargs):
    return psycopg.connect(url, password=password, autocommit=True, **kwargs)


def rows(url: str, sql: str, params=None, password: str | None = None) -> list[tuple]:
    with connect(url, password) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def history_versions(url: str, password: str | None = None) -> list[str]:
    with connect(url, password) as conn:
        if conn.execute("SELECT to_regclass('supabase_migrations.schema_migrations')").fetchone()[0] is None:
            return []
        return [r[0] for r in conn.execute("SELECT version FROM supabase_migrations.schema_migrations ORDER BY 1")]


def apply_audit_counts(url: str, password: str | None = None) -> dict[str, int]:
    """version -> number of `apply` rows in the audit log."""
    with connect(url, password) as conn:
        if conn.execute("SELECT to_regclass('supabase_migrations.supatasks_audit')").fetchone()[0] is None:
            return {}
        return dict(conn.execute("SELECT version, count(*) FROM supabase_migrations.supatasks_audit "
                                 "WHERE action = 'apply' GROUP BY version").fetchall())


def migration_lock_holders(url: str, password: str | None = None) -> list[int]:
    """Backends holding supatasks' migration advisory lock."""
    from supatasks.migrations.lock import LOCK_KEY

    return [r[0] for r in rows(url, """
        SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
          AND ((classid::bigint << 32) | objid::bigint) = %s""", (LOCK_KEY,), password)]


def wait_for_sessions_to_end(url: str, password: str | None = None, timeout: float = 15,
                             application: str = "supatasks%") -> None:
    """Wait until no backend of `application` is connected to the database of `url` (a killed client's
    backend lingers until it notices the closed socket)."""
    deadline = time.monotonic() + timeout
    database = url.rsplit("/", 1)[1].split("?")[0]
    while True:
        left = rows(url, "SELECT pid, state, left(query, 60) FROM pg_stat_activity WHERE datname = %s "
                         "AND application_name LIKE %s AND pid <> pg_backend_pid()",
                    (database, application), password)
        if not left:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"sessions still connected after {timeout}s: {left}")
        time.sleep(0.05)


def wait_until(condition, timeout: float, interval: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def one_error_line(stderr: str) -> str:
    """The single `error: …` line of a failed run; no traceback anywhere."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]


# -- a TCP "black hole" on the loopback interface ---------------------------------------------------

@contextmanager
def blackhole(accept: bool):
    """A listening socket on 127.0.0.1 that never completes the PostgreSQL handshake.

    accept=True: connections are accepted and then ignored (the client waits for an answer to its
    startup packet forever); accept=False: nothing is ever accepted (a backlog of 0).
    Yields the port. No traffic leaves the loopback interface."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(0)
    held: list = []
    stop = threading.Event()

    def acceptor():
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)  # keep it open, say nothing
            except OSError:
                continue

    thread = threading.Thread(target=acceptor, daemon=True) if accept else None
    if thread:
        thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        if thread:
            thread.join(timeout=2)
        for conn in held:
            conn.close()
        sock.close()


# -- watching the processes supatasks starts -----------------------------------------------------

@dataclass
class SeenProcess:
    pid: int
    argv: list[str]
    environ: dict[str, str]


class ProcessWatcher:
    """Polls /proc in a thread and records every process whose parent chain leads to `root_pid`:
    each command line it had (a fork shows the parent's until it execs) and the environment with it."""

    def __init__(self, root_pid: int, interval: float = 0.002):
        self.root_pid = root_pid
        self.interval = interval
        self.snapshots: list[SeenProcess] = []
        self._last: dict[int, list[str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self):
        while not self._stop.is_set():
            self.poll()
            time.sleep(self.interval)

    def poll(self) -> None:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    stat = handle.read().decode(errors="replace")
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
        for pid in parents:
            if pid == self.root_pid or not self._descends(pid, parents):
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    argv = [a.decode(errors="replace") for a in handle.read().split(b"\0") if a]
                if not argv or self._last.get(pid) == argv:  # a zombie, or nothing new
                    continue
                with open(f"/proc/{pid}/environ", "rb") as handle:
                    pairs = [p.decode(errors="replace") for p in handle.read().split(b"\0") if p]
            except OSError:
                continue
            self._last[pid] = argv
            self.snapshots.append(SeenProcess(pid, argv, dict(p.split("=", 1) for p in pairs if "=" in p)))

    def _descends(self, pid: int, parents: dict[int, int]) -> bool:
        for _ in range(64):
            pid = parents.get(pid, 0)
            if pid == self.root_pid:
                return True
            if pid <= 1:
                return False
        return False

    def programs(self) -> set[str]:
        """Names of the programs seen (the executable of argv[0], and the script an interpreter runs)."""
        names = set()
        for snap in self.snapshots:
            names.add(Path(snap.argv[0]).name)
            names.update(Path(a).name for a in snap.argv[1:2] if "/" in a)
        return names
