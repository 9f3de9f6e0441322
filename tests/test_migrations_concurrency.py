"""Concurrency: 8 processes run `db.up` (or `db.push --env=staging --yes`) at once against one database.

Every trial uses a fresh database and asserts that every migration was applied exactly once (history,
an apply log written by the migrations themselves, the audit log, and the processes' own output), that
the history matches the schema, and that every process exited 0 or with the documented "someone else is
migrating" outcome (exit 3 after SUPATASKS_LOCK_WAIT). Two of the eight wait only 0.3 s for the lock, so
that outcome is exercised too.

Trials: SUPATASKS_RELIABILITY_TRIALS (default 2; `full` = 20).
"""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest

from support import (TrialRun, applied_versions, apply_audit_counts, connect, create_database, make_project,
                     migration_lock_holders, one_error_line, rows, run_supatasks, spawn, trials,
                     wait_for_sessions_to_end)
from supatasks.migrations.lock import LOCK_KEY

PROCESSES = 8
MIGRATIONS = 24
INDEX_AT = 12  # this one is a CREATE INDEX CONCURRENTLY file (runs outside a transaction)
SHORT_WAIT = "0.3"
BUSY = "error: someone else is migrating this database"


def version(k: int) -> str:
    return f"20260301{k:06d}"


def build_project(root, idempotent: bool):
    """MIGRATIONS files; each (but the index one) creates a table and logs itself in public.apply_log.

    idempotent=False: plain CREATE TABLE, so a second application would fail loudly (db.up, local);
    idempotent=True: the lint-clean style db.push's lint gate wants (IF NOT EXISTS, RLS) — a second
    application would then show in apply_log, the audit log and the output instead."""
    create = "CREATE TABLE IF NOT EXISTS" if idempotent else "CREATE TABLE"
    files = {}
    for k in range(1, MIGRATIONS + 1):
        if k == INDEX_AT:
            body = f"CREATE INDEX CONCURRENTLY IF NOT EXISTS t_{k - 1}_v_idx ON public.t_{k - 1} (v);\n"
        else:
            body = ""
            if k == 1:
                body += (f"{create} public.apply_log (version text NOT NULL, "
                         "backend int NOT NULL DEFAULT pg_backend_pid());\n"
                         "ALTER TABLE public.apply_log ENABLE ROW LEVEL SECURITY;\n")
            body += (f"{create} public.t_{k} (id bigint PRIMARY KEY, v bigint);\n"
                     f"ALTER TABLE public.t_{k} ENABLE ROW LEVEL SECURITY;\n"
                     f"INSERT INTO public.apply_log (version) VALUES ('{version(k)}');\n"
                     "SELECT pg_sleep(0.01);\n")
        files[f"{version(k)}_m{k}.sql"] = body
    make_project(root, files)
    return sorted(files)


def check_database(url: str) -> None:
    """History, schema, apply log and audit log agree: each migration exactly once."""
    expected = [version(k) for k in range(1, MIGRATIONS + 1)]
    assert applied_versions(url) == expected
    logged = Counter(v for (v,) in rows(url, "SELECT version FROM public.apply_log"))
    assert logged == Counter({v: 1 for k, v in enumerate(expected, 1) if k != INDEX_AT}), logged
    assert apply_audit_counts(url) == {v: 1 for v in expected}
    tables = {r[0] for r in rows(url, "SELECT relname FROM pg_class WHERE relname LIKE 't\\_%%' AND relkind = 'r'")}
    assert tables == {f"t_{k}" for k in range(1, MIGRATIONS + 1) if k != INDEX_AT}
    valid = rows(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)",
                 (f"public.t_{INDEX_AT - 1}_v_idx",))
    assert valid == [(True,)]
    assert migration_lock_holders(url) == []


def run_race(tmp_path, server, args, env_for, idempotent: bool, outcomes: Counter, number: int):
    root = tmp_path / f"trial{number}"
    files = build_project(root, idempotent)
    url = create_database(server)
    env = env_for(root, url)
    procs = []
    for i in range(PROCESSES):
        extra = {"SUPATASKS_LOCK_WAIT": SHORT_WAIT} if i >= PROCESSES - 2 else {}
        procs.append(spawn(args, root, {**env, **extra}))
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        results.append((proc.returncode, out, err))
    applied_lines = Counter()
    pushed = 0
    for code, out, err in results:
        assert code in (0, 3), (code, out, err)
        assert "Traceback" not in out + err, err
        if code == 3:
            assert one_error_line(err).startswith(BUSY), err
            outcomes["busy"] += 1
        else:
            assert not [line for line in err.splitlines() if line.startswith("error:")], err
            outcomes["ok"] += 1
        applied_lines.update(m.group(1) for m in re.finditer(r"^  applied (\S+\.sql) \(", out + err, re.M))
        pushed += sum(int(m.group(1)) for m in re.finditer(r"^pushed (\d+) migration", out + err, re.M))
    assert applied_lines == Counter({f: 1 for f in files}), applied_lines
    if "db.push" in args or "--env=staging" in args:
        assert pushed == len(files)
    wait_for_sessions_to_end(url)
    check_database(url)


@pytest.mark.parametrize("variant", ["db.up", "db.push --env=staging --yes"])
def test_eight_processes_apply_each_migration_exactly_once(tmp_path, pg_server, variant):
    args = variant.split()
    if variant == "db.up":
        def env_for(root, url):
            return {"SUPABASE_DB_URL": url}
    else:
        def env_for(root, url):
            (root / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\n")
            return {}
    outcomes: Counter = Counter()
    count = trials(full=20, ci=2)
    run = TrialRun(f"concurrency: {PROCESSES} x `supatasks {variant}`, {MIGRATIONS} migrations", count)
    run.extra = {"outcomes": outcomes, "processes": PROCESSES * count}
    run.run(lambda n: run_race(tmp_path, pg_server, args, env_for, variant != "db.up", outcomes, n))
    assert outcomes["ok"] >= count  # at least one process per trial did the work


def test_someone_else_migrating_is_exit_3_naming_the_holder(tmp_path, db_url):
    """The documented outcome, made deterministic: the test holds the migration lock itself."""
    build_project(tmp_path, idempotent=False)
    with connect(db_url, application_name="lock-holder-test") as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        began = time.monotonic()
        result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": db_url, "SUPATASKS_LOCK_WAIT": "1"})
        waited = time.monotonic() - began
        assert result.returncode == 3, result.stderr
        line = one_error_line(result.stderr)
        assert line.startswith(BUSY)
        assert f"pid {holder.info.backend_pid}" in line and "lock-holder-test" in line
        assert "gave up after 1s (SUPATASKS_LOCK_WAIT)" in line
        assert 1 <= waited < 10
        assert applied_versions(db_url) == []
    result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": db_url, "SUPATASKS_LOCK_WAIT": "0"})
    assert result.returncode == 0, result.stderr
    check_database(db_url)
