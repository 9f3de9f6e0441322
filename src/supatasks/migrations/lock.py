"""A session advisory lock that serialises migration runs against one database."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable

from ..errors import LockTimeout

# A fixed key: every supatasks process (any version) migrating this database takes the same lock.
LOCK_KEY = 0x5355504154534B  # "SUPATSK"
POLL_SECONDS = 0.1


@contextmanager
def migration_lock(conn, wait_seconds: float, notify: Callable[[str], None] = lambda _: None):
    """Hold the lock for the block; wait up to `wait_seconds` for another run to finish."""
    deadline = time.monotonic() + wait_seconds
    told = False
    try:
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            if not told:
                holder = _holder(conn)
                notify(f"another migration run holds the lock{holder}; waiting up to {wait_seconds:g}s")
                told = True
            if time.monotonic() >= deadline:
                raise LockTimeout(f"someone else is migrating this database{_holder(conn)}; "
                                  f"gave up after {wait_seconds:g}s (SUPATASKS_LOCK_WAIT)")
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt as interrupt:  # Ctrl-C or SIGTERM before anything ran: the edge says so
        interrupt.waiting_for_lock = True
        raise
    try:
        yield
    finally:
        if not conn.closed and not conn.broken:
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
            except Exception:  # the session is gone: the server released the lock with it
                pass


def _holder(conn) -> str:
    row = conn.execute(
        """
        SELECT a.pid, coalesce(a.usename, ''), coalesce(a.client_addr::text, 'local'), a.application_name
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted
          AND ((l.classid::bigint << 32) | l.objid::bigint) = %s
        LIMIT 1
        """, (LOCK_KEY,)).fetchone()
    if not row:
        return ""
    pid, user, addr, app = row
    return f" (pid {pid}, {user}@{addr}, {app or 'unknown application'})"
