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
    mode: str = "local"              # local | recreate | schemas
    backup: str | None = None        # the backup taken first (remote resets)

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


def ensure_base_template(target: Target, maint, note=lambda message: None) -> str:
    """The bootstrapped template database (Supabase roles, schemas, extensions), created if missing."""
    from .bootstrap import BOOTSTRAP_VERSION, apply_bootstrap

    base = BASE_PREFIX + BOOTSTRAP_VERSION
    maint.execute("SELECT pg_advisory_lock(%s)", (RESET_LOCK_KEY,))  # re-entrant within one session
    try:
        if not admin.database_exists(maint, base):
            note("preparing the Supabase bootstrap (roles, auth, storage, extensions)")
            admin.create_database(maint, base)
            with target.connect(database=base) as conn:
                apply_bootstrap(conn)
            admin.mark_template(maint, base)
    finally:
        maint.execute("SELECT pg_advisory_unlock(%s)", (RESET_LOCK_KEY,))
    return base


def reset_database(target: Target, reporter: Reporter | None = None, use_cache: bool = True) -> ResetResult:
    """Drop and rebuild the target database. Only for servers where supatasks may drop databases."""
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
            base = ensure_base_template(target, maint, reporter.note)
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


# -- resetting a remote database (staging; production only with the dedicated flag) ---------------------

RESET_MODES = ("auto", "schemas", "recreate")
# Schemas the platform (or supatasks' bootstrap standing in for it) owns: never dropped by a reset.
MANAGED_SCHEMAS = ("information_schema", "auth", "storage", "extensions", "graphql", "graphql_public", "realtime",
                   "_realtime", "supabase_functions", "supabase_migrations", "net", "cron", "pgbouncer", "pgsodium",
                   "pgsodium_masks", "vault", "_analytics", "_supavisor", "pgtle", "public")
# Extensions a Supabase project comes with (the Supabase CLI's remote reset keeps the same ones).
KEPT_EXTENSIONS = ("pg_graphql", "pg_net", "pg_stat_statements", "pgcrypto", "pgjwt", "pgsodium", "plpgsql",
                   "supabase_vault", "uuid-ossp")
SUPABASE_HOST_SUFFIXES = (".supabase.co", ".supabase.com")

_NOT_EXTENSION_MEMBER = ("NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{catalog}'::regclass "
                         "AND d.objid = {oid} AND d.deptype = 'e')")


def choose_mode(target: Target, mode: str = "auto") -> str:
    """recreate (drop and create the database, as for local) where the role may and the database is not the
    platform's `postgres`; otherwise schemas (drop what migrations created, like `supabase db reset --db-url`)."""
    if mode not in RESET_MODES:
        from .errors import ConfigError
        raise ConfigError(f"--mode={mode!r}: choose one of {', '.join(RESET_MODES)}")
    if mode == "schemas":
        return mode
    with target.connect() as conn:
        superuser, createdb, owner = conn.execute(
            "SELECT r.rolsuper, r.rolcreatedb, d.datdba = r.oid FROM pg_roles r, pg_database d "
            "WHERE r.rolname = current_user AND d.datname = current_database()").fetchone()
    hosted = target.db.host.endswith(SUPABASE_HOST_SUFFIXES)
    possible = (superuser or (createdb and owner)) and not hosted and \
        target.db.database not in ("postgres", "template0", "template1")
    if mode == "recreate" and not possible:
        from .errors import ConfigError
        raise ConfigError(f"--mode=recreate: {target.db.database} cannot be dropped and recreated by this role "
                          "here (a Supabase project's postgres database never can); use --mode=schemas")
    return "recreate" if possible else "schemas"


def reset_remote(target: Target, reporter: Reporter | None = None, mode: str = "auto",
                 take_backup: bool = True) -> ResetResult:
    """Reset a non-local profile's database: back up, wipe, migrate, seed. The confirmation is the caller's."""
    from . import backup as backups

    reporter = reporter or Reporter()
    chosen = choose_mode(target, mode)
    saved = None
    if take_backup:
        reporter.note("backing up first (pg_dump) …")
        saved = backups.take_backup(target, label="before-reset",
                                    details={"reason": f"db.reset --env={target.name}"})
        reporter.note(f"backup written: {saved.describe(target.project)}")
    if chosen == "recreate":
        with target.connect() as conn:
            kept = audit.read_audit(conn)
        result = reset_database(target, reporter, use_cache=False)
        with target.connect() as conn:
            audit.ensure_audit(conn)
            backups.restore_audit_rows(conn, kept)
    else:
        result = reset_schemas(target, reporter)
    result.mode = chosen
    result.backup = target.project.relative(saved.path) if saved else None
    return result


def reset_schemas(target: Target, reporter: Reporter | None = None) -> ResetResult:
    """Drop everything migrations created (user schemas, public's objects, policies, extra extensions,
    auth data, the migration history — the audit log stays), then migrate and seed.

    When every migration can run in a transaction, wipe + migrate + seed are ONE transaction: a failure leaves
    the database exactly as it was."""
    from . import history
    from .migrate import session_settings
    from .migration_lock import migration_lock

    reporter = reporter or Reporter()
    began, started_at = time.perf_counter(), audit.utcnow()
    project = target.project
    scan = scan_migrations(project)
    require_no_duplicates(scan)
    prepared = [prepare(m, project.relative(m.path)) for m in scan.migrations]
    seeds = seed_files(project)
    settings = session_settings(target)
    atomic = all(p.transactional for p in prepared)
    ctx = audit.AuditContext(target.name, project.root)
    with target.connect() as conn:
        audit.ensure_audit(conn)
        history.ensure_history(conn)
        with migration_lock(conn, settings.lock_wait, reporter.note):
            if atomic:
                with conn.transaction():
                    dropped = drop_user_objects(conn)
                    apply_migrations(conn, prepared, settings, reporter, ctx)
                    run_seeds(conn, seeds, ctx)
            else:
                reporter.note("a migration must run outside a transaction: the wipe commits before migrating")
                with conn.transaction():
                    dropped = drop_user_objects(conn)
                apply_migrations(conn, prepared, settings, reporter, ctx)
                run_seeds(conn, seeds, ctx)
        audit.record(conn, ctx, "reset", started_at=started_at,
                     details={"mode": "schemas", "atomic": atomic, "dropped": dropped,
                              "migrations": len(prepared), "seeds": len(seeds)})
    return ResetResult(target.db.database, False, len(prepared), len(seeds), time.perf_counter() - began,
                       mode="schemas")


def drop_user_objects(conn) -> dict[str, int]:
    """What `supabase db reset --db-url` wipes, in one go; returns counts per kind."""
    counts: dict[str, int] = {}

    def run(kind: str, query: str, template: str, params=None, raw: tuple[int, ...] = ()) -> None:
        rows = conn.execute(query, params).fetchall()
        for row in rows:  # names are quoted as identifiers; `raw` columns (argument lists) are SQL already
            conn.execute(template.format(*[v if i in raw else admin.ident(v) for i, v in enumerate(row)]))
        counts[kind] = len(rows)

    run("extensions", "SELECT extname FROM pg_extension WHERE extname <> ALL(%s)",
        "DROP EXTENSION IF EXISTS {0} CASCADE", (list(KEPT_EXTENSIONS),))
    run("schemas", f"""
        SELECT n.nspname FROM pg_namespace n LEFT JOIN pg_roles r ON r.oid = n.nspowner
        WHERE n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> ALL(%s)
          AND coalesce(r.rolname, '') <> 'supabase_admin'
          AND {_NOT_EXTENSION_MEMBER.format(catalog='pg_namespace', oid='n.oid')}""",
        "DROP SCHEMA IF EXISTS {0} CASCADE", (list(MANAGED_SCHEMAS),))
    run("functions", f"""
        SELECT 'public', p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace
          AND {_NOT_EXTENSION_MEMBER.format(catalog='pg_proc', oid='p.oid')}""",
        "DROP ROUTINE IF EXISTS {0}.{1}({2}) CASCADE", raw=(2,))
    for kind, relkinds, what in (("views", "v", "VIEW"), ("materialized views", "m", "MATERIALIZED VIEW"),
                                 ("tables", "rpf", "TABLE"), ("sequences", "S", "SEQUENCE")):
        run(kind, f"""
            SELECT 'public', c.relname FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind::text = ANY(%s)
              AND {_NOT_EXTENSION_MEMBER.format(catalog='pg_class', oid='c.oid')}
            ORDER BY c.relkind DESC""", f"DROP {what} IF EXISTS {{0}}.{{1}} CASCADE", (list(relkinds),))
    run("types", f"""
        SELECT 'public', t.typname FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
        WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r', 'c')
          AND (t.typrelid = 0 OR c.relkind = 'c')
          AND {_NOT_EXTENSION_MEMBER.format(catalog='pg_type', oid='t.oid')}""",
        "DROP TYPE IF EXISTS {0}.{1} CASCADE")
    run("policies", "SELECT schemaname, tablename, policyname FROM pg_policies",
        "DROP POLICY IF EXISTS {2} ON {0}.{1}")
    run("publications", "SELECT pubname FROM pg_publication WHERE pubname NOT LIKE 'supabase\\_realtime%' "
        "AND pubname NOT LIKE 'realtime\\_messages%'", "DROP PUBLICATION IF EXISTS {0}")
    run("truncated tables", """
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND (
              (n.nspname = 'auth' AND c.relname <> 'schema_migrations')
           OR (n.nspname = 'supabase_functions' AND c.relname <> 'migrations')
           OR (n.nspname = 'supabase_migrations' AND c.relname IN ('schema_migrations', 'seed_files')))""",
        "TRUNCATE {0}.{1} CASCADE")
    return counts
