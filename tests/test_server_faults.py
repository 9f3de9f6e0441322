"""Server faults: a restart in the middle of a push, and servers that cannot be reached.

The restart runs on a server of this module's own (fast shutdown, `pg_ctl stop -m fast`, then start), so
the shared servers of the suite are not disturbed. Trials: SUPATASKS_RELIABILITY_TRIALS (default 2;
`full` = 20). Connection faults: each gives one `error:` line within the connect timeout — a black hole
on the loopback interface (accepting and never answering, or never accepting), a refused port, a wrong
password, a host name that cannot be resolved, TLS required by a server without TLS.
"""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest

from support import (SECRET, TrialRun, applied_versions, apply_audit_counts, blackhole, connect, create_database,
                     free_port, make_project, one_error_line, rows, run_supatasks, spawn, trials, wait_until)
from supatasks.server.local_server import LocalServer

COUNT = 120


def version(k: int) -> str:
    return f"20260501{k:06d}"


def migration(k: int) -> str:
    body = ""
    if k == 1:
        body += ("CREATE TABLE IF NOT EXISTS public.apply_log (version text NOT NULL);\n"
                 "ALTER TABLE public.apply_log ENABLE ROW LEVEL SECURITY;\n")
    return body + (f"CREATE TABLE IF NOT EXISTS public.t_{k} (id bigint PRIMARY KEY);\n"
                   f"ALTER TABLE public.t_{k} ENABLE ROW LEVEL SECURITY;\n"
                   f"INSERT INTO public.apply_log (version) VALUES ('{version(k)}');\n"
                   "SELECT pg_sleep(0.02);\n")


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """A server only this module uses: restarting it disturbs nobody."""
    server = LocalServer(tmp_path_factory.mktemp("faults") / "pgdata", port=free_port())
    server.start()
    yield server
    server.stop()


def test_server_restart_mid_push_names_the_migration_and_a_rerun_completes(tmp_path, own_server):
    files = {f"{version(k)}_m{k}.sql": migration(k) for k in range(1, COUNT + 1)}
    make_project(tmp_path, files)
    stopped_at: list[int] = []
    count = trials(full=20, ci=2)
    run = TrialRun(f"server restart (fast shutdown) during `supatasks db.push` of {COUNT} migrations", count)
    run.extra = {"history_at_restart": stopped_at}

    def trial(number: int) -> None:
        url = create_database(own_server)
        (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\nSUPATASKS_CONNECT_TIMEOUT=5\n")
        proc = spawn(["db.push", "--env=staging", "--yes"], tmp_path)
        target = 10 + number * 17 % 80
        try:
            def progress():
                if proc.poll() is not None:
                    return True
                with connect(url) as conn:
                    if conn.execute("SELECT to_regclass('supabase_migrations.schema_migrations')").fetchone()[0]:
                        return conn.execute("SELECT count(*) FROM supabase_migrations.schema_migrations"
                                            ).fetchone()[0] >= target
                return False
            wait_until(progress, timeout=120, interval=0.01, what=f"{target} migrations")
            assert proc.poll() is None, "the push finished before the restart"
            own_server.stop()
            own_server.start()
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
        assert proc.returncode == 1, (out, err)
        line = one_error_line(err)
        history = applied_versions(url)
        stopped_at.append(len(history))
        assert history == [version(k) for k in range(1, len(history) + 1)]
        lost = f"{version(len(history) + 1)}_m{len(history) + 1}.sql"
        assert re.fullmatch(rf"error: supabase/migrations/{lost}: the connection to the server was lost while "
                            r"applying it; .*Re-run to continue", line), line
        # Nothing of the interrupted migration, nothing twice.
        assert Counter(v for (v,) in rows(url, "SELECT version FROM public.apply_log")) == Counter(history)
        again = run_supatasks(["db.push", "--env=staging", "--yes"], tmp_path)
        assert again.returncode == 0, again.stderr
        assert applied_versions(url) == [version(k) for k in range(1, COUNT + 1)]
        logged = Counter(v for (v,) in rows(url, "SELECT version FROM public.apply_log"))
        assert logged == Counter({version(k): 1 for k in range(1, COUNT + 1)})
        assert apply_audit_counts(url) == {version(k): 1 for k in range(1, COUNT + 1)}

    run.run(trial)


# -- connection faults: one line, within the connect timeout -----------------------------------------

def run_status(tmp_path, url: str, timeout: str | None, password: str | None = None):
    make_project(tmp_path, {"20260101000001_a.sql": "SELECT 1;\n"})
    env = {"SUPABASE_DB_URL": url}
    if timeout is not None:
        env["SUPATASKS_CONNECT_TIMEOUT"] = timeout
    if password is not None:
        env["SUPABASE_DB_PASSWORD"] = password
    began = time.monotonic()
    result = run_supatasks(["db.status"], tmp_path, env, timeout=120)
    took = time.monotonic() - began
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot connect to "), result.stderr
    return lines[0], took


# Start-up of the supatasks process itself, on a loaded 2-core machine.
SLACK = 4.0


@pytest.mark.parametrize("accept", [True, False], ids=["accepts-and-says-nothing", "never-accepts"])
def test_black_hole_gives_up_at_the_connect_timeout(tmp_path, accept):
    with blackhole(accept) as port:
        line, took = run_status(tmp_path, f"postgresql://postgres@127.0.0.1:{port}/postgres", "2")
    assert "timeout expired" in line
    assert 2 <= took < 2 + SLACK


def test_black_hole_default_timeout_is_10s_and_per_profile(tmp_path):
    """No SUPATASKS_CONNECT_TIMEOUT: 10 s. Set in .env.staging: that profile's value."""
    with blackhole(True) as port:
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        line, took = run_status(tmp_path, url, None)
        assert "timeout expired" in line
        assert 10 <= took < 10 + SLACK
        (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\nSUPATASKS_CONNECT_TIMEOUT=1\n")
        began = time.monotonic()
        result = run_supatasks(["db.status", "--env=staging"], tmp_path)
        took = time.monotonic() - began
    assert result.returncode == 1 and "timeout expired" in one_error_line(result.stderr)
    assert 1 <= took < 1 + SLACK


def test_refused_port(tmp_path):
    line, took = run_status(tmp_path, f"postgresql://postgres@127.0.0.1:{free_port()}/postgres", "5")
    assert "Connection refused" in line and took < SLACK


def test_wrong_password(tmp_path, pw_server):
    url = create_database(pw_server)
    line, took = run_status(tmp_path, url, "5", password=SECRET + "-wrong")
    assert "password authentication failed" in line and took < SLACK
    assert SECRET not in line


def test_host_that_cannot_be_resolved(tmp_path):
    # A name under .invalid (RFC 6761) that glibc rejects before sending any query (a label may not start
    # with '-'): the resolver fails exactly as for an unknown name, and no packet leaves the machine.
    line, took = run_status(tmp_path, "postgresql://postgres@-nosuch.invalid:5432/postgres", "5")
    assert "failed to resolve host '-nosuch.invalid'" in line and took < SLACK


def test_tls_required_by_the_url_but_the_server_has_none(tmp_path, pg_server):
    url = create_database(pg_server) + "?sslmode=require"
    line, took = run_status(tmp_path, url, "5")
    assert "server does not support SSL, but SSL was required" in line and took < SLACK


def test_faults_on_a_writing_task_are_one_line_too(tmp_path):
    """db.push against a black hole: the same one line (the plan needs the database first)."""
    make_project(tmp_path, {"20260101000001_a.sql": "SELECT 1;\n"})
    with blackhole(True) as port:
        (tmp_path / ".env.staging").write_text(
            f"SUPABASE_DB_URL=postgresql://postgres@127.0.0.1:{port}/postgres\nSUPATASKS_CONNECT_TIMEOUT=1\n")
        result = run_supatasks(["db.push", "--env=staging", "--yes"], tmp_path, timeout=60)
    assert result.returncode == 1
    assert one_error_line(result.stderr).startswith("error: cannot connect to ")
    assert len(result.stderr.strip().splitlines()) == 1
