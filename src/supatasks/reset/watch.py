"""db.watch: the local database follows the migration and seed files as they are saved.

The migrations split in two at a *watermark* version: everything up to it is settled (pushed, or at least not
what the developer is writing now) and lives in a template database built once, `supatasks_watch_<key>`;
everything newer is *local work* — by default the newest migration file, plus any created while watching.
On each save the local work and the seeds are applied to a fresh copy of that template (a spare the background
child prepared, as for db.reset: a rename, no copy while the user waits) under a temporary name, and only
when all of it succeeded does the copy replace the database. A failed save leaves the database at the last
good state; an interrupted one leaves a temporary database the background child drops.

A change to a settled migration (or a removed one) cannot be applied on top of the template: the template is
rebuilt from the files first — the full reset path — and the result says why.

The loop (`watch`) uses the watchfiles library; `Watcher.process` handles one batch of saves and is what the
loop calls for each batch (debounced by watchfiles: an editor's write + rename arrive as one batch). Saves
that leave every file's content as it was are skipped, so a batch split in two still applies once.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Refused, SupatasksError
from ..migrations.files import (DOWN_SUFFIX, MigrationFile, down_file_for, read_file_bytes, require_no_duplicates,
                                scan_migrations)
from ..migrations.seeds import SeedFile, seed_files
from ..server import database_admin as admin
from ..target import Target
from . import spares
from .lock import server_lock

TEMPLATE_PREFIX = "supatasks_watch_"
DEFAULT_STEP_MS = 30  # watchfiles: quiet time after the last event before a batch is handed over
ARMED_MS = 200        # watchfiles' timeout tick (its first one tells that the watcher is armed)


@dataclass(frozen=True)
class Snapshot:
    """What the files held at one moment: migrations (version -> (file name, sha256)), seeds, down files."""
    migrations: dict
    seeds: dict
    downs: dict

    def settled(self, watermark: str) -> dict:
        return {v: f for v, f in self.migrations.items() if v <= watermark}


@dataclass
class SaveResult:
    ok: bool
    applied: list[str] = field(default_factory=list)   # migration files applied on top of the template
    seeds: list[str] = field(default_factory=list)
    seconds: float = 0.0
    full: str | None = None          # why the template was rebuilt first (the full reset path)
    rebuilt: int = 0                 # migrations in the rebuilt template (0: an existing one was reused)
    error: str | None = None         # the first line says file:line: ERROR …
    downs_recorded: list[str] = field(default_factory=list)  # down files recorded, nothing else to do

    @property
    def line(self) -> str:
        ms = f"{self.seconds * 1000:.0f} ms"
        if not self.ok:
            return f"{self.error} — the database stays at the last good state ({ms})"
        if not self.applied and not self.seeds and not self.rebuilt and self.downs_recorded:
            return f"recorded {', '.join(self.downs_recorded)} ({ms})"
        what = ", ".join(self.applied + self.seeds) or "nothing to apply on top"
        if self.full and self.rebuilt:
            return f"full reset ({self.full}): {self.rebuilt} migration(s) rebuilt, then applied {what} in {ms}"
        if self.full:
            return f"template of the settled migrations reused ({self.full}); applied {what} in {ms}"
        return f"applied {what} in {ms}"

    def as_dict(self) -> dict:
        return {"ok": self.ok, "applied": self.applied, "seeds": self.seeds, "seconds": round(self.seconds, 4),
                "full_reset": self.full, "error": self.error}


def whole_number(value, option: str, minimum: int = 1) -> int | None:
    """A task option that must be a whole number (None stays None); a ConfigError naming it otherwise."""
    from ..errors import ConfigError

    if value is None:
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{option}={value!r}: expected a whole number") from None
    if number < minimum:
        raise ConfigError(f"{option}={value!r}: must be at least {minimum}")
    return number


def default_watermark(migrations: list[MigrationFile]) -> str:
    """The newest file is local work; everything older is settled."""
    return migrations[-2].version if len(migrations) >= 2 else ""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _listing(folder: Path) -> list[str]:
    import os

    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []


class Watcher:
    """The local database of `target`, kept equal to the files. One instance per watch session; `process`
    handles a batch. The caller makes sure only one process at a time uses it (it is not thread-safe)."""

    def __init__(self, target: Target, since: str | None = None):
        if not target.profile.is_local or target.profile.protected:
            raise Refused(f"db.watch rebuilds the database on every save: local profile only, not {target.name}")
        self.target = target
        self.project = target.project
        scan = scan_migrations(self.project)
        require_no_duplicates(scan)
        self.watermark = default_watermark(scan.migrations) if since is None else str(since).strip()
        self.template: str | None = None          # the template of the settled migrations, once built
        self.template_key: str | None = None
        self.template_downs: dict = {}            # the down files the template recorded
        self._template_snapshot: Snapshot | None = None
        self.last: Snapshot | None = None         # the files as last processed (good or not)
        self.good: Snapshot | None = None         # the files the database reflects
        self._maint = None
        self._lock_conn = None                    # kept open between saves (the reset lock's database)
        self._scan = None                         # the last scan, and the folder listing it was made from
        self._scan_names: tuple = ()
        self._digests: dict = {}                  # path -> ((size, mtime, inode), sha256)

    # -- files ----------------------------------------------------------------------------------------------
    def snapshot(self) -> tuple[Snapshot, list[MigrationFile], list[SeedFile]]:
        """The files now. Each folder is listed once; a file is read and hashed again only when its size,
        modification time or inode changed since the last snapshot, and the scan (names, versions,
        problems) is redone only when a folder's list of names changed: a save of one file at N=1000 costs
        a thousand stat calls, not a thousand reads."""
        migrations_dir, rollbacks_dir = self.project.migrations_dir, self.project.rollbacks_dir
        names = tuple(sorted(_listing(migrations_dir)))
        if names != self._scan_names or self._scan is None:
            scan = scan_migrations(self.project)
            require_no_duplicates(scan)
            self._scan, self._scan_names = scan, names
        scan = self._scan
        downs_present = set(_listing(rollbacks_dir))
        migrations, downs = {}, {}
        for m in scan.migrations:
            migrations[m.version] = (m.filename, self._digest(m.path))
            down = f"{m.stem}{DOWN_SUFFIX}"
            if down in downs_present:
                downs[m.version] = self._digest(rollbacks_dir / down)
            elif m.stem in scan.legacy_downs:
                downs[m.version] = self._digest(scan.legacy_downs[m.stem])
        seeds = seed_files(self.project)
        return Snapshot(migrations, {s.label: s.digest for s in seeds}, downs), scan.migrations, seeds

    def _digest(self, path: Path) -> str:
        import os

        try:
            st = os.stat(path)
        except OSError:
            return _digest(read_file_bytes(path))  # raises the one-line MigrationFileError
        signature = (st.st_size, st.st_mtime_ns, st.st_ino)
        known = self._digests.get(path)
        if known is not None and known[0] == signature:
            return known[1]
        digest = _digest(read_file_bytes(path))
        self._digests[path] = (signature, digest)
        return digest

    def settled_key(self, snap: Snapshot) -> str:
        from .. import __version__
        from ..server.bootstrap import BOOTSTRAP_VERSION

        h = hashlib.sha256(f"{__version__}|{BOOTSTRAP_VERSION}|{self.maint.info.server_version}|watch".encode())
        for version, (filename, digest) in sorted(snap.settled(self.watermark).items()):
            h.update(f"\0{filename}\0{digest}".encode())
        return h.hexdigest()[:24]

    # -- the server -----------------------------------------------------------------------------------------
    @property
    def maint(self):
        from .reset import maintenance_database

        if self._maint is None or self._maint.closed or self._maint.broken:
            self._maint = self.target.connect(database=maintenance_database(self.target.db.database))
        return self._maint

    def _lock(self):
        """The reset lock for one save, on a connection to the lock's database kept for the session."""
        from contextlib import nullcontext

        def kept(name: str):
            conn = self._lock_conn
            if conn is None or conn.closed or conn.broken:
                conn = self._lock_conn = self.target.connect(database=name)
            return nullcontext(conn)

        return server_lock(self.maint, kept)

    def close(self) -> None:
        """End the session: the background child makes the next spare and drops what saves replaced."""
        for conn in (self._maint, self._lock_conn):
            if conn is not None and not conn.closed:
                conn.close()
        self.launch_child()

    def launch_child(self) -> None:
        from .reset import base_template_name

        spares.launch(self.target.db.with_database("postgres"),
                      [t for t in (self.template, base_template_name(self.target.project)) if t])

    # -- one batch ------------------------------------------------------------------------------------------
    def process(self, force: bool = False) -> SaveResult | None:
        """Bring the database to the files as they are now; None when no file's content changed since the
        last batch (unless `force`)."""
        began = time.perf_counter()
        try:
            snap, migrations, seeds = self.snapshot()
        except SupatasksError as exc:
            return SaveResult(False, error=str(exc).splitlines()[0], seconds=time.perf_counter() - began)
        if snap == self.last and not force:
            return None
        previous, self.last = self.last, snap
        if (previous is not None and not force and previous.migrations == snap.migrations
                and previous.seeds == snap.seeds and self.good == previous):
            return self._record_downs(snap, migrations, began)
        key = self.settled_key(snap)
        full = None
        if key != self.template_key:
            full = self._why_full(snap)
        try:
            with self._lock():
                rebuilt = 0
                settled = [m for m in migrations if m.version <= self.watermark]
                work = [m for m in migrations if m.version > self.watermark]
                if full is not None:
                    rebuilt = self._build_template(key, settled)
                self._apply_on_copy(settled, work, seeds, snap)
        except SupatasksError as exc:
            self.launch_child()
            return SaveResult(False, error=str(exc).splitlines()[0], full=full,
                              seconds=time.perf_counter() - began)
        self.good = snap
        self.launch_child()
        return SaveResult(True, applied=[m.filename for m in work], seeds=[s.label for s in seeds],
                          seconds=time.perf_counter() - began, full=full, rebuilt=rebuilt)

    def _why_full(self, snap: Snapshot) -> str:
        if self.template_key is None:
            return f"first run: building the template of the migrations up to {self.watermark or 'none'}"
        before = self._template_snapshot.settled(self.watermark)
        now = snap.settled(self.watermark)
        changed = [now[v][0] for v in sorted(now) if v in before and before[v] != now[v]]
        added = [now[v][0] for v in sorted(now) if v not in before]
        gone = [before[v][0] for v in sorted(before) if v not in now]
        parts = [f"{', '.join(files)} {what}" for files, what in ((changed, "changed"), (added, "added"),
                                                                  (gone, "removed")) if files]
        what = "; ".join(p for p in parts if p) or "the settled migrations changed"
        return (f"{what} — older than the migration(s) being written (newer than {self.watermark}), "
                "so possibly pushed already: rebuilt from the files")

    def _build_template(self, key: str, settled: list[MigrationFile]) -> int:
        """The template of the settled migrations: bootstrap template + `settled`, under a temporary name, then
        renamed and marked. Earlier watch templates of this database are renamed away."""
        from ..migrations import downs
        from ..migrations.executor import SessionSettings
        from ..migrations.runner import apply_migrations, prepare
        from .reset import ensure_base_template

        maint, project = self.maint, self.project
        name = TEMPLATE_PREFIX + key
        comment = f"supatasks watch template of {self.target.db.database}"
        built = not admin.database_exists(maint, name)
        if built:
            prepared = [prepare(m, project.relative(m.path), local=True) for m in settled]
            base = ensure_base_template(self.target, maint)
            temporary = spares.temporary_name()
            admin.copy_database(maint, base, temporary)
            try:
                with self.target.connect(database=temporary) as conn:
                    apply_migrations(conn, prepared, SessionSettings())
                    downs.record(conn, project, settled)
            except BaseException:
                spares.retire(maint, temporary)
                raise
            admin.mark_template(maint, temporary)
            with maint.transaction():
                admin.set_comment(maint, temporary, comment)
                admin.rename_database(maint, temporary, name)
        for old in admin.databases_with_comment(maint, comment):
            if old != name:
                spares.retire(maint, old)
        self.template, self.template_key = name, key
        self._template_snapshot = self.last
        self.template_downs = {v: d for v, d in self.last.downs.items() if v <= self.watermark}
        return len(settled) if built else 0

    def _apply_on_copy(self, settled: list[MigrationFile], work: list[MigrationFile], seeds: list[SeedFile],
                       snap: Snapshot) -> None:
        """A copy of the template (its ready spare renamed, else copied now) under a temporary name; the local
        work and the seeds applied to it; then it replaces the database. On a failure it is renamed away."""
        from ..migrations import downs
        from ..migrations.executor import SessionSettings
        from ..migrations.runner import apply_migrations, prepare
        from ..migrations.seeds import run_seeds

        maint, project = self.maint, self.project
        prepared = [prepare(m, project.relative(m.path), local=True) for m in work]
        scratch = spares.temporary_name()
        spare = spares.ready_spare(maint, self.template)
        if spare is not None:
            with maint.transaction():
                admin.rename_database(maint, spare, scratch)
                admin.set_comment(maint, scratch, None)
            admin.set_allow_connections(maint, scratch, True)
        else:
            admin.copy_database(maint, self.template, scratch)
            admin.set_allow_connections(maint, scratch, True)
        try:
            with self.target.connect(database=scratch) as conn:
                apply_migrations(conn, prepared, SessionSettings())
                redo = [m for m in settled if snap.downs.get(m.version) != self.template_downs.get(m.version)]
                downs.record(conn, project, redo + work)
                run_seeds(conn, seeds)
        except BaseException:
            spares.retire(maint, scratch)
            raise
        admin.replace_database(maint, self.target.db.database, scratch, retired=spares.trash_name(),
                               retired_comment=spares.TRASH_COMMENT)

    def _record_downs(self, snap: Snapshot, migrations: list[MigrationFile], began: float) -> SaveResult | None:
        """Only down files changed: record their new text in the database as it is (no rebuild)."""
        from ..migrations import downs

        previous = self.good.downs if self.good else {}
        changed = [m for m in migrations if snap.downs.get(m.version) != previous.get(m.version)]
        if not changed:
            self.good = snap
            return None
        with self.target.connect() as conn:
            downs.record(conn, self.project, changed)
        self.good = snap
        labels = [self.project.relative(p) if (p := down_file_for(self.project, m)) else f"{m.stem} (no down file)"
                  for m in changed]
        return SaveResult(True, seconds=time.perf_counter() - began, downs_recorded=labels)


# -- the loop -----------------------------------------------------------------------------------------------

class _Relevant:
    """The files a save of which matters: .sql files and config.toml under supabase/ (not .temp/, .branches/),
    without the editors' swap and backup files."""

    def __init__(self, supabase_dir: Path):
        from watchfiles import DefaultFilter

        self.default = DefaultFilter()
        self.ignored = (str(supabase_dir / ".temp"), str(supabase_dir / ".branches"))

    def __call__(self, change, path: str) -> bool:
        return (self.default(change, path) and path.endswith((".sql", "config.toml"))
                and not path.startswith(self.ignored))


def watch(watcher: Watcher, on_result, *, stop_event=None, max_batches: int | None = None,
          step_ms: int = DEFAULT_STEP_MS, on_ready=lambda: None) -> int:
    """Process the current files once, then every batch of saves until `stop_event` is set, `max_batches`
    batches that changed something were processed, or Ctrl-C (which propagates: a save in progress leaves
    the database as it was). Returns the number of batches processed.

    watchfiles arms its watcher when the loop first asks it for changes, after the first run: a save in
    between would send no event. So its first (empty, after ARMED_MS) answer is taken as "armed": the files
    are compared with the first run's once more, and only then is `on_ready` called."""
    from watchfiles import watch as changes_of

    count = 0
    armed = False

    def handle(result) -> bool:
        nonlocal count
        if result is None:
            return False
        count += 1
        on_result(result)
        return max_batches is not None and count >= max_batches

    try:
        on_result(watcher.process(force=True))
        for changes in changes_of(watcher.project.supabase_dir, watch_filter=_Relevant(watcher.project.supabase_dir),
                                  step=step_ms, stop_event=stop_event, rust_timeout=ARMED_MS,
                                  yield_on_timeout=True):
            if not armed:
                armed = True
                if handle(watcher.process()):
                    break
                on_ready()
                if not changes:
                    continue
            if not changes:  # watchfiles' timeout tick: nothing happened
                continue
            if handle(watcher.process()):
                break
    finally:
        watcher.close()
    return count
