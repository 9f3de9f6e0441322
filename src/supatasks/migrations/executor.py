"""The statement executor: runs split statements on a connection, one by one or in a pipeline, and turns a
failure into SqlFailed naming the file, the line and (on a lock timeout) the sessions holding the lock.
Used by the migration applier (runner.py), seeds, `db.exec`, down files and `db.check`."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import MigrationStalled
from .sqlerrors import sql_failed
from .watchdog import Watchdog, flush, sync


@dataclass
class SessionSettings:
    lock_wait: float = 60
    lock_timeout: str = "0"
    statement_timeout: str = "0"
    retries: int = 0          # extra attempts of a migration that hit lock_timeout
    retry_backoff: float = 1.0  # seconds before the first retry; doubles each time


LOCK_NOT_AVAILABLE = "55P03"


def executable(statements: list) -> list:
    """The statements to send: no comment-only pieces, no BEGIN/COMMIT (supatasks owns the transaction)."""
    from ..sqltext.kinds import transaction_control

    return [s for s in statements if s.has_code and transaction_control(s.text) is None]


def execute_statements(conn, label: str, statements: list, note: str | None = None, pipeline=None,
                       setup=None, watchdog: Watchdog | None = None) -> None:
    """Run split statements in order; a failure becomes SqlFailed naming `label` and the line.

    With `pipeline` (psycopg's pipeline mode, inside a transaction) all statements are sent before any
    result is read, then synced: the failing statement is the first one without a result. `setup` is the
    cursor of what was queued before them (an error there is not the file's)."""
    import psycopg

    if pipeline is None:
        cursor = conn.cursor()
        for stmt in statements:
            try:
                cursor.execute(stmt.text)
            except psycopg.Error as exc:
                raise statement_failure(conn, exc, label, stmt, note) from None
        return
    cursors = []
    try:
        for stmt in statements:
            cursors.append(conn.cursor())  # kept before it is sent: an error can come back at once
            cursors[-1].execute(stmt.text)
            flush_sent(conn, watchdog)
        sync(conn, pipeline, watchdog)
    except psycopg.Error as exc:
        drain(conn, pipeline, watchdog)
        if watchdog is not None and watchdog.fired:
            raise MigrationStalled(watchdog.fired) from None
        failed = next((stmt for stmt, cursor in zip(statements, cursors) if cursor.pgresult is None), None)
        setup_failed = setup is not None and setup.pgresult is None
        if failed is None or setup_failed or isinstance(exc, psycopg.OperationalError) and conn.broken:
            raise
        raise statement_failure(conn, exc, label, failed, note) from None


def statement_failure(conn, exc, label: str, stmt, note: str | None):
    if getattr(exc, "sqlstate", None) == LOCK_NOT_AVAILABLE:
        note = blockers(conn) or note
    return sql_failed(exc, label, stmt.text, stmt.line, stmt.code_line, note=note)


def blockers(conn) -> str | None:
    """Who holds locks on user tables right now (the likely reason for a lock timeout)."""
    import psycopg

    try:
        with psycopg.connect(conn.info.dsn, password=conn.info.password or None, autocommit=True,
                             connect_timeout=5, application_name="supatasks-diagnostics") as probe:
            rows = probe.execute(
                """
                SELECT a.pid, coalesce(a.usename, '?'), coalesce(a.application_name, ''), a.state,
                       to_char(a.xact_start AT TIME ZONE 'UTC', 'HH24:MI:SS'), left(a.query, 80),
                       string_agg(DISTINCT c.relname, ', ')
                FROM pg_locks l
                JOIN pg_stat_activity a ON a.pid = l.pid
                JOIN pg_class c ON c.oid = l.relation
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE l.granted AND l.locktype = 'relation' AND a.pid <> %s
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND a.application_name NOT LIKE 'supatasks%%'
                GROUP BY a.pid, a.usename, a.application_name, a.state, a.xact_start, a.query
                ORDER BY a.xact_start NULLS LAST LIMIT 3
                """, (conn.info.backend_pid,)).fetchall()
    except Exception:
        return None
    if not rows:
        return None
    parts = [f"pid {pid} ({user}, {app or 'no application name'}, {state}, transaction since {since} UTC) "
             f"holds {'locks' if ', ' in rels else 'a lock'} on {rels}; its last query: {query!r}"
             for pid, user, app, state, since, query, rels in rows]
    return "blocked by " + "; ".join(parts)


def session_limits(conn, settings: SessionSettings, local: bool):
    """Apply the profile's lock_timeout and statement_timeout (local=True: for the current transaction only).
    Returns the cursor (in pipeline mode its result arrives later)."""
    return conn.execute("SELECT set_config('lock_timeout', %s, %s), set_config('statement_timeout', %s, %s)",
                        (settings.lock_timeout or "0", local, settings.statement_timeout or "0", local))


def flush_sent(conn, watchdog: Watchdog | None) -> None:
    """After queueing a statement in a pipeline: push it out to the server now (see watchdog.py)."""
    if watchdog is not None:
        watchdog.progress()
    flush(conn, watchdog)


def drain(conn, pipeline, watchdog: Watchdog | None = None) -> None:
    """After an error, read what the server still sends (it skips the rest), so the pipeline ends cleanly."""
    import psycopg

    try:
        sync(conn, pipeline, watchdog)
    except psycopg.Error:
        pass
