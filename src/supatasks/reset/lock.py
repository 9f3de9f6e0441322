"""The advisory locks of local resets: one reset (or background spare work) at a time per server.

An advisory lock belongs to one database, and a reset and its background child work from different ones
(a reset of `postgres` works from `template1`, everything else from `postgres`): the lock that keeps them
apart is therefore taken in a small database of supatasks' own, `supatasks_locks`, on a connection of its
own (`server_lock`). `held` is the plain session lock, for locks whose holders share a database.
"""

from __future__ import annotations

from contextlib import contextmanager

RESET_LOCK_KEY = 0x5355504154524553  # a different key from the migration lock
SPARE_LOCK_KEY = 0x5355504153504152  # one background spare process at a time
LOCK_DATABASE = "supatasks_locks"

_HELD: dict[tuple, int] = {}  # (server, key) -> depth: server_lock is re-entrant within a process


@contextmanager
def held(conn, key: int):
    """A session advisory lock on `conn` for the block (re-entrant within one session)."""
    conn.execute("SELECT pg_advisory_lock(%s)", (key,))
    try:
        yield
    finally:
        if not conn.closed and not conn.broken:  # a lost session has released it already
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


@contextmanager
def server_lock(conn, connect, key: int = RESET_LOCK_KEY):
    """Hold `key` for the whole server of `conn`: in LOCK_DATABASE, on a connection `connect(dbname)` opens."""
    slot = (conn.info.host, conn.info.port, key)
    if slot in _HELD:
        _HELD[slot] += 1
        try:
            yield
        finally:
            _HELD[slot] -= 1
        return
    ensure_lock_database(conn)
    with connect(LOCK_DATABASE) as lock_conn, held(lock_conn, key):
        _HELD[slot] = 1
        try:
            yield
        finally:
            del _HELD[slot]


def ensure_lock_database(conn) -> None:
    import psycopg

    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (LOCK_DATABASE,)).fetchone():
        return
    try:
        conn.execute(f'CREATE DATABASE "{LOCK_DATABASE}" TEMPLATE template0')
    except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
        pass  # another process made it meanwhile
