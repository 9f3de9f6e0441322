"""Tasks that rebuild and seed a database."""

from __future__ import annotations

from .edge import ENV_HELP, JSON_HELP, db_task
from .push import CONFIRM_HELP, YES_HELP


@db_task(auto_shortflags=False, help={  # no one-letter alias for --i-know-this-destroys-production
    "env": ENV_HELP,
    "engine": "Who resets: 'supatasks' (default, cached template) or 'cli' (`supabase db reset --db-url`).",
    "no_cache": "Rebuild from the migration files even if nothing changed.",
    "json": JSON_HELP,
    "yes": YES_HELP + " Staging and other shared profiles only.",
    "confirm": CONFIRM_HELP,
    "mode": "Remote profiles: 'auto' (default), 'schemas' (drop what migrations created, like "
            "`supabase db reset --db-url`) or 'recreate' (drop and create the database, where the role may).",
    "no_backup": "Remote profiles: skip the backup taken first (refused for protected profiles).",
    "i_know_this_destroys_production": "Required, together with --confirm=<project ref>, to reset a protected "
                                       "profile such as production. Deletes every table and row there.",
})
def reset(c, env=None, engine="supatasks", no_cache=False, json=False, yes=False, confirm=None, mode="auto",
          no_backup=False, i_know_this_destroys_production=False):
    """Recreate the database, apply all migrations, run the seeds (remote profiles: after confirmation)."""
    from .. import supabase_cli
    from ..confirmation import Consent
    from ..errors import Refused
    from ..migration_files import scan_migrations
    from ..project import find_project
    from ..reset import reset_database, reset_remote
    from ..target import open_target
    from .console import LineReporter, err, out, print_json, stand_ins
    from .engines import require_engine
    from .safety import require_resettable

    require_engine(engine)
    target = open_target(find_project(), env)
    remote = not (target.profile.is_local and not target.profile.protected)
    say = err if json else out
    if remote:
        if no_backup and target.profile.protected:
            raise Refused(f"profile {target.name} is protected: a reset always takes a backup first; "
                          "nothing was changed")
        count = len(scan_migrations(target.project).migrations)
        require_resettable(
            target, Consent(yes, confirm), destroy_production=i_know_this_destroys_production, show=say,
            summary=f"Target: {target.name} — {target.db.display()} (database {target.db.database})\n"
                    "RESET: every table, row, function and policy the migrations created is DROPPED and auth "
                    f"users are deleted; then {count} migration(s) and the seeds run again."
                    + ("" if no_backup else " A backup is taken first."))
    if engine == "cli":
        if remote and not no_backup:
            from ..backup import take_backup
            saved = take_backup(target, label="before-reset")
            say(f"backup written: {saved.describe(target.project)}")
        result = supabase_cli.db_reset(target.project, target.db)
        out((result.stdout + result.stderr).strip())
        return
    if remote:
        result = reset_remote(target, LineReporter(quiet=json), mode=mode, take_backup=not no_backup)
    else:
        result = reset_database(target, reporter=LineReporter(quiet=json), use_cache=not no_cache)
    stand_ins(target)
    if json:
        print_json(result.as_dict())
        return
    how = "from the cache" if result.cache_hit else "from the migration files"
    out(f"reset {target.describe()} {how}: {result.migrations} migration(s), {result.seeds} seed file(s) "
        f"in {result.seconds:.2f}s" + (f" (mode {result.mode}; backup {result.backup})" if remote else ""))


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
