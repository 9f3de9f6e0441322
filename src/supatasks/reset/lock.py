"""The advisory locks of local resets: one reset (or background spare work) at a time per server."""

from __future__ import annotations

from contextlib import contextmanager

RESET_LOCK_KEY = 0x5355504154524553  # a different key from the migration lock
SPARE_LOCK_KEY = 0x5355504153504152  # one background spare process at a time


@contextmanager
def held(conn, key: int):
    """A session advisory lock on `conn` for the block (re-entrant within one session)."""
    conn.execute("SELECT pg_advisory_lock(%s)", (key,))
    try:
        yield
    finally:
        if not conn.closed and not conn.broken:  # a lost session has released it already
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
