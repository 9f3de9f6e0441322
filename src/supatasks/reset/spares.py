"""Spares: ready copies of the reset templates, made in the background, so that a local reset renames one into
place instead of copying a database while the user waits.

After a local reset a detached child (`python -m supatasks.reset.spares`) copies each template it is given into
`supatasks_spare_<template name without supatasks_>` — under a temporary name, renamed only when complete, with
a comment naming the template's oid, so neither a half-made spare nor one copied from an older template of the
same name is ever used — and drops the databases earlier resets renamed away (`supatasks_trash_…`, which no
reset touches again). It makes spares under the reset lock, so never while a reset runs, and never reports to
the user's terminal: whatever fails, a reset without a spare copies the template itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path

from ..server import database_admin as admin
from .lock import SPARE_LOCK_KEY, held, server_lock

OWN_PREFIX = "supatasks_"
SPARE_PREFIX = "supatasks_spare_"
TRASH_PREFIX = "supatasks_trash_"
TEMPORARY_PREFIX = "supatasks_tmp_"
TRASH_COMMENT = "supatasks: renamed away by a reset, dropped in the background"
URL_VARIABLE = "SUPATASKS_SPARE_URL"  # the server to work on (the URL without its password)
APPLICATION_NAME = "supatasks spare"
CHILD_STATEMENT_TIMEOUT = "10min"     # a child never waits forever for a lock
_launched: list[subprocess.Popen] = []


# -- names ----------------------------------------------------------------------------------------------

def spare_name(template: str) -> str:
    return SPARE_PREFIX + template.removeprefix(OWN_PREFIX)


def temporary_name() -> str:
    return TEMPORARY_PREFIX + uuid.uuid4().hex[:16]


def trash_name() -> str:
    return TRASH_PREFIX + uuid.uuid4().hex[:16]


def _spare_comment(template: str, oid: int) -> str:
    return f"supatasks spare of {template} ({oid})"


# -- using and making spares (the caller holds the reset lock) -------------------------------------------

def ready_spare(conn, template: str) -> str | None:
    """The spare of `template` if it is complete and was copied from the `template` that exists now."""
    row = conn.execute(
        "SELECT s.datname FROM pg_database s JOIN pg_database t ON t.datname = %s "
        "WHERE s.datname = %s AND shobj_description(s.oid, 'pg_database') = "
        "'supatasks spare of ' || t.datname || ' (' || t.oid || ')'",
        (template, spare_name(template))).fetchone()
    return row[0] if row else None


def make_spare(conn, template: str) -> str:
    """Copy `template` into its spare: under a temporary name, renamed with its comment only when complete.
    A stale spare in the way (copied from an earlier `template` of the same name) is renamed away first."""
    oid = conn.execute("SELECT oid FROM pg_database WHERE datname = %s", (template,)).fetchone()[0]
    name = spare_name(template)
    if admin.database_exists(conn, name):
        retire(conn, name)
    temporary = temporary_name()
    admin.copy_database(conn, template, temporary, allow_connections=False)
    with conn.transaction():
        admin.set_comment(conn, temporary, _spare_comment(template, oid))
        admin.rename_database(conn, temporary, name)
    return name


def put_in_place(conn, template: str, name: str) -> bool:
    """`name` becomes a copy of `template`: its ready spare renamed into place, else a copy made now (which
    becomes the spare first). The old `name` is renamed away, to be dropped in the background.
    Returns whether a ready spare was used."""
    spare = ready_spare(conn, template)
    ready = spare is not None
    if not ready:
        spare = make_spare(conn, template)
    admin.replace_database(conn, name, spare, retired=trash_name(), retired_comment=TRASH_COMMENT)
    return ready


def retire(conn, name: str) -> None:
    """Rename `name` away (after ending its sessions), to be dropped in the background."""
    admin.replace_database(conn, name, None, retired=trash_name(), retired_comment=TRASH_COMMENT)


# -- what is left to do -----------------------------------------------------------------------------------

def leftovers(conn) -> list[str]:
    """Temporary copies a crashed reset or child left, and spares whose template is gone or was replaced.
    Only meaningful under the reset lock (a running reset's temporary copy is not a leftover)."""
    valid = {r[0] for r in conn.execute(
        "SELECT s.datname FROM pg_database s JOIN pg_database t ON s.datname = %s || substr(t.datname, %s) "
        "WHERE shobj_description(s.oid, 'pg_database') = 'supatasks spare of ' || t.datname || ' (' || t.oid || ')'",
        (SPARE_PREFIX, len(OWN_PREFIX) + 1))}
    stale = [name for name in admin.databases_named_like(conn, SPARE_PREFIX) if name not in valid]
    return admin.databases_named_like(conn, TEMPORARY_PREFIX) + stale


def missing_spares(conn, templates: list[str]) -> list[str]:
    return [t for t in templates if admin.database_exists(conn, t) and ready_spare(conn, t) is None]


def trash(conn) -> list[str]:
    return admin.databases_named_like(conn, TRASH_PREFIX)


def drop_trash(conn, name: str) -> None:
    # A retired cache is still a template. (Not altered needlessly: a DROP interrupted before — the server
    # stopped — leaves the database invalid, and an invalid database can only be dropped.)
    if conn.execute("SELECT datistemplate FROM pg_database WHERE datname = %s", (name,)).fetchone() == (True,):
        conn.execute(f"ALTER DATABASE {admin.ident(name)} WITH IS_TEMPLATE false")
    admin.drop_database(conn, name)


# -- the background child -----------------------------------------------------------------------------------

def tidy(conn, templates: list[str], connect) -> None:
    """The child's work: retire leftovers, make the missing spares (in the order given, under the reset lock),
    drop the trash. A step that fails is left for the next child; the others still run. `connect(dbname)`
    opens another connection to the server (the reset lock lives in a database of its own)."""
    with server_lock(conn, connect):
        for name in leftovers(conn):
            _attempt(conn, lambda: retire(conn, name))
    for template in templates:  # the lock is let go between copies: a waiting reset goes first
        with server_lock(conn, connect):
            if missing_spares(conn, [template]):
                _attempt(conn, lambda: make_spare(conn, template))
    for name in trash(conn):
        _attempt(conn, lambda: drop_trash(conn, name))


def _attempt(conn, step) -> None:
    import psycopg

    try:
        step()
    except psycopg.Error:
        if conn.closed or conn.broken:
            raise


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--server"]:
        args = args[2:]  # only there to tell which server a child works on (see children_running)
    url = os.environ.get(URL_VARIABLE)
    if not url:
        return 2
    try:
        import psycopg

        from psycopg.conninfo import make_conninfo

        def connect(dbname: str | None = None):
            info = make_conninfo(url, dbname=dbname) if dbname else url
            return psycopg.connect(info, autocommit=True, connect_timeout=10, application_name=APPLICATION_NAME)

        with connect() as conn:
            conn.execute(f"SET statement_timeout = '{CHILD_STATEMENT_TIMEOUT}'")
            with held(conn, SPARE_LOCK_KEY):
                tidy(conn, args, connect)
    except Exception:  # the server stopped, the templates changed under us: the next reset copies itself
        return 1
    return 0


def child_argv(host: str, port: int, templates: list[str]) -> list[str]:
    return [sys.executable, "-m", "supatasks.reset.spares", "--server", f"{host}:{port}", *templates]


def launch(db, templates: list[str]) -> subprocess.Popen | None:
    """Start the child for the server of `db` (a DatabaseUrl of the database it connects to), detached: its
    own session (a Ctrl-C in the terminal does not reach it), no terminal streams. The password travels in
    PGPASSWORD, never in argv. None if it could not be started (the next reset copies instead)."""
    env = dict(os.environ)
    env[URL_VARIABLE] = db.url
    env.update(db.libpq_env())
    _launched[:] = [p for p in _launched if p.poll() is None]
    if not sys.executable:
        return None
    try:
        child = subprocess.Popen(child_argv(db.host, db.port, templates), env=env, cwd="/",
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True, close_fds=True)
    except (OSError, ValueError):
        return None
    _launched.append(child)
    return child


# -- waiting for it (tests, the benchmark) ---------------------------------------------------------------------

def children_running(host: str, port: int) -> bool:
    """A child working on host:port is running: started by this process, or seen in /proc (Linux)."""
    wanted = ["-m", "supatasks.reset.spares", "--server", f"{host}:{port}"]
    if any(p.args[1:5] == wanted and p.poll() is None for p in _launched):
        return True
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        with suppress(OSError):
            argv = entry.read_bytes().decode(errors="replace").split("\0")
            if argv[1:5] == wanted:
                return True
    return False


def unsettled(conn, templates: list[str]) -> list[str]:
    """What background work is still to do or under way; empty when settled."""
    left = [f"spare of {t} missing" for t in missing_spares(conn, templates)]
    left += [f"{name} not dropped yet" for name in leftovers(conn) + trash(conn)]
    sessions = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                            (APPLICATION_NAME,)).fetchone()[0]
    return left + ([f"{sessions} background session(s)"] if sessions else [])


def wait_until_settled(conn, host: str, port: int, templates: list[str], timeout: float) -> bool:
    """Wait until no child works on the server and nothing is left to do; False if that did not happen
    within `timeout` seconds, or the children ended with work left (one failed). For when no reset runs:
    a running reset's temporary copy counts as work left."""
    deadline = time.monotonic() + timeout
    while True:
        running = children_running(host, port)
        left = unsettled(conn, templates)
        if not running and not left:
            return True
        # Where /proc shows every child, none running with work left means one failed; without /proc a child
        # we cannot see may still be starting up, so only the timeout ends the wait.
        if time.monotonic() >= deadline or (not running and Path("/proc/self/cmdline").exists()):
            return False
        time.sleep(0.02)


if __name__ == "__main__":
    sys.exit(main())
