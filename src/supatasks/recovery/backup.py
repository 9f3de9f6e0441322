"""Logical backups and restores with pg_dump / pg_restore (custom format), recorded in the audit log.

Backups go to `<project>/backups/` (created with a `.gitignore` of its own: a dump holds real data and must
never be committed), named `<UTC time>_<profile>_<database>[_<label>].dump`, readable by the owner only.
The password reaches pg_dump/pg_restore through PGPASSWORD, never their arguments.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import audit, programs
from ..errors import ConfigError, Refused, SupatasksError
from ..project import Project
from ..server import pg_tools
from ..target import Target

BACKUP_SUFFIX = ".dump"
LOCK_WAIT = "60s"  # pg_dump gives up instead of queueing forever behind a long lock


class BackupFailed(SupatasksError):
    """pg_dump or pg_restore failed."""


@dataclass
class BackupResult:
    path: Path
    bytes: int
    seconds: float
    tool: str
    database: str
    audit_note: str | None = None

    def as_dict(self, project: Project | None = None) -> dict:
        return {"file": project.relative(self.path) if project else str(self.path), "bytes": self.bytes,
                "seconds": round(self.seconds, 3), "tool": self.tool, "database": self.database}

    def describe(self, project: Project | None = None) -> str:
        shown = project.relative(self.path) if project else str(self.path)
        return f"{shown} ({human_size(self.bytes)}, {self.seconds:.1f}s)" + (
            f" — note: {self.audit_note}" if self.audit_note else "")


@dataclass
class ArchiveInfo:
    path: Path
    header: dict[str, str] = field(default_factory=dict)
    entries: int = 0
    toc: str = field(default="", repr=False)   # pg_restore --list output

    def describe(self) -> str:
        h = self.header
        return (f"{self.path.name}: database {h.get('dbname', '?')}, created {h.get('Archive created at', '?')}, "
                f"server {h.get('Dumped from database version', '?')}, {self.entries} entries")


@dataclass
class RestoreResult:
    path: Path
    seconds: float
    safety_backup: BackupResult | None
    info: ArchiveInfo


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def backups_dir(project: Project) -> Path:
    folder = project.root / "backups"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# database dumps hold real data: never commit them\n*\n")
    return folder


def default_backup_path(target: Target, label: str | None = None) -> Path:
    parts = [audit.utcnow().strftime("%Y%m%dT%H%M%SZ"), target.name, _safe(target.db.database)]
    if label:
        parts.append(_safe(label))
    path = backups_dir(target.project) / ("_".join(parts) + BACKUP_SUFFIX)
    counter = 2
    while path.exists():
        path = path.with_name(f"{'_'.join(parts)}_{counter}{BACKUP_SUFFIX}")
        counter += 1
    return path


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-") or "db"


def server_major(conn) -> int:
    return conn.info.server_version // 10000


def take_backup(target: Target, path: Path | None = None, *, label: str | None = None,
                batch: audit.AuditContext | None = None, details: dict | None = None,
                exclude_schemas: tuple[str, ...] = ()) -> BackupResult:
    """pg_dump the target database (custom format) to `path` (default: a new file under backups/)."""
    path = Path(path) if path else default_backup_path(target, label)
    if path.exists():
        raise ConfigError(f"{path} already exists; choose another file (backups are never overwritten)")
    path.parent.mkdir(parents=True, exist_ok=True)
    with target.connect() as conn:
        major = server_major(conn)
    tool = pg_tools.find_tool("pg_dump", major)
    partial = path.with_name(path.name + ".partial")
    args = ["--format=custom", "--no-password", f"--lock-wait-timeout={LOCK_WAIT}", f"--file={partial}"]
    args += [f"--exclude-schema={schema}" for schema in exclude_schemas]
    started, began = audit.utcnow(), time.perf_counter()
    try:
        programs.run(tool, args + pg_tools.connection_args(target.db), env=target.db.libpq_env(), timeout=None)
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    except programs.ProgramFailed as exc:
        raise BackupFailed(f"{exc}; no backup was written") from None
    finally:
        partial.unlink(missing_ok=True)
    result = BackupResult(path, path.stat().st_size, time.perf_counter() - began,
                          f"pg_dump {pg_tools.major_version(Path(tool))}", target.db.database)
    ctx = batch or audit.AuditContext(target.name, target.project.root)
    try:
        with target.connect() as conn:
            audit.ensure_audit(conn)
            audit.record(conn, ctx, "backup", started_at=started,
                         details={**result.as_dict(target.project), "format": "custom", **(details or {})})
    except Exception as exc:  # e.g. a database frozen read-only for the incident: the backup itself is good
        result.audit_note = f"the backup is complete, but its audit row could not be written ({exc})"
    return result


def archive_info(path: Path, tool: str | None = None) -> ArchiveInfo:
    """Read a custom-format archive's table of contents; refuse anything pg_restore cannot read."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such backup file")
    tool = tool or pg_tools.find_tool("pg_restore")
    result = programs.run(tool, ["--list", str(path)], check=False, timeout=120)
    if result.exit_code != 0:
        last = (result.stderr.strip().splitlines() or ["unreadable"])[-1]
        raise ConfigError(f"{path}: not a backup pg_restore can read ({last}); "
                          "supatasks restores custom-format dumps (pg_dump -Fc, as db.backup writes)")
    info = ArchiveInfo(path, toc=result.stdout)
    for line in result.stdout.splitlines():
        if line.startswith("; Archive created at "):
            info.header["Archive created at"] = line[len("; Archive created at "):].strip()
        elif line.startswith(";") and ":" in line:
            key, _, value = line[1:].partition(":")
            info.header.setdefault(key.strip(), value.strip())
        elif line.strip() and not line.startswith(";"):
            info.entries += 1
    return info


_TABLE_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) ")


def prove_backup(path: Path, tables: list[str], tool: str | None = None) -> str:
    """Before the first destructive step: the backup reads back (`pg_restore --list` succeeds) and holds the
    rows of every table at risk ("schema.table"). Returns what was proven; raises BackupFailed otherwise."""
    try:
        info = archive_info(path, tool)
    except ConfigError as exc:
        raise BackupFailed(f"the backup cannot be read back: {exc}; nothing was changed") from None
    listed = {f"{m.group(1)}.{m.group(2)}" for m in map(_TABLE_DATA.match, info.toc.splitlines()) if m}
    missing = [t for t in tables if t not in listed]
    if missing:
        raise BackupFailed(f"the backup {path.name} does not hold the rows of {', '.join(missing)} (pg_restore "
                           "--list); nothing was changed")
    held = f"; holds the rows of {', '.join(tables)}" if tables else ""
    return f"pg_restore --list reads it: {info.entries} entries{held}"


def require_backup(target: Target, take_backup: bool, command: str, backup: str = "a backup") -> None:
    """The protected-profile rule: whatever changes a protected profile's database backs it up first
    (`command` — "a reset", "a restore", "db.rollback" — is refused without)."""
    if not take_backup and target.profile.protected:
        raise Refused(f"profile {target.name} is protected: {command} always takes {backup} first; "
                      "nothing was changed")


def restore_backup(target: Target, path: Path, *, safety_backup: bool = True, no_owner: bool = False,
                   batch: audit.AuditContext | None = None) -> RestoreResult:
    """Restore a custom-format dump into the target: objects in the archive are dropped and recreated
    (`--clean --if-exists`) in ONE transaction, so a failure leaves the database as it was.

    A fresh backup of the target is taken first (mandatory for protected profiles). Audit rows written
    after the archive was taken are kept: the restore would otherwise roll the audit log back too."""
    path = Path(path)
    require_backup(target, safety_backup, "a restore", "a fresh backup")
    with target.connect() as conn:
        major = server_major(conn)
    tool = pg_tools.find_tool("pg_restore", major)
    info = archive_info(path, tool)
    ctx = batch or audit.AuditContext(target.name, target.project.root)
    safety = take_backup(target, label="before-restore", batch=ctx,
                         details={"reason": f"restore of {path.name}"}) if safety_backup else None
    with target.connect() as conn:
        kept = audit.read_audit(conn)
        schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace").fetchall()}
    started, began = audit.utcnow(), time.perf_counter()
    args = ["--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-password"]
    args += ["--no-owner"] if no_owner else []
    listing = path.with_name(f".{path.name}.{os.getpid()}.list")
    try:
        # Schemas that exist already are not dropped and recreated, only the objects of the archive in them:
        # DROP SCHEMA would fail on any object created after the backup (a table, a sequence).
        listing.write_text(_toc_without_schemas(info.toc, schemas))
        result = programs.run(tool, args + [f"--use-list={listing}"] + pg_tools.connection_args(target.db)
                              + [str(path)], env=target.db.libpq_env(), timeout=None, check=False)
    finally:
        listing.unlink(missing_ok=True)
    if result.exit_code != 0:
        where = f"; the backup taken just before is {target.project.relative(safety.path)}" if safety else ""
        raise BackupFailed(f"pg_restore failed: {_pg_error(result)}; the restore ran in one transaction and was "
                           f"rolled back: nothing was changed{where}")
    seconds = time.perf_counter() - began
    with target.connect() as conn:
        audit.ensure_audit(conn)
        restore_audit_rows(conn, kept)
        audit.record(conn, ctx, "restore", started_at=started,
                     details={"file": target.project.relative(path.absolute()), "archive": info.header,
                              "safety_backup": target.project.relative(safety.path) if safety else None})
    return RestoreResult(path, seconds, safety, info)


def restore_audit_rows(conn, rows: list[dict]) -> int:
    """Merge audit rows read earlier (audit.read_audit) back into the table; returns how many were missing.

    After a restore the table holds the archive's rows, after a recreate only the newest: the log is rebuilt
    as the union of both, in time order, so no entry is lost and none appears twice."""
    import json

    if not rows:
        return 0
    current = audit.read_audit(conn)

    def key(r: dict) -> tuple:
        return (str(r["batch_id"]), r["action"], r["version"], r["started_at"], r["finished_at"])

    present = {key(r) for r in current}
    missing = [r for r in rows if key(r) not in present]
    if not missing:
        return 0
    merged = sorted(current + missing, key=lambda r: (r["started_at"], r["id"]))
    with conn.transaction():
        conn.execute(f"LOCK TABLE {audit.TABLE} IN EXCLUSIVE MODE")
        conn.execute(f"DELETE FROM {audit.TABLE}")
        for number, r in enumerate(merged, 1):
            values = [number if c == "id" else json.dumps(r[c]) if c == "details" else r[c] for c in audit.COLUMNS]
            conn.execute(f"INSERT INTO {audit.TABLE} ({', '.join(audit.COLUMNS)}) "
                         f"VALUES ({', '.join(['%s'] * len(audit.COLUMNS))})", values)
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{audit.TABLE}', 'id'), %s)", (len(merged),))
    return len(missing)


_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ SCHEMA - (\S+) ")


def _toc_without_schemas(toc: str, existing: set[str]) -> str:
    """The archive's table of contents minus the SCHEMA entries of schemas that already exist."""
    kept = []
    for line in toc.splitlines():
        match = _SCHEMA_ENTRY.match(line)
        kept.append(";" + line if match and match.group(1) in existing else line)
    return "\n".join(kept) + "\n"


def _pg_error(result: programs.Completed) -> str:
    """pg_restore's own error lines (the last line alone is often just 'Command was: …')."""
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    chosen = errors[:2] or lines[-2:]
    return " / ".join(chosen) or f"exit code {result.exit_code}"
