"""The one set of test helpers (fixtures are in tests/conftest.py):

- database.py: servers, `create_database` (the one way to make a database), `applied_versions`, audit rows,
  snapshots
- project.py: small projects on disk, the example project, staging/production profiles
- cli.py: the real command line (`run_supatasks`, `ok`, `spawn`, `one_error_line`)
- reliability.py: trial counts and figures, `wait_until`, a TCP black hole, `ProcessWatcher`
- threads.py: `BackgroundThread`
"""

from .cli import SUPATASKS, clean_env, ok, ok_json, one_error_line, run_supatasks, spawn
from .database import (
    PG15_BIN,
    SECRET,
    applied_versions,
    apply_audit_counts,
    audit_rows,
    bootstrapped_database,
    cli_url,
    connect,
    create_database,
    exists,
    fingerprint,
    free_port,
    migration_lock_holders,
    query,
    rows,
    snapshot,
    start_server,
    table_contents,
    wait_for_sessions_to_end,
)
from .project import MINIMAL_CONFIG, REF, REPO, copy_example_project, make_project, profiles_project, pushed_twice
from .reliability import ProcessWatcher, TrialRun, blackhole, record, trials, wait_until
from .threads import BackgroundThread
