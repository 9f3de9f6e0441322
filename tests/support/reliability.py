"""Helpers of the reliability suites (concurrency, crashes, server faults, lock safety, hostile input,
access): trial counts and figures, waiting, a TCP black hole, watching the processes supatasks starts.

Trial counts: each repeated scenario has a CI-sized default and a documented full count.
`SUPATASKS_RELIABILITY_TRIALS=full` runs the full counts (scripts/reliability.sh does), a number runs
that many trials of every repeated scenario. With `SUPATASKS_RELIABILITY_REPORT=<file>` each scenario
appends one JSON line (scenario, trials, failures, seconds) to the file: docs/reliability.md is built
from those lines.
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .threads import BackgroundThread

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


def wait_until(condition, timeout: float, interval: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


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


class ProcessWatcher(BackgroundThread):
    """Polls /proc in a thread and records every process whose parent chain leads to `root_pid`:
    each command line it had (a fork shows the parent's until it execs) and the environment with it."""

    def __init__(self, root_pid: int, interval: float = 0.002):
        super().__init__()
        self.root_pid = root_pid
        self.interval = interval
        self.snapshots: list[SeenProcess] = []
        self._last: dict[int, list[str]] = {}

    def run(self):
        while not self.stopping:
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
