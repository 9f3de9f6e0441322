"""Bounded waits on a migration connection: pipelines that cannot stall, and a watchdog for what remains.

psycopg (3.3.9 at least) can deadlock a pipeline: its send loop stops once every queued command has been
handed to libpq, even when libpq could not yet push all of their bytes to the socket, and its result loop
then only waits for the socket to become readable. A server that has answered everything it received waits
for the rest of the input; the client waits for answers: neither moves. It needs a message larger than the
socket buffers still queued at a sync — a migration file with big statements, or the history row of a big
file (its `statements` array) — and shows most reliably after an error, when the server discards the rest
of the pipeline silently instead of answering.

`flush` pushes libpq's output buffer to the server completely (reading whatever the server sends meanwhile,
so it never blocks on us either); the runner calls it after every statement it queues and before every
sync, so a sync only ever adds a few bytes to an empty buffer. `Watchdog` is the second line: a thread that,
while the runner waits on the server, looks at the server side of the connection from a separate session,
and when the server has sat idle waiting for the client for `stall_seconds` while the client made no
progress, shuts the connection's socket down. The server then rolls the open transaction back, the client's
wait ends with a connection error, and the runner reports a stall naming the file.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from contextlib import contextmanager

from ..errors import MigrationStalled

#: How long the server may sit idle, waiting for the client, while the client waits for the server.
STALL_SECONDS = float(os.environ.get("SUPATASKS_STALL_SECONDS", "20"))
#: How often the watchdog looks, once a wait has lasted this long.
CHECK_SECONDS = 2.0
#: Waiting on the socket inside `flush`, per round (the watchdog bounds the whole).
POLL_SECONDS = 1.0


def flush(conn, watchdog: "Watchdog | None" = None) -> None:
    """Send everything libpq holds for the server, reading the server's answers meanwhile."""
    pgconn = conn.pgconn
    while pgconn.flush() == 1:
        readable, writable, _ = select.select([pgconn.socket], [pgconn.socket], [], POLL_SECONDS)
        if readable:
            pgconn.consume_input()  # answers wait in libpq's buffer for psycopg to read
        if watchdog is not None:
            watchdog.progress()
            watchdog.raise_if_fired()


def sync(conn, pipeline, watchdog: "Watchdog | None" = None) -> None:
    """`pipeline.sync()` after making sure nothing of what it syncs is still on the client."""
    flush(conn, watchdog)
    pipeline.sync()


class Watchdog:
    """Watches one connection from a thread; `watching(label)` arms it around a wait on the server."""

    def __init__(self, conn, stall_seconds: float | None = None):
        self._conn_info = conn.info
        self._pid = conn.info.backend_pid
        self._fd = conn.pgconn.socket
        self.stall_seconds = STALL_SECONDS if stall_seconds is None else stall_seconds
        self._label: str | None = None
        self._armed_at = 0.0
        self._progress = 0
        self._fired: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._probe = None

    # -- the runner's side ---------------------------------------------------
    @contextmanager
    def watching(self, label: str):
        with self._lock:
            self._label, self._armed_at = label, time.monotonic()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="supatasks-watchdog", daemon=True)
            self._thread.start()
        try:
            yield self
        finally:
            with self._lock:
                self._label = None

    def progress(self) -> None:
        """The client moved (queued or sent something): the server may well be idle meanwhile."""
        self._progress += 1

    @property
    def fired(self) -> str | None:
        """The stall message, once the watchdog has closed the connection."""
        return self._fired

    def raise_if_fired(self) -> None:
        if self._fired:
            raise MigrationStalled(self._fired)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._probe is not None:
            try:
                self._probe.close()
            except Exception:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- the thread ----------------------------------------------------------
    def _run(self) -> None:
        seen_progress, idle_since = None, None
        while not self._stop.wait(CHECK_SECONDS):
            with self._lock:
                label, armed_at = self._label, self._armed_at
            if label is None or time.monotonic() - armed_at < min(self.stall_seconds, CHECK_SECONDS * 2):
                seen_progress, idle_since = None, None
                continue
            waited = self._server_waiting_for_client()
            if waited is None or self._progress != seen_progress:
                seen_progress, idle_since = self._progress, None
                continue
            idle_since = idle_since or time.monotonic() - waited
            if time.monotonic() - idle_since >= self.stall_seconds:
                self._fire(label, time.monotonic() - idle_since)
                return

    def _server_waiting_for_client(self) -> float | None:
        """Seconds the server has been idle waiting for this connection's client, or None if it is busy."""
        try:
            if self._probe is None or self._probe.closed:
                self._probe = _open_probe(self._conn_info)
            row = self._probe.execute(
                "SELECT state, wait_event, extract(epoch FROM now() - state_change)::float8 "
                "FROM pg_stat_activity WHERE pid = %s", (self._pid,)).fetchone()
        except Exception:  # the probe cannot look: never act blind
            self._probe = None
            return None
        if row is None:
            return None
        state, wait_event, seconds = row
        # Between messages the server is idle in ClientRead; in the middle of a message too large for the
        # socket buffers (the Bind of a big statement) it is `active` in ClientRead. Both wait for us.
        if wait_event != "ClientRead":
            return None
        return max(0.0, seconds or 0.0) if (state or "").startswith("idle") else 0.0

    def _fire(self, label: str, seconds: float) -> None:
        self._fired = (
            f"{label}: no progress for {seconds:.0f}s — the server was waiting for more of the migration while "
            "supatasks waited for its results (a stalled connection). supatasks closed the connection, so the "
            "server rolled this file back; files before it stay applied. Re-run to continue")
        try:
            with socket.socket(fileno=os.dup(self._fd)) as sock:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _open_probe(info):
    import psycopg

    return psycopg.connect(info.dsn, password=info.password or None, autocommit=True, connect_timeout=5,
                           application_name="supatasks-watchdog")
