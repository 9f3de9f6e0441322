"""Resetting the local database: recreate, migrate, seed — from a cached template when nothing changed."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from .. import audit
from ..migrations.files import require_no_duplicates, scan_migrations
from ..migrations.seeds import run_seeds, seed_files
from ..reporter import Reporter
from ..server import database_admin as admin
from ..target import Target
from . import spares
from .lock import server_lock

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
    spare: bool = False              # put in place from a copy made in the background beforehand
    stand_ins: str | None = None     # local: the development stand-ins line ("" for none), read in the same session

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def cache_key(target: Target, server_version: int, migrations, seeds) -> str:
    from .. import __version__

    h = hashlib.sha256(f"{__version__}|{base_template_name(target.project)}|{server_version}".encode())
    for m in migrations:
        h.update(b"\0m" + m.filename.encode() + b"\0" + m.read_bytes())
    for s in seeds:
        h.update(b"\0s" + s.label.encode() + b"\0" + s.data)
    return h.hexdigest()


def maintenance_database(name: str) -> str:
    return "template1" if name == "postgres" else "postgres"


def base_template_name(project) -> str:
    """The bootstrap template's name: the bootstrap's version, and what the project's platform generation
    adds (`platform_extras`), e.g. `supatasks_base_1a2b3c4d5e6f_pgsodium` for a PostgreSQL 15 project."""
    from ..server.bootstrap import BOOTSTRAP_VERSION, platform_extras

    return "_".join((BASE_PREFIX + BOOTSTRAP_VERSION, *platform_extras(project)))


def ensure_base_template(target: Target, maint, say=lambda message: None) -> str:
    """The bootstrapped template database (Supabase roles, schemas, extensions), created if missing."""
    from ..server.bootstrap import apply_bootstrap, platform_extras

    base = base_template_name(target.project)
    with server_lock(maint, lambda name: target.connect(database=name)):
        if not admin.database_exists(maint, base):
            say("preparing the Supabase bootstrap (roles, auth, storage, extensions)")
            admin.create_database(maint, base)
            with target.connect(database=base) as conn:
                apply_bootstrap(conn, platform_extras(target.project))
            admin.mark_template(maint, base)
    return base


def reset_database(target: Target, reporter: Reporter | None = None, use_cache: bool = True) -> ResetResult:
    """Drop and rebuild the target database. Only for servers where supatasks may drop databases.

    On the local profile the old database is renamed away rather than dropped, and a background child
    (reset_spare) drops it and prepares the next copies; elsewhere everything happens here and now."""
    reporter = reporter or Reporter()
    began, started_at = time.perf_counter(), audit.utcnow()
    scan = scan_migrations(target.project)
    require_no_duplicates(scan)
    seeds = seed_files(target.project)
    local = target.profile.is_local
    with target.connect(database=maintenance_database(target.db.database)) as maint:
        cache = _cache_name(target, maint, scan.migrations, seeds)
        try:
            with server_lock(maint, lambda name: target.connect(database=name)):
                hit = use_cache and admin.database_exists(maint, cache)
                if hit:
                    reporter.note("nothing changed since the last reset: restoring the cached database")
                    spare = spares.put_in_place(maint, cache, target.db.database)
                else:
                    spare = _rebuild(target, maint, scan, seeds, reporter, cache if use_cache else None, local)
            stand_ins = _record(target, started_at, {"cache_hit": hit, "spare": spare,
                                                     "migrations": len(scan.migrations), "seeds": len(seeds)})
        finally:
            if local:  # also after a failure: what was renamed away is dropped all the same
                # The child works from `postgres` even when that is the target (a later reset then ends its
                # session, harmlessly): a session on template1 would make CREATE DATABASE wait for it.
                spares.launch(target.db.with_database("postgres"), [cache, base_template_name(target.project)])
    return ResetResult(target.db.database, hit, len(scan.migrations), len(seeds), time.perf_counter() - began,
                       spare=spare, stand_ins=stand_ins)


def _record(target: Target, started_at, details: dict) -> str | None:
    """The audit row of the reset; returns (local profile) the stand-ins line, read on the same session."""
    with target.connect() as conn:
        audit.ensure_audit(conn)
        audit.record(conn, audit.AuditContext(target.name, target.project.root), "reset", started_at=started_at,
                     details=details)
        if target.profile.is_local:
            from ..server.stand_ins import describe_stand_ins
            return describe_stand_ins(conn) or ""
    return None


def _cache_name(target: Target, maint, migrations, seeds) -> str:
    return CACHE_PREFIX + cache_key(target, maint.info.server_version, migrations, seeds)[:24]


def _rebuild(target: Target, maint, scan, seeds, reporter: Reporter, cache: str | None, local: bool) -> bool:
    """A fresh copy of the bootstrap template, every migration, the seeds; then (with `cache`) the result
    copied into the cache. Returns whether the fresh copy was a ready spare."""
    from ..migrations.executor import SessionSettings
    from ..migrations.runner import apply_migrations, prepare

    project, name = target.project, target.db.database
    prepared = [prepare(m, project.relative(m.path), local=target.profile.is_local) for m in scan.migrations]
    base = ensure_base_template(target, maint, reporter.note)
    if local:
        spare = spares.put_in_place(maint, base, name)
    else:  # a shared server: no copies left behind, no checkpoint forced on it
        admin.clone_database(maint, base, name, file_copy=False)
        spare = False
    with target.connect() as conn:
        apply_migrations(conn, prepared, SessionSettings(), reporter)
        if local:  # the down SQL db.sync needs after a branch switch (local only)
            from ..migrations import downs
            downs.record(conn, project, [p.migration for p in prepared])
        run_seeds(conn, seeds, on_seed=lambda label, s: reporter.note(f"seeded {label} ({s:.2f}s)"))
    if cache is not None:
        for old in admin.databases_with_comment(maint, _cache_comment(name)):
            spares.retire(maint, old)
        _store_cache(maint, name, cache)
    return spare


def _store_cache(maint, name: str, cache: str) -> None:
    """Copy `name` into the cache: under a temporary name, renamed only once it is complete and marked."""
    temporary = spares.temporary_name()
    admin.copy_database(maint, name, temporary, allow_connections=False)
    admin.mark_template(maint, temporary)
    with maint.transaction():
        admin.set_comment(maint, temporary, _cache_comment(name))
        admin.rename_database(maint, temporary, cache)


def ensure_reset_cache(target: Target, maint, reporter: Reporter | None = None) -> str:
    """The reset cache of the project's current migrations and seeds (`supatasks_cache_*`, the template a
    repeated db.reset restores), built when missing — on a copy of the bootstrap template, never on the
    profile's own database — and kept, so the next db.reset of that database restores it too.

    For tools that need the migrated and seeded database without touching it: db.test clones it."""
    from contextlib import suppress

    from ..migrations.executor import SessionSettings
    from ..migrations.runner import apply_migrations, prepare

    reporter = reporter or Reporter()
    scan = scan_migrations(target.project)
    require_no_duplicates(scan)
    seeds = seed_files(target.project)
    cache = _cache_name(target, maint, scan.migrations, seeds)
    with server_lock(maint, lambda name: target.connect(database=name)):
        if admin.database_exists(maint, cache):
            return cache
        project = target.project
        prepared = [prepare(m, project.relative(m.path), local=True) for m in scan.migrations]
        base = ensure_base_template(target, maint, reporter.note)
        building = spares.temporary_name()
        admin.copy_database(maint, base, building)
        try:
            with target.connect(database=building) as conn:
                apply_migrations(conn, prepared, SessionSettings(), reporter)
                run_seeds(conn, seeds, on_seed=lambda label, s: reporter.note(f"seeded {label} ({s:.2f}s)"))
            for old in admin.databases_with_comment(maint, _cache_comment(target.db.database)):
                spares.retire(maint, old)
            admin.mark_template(maint, building)
            with maint.transaction():
                admin.set_comment(maint, building, _cache_comment(target.db.database))
                admin.rename_database(maint, building, cache)
        except BaseException:
            with suppress(Exception):  # the error that got us here is the one to report
                admin.drop_database(maint, building)
            raise
    return cache


def wait_for_background(target: Target, timeout: float = 60) -> bool:
    """Wait until the background work after local resets on the target's server is done: no child running,
    the trash dropped, ready spares of the bootstrap template and of the project's current cache.
    False if that did not happen within `timeout` seconds (or a child failed)."""
    project = target.project
    scan = scan_migrations(project)
    seeds = seed_files(project)
    with target.connect(database=maintenance_database(target.db.database)) as maint:
        cache = _cache_name(target, maint, scan.migrations, seeds)
        templates = [cache, base_template_name(project)]
        return spares.wait_until_settled(maint, target.db.host, target.db.port, templates, timeout)


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
        from ..errors import ConfigError
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
        from ..errors import ConfigError
        raise ConfigError(f"--mode=recreate: {target.db.database} cannot be dropped and recreated by this role "
                          "here (a Supabase project's postgres database never can); use --mode=schemas")
    return "recreate" if possible else "schemas"


def reset_remote(target: Target, reporter: Reporter | None = None, mode: str = "auto",
                 take_backup: bool = True) -> ResetResult:
    """Reset a non-local profile's database: back up, wipe, migrate, seed. The confirmation is the caller's."""
    from ..recovery import backup as backups

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
    from ..migrations import history
    from ..migrations.lock import migration_lock
    from ..migrations.runner import apply_migrations, prepare
    from ..migrations.up import session_settings

    reporter = reporter or Reporter()
    began, started_at = time.perf_counter(), audit.utcnow()
    project = target.project
    scan = scan_migrations(project)
    require_no_duplicates(scan)
    prepared = [prepare(m, project.relative(m.path), local=target.profile.is_local) for m in scan.migrations]
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


# -- db.reset: who may reset which database, and which reset runs --------------------------------------------

DESTROY_FLAG = "--i-know-this-destroys-production"


def require_resettable(target: Target, consent=None, *, destroy_production: bool = False, summary: str = "",
                       say=None, ask=None, interactive=None) -> None:
    """Return if the reset of `target` may go ahead; raise Refused (nothing changed) otherwise.

    - local: no question (a development database);
    - other profiles (staging): the `[y/N]` of the confirmation policy, or --yes;
    - protected profiles (production): refused outright, unless BOTH the dedicated flag
      --i-know-this-destroys-production AND the typed project ref (or --confirm=<ref>) are given."""
    from ..confirmation import Consent, confirm_write
    from ..errors import Refused

    profile = target.profile
    if profile.is_local and not profile.protected:
        return
    if profile.protected and not destroy_production:
        raise Refused(f"db.reset of protected profile {profile.name} is refused: it deletes every table and row. "
                      f"If that is really what you want, pass {DESTROY_FLAG} together with --confirm=<project ref> "
                      "(or type the ref when asked); nothing was changed")
    confirm_write(profile, summary or f"Reset {profile.name}", consent or Consent(), say=say, ask=ask,
                  interactive=interactive)


def is_remote(target: Target) -> bool:
    """A reset of anything but an unprotected local profile is a remote reset (backup, consent)."""
    return not (target.profile.is_local and not target.profile.protected)


def reset_profile(target: Target, consent, *, engine: str = "supatasks", use_cache: bool = True,
                  mode: str = "auto", take_backup: bool = True, destroy_production: bool = False,
                  reporter: Reporter | None = None, say=lambda message: None) -> ResetResult | str:
    """db.reset: the consent a remote reset needs, then the reset — supatasks' (a ResetResult) or the Supabase
    CLI's (its output, a str; remote: after a backup)."""
    remote = is_remote(target)
    if remote:  # a local reset loads none of this
        from ..recovery.backup import require_backup

        require_backup(target, take_backup, "a reset")
        count = len(scan_migrations(target.project).migrations)
        require_resettable(
            target, consent, destroy_production=destroy_production, say=say,
            summary=f"{target.header(database=True)}\n"
                    "RESET: every table, row, function and policy the migrations created is DROPPED and auth "
                    f"users are deleted; then {count} migration(s) and the seeds run again."
                    + (" A backup is taken first." if take_backup else ""))
    if engine == "cli":
        from ..server import supabase_cli

        if remote and take_backup:
            from ..recovery.backup import take_backup as backup_now

            saved = backup_now(target, label="before-reset")
            say(f"backup written: {saved.describe(target.project)}")
        result = supabase_cli.db_reset(target.project, target.db)
        return (result.stdout + result.stderr).strip()
    if remote:
        return reset_remote(target, reporter, mode=mode, take_backup=take_backup)
    return reset_database(target, reporter=reporter, use_cache=use_cache)
