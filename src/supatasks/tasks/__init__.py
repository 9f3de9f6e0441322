"""The Invoke namespace: `inv db.<task>` (and `supatasks db.<task>`).

Every task imports the library inside its body, not at the top of its module: `inv --list` and
`inv --help db.push` then load only Invoke and these small modules (psycopg, rich and the rest are
imported by the task that runs)."""

from invoke import Collection

from . import checks, local, migrations, push, recovery, reset, sql
from .edge import install_invoke_error_hook

install_invoke_error_hook()

db = Collection(
    "db",
    # migrations (tasks/migrations.py, tasks/push.py)
    migrations.new, migrations.up, migrations.status, migrations.sync, push.push, push.history, push.repair,
    # rebuilding the database (tasks/reset.py, tasks/local.py)
    reset.reset, reset.watch, reset.seed, local.start, local.stop,
    # SQL straight to a profile (tasks/sql.py)
    sql.psql, sql.exec, sql.reload_schema,
    # rolling back and recovering (tasks/recovery.py)
    recovery.down, recovery.rollback, recovery.backup, recovery.restore, recovery.pitr, recovery.fix_layout,
    # checks before shipping (tasks/checks.py)
    checks.lint, checks.advise, checks.check, checks.test, checks.tables, checks.describe, checks.diff,
    checks.squash,
)

namespace = Collection(db)
