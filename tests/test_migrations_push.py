"""db.push across profiles on real servers: plan, confirmation policy, apply, refusals, audit."""

from __future__ import annotations

import json
import sys

import pexpect
import psycopg
import pytest

from support import SECRET, SUPATASKS, applied_versions, create_database, make_project, run_supatasks

M1 = "CREATE TABLE IF NOT EXISTS public.a (id int PRIMARY KEY);\nALTER TABLE public.a ENABLE ROW LEVEL SECURITY;\n"
M2 = "CREATE TABLE IF NOT EXISTS public.b (id int PRIMARY KEY);\nALTER TABLE public.b ENABLE ROW LEVEL SECURITY;\n"
M3 = "ALTER TABLE public.a ADD COLUMN IF NOT EXISTS note text;\n"
REF = "abcdefghijklmnop"


@pytest.fixture
def three(tmp_path, pg_server, pw_server):
    """local, staging and production, on two servers, each in its own .env.<profile>."""
    make_project(tmp_path, {"20260101000001_a.sql": M1, "20260101000002_b.sql": M2})
    urls = {"local": create_database(pg_server), "staging": create_database(pg_server),
            "production": create_database(pw_server)}
    (tmp_path / ".env.local").write_text(f"SUPABASE_DB_URL={urls['local']}\n")
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={urls['staging']}\n")
    (tmp_path / ".env.production").write_text(
        f"SUPABASE_DB_URL={urls['production']}\nSUPABASE_DB_PASSWORD={SECRET}\nSUPABASE_PROJECT_REF={REF}\n")
    return tmp_path, urls


def test_each_profile_reaches_its_own_database(three):
    root, urls = three
    assert run_supatasks(["db.up"], root).returncode == 0
    assert applied_versions(urls["local"]) == ["20260101000001", "20260101000002"]
    assert applied_versions(urls["staging"]) == [] and applied_versions(urls["production"], SECRET) == []
    staged = run_supatasks(["db.push", "--env=staging", "--yes"], root)
    assert staged.returncode == 0, staged.stderr
    assert applied_versions(urls["staging"]) == ["20260101000001", "20260101000002"]
    assert applied_versions(urls["production"], SECRET) == []
    prod = run_supatasks(["db.push", "--env=production", f"--confirm={REF}"], root)
    assert prod.returncode == 0, prod.stderr
    assert applied_versions(urls["production"], SECRET) == ["20260101000001", "20260101000002"]
    assert SECRET not in prod.stdout + prod.stderr


def test_push_applies_exactly_the_pending_then_nothing(three):
    root, urls = three
    plan = run_supatasks(["db.push", "--env=staging", "--dry-run", "--json"], root)
    assert plan.returncode == 0
    data = json.loads(plan.stdout)
    assert [m["version"] for m in data["migrations"]] == ["20260101000001", "20260101000002"]
    assert applied_versions(urls["staging"]) == []
    assert run_supatasks(["db.push", "--env=staging", "--yes"], root).returncode == 0
    (root / "supabase/migrations/20260101000003_note.sql").write_text(M3)
    second = run_supatasks(["db.push", "--env=staging", "--yes", "--json"], root)
    assert [m["version"] for m in json.loads(second.stdout)["migrations"]] == ["20260101000003"]
    third = run_supatasks(["db.push", "--env=staging", "--yes"], root)
    assert third.returncode == 0 and "nothing to push" in third.stdout
    history = run_supatasks(["db.history", "--env=staging", "--json"], root)
    entries = json.loads(history.stdout)["entries"]
    assert [e["version"] for e in entries if e["action"] == "apply"] == [
        "20260101000003", "20260101000002", "20260101000001"]
    assert len({e["batch_id"] for e in entries}) == 2  # two pushes, two batches
    assert all(e["actor"] and e["tool_version"].startswith("supatasks") for e in entries)


def test_remote_only_out_of_order_and_include_all(three):
    root, urls = three
    (root / "supabase/migrations/20260101000003_note.sql").write_text(M3)
    (root / "supabase/migrations/20260101000002_b.sql").rename(root / "b.sql.off")
    assert run_supatasks(["db.push", "--env=staging", "--yes"], root).returncode == 0
    (root / "b.sql.off").rename(root / "supabase/migrations/20260101000002_b.sql")
    refused = run_supatasks(["db.push", "--env=staging", "--yes"], root)
    assert refused.returncode == 2 and "--include-all" in refused.stderr
    assert applied_versions(urls["staging"]) == ["20260101000001", "20260101000003"]
    forced = run_supatasks(["db.push", "--env=staging", "--yes", "--include-all"], root)
    assert forced.returncode == 0, forced.stderr
    assert applied_versions(urls["staging"]) == ["20260101000001", "20260101000002", "20260101000003"]
    (root / "supabase/migrations/20260101000001_a.sql").unlink()
    (root / "supabase/migrations/20260101000004_x.sql").write_text(M2)
    missing = run_supatasks(["db.push", "--env=staging", "--yes"], root)
    assert missing.returncode == 2 and "remote migration versions not found" in missing.stderr
    assert "20260101000004" not in applied_versions(urls["staging"])


def test_drifted_applied_file_is_refused(three):
    root, urls = three
    assert run_supatasks(["db.push", "--env=staging", "--yes"], root).returncode == 0
    (root / "supabase/migrations/20260101000001_a.sql").write_text(M1 + "-- edited\nSELECT 1;\n")
    (root / "supabase/migrations/20260101000003_note.sql").write_text(M3)
    refused = run_supatasks(["db.push", "--env=staging", "--yes"], root)
    assert refused.returncode == 2 and "drifted" in refused.stderr
    assert "20260101000003" not in applied_versions(urls["staging"])


@pytest.mark.parametrize("args", [
    ["db.push", "--env=staging"],
    ["db.push", "--env=production"],
    ["db.push", "--env=production", "--yes"],
    ["db.push", "--env=production", "--confirm=production-typo"],
    ["db.push", "--env=production", "--confirm=staging"],
    ["db.up", "--env=production"],
    ["db.seed", "--env=staging"],
    ["db.seed", "--env=production", "--yes"],
])
def test_without_terminal_and_consent_nothing_changes(three, args):
    root, urls = three
    (root / "supabase/seed.sql").write_text("CREATE TABLE seeded_marker (id int);\n")
    result = run_supatasks(args, root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "nothing was changed" in result.stderr and "Traceback" not in result.stderr
    assert applied_versions(urls["staging"]) == [] and applied_versions(urls["production"], SECRET) == []
    assert "20260101000001_a.sql" in result.stdout or "seed.sql" in result.stdout  # the plan was shown first


def spawn(root, args):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "TERM": "dumb"}
    return pexpect.spawn(SUPATASKS, args, cwd=str(root), env=env, encoding="utf-8", timeout=60)


def answered(root, args, prompt: str, reply: str) -> tuple[int, str]:
    """Run `args` on a terminal, answer `prompt` with `reply`: the exit status and what followed the answer."""
    child = spawn(root, args)
    child.expect(prompt)
    child.sendline(reply)
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    return child.exitstatus, output


def test_interactive_staging_no_changes_nothing_yes_applies(three):
    root, urls = three
    status, _ = answered(root, ["db.push", "--env=staging"], r"\[y/N\]", "n")
    assert status == 2 and applied_versions(urls["staging"]) == []
    status, _ = answered(root, ["db.push", "--env=staging"], r"\[y/N\]", "y")
    assert status == 0 and applied_versions(urls["staging"]) == ["20260101000001", "20260101000002"]


def test_interactive_production_wrong_ref_changes_nothing(three):
    root, urls = three
    status, _ = answered(root, ["db.push", "--env=production"], f"Type '{REF}' to confirm", "production")
    assert status == 2 and applied_versions(urls["production"], SECRET) == []
    status, output = answered(root, ["db.push", "--env=production"], f"Type '{REF}' to confirm", REF)
    assert status == 0, output
    assert applied_versions(urls["production"], SECRET) == ["20260101000001", "20260101000002"]
    assert SECRET not in output


def test_repair_and_exec_follow_the_policy_and_audit(three):
    root, urls = three
    refused = run_supatasks(["db.repair", "20260101000001", "--status=applied", "--env=staging"], root)
    assert refused.returncode == 2 and applied_versions(urls["staging"]) == []
    done = run_supatasks(["db.repair", "20260101000001", "--status=applied", "--env=staging", "--yes"], root)
    assert done.returncode == 0, done.stderr
    assert applied_versions(urls["staging"]) == ["20260101000001"]
    reverted = run_supatasks(["db.repair", "20260101000001", "--status=reverted", "--env=staging", "--yes"], root)
    assert reverted.returncode == 0 and applied_versions(urls["staging"]) == []
    (root / "adhoc.sql").write_text("CREATE TABLE public.adhoc (id int);\nINSERT INTO public.adhoc VALUES (1);\n")
    ran = run_supatasks(["db.exec", "adhoc.sql", "--env=staging", "--yes"], root)
    assert ran.returncode == 0, ran.stderr
    (root / "bad.sql").write_text("CREATE TABLE public.adhoc2 (id int);\nSELECT 1/0;\n")
    bad = run_supatasks(["db.exec", "bad.sql", "--env=staging", "--yes"], root)
    assert bad.returncode == 1 and "bad.sql:2: ERROR 22012" in bad.stderr
    with psycopg.connect(urls["staging"], autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('public.adhoc2')").fetchone()[0] is None
        actions = [r[0] for r in conn.execute(
            "SELECT action FROM supabase_migrations.supatasks_audit ORDER BY id")]
    assert actions == ["repair", "repair", "exec"]


def test_engine_cli_push_writes_the_same_history(three, supabase_cli, pg_server):
    root, urls = three
    other = create_database(pg_server)
    (root / ".env.qa").write_text(f"SUPABASE_DB_URL={other}\n")
    env = {"SUPABASE_CLI": supabase_cli}
    assert run_supatasks(["db.push", "--env=staging", "--yes"], root, env).returncode == 0
    cli = run_supatasks(["db.push", "--env=qa", "--yes", "--engine=cli"], root, env)
    assert cli.returncode == 0, cli.stderr
    sql = "SELECT version, name, statements FROM supabase_migrations.schema_migrations ORDER BY version"
    with psycopg.connect(urls["staging"]) as a, psycopg.connect(other) as b:
        assert a.execute(sql).fetchall() == b.execute(sql).fetchall()
        assert b.execute("SELECT count(*) FROM supabase_migrations.supatasks_audit WHERE action = 'apply'"
                         ).fetchone()[0] == 2


def test_engine_cli_push_with_password_keeps_it_out_of_argv(three, supabase_cli):
    root, urls = three
    result = run_supatasks(["db.push", "--env=production", f"--confirm={REF}", "--engine=cli"], root,
                           {"SUPABASE_CLI": supabase_cli})
    assert result.returncode == 0, result.stderr
    assert applied_versions(urls["production"], SECRET) == ["20260101000001", "20260101000002"]
    assert SECRET not in result.stdout + result.stderr
