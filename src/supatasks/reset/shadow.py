"""Shadow databases: an instant, throw-away copy of what the migration files produce, on the local server.

The one way to get one (db.diff, db.squash, and anything else that needs "the schema of the migrations"):

    from supatasks.reset.shadow import shadow_database

    with shadow_database(project) as shadow:            # bootstrap + every migration
        with shadow.connect() as conn: ...
    with shadow_database(project, upto="20260301120300", seeds=True) as shadow: ...

`shadow.database` is the database name, `shadow.url` its connection URL (no password), `shadow.connect()` a
connection (autocommit). The database is a copy of a template — the reset cache when its key matches
(bootstrap, the same migrations and, with `seeds`, the seeds), else a shadow template built once (bootstrap +
the migrations up to `upto` [+ seeds]) and kept for the next time — and is dropped when the block ends.
Only on a local server (the embedded one, or a SUPABASE_DB_URL on this machine): it creates databases.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..project import Project
from ..server import database_admin as admin
from ..target import Target, scratch_target

SHADOW_TEMPLATE_PREFIX = "supatasks_shadow_"
SHADOW_DATABASE_PREFIX = "supatasks_shadowdb_"


@dataclass(frozen=True)
class Shadow:
    target: Target       # the local profile's server the shadow lives on
    database: str
    template: str        # which template it was copied from
    cache_hit: bool      # the template existed already (no migration was replayed)

    @property
    def url(self) -> str:
        return self.target.db.with_database(self.database).url

    def connect(self, autocommit: bool = True):
        return self.target.connect(database=self.database, autocommit=autocommit)


@contextmanager
def shadow_database(project_or_target: Project | Target, *, upto: str | None = None, seeds: bool = False,
                    say=lambda message: None) -> Iterator[Shadow]:
    """A database holding the Supabase bootstrap and the migration files (those with version <= `upto`,
    all by default; then the seeds with `seeds`), dropped when the block ends."""
    target = scratch_target(project_or_target, "a shadow database")
    from ..reset.reset import maintenance_database

    name = SHADOW_DATABASE_PREFIX + uuid.uuid4().hex[:12]
    with target.connect(database=maintenance_database(target.db.database)) as maint:
        template, hit = ensure_shadow_template(target, maint, upto=upto, seeds=seeds, say=say, copy_to=name)
        try:
            yield Shadow(target, name, template, hit)
        finally:
            admin.drop_database(maint, name)


def ensure_shadow_template(target: Target, maint, *, upto: str | None, seeds: bool,
                           say=lambda message: None, copy_to: str | None = None) -> tuple[str, bool]:
    """(template name, existed already): the reset cache when it holds exactly this, else a shadow template
    (built now). `copy_to`: also copy it into that database, under the same lock (no one retires it meanwhile)."""
    from ..migrations.files import require_no_duplicates, scan_migrations
    from ..migrations.seeds import seed_files
    from .lock import server_lock
    from .reset import CACHE_PREFIX, cache_key

    scan = scan_migrations(target.project)
    require_no_duplicates(scan)
    migrations = [m for m in scan.migrations if upto is None or int(m.version) <= int(upto)]
    seed_list = seed_files(target.project) if seeds else []
    key = cache_key(target, maint.info.server_version, migrations, seed_list)[:24]
    candidates = [SHADOW_TEMPLATE_PREFIX + key]
    if upto is None or len(migrations) == len(scan.migrations):
        candidates.insert(0, CACHE_PREFIX + key)  # db.reset's own cache holds the same thing
    with server_lock(maint, lambda dbname: target.connect(database=dbname)):
        drop_abandoned(maint)
        found = next((name for name in candidates if admin.database_exists(maint, name)), None)
        if found is None:
            _build(target, maint, candidates[-1], migrations, seed_list, upto, seeds, say)
        if copy_to:
            admin.clone_database(maint, found or candidates[-1], copy_to)
            admin.set_comment(maint, copy_to, _owner_comment())
    return found or candidates[-1], found is not None


def _build(target: Target, maint, template: str, migrations, seed_list, upto, seeds, say) -> None:
    from ..migrations.executor import SessionSettings
    from ..migrations.runner import apply_migrations, prepare
    from ..migrations.seeds import run_seeds
    from ..reporter import Reporter
    from . import spares
    from .reset import ensure_base_template

    project = target.project
    prepared = [prepare(m, project.relative(m.path), local=True) for m in migrations]
    base = ensure_base_template(target, maint, say)
    building = spares.temporary_name()
    say(f"building the shadow of {len(migrations)} migration(s)" + (" and the seeds" if seeds else ""))
    admin.copy_database(maint, base, building)
    try:
        with target.connect(database=building) as conn:
            apply_migrations(conn, prepared, SessionSettings(), Reporter())
            if seed_list:
                run_seeds(conn, seed_list)
        comment = _comment(project, upto, seeds)
        for old in admin.databases_with_comment(maint, comment):
            spares.drop_trash(maint, old)  # an older shadow of the same files: no one copies it any more
        admin.mark_template(maint, building)
        with maint.transaction():
            admin.set_comment(maint, building, comment)
            admin.rename_database(maint, building, template)
    except BaseException:
        admin.drop_database(maint, building)
        raise


def _owner_comment() -> str:
    return f"supatasks shadow database of process {os.getpid()} on {socket.gethostname()}"


def drop_abandoned(maint) -> list[str]:
    """Shadow databases whose process on this machine is gone (killed before it could drop them)."""
    dropped = []
    prefix = "supatasks shadow database of process "
    for name, comment in maint.execute(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname LIKE %s",
            (SHADOW_DATABASE_PREFIX.replace("_", "\\_") + "%",)).fetchall():
        pid, _, host = (comment or "").removeprefix(prefix).partition(" on ")
        if not (comment or "").startswith(prefix) or host != socket.gethostname() or not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # someone else's, alive
        admin.drop_database(maint, name)
        dropped.append(name)
    return dropped


def _comment(project: Project, upto: str | None, seeds: bool) -> str:
    return f"supatasks shadow of {project.root} upto={upto or 'all'} seeds={'yes' if seeds else 'no'}"
