"""supatasks: a Supabase project's database workflow as Invoke tasks.

The map (imports run down this list, never up; a task imports what it needs inside its body):

    tasks/        the Invoke layer: parse options, call one library function, print (console.py, help.py)
    checks/       lint (+ the push gate), supatasks.toml, rules, squawk, db.check, snapshots, inspection
    reset/        db.reset: local from cached templates and spares, remote after consent (and a backup)
    recovery/     down files, applied pushes (batches), the incident rollback, incident records, backup, pitr
    migrations/   files, new, layout, plan, history, lock, runner, executor, watchdog, up, push, repair, seeds, exec
    server/       the local server and its PostgreSQL installations, bootstrap and stand-ins, admin, pg tools,
                  the Supabase CLI
    sqltext/      the statement splitter (PostgreSQL's and the CLI's split) and statement kinds
    (top level)   errors, redact, programs, project, profiles, connection, target, confirmation, audit, cli,
                  reporter (the one progress protocol), lazy (the subpackages' re-exports)
    sql/, schemas/  files shipped with the package: bootstrap.sql, the extension stand-ins, the lint report schema

Two exceptions, both lazy imports inside a function: migrations/push.py runs checks/lint.py's push gate before
a push, and target.py starts the local server (server/local_server.py) for the local profile. cli.py is the
console script: it loads tasks/.
"""

__version__ = "0.1.0"
