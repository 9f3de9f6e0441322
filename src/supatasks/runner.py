"""Applying migration files: each file and its history row commit together, or not at all."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from . import audit, history
from .errors import MigrationFileError
from .migration_files import MigrationFile, sha256_hex
from .migration_lock import migration_lock
from .sqlerrors import sql_failed


@dataclass(frozen=True)
class PreparedMigration:
    migration: MigrationFile
    label: str               # the file as shown to people (relative path)
    statements: list         # sqlsplit.Statement, in file order
    history: list[str] | None  # the CLI-compatible `statements` column value
    content_hash: str
    transactional: bool      # False: the file holds statements that cannot run in a transaction block

    @property
    def executable(self) -> list:
        return executable(self.statements)


@dataclass
class SessionSettings:
    lock_wait: float = 60
    lock_timeout: str = "0"
    statement_timeout: str = "0"
    retries: int = 0          # extra attempts of a migration that hit lock_timeout
    retry_backoff: float = 1.0  # seconds before the first retry; doubles each time


LOCK_NOT_AVAILABLE = "55P03"


class Reporter:
    """What the runner tells a person while it works; the task layer prints it."""

    def note(self, message: str) -> None:
        pass

    def started(self, prepared: PreparedMigration) -> None:
        pass

    def finished(self, prepared: PreparedMigration, seconds: float) -> None:
        pass


def prepare(migration: MigrationFile, label: str) -> PreparedMigration:
    """Read and split a file, refusing what cannot be applied safely — before anything runs."""
    from .sqlsplit import has_no_transaction_directive, split_statements
    from .statement_kinds import non_transactional, transaction_control

    data = migration.read_bytes()
    text = migration.read_text()
    statements = split_statements(text)
    code = [s for s in statements if s.has_code]
    blocking = []
    for stmt in code:
        control = transaction_control(stmt.text)
        if control in ("rollback", "other"):
            raise MigrationFileError(
                f"{label}:{stmt.code_line}: {' '.join(stmt.text.split())[:60]!r} — a migration may not end "
                "or prepare its own transaction (supatasks wraps each file in one transaction)")
        kind = non_transactional(stmt.text)
        if kind:
            blocking.append((stmt, kind))
    others = [s for s in code if non_transactional(s.text) is None and transaction_control(s.text) is None]
    controls = [s for s in code if transaction_control(s.text) is not None]
    if has_no_transaction_directive(text):  # the CLI's own opt-out: the author asked for no transaction
        return PreparedMigration(migration, label, statements, [s.text for s in statements], sha256_hex(data),
                                 transactional=False)
    if blocking and (others or controls):
        stmt, kind = blocking[0]
        raise MigrationFileError(
            f"{label}:{stmt.code_line}: {kind} cannot run inside a transaction; move it to a migration file "
            "of its own (supatasks runs such a file outside a transaction, statement by statement)")
    return PreparedMigration(migration, label, statements, [s.text for s in statements], sha256_hex(data),
                             transactional=not blocking)


def apply_migrations(conn, prepared: list[PreparedMigration], settings: SessionSettings,
                     reporter: Reporter | None = None, audit_ctx: audit.AuditContext | None = None,
                     ) -> list[PreparedMigration]:
    """Apply `prepared` in order under the migration lock; returns what this run applied.

    The pending list is re-read under the lock, so concurrent runs never apply a file twice.
    """
    reporter = reporter or Reporter()
    done: list[PreparedMigration] = []
    _watch_client(conn)
    with migration_lock(conn, settings.lock_wait, reporter.note):
        history.ensure_history(conn)
        if audit_ctx is not None:
            audit.ensure_audit(conn)
        applied = {row.version for row in history.read_history(conn)}
        todo = [p for p in prepared if p.migration.version not in applied]
        for item in todo:
            reporter.started(item)
            began = time.perf_counter()
            _apply_with_retries(conn, item, settings, audit_ctx, reporter)
            reporter.finished(item, time.perf_counter() - began)
            done.append(item)
    return done


def _watch_client(conn) -> None:
    """Have the server notice a vanished client (kill -9, a dropped network) within a second and roll the
    migration back, instead of first finishing the statement it runs (holding its locks and the migration
    lock meanwhile). PostgreSQL 14+; elsewhere the setting does not exist and nothing changes."""
    import psycopg

    if conn.info.server_version < 140000:
        return
    try:
        conn.execute("SET client_connection_check_interval = '1s'")
    except psycopg.Error:  # e.g. a server platform that cannot check (it accepts only 0 there)
        pass


def _apply_with_retries(conn, item: PreparedMigration, settings: SessionSettings,
                        audit_ctx: audit.AuditContext | None, reporter: Reporter) -> None:
    """Apply one file; on a lock timeout it rolled back whole, so try again after a growing pause."""
    from .sqlerrors import SqlFailed

    delay = settings.retry_backoff
    retries = max(0, int(settings.retries))  # never fewer than one attempt
    for attempt in range(retries + 1):
        try:
            apply_one(conn, item, settings, audit_ctx)
            return
        except SqlFailed as failure:
            if failure.sqlstate != LOCK_NOT_AVAILABLE or attempt == retries:
                raise
            reporter.note(f"{item.label}: lock timeout ({failure.note or 'blocked'}); rolled back, "
                          f"retry {attempt + 1} of {retries} in {delay:g}s")
            time.sleep(delay)
            delay *= 2


def apply_one(conn, item: PreparedMigration, settings: SessionSettings,
              audit_ctx: audit.AuditContext | None = None) -> None:
    started_at = audit.utcnow()
    if item.transactional:
        with _connection_guard(conn, item):
            with conn.transaction():
                session_limits(conn, settings, local=True)
                _run_statements(conn, item)
                history.record_applied(conn, item.migration.version, item.migration.name, item.history)
                if audit_ctx is not None:
                    audit.record(conn, audit_ctx, "apply", started_at=started_at,
                                 version=item.migration.version, name=item.migration.name,
                                 content_hash=item.content_hash)
        return
    # Statements that refuse a transaction block run one by one; the history row follows them.
    session_limits(conn, settings, local=False)
    try:
        _run_statements(conn, item, note="this file runs outside a transaction: statements before this one "
                                         "stayed applied; make them idempotent (IF NOT EXISTS) and re-run")
    finally:
        session_limits(conn, SessionSettings(), local=False)
    with conn.transaction():
        history.record_applied(conn, item.migration.version, item.migration.name, item.history)
        if audit_ctx is not None:
            audit.record(conn, audit_ctx, "apply", started_at=started_at, version=item.migration.version,
                         name=item.migration.name, content_hash=item.content_hash,
                         details={"transactional": False})


@contextmanager
def _connection_guard(conn, item: PreparedMigration):
    """A connection lost mid-migration: say which file, and that the server rolled it back."""
    import psycopg

    from .errors import ConnectionFailed
    from .sqlerrors import SqlFailed

    try:
        yield
    except (psycopg.OperationalError, psycopg.InterfaceError, SqlFailed) as exc:
        if not conn.broken and not conn.closed:
            raise
        raise ConnectionFailed(
            f"{item.label}: the connection to the server was lost while applying it; its transaction was "
            "rolled back by the server (nothing of it is applied). Re-run to continue") from None


def _run_statements(conn, item: PreparedMigration, note: str | None = None) -> None:
    execute_statements(conn, item.label, item.executable, note=note)


def executable(statements: list) -> list:
    """The statements to send: no comment-only pieces, no BEGIN/COMMIT (supatasks owns the transaction)."""
    from .statement_kinds import transaction_control

    return [s for s in statements if s.has_code and transaction_control(s.text) is None]


def execute_statements(conn, label: str, statements: list, note: str | None = None) -> None:
    """Run split statements one by one; a failure becomes SqlFailed naming `label` and the line."""
    import psycopg

    cursor = conn.cursor()
    for stmt in statements:
        try:
            cursor.execute(stmt.text)
        except psycopg.Error as exc:
            if getattr(exc, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                note = _blockers(conn) or note
            raise sql_failed(exc, label, stmt.text, stmt.line, stmt.code_line, note=note) from None


def _blockers(conn) -> str | None:
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


def session_limits(conn, settings: SessionSettings, local: bool) -> None:
    """Apply the profile's lock_timeout and statement_timeout (local=True: for the current transaction only)."""
    conn.execute("SELECT set_config('lock_timeout', %s, %s), set_config('statement_timeout', %s, %s)",
                 (settings.lock_timeout or "0", local, settings.statement_timeout or "0", local))
