"""Applying migration files: each file and its history row commit together, or not at all."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from .. import audit
from ..errors import MigrationFileError, MigrationStalled
from ..reporter import Reporter
from . import history
from .executor import (
    LOCK_NOT_AVAILABLE,
    SessionSettings,
    drain,
    execute_statements,
    flush_sent,
    session_limits,
    statement_failure,
)
from .files import MigrationFile, sha256_hex
from .lock import migration_lock
from .watchdog import Watchdog, sync


@dataclass(frozen=True)
class PreparedMigration:
    migration: MigrationFile
    label: str               # the file as shown to people (relative path)
    statements: list         # sqlsplit.Statement, in file order
    history: list[str] | None  # the CLI-compatible `statements` column value
    content_hash: str
    transactional: bool      # False: the file holds statements that cannot run in a transaction block
    executable: list         # the statements to send (see `executable`), classified once in `prepare`
    commit_after: tuple = ()  # local only: indexes of `executable` after which the author's COMMIT commits


#: Statements a local database may run as their plain, in-transaction form inside a larger file: nobody else
#: uses the database, so building or dropping an index with its lock held costs nothing.
LOCAL_PLAIN_FORMS = {"CREATE INDEX CONCURRENTLY", "DROP INDEX CONCURRENTLY"}
_CONCURRENTLY = None


def prepare(migration: MigrationFile, label: str, local: bool = False) -> PreparedMigration:
    """Read and split a file, refusing what cannot be applied safely — before anything runs.

    `local`: the target is a local development database. A file that mixes `CREATE/DROP INDEX CONCURRENTLY`
    with other statements (the Supabase CLI applies such files, running those statements outside its batch)
    is then applied atomically with the plain forms; elsewhere it is refused. And `CREATE EXTENSION …
    VERSION 'x'` (every `supabase db dump` pins the hosted versions) installs the local server's version.
    And the places of `COMMIT`s in the middle of a file are kept (`commit_after`): a file that can only work
    committed there (`ALTER TYPE … ADD VALUE`, then a statement that uses the new value) is applied in those
    parts, as the CLI's batch does (see `_apply_with_retries`). Elsewhere each file is one transaction."""
    from ..sqltext.kinds import non_transactional, transaction_control
    from ..sqltext.split import has_no_transaction_directive, split_statements

    data = migration.read_bytes()
    text = migration.read_text()
    statements = split_statements(text)
    blocking, others, send, commits = [], False, [], []
    for stmt in statements:
        if not stmt.has_code:
            continue
        control = transaction_control(stmt.text)
        if control in ("rollback", "other"):
            raise MigrationFileError(
                f"{label}:{stmt.code_line}: {' '.join(stmt.text.split())[:60]!r} — a migration may not end "
                "or prepare its own transaction (supatasks wraps each file in one transaction)")
        if control is not None:
            others = True  # BEGIN/COMMIT: not sent, but it means the author wanted a transaction
            if control == "commit" and send and (not commits or commits[-1] != len(send) - 1):
                commits.append(len(send) - 1)
            continue
        send.append(stmt)
        kind = non_transactional(stmt.text)
        if kind:
            blocking.append((stmt, kind))
        else:
            others = True
    history_value = [s.text for s in statements]
    if local:  # dumps pin the hosted project's extension versions; a local database installs its own
        send = [_without_pinned_version(stmt) for stmt in send]
    if has_no_transaction_directive(text):  # the CLI's own opt-out: the author asked for no transaction
        return PreparedMigration(migration, label, statements, history_value, sha256_hex(data),
                                 transactional=False, executable=send)
    commits = tuple(i for i in commits if i < len(send) - 1) if local else ()  # a final COMMIT changes nothing
    if blocking and others and local and all(kind in LOCAL_PLAIN_FORMS for _, kind in blocking):
        plain = {id(stmt): _without_concurrently(stmt) for stmt, _ in blocking}
        return PreparedMigration(migration, label, statements, history_value, sha256_hex(data),
                                 transactional=True, executable=[plain.get(id(s), s) for s in send],
                                 commit_after=commits)
    if blocking and others:
        stmt, kind = blocking[0]
        raise MigrationFileError(
            f"{label}:{stmt.code_line}: {kind} cannot run inside a transaction; move it to a migration file "
            "of its own (supatasks runs such a file outside a transaction, statement by statement)")
    return PreparedMigration(migration, label, statements, history_value, sha256_hex(data),
                             transactional=not blocking, executable=send,
                             commit_after=() if blocking else commits)


_PINNED_VERSION = None


def _without_pinned_version(stmt):
    """`CREATE EXTENSION … VERSION 'x'` without its VERSION option (the server's default version)."""
    import dataclasses
    import re

    global _PINNED_VERSION
    if _PINNED_VERSION is None:
        _PINNED_VERSION = re.compile(
            r"\A((?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*CREATE\s+EXTENSION\s(?:[^;'\"]|\"[^\"]*\")*?)"
            r"\s+VERSION\s+(?:'(?:[^']|'')*'|\"[^\"]*\"|[\w.]+)", re.IGNORECASE | re.DOTALL)
    text, count = _PINNED_VERSION.subn(r"\1", stmt.text, count=1)
    return dataclasses.replace(stmt, text=text) if count else stmt


def _without_concurrently(stmt):
    """The statement with its CONCURRENTLY keyword taken out (comments before it left alone)."""
    import dataclasses
    import re

    global _CONCURRENTLY
    if _CONCURRENTLY is None:
        _CONCURRENTLY = re.compile(
            r"\A((?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*(?:CREATE\s+(?:UNIQUE\s+)?|DROP\s+)INDEX)\s+CONCURRENTLY\b",
            re.IGNORECASE | re.DOTALL)
    text, count = _CONCURRENTLY.subn(r"\1", stmt.text, count=1)
    return dataclasses.replace(stmt, text=text) if count else stmt


def apply_migrations(conn, prepared: list[PreparedMigration], settings: SessionSettings,
                     reporter: Reporter | None = None, audit_ctx: audit.AuditContext | None = None,
                     ) -> list[PreparedMigration]:
    """Apply `prepared` in order under the migration lock; returns what this run applied.

    The pending list is re-read under the lock, so concurrent runs never apply a file twice.
    """
    reporter = reporter or Reporter()
    done: list[PreparedMigration] = []
    after_file = _after_file(conn, _watch_client(conn))
    with migration_lock(conn, settings.lock_wait, reporter.note), Watchdog(conn) as watchdog:
        history.ensure_history(conn)
        if audit_ctx is not None:
            audit.ensure_audit(conn)
        applied = {row.version for row in history.read_history(conn, statements=False)}
        todo = [p for p in prepared if p.migration.version not in applied]
        reporter.planned(len(todo))
        try:
            while len(done) < len(todo):
                group = _next_group(conn, todo, len(done))
                if group[0].transactional and conn.info.transaction_status == IDLE:
                    done += _apply_group(conn, group, settings, audit_ctx, reporter, watchdog, after_file)
                    continue
                item = group[0]
                reporter.started(item)
                began = time.perf_counter()
                _apply_with_retries(conn, item, settings, audit_ctx, reporter, watchdog=watchdog)
                for sql in after_file:
                    conn.execute(sql)
                reporter.finished(item, time.perf_counter() - began)
                done.append(item)
        finally:
            reporter.ended()
    return done


GROUP_FILES = 20  # transactional files sent together before waiting for their results (progress per group)
IDLE = 0          # psycopg.pq.TransactionStatus.IDLE: no transaction open on the connection


def _next_group(conn, todo: list[PreparedMigration], start: int) -> list[PreparedMigration]:
    """The next files to send together: consecutive transactional files, only on a connection that is not
    inside a caller's transaction (there each file is a savepoint); else the single next file."""
    if conn.info.transaction_status != IDLE or not todo[start].transactional:
        return [todo[start]]
    group = []
    for item in todo[start:start + GROUP_FILES]:
        if not item.transactional:
            if not group:
                group.append(item)
            break
        group.append(item)
    return group


def _apply_group(conn, group: list[PreparedMigration], settings: SessionSettings,
                 audit_ctx: audit.AuditContext | None, reporter: Reporter,
                 watchdog: Watchdog, after_file: list[str]) -> list[PreparedMigration]:
    """Send each file of `group` as BEGIN, its statements, its history (and audit) row, COMMIT — all in one
    pipeline, then wait once. A failure stops the server at that file (what follows is skipped until the
    sync), so the files before it stay committed and the file itself is rolled back, as one by one.

    A lock timeout is retried file by file (`_apply_with_retries`), then the group goes on."""
    import psycopg

    from .sqlerrors import SqlFailed

    reporter.started(group[0])
    sent: list[_SentFile] = []
    failure = None
    try:
        with watchdog.watching(group[0].label), conn.pipeline() as pipeline:
            try:
                for item in group:
                    sent.append(_SentFile(item))
                    _send_file(conn, sent[-1], settings, audit_ctx, watchdog, after_file)
                sync(conn, pipeline, watchdog)
            except psycopg.Error as exc:  # raised by the sync, or already while sending
                failure = exc
                drain(conn, pipeline, watchdog)
    except psycopg.Error as exc:
        failure = failure or exc
    except BaseException:  # Ctrl-C: still say which files of the group are known to have committed
        _report_committed(sent, reporter)
        raise
    committed = _report_committed(sent, reporter)
    if failure is None:
        return group
    if watchdog.fired:
        raise MigrationStalled(_stalled_at(watchdog, sent, committed)) from None
    if conn.info.transaction_status == INERROR:
        conn.execute("ROLLBACK")
    failed = sent[len(committed)] if len(committed) < len(sent) else None
    error = _group_failure(conn, failure, failed)
    if not isinstance(error, SqlFailed):
        raise error
    if committed:
        reporter.started(failed.item)  # the live line showed the group's first file
    began = time.perf_counter()
    _apply_with_retries(conn, failed.item, settings, audit_ctx, reporter, first_failure=error, watchdog=watchdog)
    reporter.finished(failed.item, time.perf_counter() - began)
    return [f.item for f in committed] + [failed.item]


def _stalled_at(watchdog: Watchdog, sent: list[_SentFile], committed: list[_SentFile]) -> str:
    """The watchdog names the group's first file; the stall belongs to the first one not committed."""
    message = watchdog.fired or ""
    if len(committed) < len(sent) and committed:
        message = message.replace(sent[0].item.label, sent[len(committed)].item.label, 1)
    return message


INERROR = 3       # psycopg.pq.TransactionStatus.INERROR
UNSAFE_NEW_ENUM_VALUE = "55P04"  # a new enum value used in the transaction that added it


def _report_committed(sent: list[_SentFile], reporter: Reporter) -> list[_SentFile]:
    committed = [f for f in sent if f.committed]
    for f in committed:
        reporter.finished(f.item, f.seconds)
    return committed


@dataclass
class _SentFile:
    """One file sent in a pipeline: its cursors get their results when the pipeline is synced."""
    item: PreparedMigration
    setup: object = None
    statements: list = field(default_factory=list)
    timing: object = None
    commit: object = None

    @property
    def committed(self) -> bool:
        return self.commit is not None and self.commit.pgresult is not None

    @property
    def seconds(self) -> float:
        """The file's time on the server (0 when its timing row did not arrive)."""
        result = self.timing.pgresult if self.timing is not None else None
        if result is None or result.ntuples != 1:
            return 0.0
        return float(result.get_value(0, 0).decode())


def _send_file(conn, sent: _SentFile, settings: SessionSettings, audit_ctx: audit.AuditContext | None,
               watchdog: Watchdog, after_file: list[str]) -> None:
    """Queue one file in the pipeline. Each statement is pushed out to the server before the next is queued
    (`flush`): what is still on the client at a sync is then only the sync itself (see watchdog.py)."""
    item = sent.item
    conn.cursor().execute("BEGIN")
    sent.setup = session_limits(conn, settings, local=True)
    for stmt in item.executable:
        sent.statements.append(conn.cursor())  # kept before it is sent: an error can come back at once
        sent.statements[-1].execute(stmt.text)
        flush_sent(conn, watchdog)
    history.record_applied(conn, item.migration.version, item.migration.name, item.history)
    flush_sent(conn, watchdog)
    if audit_ctx is not None:  # times from the server's clock: now() is when this file's transaction began
        audit.record(conn, audit_ctx, "apply", started_at=None, version=item.migration.version,
                     name=item.migration.name, content_hash=item.content_hash)
    sent.timing = conn.execute("SELECT extract(epoch FROM clock_timestamp() - now())::float8")
    sent.commit = conn.execute("COMMIT")
    for sql in after_file:
        conn.execute(sql)
    flush_sent(conn, watchdog)


def _group_failure(conn, exc, failed: _SentFile | None):
    """The error of a group, as the error of the file and statement that caused it (SqlFailed)."""
    if conn.broken or conn.closed:
        return _lost_connection(failed.item.label if failed else "a migration")
    if failed is None or failed.setup is None or failed.setup.pgresult is None:
        return exc
    stmt = next((s for s, c in zip(failed.item.executable, failed.statements) if c.pgresult is None), None)
    if stmt is None:
        return exc  # the history or audit row, or the COMMIT: not the file's own SQL
    return statement_failure(conn, exc, failed.item.label, stmt, None)


def _after_file(conn, watching: bool) -> list[str]:
    """What runs after each file: its session settings (a dump's `set_config('search_path', '', false)`, a
    `SET statement_timeout`) must not reach the next file — the Supabase CLI isolates files so too — and then
    supatasks' own session setting again."""
    if conn.info.transaction_status != IDLE:
        return []  # inside a caller's transaction (atomic remote reset): its files share that session on purpose
    return ["RESET ALL"] + (["SET client_connection_check_interval = '1s'"] if watching else [])


def _watch_client(conn) -> bool:
    """Have the server notice a vanished client (kill -9, a dropped network) within a second and roll the
    migration back, instead of first finishing the statement it runs (holding its locks and the migration
    lock meanwhile). PostgreSQL 14+; elsewhere the setting does not exist and nothing changes."""
    import psycopg

    if conn.info.server_version < 140000:
        return False
    try:
        conn.execute("SET client_connection_check_interval = '1s'")
        return True
    except psycopg.Error:  # e.g. a server platform that cannot check (it accepts only 0 there)
        return False


def _apply_with_retries(conn, item: PreparedMigration, settings: SessionSettings,
                        audit_ctx: audit.AuditContext | None, reporter: Reporter, first_failure=None,
                        watchdog: Watchdog | None = None) -> None:
    """Apply one file; on a lock timeout it rolled back whole, so try again after a growing pause.
    `first_failure`: the file's first attempt already failed so (sent with its group)."""
    from .sqlerrors import SqlFailed

    delay = settings.retry_backoff
    retries = max(0, int(settings.retries))  # never fewer than one attempt
    for attempt in range(retries + 1):
        try:
            if attempt == 0 and first_failure is not None:
                raise first_failure
            apply_one(conn, item, settings, audit_ctx, watchdog)
            return
        except SqlFailed as failure:
            if failure.sqlstate == UNSAFE_NEW_ENUM_VALUE and item.commit_after:
                # Atomic, the file cannot work: its author committed the new enum value before using it.
                reporter.note(f"{item.label}: uses an enum value it adds before its COMMIT; applying it in the "
                              "parts its COMMITs mark, as the Supabase CLI does (a failure in a later part "
                              "leaves the earlier parts applied)")
                apply_one(conn, item, settings, audit_ctx, watchdog, in_parts=True)
                return
            if failure.sqlstate != LOCK_NOT_AVAILABLE or attempt == retries:
                raise
            reporter.note(f"{item.label}: lock timeout ({failure.note or 'blocked'}); rolled back, "
                          f"retry {attempt + 1} of {retries} in {delay:g}s")
            time.sleep(delay)
            delay *= 2


def apply_one(conn, item: PreparedMigration, settings: SessionSettings,
              audit_ctx: audit.AuditContext | None = None, watchdog: Watchdog | None = None,
              in_parts: bool = False) -> None:
    """One file in one transaction with its history row; `in_parts`: committed at the author's COMMITs."""
    started_at = audit.utcnow()
    if item.transactional:
        owned = watchdog is None
        watchdog = watchdog or Watchdog(conn)
        try:
            with _connection_guard(conn, item, watchdog), watchdog.watching(item.label):
                # One round trip for the whole file (the Supabase CLI sends a file as one batch too), a second
                # for its history and audit rows and the COMMIT.
                *committed_parts, last = _parts(conn, item, in_parts)
                for part in committed_parts:
                    with conn.pipeline() as pipeline, conn.transaction():
                        limits = session_limits(conn, settings, local=True)
                        execute_statements(conn, item.label, part, pipeline=pipeline, setup=limits,
                                           watchdog=watchdog)
                with conn.pipeline() as pipeline, conn.transaction():
                    limits = session_limits(conn, settings, local=True)
                    execute_statements(conn, item.label, last, pipeline=pipeline, setup=limits,
                                       watchdog=watchdog)
                    history.record_applied(conn, item.migration.version, item.migration.name, item.history)
                    if audit_ctx is not None:
                        audit.record(conn, audit_ctx, "apply", started_at=started_at,
                                     version=item.migration.version, name=item.migration.name,
                                     content_hash=item.content_hash)
                    flush_sent(conn, watchdog)  # the COMMIT's implicit sync then adds only a few bytes
        finally:
            if owned:
                watchdog.close()
        return
    # Statements that refuse a transaction block run one by one; the history row follows them.
    session_limits(conn, settings, local=False)
    try:
        _run_statements(conn, item, note="this file runs outside a transaction: statements before this one "
                                         "stayed applied; make them idempotent (IF NOT EXISTS) and re-run")
    finally:
        session_limits(conn, SessionSettings(), local=False)
    _refuse_invalid_indexes(conn, item)
    with conn.transaction():
        history.record_applied(conn, item.migration.version, item.migration.name, item.history)
        if audit_ctx is not None:
            audit.record(conn, audit_ctx, "apply", started_at=started_at, version=item.migration.version,
                         name=item.migration.name, content_hash=item.content_hash,
                         details={"transactional": False})


def _parts(conn, item: PreparedMigration, in_parts: bool) -> list[list]:
    """The file's statements, split at the author's COMMITs when asked (not inside a caller's transaction)."""
    if not in_parts or not item.commit_after or conn.info.transaction_status != IDLE:
        return [item.executable]
    bounds = [0, *(i + 1 for i in item.commit_after), len(item.executable)]
    return [item.executable[a:b] for a, b in zip(bounds, bounds[1:])]


def _refuse_invalid_indexes(conn, item: PreparedMigration) -> None:
    """An interrupted or failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind, which a re-run's
    `IF NOT EXISTS` then skips: the file would be recorded as applied without a usable index."""
    from ..sqltext.kinds import concurrent_index_name

    names = [name for stmt in item.executable if (name := concurrent_index_name(stmt.text))]
    if not names:
        return
    invalid = [f"{schema}.{name}" for schema, name in conn.execute(
        "SELECT n.nspname, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid AND c.relname = ANY(%s) "
        "ORDER BY 1, 2", (names,)).fetchall()]
    if invalid:
        raise MigrationFileError(
            f"{item.label}: index {', '.join(invalid)} is INVALID — left by an earlier CREATE INDEX CONCURRENTLY "
            f"that failed or was interrupted, so IF NOT EXISTS skipped it. Drop it (DROP INDEX CONCURRENTLY "
            f"{invalid[0]}) and re-run; the migration was not recorded as applied")


@contextmanager
def _connection_guard(conn, item: PreparedMigration, watchdog: Watchdog | None = None):
    """A connection lost mid-migration: say which file, and that the server rolled it back (or that the
    watchdog closed it on a stall)."""
    import psycopg

    from .sqlerrors import SqlFailed

    try:
        yield
    except (psycopg.OperationalError, psycopg.InterfaceError, SqlFailed) as exc:
        if watchdog is not None and watchdog.fired:
            raise MigrationStalled(watchdog.fired) from None
        if not conn.broken and not conn.closed:
            raise
        raise _lost_connection(item.label) from None


def _lost_connection(label: str):
    from ..errors import ConnectionFailed

    return ConnectionFailed(
        f"{label}: the connection to the server was lost while applying it; its transaction was "
        "rolled back by the server (nothing of it is applied). Re-run to continue")


def _run_statements(conn, item: PreparedMigration, note: str | None = None) -> None:
    execute_statements(conn, item.label, item.executable, note=note)


