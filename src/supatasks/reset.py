"""Resetting the local database: recreate, migrate, seed — from a cached template when nothing changed."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from . import audit, database_admin as admin
from .migration_files import require_no_duplicates, scan_migrations
from .runner import Reporter, SessionSettings, apply_migrations, prepare
from .seeding import run_seeds, seed_files
from .target import Target

RESET_LOCK_KEY = 0x5355504154524553  # a different key from the migration lock
BASE_PREFIX = "supatasks_base_"
CACHE_PREFIX = "supatasks_cache_"


@dataclass
class ResetResult:
    database: str
    cache_hit: bool
    migrations: int
    seeds: int
    seconds: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def cache_key(target: Target, server_version: int, migrations, seeds) -> str:
    from . import __version__
    from .bootstrap import BOOTSTRAP_VERSION

    h = hashlib.sha256(f"{__version__}|{BOOTSTRAP_VERSION}|{server_version}".encode())
    for m in migrations:
        h.update(b"\0m" + m.filename.encode() + b"\0" + m.read_bytes())
    for s in seeds:
        h.update(b"\0s" + s.label.encode() + b"\0" + s.data)
    return h.hexdigest()


def maintenance_database(name: str) -> str:
    return "template1" if name == "postgres" else "postgres"


def reset_database(target: Target, reporter: Reporter | None = None, use_cache: bool = True) -> ResetResult:
    """Drop and rebuild the target database. Only for servers where supatasks may drop databases."""
    from .bootstrap import BOOTSTRAP_VERSION, apply_bootstrap

    reporter = reporter or Reporter()
    began, started_at = time.perf_counter(), audit.utcnow()
    project = target.project
    scan = scan_migrations(project)
    require_no_duplicates(scan)
    seeds = seed_files(project)
    name = target.db.database
    with target.connect(database=maintenance_database(name)) as maint:
        maint.execute("SELECT pg_advisory_lock(%s)", (RESET_LOCK_KEY,))
        key = cache_key(target, maint.info.server_version, scan.migrations, seeds)
        cache = CACHE_PREFIX + key[:24]
        if use_cache and admin.database_exists(maint, cache):
            reporter.note("nothing changed since the last reset: restoring the cached database")
            admin.clone_database(maint, cache, name)
            hit = True
        else:
            prepared = [prepare(m, project.relative(m.path)) for m in scan.migrations]
            base = BASE_PREFIX + BOOTSTRAP_VERSION
            if not admin.database_exists(maint, base):
                reporter.note("preparing the Supabase bootstrap (roles, auth, storage, extensions)")
                admin.create_database(maint, base)
                with target.connect(database=base) as conn:
                    apply_bootstrap(conn)
                admin.mark_template(maint, base)
            admin.clone_database(maint, base, name)
            with target.connect() as conn:
                apply_migrations(conn, prepared, SessionSettings(), reporter)
                run_seeds(conn, seeds, report=lambda label, s: reporter.note(f"seeded {label} ({s:.2f}s)"))
            if use_cache:
                for old in admin.databases_with_comment(maint, _cache_comment(name)):
                    admin.unmark_template(maint, old)
                    admin.drop_database(maint, old)
                admin.clone_database(maint, name, cache)
                admin.set_comment(maint, cache, _cache_comment(name))
                admin.mark_template(maint, cache)
            hit = False
        maint.execute("SELECT pg_advisory_unlock(%s)", (RESET_LOCK_KEY,))
    with target.connect() as conn:
        ctx = audit.AuditContext(target.name, project.root)
        audit.ensure_audit(conn)
        audit.record(conn, ctx, "reset", started_at=started_at,
                     details={"cache_hit": hit, "migrations": len(scan.migrations), "seeds": len(seeds)})
    return ResetResult(name, hit, len(scan.migrations), len(seeds), time.perf_counter() - began)


def _cache_comment(database: str) -> str:
    return f"supatasks reset cache of {database}"
