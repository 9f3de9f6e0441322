"""Tasks that rebuild and seed a database."""

from __future__ import annotations

from .edge import ENV_HELP, JSON_HELP, db_task


@db_task(help={
    "env": ENV_HELP,
    "engine": "Who resets: 'supatasks' (default, cached template) or 'cli' (`supabase db reset --db-url`).",
    "no_cache": "Rebuild from the migration files even if nothing changed.",
    "json": JSON_HELP,
})
def reset(c, env=None, engine="supatasks", no_cache=False, json=False):
    """Recreate the local database, apply all migrations, run the seeds."""
    from .. import supabase_cli
    from ..project import find_project
    from ..reset import reset_database
    from ..target import open_target
    from .console import LineReporter, out, print_json
    from .engines import require_engine
    from .safety import require_resettable

    require_engine(engine)
    target = open_target(find_project(), env)
    require_resettable(target)
    if engine == "cli":
        result = supabase_cli.db_reset(target.project, target.db)
        out((result.stdout + result.stderr).strip())
        return
    result = reset_database(target, reporter=LineReporter(quiet=json), use_cache=not no_cache)
    if json:
        print_json(result.as_dict())
        return
    how = "from the cache" if result.cache_hit else "from the migration files"
    out(f"reset {target.describe()} {how}: {result.migrations} migration(s), {result.seeds} seed file(s) "
        f"in {result.seconds:.2f}s")


@db_task(help={"env": ENV_HELP, "json": JSON_HELP,
               "yes": "Consent without a terminal, for non-local profiles.",
               "confirm": "For protected profiles: the project ref, as consent without a terminal."})
def seed(c, env=None, json=False, yes=False, confirm=None):
    """Run the seed files from [db.seed] sql_paths and record them like the Supabase CLI."""
    from .. import audit
    from ..project import find_project
    from ..seeding import run_seeds, seed_files
    from ..target import open_target
    from .console import out, print_json

    project = find_project()
    target = open_target(project, env)
    files = seed_files(project)
    from ..confirmation import Consent, confirm_write
    from .console import err
    confirm_write(target.profile, f"Target: {target.name} — {target.db.display()}\nSeed files to run: "
                  + (", ".join(f.label for f in files) or "none"), Consent(yes, confirm), show=err if json else out)
    with target.connect() as conn:
        run_seeds(conn, files, audit.AuditContext(target.name, project.root),
                  report=lambda label, s: None if json else out(f"  seeded {label} ({s:.2f}s)"))
    if json:
        print_json({"env": target.name, "seeded": [f.label for f in files]})
    elif not files:
        out("no seed files configured ([db.seed] sql_paths in supabase/config.toml)")
