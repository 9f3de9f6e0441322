"""Tasks that rebuild and seed a database."""

from __future__ import annotations

from .edge import db_task
from .help import CONFIRM_HELP, ENV_HELP, JSON_HELP, NO_BACKUP_HELP, YES_HELP


@db_task(auto_shortflags=False, help={  # no one-letter alias for --i-know-this-destroys-production
    "env": ENV_HELP,
    "engine": "Who resets: 'supatasks' (default, cached template) or 'cli' (`supabase db reset --db-url`).",
    "no_cache": "Rebuild from the migration files even if nothing changed.",
    "json": JSON_HELP,
    "yes": YES_HELP,
    "confirm": CONFIRM_HELP,
    "mode": "Remote profiles: 'auto' (default), 'schemas' (drop what migrations created, like "
            "`supabase db reset --db-url`) or 'recreate' (drop and create the database, where the role may).",
    "no_backup": NO_BACKUP_HELP + " Remote profiles only.",
    "i_know_this_destroys_production": "Required, together with --confirm=<project ref>, to reset a protected "
                                       "profile such as production. Deletes every table and row there.",
})
def reset(c, env=None, engine="supatasks", no_cache=False, json=False, yes=False, confirm=None, mode="auto",
          no_backup=False, i_know_this_destroys_production=False):
    """Recreate the database, apply all migrations, run the seeds (remote profiles: after confirmation)."""
    from ..confirmation import Consent
    from ..project import find_project
    from ..reset.reset import is_remote, reset_profile
    from ..target import open_target
    from .console import LineReporter, err, out, print_json, stand_ins

    if engine != "supatasks":  # the CLI's wrapper is loaded only when asked for
        from ..server.supabase_cli import require_engine
        require_engine(engine)
    target = open_target(find_project(), env)
    result = reset_profile(target, Consent(yes, confirm), engine=engine, use_cache=not no_cache, mode=mode,
                           take_backup=not no_backup, destroy_production=i_know_this_destroys_production,
                           reporter=LineReporter(quiet=json), say=err if json else out)
    if isinstance(result, str):  # the Supabase CLI's output
        out(result)
        return
    stand_ins(target, result.stand_ins)
    if json:
        print_json({k: v for k, v in result.as_dict().items() if k != "stand_ins"})
    else:
        how = "from the cache" if result.cache_hit else "from the migration files"
        out(f"reset {target.describe()} {how}: {result.migrations} migration(s), {result.seeds} seed file(s) "
            f"in {result.seconds:.2f}s"
            + (f" (mode {result.mode}; backup {result.backup})" if is_remote(target) else ""))


@db_task(help={
    "env": ENV_HELP,
    "since": "Migrations newer than this version are the local work applied on every save (default: the "
             "newest file, and any created while watching); a change to an older one rebuilds from the files.",
    "max_saves": "Stop after this many saves that changed something (default: run until Ctrl-C).",
    "step_ms": "Wait this long (ms) after the last file event before applying (editors write in several steps).",
    "json": "One JSON object per save on stdout instead of a line.",
})
def watch(c, env=None, since=None, max_saves=None, step_ms=None, json=False):
    """Local profile: re-apply the newest migration(s) and the seeds on every save (Ctrl-C stops)."""
    import json as jsonlib
    import time

    from ..project import find_project
    from ..reset.watch import DEFAULT_STEP_MS, Watcher, watch as watch_files, whole_number
    from ..target import open_target
    from .console import err, out

    max_saves = whole_number(max_saves, "--max-saves")
    step_ms = whole_number(step_ms, "--step-ms") or DEFAULT_STEP_MS
    target = open_target(find_project(), env)
    watcher = Watcher(target, since=since)

    def show(result):
        if json:
            out(jsonlib.dumps(result.as_dict()))
        else:
            (out if result.ok else err)(f"{time.strftime('%H:%M:%S')} {result.line}")

    def ready():
        err(f"watching {target.project.relative(target.project.supabase_dir)}/ for {target.describe()}: "
            f"local work = migrations newer than {watcher.watermark or '(none)'}; Ctrl-C to stop")

    try:
        watch_files(watcher, show, max_batches=max_saves, step_ms=step_ms, on_ready=ready)
    except KeyboardInterrupt as stop:
        err("stopped: the database is at the last good state")
        if type(stop) is not KeyboardInterrupt:  # SIGTERM: still its own exit code
            raise


@db_task(help={"env": ENV_HELP, "json": JSON_HELP, "yes": YES_HELP, "confirm": CONFIRM_HELP})
def seed(c, env=None, json=False, yes=False, confirm=None):
    """Run the seed files from [db.seed] sql_paths and record them like the Supabase CLI."""
    from .. import audit
    from ..confirmation import Consent, confirm_write
    from ..migrations.seeds import run_seeds, seed_files
    from ..project import find_project
    from ..target import open_target
    from .console import err, out, print_json

    project = find_project()
    target = open_target(project, env)
    files = seed_files(project)
    confirm_write(target.profile, f"{target.header()}\nSeed files to run: "
                  + (", ".join(f.label for f in files) or "none"), Consent(yes, confirm), say=err if json else out)
    with target.connect() as conn:
        run_seeds(conn, files, audit.AuditContext(target.name, project.root),
                  on_seed=lambda label, s: None if json else out(f"  seeded {label} ({s:.2f}s)"))
    if json:
        print_json({"env": target.name, "seeded": [f.label for f in files]})
    elif not files:
        out("no seed files configured ([db.seed] sql_paths in supabase/config.toml)")
