"""Secrets and access: no password in a child process's arguments, warnings for exposed env files, an audit
log that says who did what, and no write to production without the typed project ref.
"""

from __future__ import annotations

import getpass
import json
import socket
import subprocess
import time
from urllib.parse import quote

import pexpect
import pytest

from support import (ProcessWatcher, SECRET, SUPATASKS, applied_versions, clean_env, connect, create_database,
                     make_project, one_error_line, rows, run_supatasks, spawn)
from supatasks.checks.snapshot import snapshot

REF = "abcdefghijklmnop"
M1 = ("CREATE TABLE IF NOT EXISTS public.a (id bigint PRIMARY KEY, note text);\n"
      "ALTER TABLE public.a ENABLE ROW LEVEL SECURITY;\n"
      "INSERT INTO public.a VALUES (1, 'kept') ON CONFLICT DO NOTHING;\n")
M2 = ("CREATE TABLE IF NOT EXISTS public.b (id bigint PRIMARY KEY);\n"
      "ALTER TABLE public.b ENABLE ROW LEVEL SECURITY;\n")
DOWN1 = "DROP TABLE IF EXISTS public.a;\n"
DOWN2 = "DROP TABLE IF EXISTS public.b;\n"
SECRET_FORMS = (SECRET, quote(SECRET, safe=""))


def assert_no_secret_in_arguments(watcher: ProcessWatcher) -> None:
    assert watcher.snapshots, "no child process was seen"
    for snap in watcher.snapshots:
        argv = "\0".join(snap.argv)
        assert not any(form in argv for form in SECRET_FORMS), f"password in the arguments of {snap.argv[:3]}"
        holders = sorted(k for k, v in snap.environ.items() if any(form in v for form in SECRET_FORMS))
        assert holders in ([], ["PGPASSWORD"]), f"{snap.argv[0]}: the password is in {holders}"


def staging_project(tmp_path, url: str, where: str, migrations=None):
    make_project(tmp_path, migrations if migrations is not None else {"20260101000001_a.sql": M1},
                 rollbacks={"20260101000001_a.down.sql": DOWN1})
    if where == "in the URL":
        text = f"SUPABASE_DB_URL={url.replace('postgres@', 'postgres:' + quote(SECRET, safe='') + '@')}\n"
    else:
        text = f"SUPABASE_DB_URL={url}\nSUPABASE_DB_PASSWORD={SECRET}\n"
    env_file = tmp_path / ".env.staging"
    env_file.write_text(text)
    env_file.chmod(0o600)


# -- child processes: psql, pg_dump, supabase ----------------------------------------------------------

WHERE = ["SUPABASE_DB_PASSWORD", "in the URL"]


@pytest.mark.parametrize("where", WHERE)
def test_psql_gets_the_password_through_the_environment_only(tmp_path, pw_server, where):
    url = create_database(pw_server)
    staging_project(tmp_path, url, where)
    child = pexpect.spawn(SUPATASKS, ["db.psql", "--env=staging"], cwd=str(tmp_path), env=clean_env(),
                          encoding="utf-8", timeout=60)
    with ProcessWatcher(child.pid) as watcher:
        child.expect(r"=[#>] ")
        # Ctrl-C belongs to psql (it cancels the query); supatasks neither dies nor leaves psql orphaned.
        child.sendline("SELECT pg_sleep(30);")
        time.sleep(0.5)
        child.sendintr()
        child.expect("canceling statement due to user request")
        child.expect(r"=[#>] ")
        child.sendline("SELECT 'alive' || pg_sleep(0.3);")
        child.expect("alive")
        child.expect(r"=[#>] ")
        child.sendline("\\q")
        child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "psql" in watcher.programs()
    assert_no_secret_in_arguments(watcher)


@pytest.mark.parametrize("where", WHERE)
def test_pg_dump_and_pg_restore_get_the_password_through_the_environment_only(tmp_path, pw_server, where):
    url = create_database(pw_server)
    staging_project(tmp_path, url, where)
    proc = spawn(["db.backup", "--env=staging", "--output", str(tmp_path / "b.dump")], tmp_path)
    with ProcessWatcher(proc.pid) as watcher:
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "pg_dump" in watcher.programs()
    assert_no_secret_in_arguments(watcher)
    assert SECRET.encode() not in (tmp_path / "b.dump").read_bytes()
    proc = spawn(["db.restore", str(tmp_path / "b.dump"), "--env=staging", "--yes"], tmp_path)
    with ProcessWatcher(proc.pid) as watcher:
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert {"pg_restore", "pg_dump"} <= watcher.programs()  # the safety backup, then the restore
    assert_no_secret_in_arguments(watcher)


@pytest.mark.parametrize("where", WHERE)
def test_supabase_cli_gets_the_password_through_the_environment_only(tmp_path, pw_server, supabase_cli, where):
    url = create_database(pw_server)
    staging_project(tmp_path, url, where)
    proc = spawn(["db.push", "--env=staging", "--yes", "--engine=cli"], tmp_path, {"SUPABASE_CLI": supabase_cli})
    with ProcessWatcher(proc.pid) as watcher:
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    assert "supabase" in watcher.programs()
    assert_no_secret_in_arguments(watcher)
    assert applied_versions(url, SECRET) == ["20260101000001"]


# -- env files that expose a secret -----------------------------------------------------------------------

def warnings_of(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("warning:")]


def test_warns_when_an_env_file_with_a_password_is_readable_by_others(tmp_path, pw_server):
    url = create_database(pw_server)
    staging_project(tmp_path, url, "SUPABASE_DB_PASSWORD")
    env_file = tmp_path / ".env.staging"
    assert warnings_of(run_supatasks(["db.status", "--env=staging"], tmp_path)) == []
    for mode in (0o644, 0o640, 0o604):
        env_file.chmod(mode)
        result = run_supatasks(["db.status", "--env=staging"], tmp_path)
        assert result.returncode == 0, result.stderr
        assert warnings_of(result) == [f"warning: .env.staging holds a secret and is readable by others "
                                       f"(mode {mode:o}): chmod 600 .env.staging"]
    # A file without a secret may be readable.
    env_file.write_text(f"SUPABASE_DB_URL={url}\n")
    (tmp_path / ".env").write_text(f"SUPABASE_DB_PASSWORD={SECRET}\n")
    (tmp_path / ".env").chmod(0o600)
    env_file.chmod(0o644)
    assert warnings_of(run_supatasks(["db.status", "--env=staging"], tmp_path)) == []


def test_warns_when_an_env_file_with_a_password_is_tracked_by_git(tmp_path, pw_server):
    url = create_database(pw_server)
    staging_project(tmp_path, url, "in the URL")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    assert warnings_of(run_supatasks(["db.status", "--env=staging"], tmp_path)) == []
    subprocess.run(["git", "add", ".env.staging"], cwd=tmp_path, check=True)
    result = run_supatasks(["db.status", "--env=staging"], tmp_path)
    assert result.returncode == 0
    assert warnings_of(result) == ["warning: .env.staging holds a secret and is tracked by git: "
                                   "git rm --cached .env.staging, then rotate the secret"]
    assert SECRET not in result.stdout + result.stderr


# -- the audit log ---------------------------------------------------------------------------------------

def test_audit_log_records_who_did_what(tmp_path, pw_server):
    url = create_database(pw_server)
    staging_project(tmp_path, url, "SUPABASE_DB_PASSWORD",
                    {"20260101000001_a.sql": M1, "20260101000002_b.sql": M2})
    (tmp_path / "fix.sql").write_text("UPDATE public.a SET note = 'fixed';\n")
    assert run_supatasks(["db.push", "--env=staging", "--yes"], tmp_path).returncode == 0
    assert run_supatasks(["db.exec", "fix.sql", "--env=staging", "--yes"], tmp_path).returncode == 0
    actor = f"{getpass.getuser()}@{socket.gethostname()}"
    entries = rows(url, "SELECT action, version, profile, actor, batch_id::text, tool_version, outcome "
                        "FROM supabase_migrations.supatasks_audit ORDER BY id", password=SECRET)
    assert [(a, v) for a, v, *_ in entries] == [("apply", "20260101000001"), ("apply", "20260101000002"),
                                                ("push", None), ("exec", None)]
    assert {e[2] for e in entries} == {"staging"} and {e[3] for e in entries} == {actor}
    assert len({e[4] for e in entries[:3]}) == 1 and entries[3][4] != entries[0][4]  # one batch per run
    assert all(e[5].startswith("supatasks ") and e[6] == "ok" for e in entries)
    shown = run_supatasks(["db.history", "--env=staging", "--json"], tmp_path)
    assert shown.returncode == 0
    listed = json.loads(shown.stdout)["entries"]
    assert {e["actor"] for e in listed} == {actor} and len(listed) == 4
    assert SECRET not in shown.stdout


# -- production: no write without the typed ref ----------------------------------------------------------

def build_production(tmp_path, pw_server):
    """A production database (password server) with one migration applied, one pending, a seed, down files."""
    url = create_database(pw_server)
    make_project(tmp_path, {"20260101000001_a.sql": M1, "20260101000002_b.sql": M2},
                 seed="INSERT INTO public.a VALUES (2, 'seeded') ON CONFLICT DO NOTHING;\n",
                 rollbacks={"20260101000001_a.down.sql": DOWN1, "20260101000002_b.down.sql": DOWN2})
    staging = tmp_path / ".env.staging"  # the same database under an unprotected name, to set it up
    staging.write_text(f"SUPABASE_DB_URL={url}\nSUPABASE_DB_PASSWORD={SECRET}\n")
    (tmp_path / "supabase/migrations/20260101000002_b.sql").rename(tmp_path / "b.sql.hold")
    assert run_supatasks(["db.push", "--env=staging", "--yes"], tmp_path).returncode == 0
    (tmp_path / "b.sql.hold").rename(tmp_path / "supabase/migrations/20260101000002_b.sql")
    assert run_supatasks(["db.backup", "--env=staging", "--output", str(tmp_path / "before.dump")],
                         tmp_path).returncode == 0
    staging.unlink()
    env = tmp_path / ".env.production"
    env.write_text(f"SUPABASE_DB_URL={url}\nSUPABASE_DB_PASSWORD={SECRET}\nSUPABASE_PROJECT_REF={REF}\n")
    env.chmod(0o600)
    (tmp_path / "fix.sql").write_text("DELETE FROM public.a;\n")
    return tmp_path, url


@pytest.fixture(scope="module")
def production(tmp_path_factory, pw_server):
    """Shared by the refusal tests: each compares the state before and after, and none may change it."""
    return build_production(tmp_path_factory.mktemp("production"), pw_server)


def state(url: str):
    """Everything a write could change: catalog, history, audit, seeds, rows."""
    with connect(url, SECRET) as conn:
        return (snapshot(conn),
                conn.execute("SELECT version, name, statements FROM supabase_migrations.schema_migrations "
                             "ORDER BY 1").fetchall(),
                conn.execute("SELECT count(*) FROM supabase_migrations.supatasks_audit").fetchone(),
                conn.execute("SELECT to_regclass('supabase_migrations.seed_files') IS NOT NULL").fetchone(),
                conn.execute("SELECT * FROM public.a ORDER BY id").fetchall())


WRITES = [
    ["db.up"], ["db.push"], ["db.push", "--include-seed"], ["db.seed"],
    ["db.repair", "20260101000002", "--status=applied"], ["db.repair", "20260101000001", "--status=reverted"],
    ["db.exec", "fix.sql"], ["db.reset"], ["db.reset", "--i-know-this-destroys-production"],
    ["db.down"], ["db.rollback", "--last=1"], ["db.restore", "before.dump"],
]
CONSENTS = [["--yes"], ["--yes", "--confirm=" + REF.upper()]]


@pytest.mark.parametrize("task", WRITES, ids=[" ".join(w) for w in WRITES])
def test_production_writes_are_impossible_without_the_typed_ref(production, task):
    root, url = production
    before = state(url)
    for consent in CONSENTS:
        result = run_supatasks([*task, "--env=production", *consent], root)
        assert result.returncode != 0, (task, consent, result.stdout)
        assert result.returncode == 2, (task, consent, result.stderr)  # Refused
        assert "nothing was changed" in one_error_line(result.stderr)
        assert state(url) == before, (task, consent)
    assert applied_versions(url, SECRET) == ["20260101000001"]


def test_production_without_consent_or_with_a_terminal_wants_the_ref_typed(tmp_path, pw_server):
    root, url = build_production(tmp_path, pw_server)
    before = state(url)
    for consent in ([], ["--confirm=production"]):  # no terminal; the profile name where a ref is set
        result = run_supatasks(["db.push", "--env=production", *consent], root)
        assert result.returncode == 2 and "nothing was changed" in one_error_line(result.stderr)
    assert state(url) == before
    for answer in ("y", REF.upper()):
        child = pexpect.spawn(SUPATASKS, ["db.push", "--env=production"], cwd=str(root), env=clean_env(),
                              encoding="utf-8", timeout=60)
        child.expect(f"Type '{REF}' to confirm the write to production: ")
        child.sendline(answer)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 2, answer
        assert state(url) == before
    child = pexpect.spawn(SUPATASKS, ["db.push", "--env=production"], cwd=str(root), env=clean_env(),
                          encoding="utf-8", timeout=60)
    child.expect("to confirm the write to production: ")
    child.sendline(REF)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert applied_versions(url, SECRET) == ["20260101000001", "20260101000002"]
