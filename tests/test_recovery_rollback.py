"""db.rollback, the incident command, on real servers: recent pushes, backup first, down files, verification,
an incident record with every step, audit rows — and the backup restores the state before the rollback."""

from __future__ import annotations

import json
import re

import pexpect
import pytest

from support import (REF, SECRET, SUPATASKS, applied_versions, audit_rows, connect, exists, fingerprint, ok,
                     profiles_project, run_supatasks, table_contents)

FIRST = {  # pushed as one batch
    "20260101000001_users.sql": "CREATE TABLE IF NOT EXISTS public.people (id bigint PRIMARY KEY, name text);\n"
                                "ALTER TABLE public.people ENABLE ROW LEVEL SECURITY;\n",
    "20260101000002_orders.sql": "CREATE TABLE IF NOT EXISTS public.orders (id bigint PRIMARY KEY, "
                                 "person bigint REFERENCES public.people(id), total numeric);\n"
                                 "ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;\n",
}
SECOND = {  # the "bad release": a second batch
    "20260102000001_notes.sql": "ALTER TABLE public.people ADD COLUMN IF NOT EXISTS note text;\n",
    "20260102000002_audit.sql": "CREATE TABLE IF NOT EXISTS public.order_log (id bigint PRIMARY KEY, msg text);\n"
                                "ALTER TABLE public.order_log ENABLE ROW LEVEL SECURITY;\n",
}
DOWN = {
    "20260101000001_users.down.sql": "DROP TABLE IF EXISTS public.people;\n",
    "20260101000002_orders.down.sql": "DROP TABLE IF EXISTS public.orders;\n",
    "20260102000001_notes.down.sql": "ALTER TABLE IF EXISTS public.people DROP COLUMN IF EXISTS note;\n",
    "20260102000002_audit.down.sql": "DROP TABLE IF EXISTS public.order_log;\n",
}
V = sorted(v.split("_")[0] for v in {**FIRST, **SECOND})
STEP_TITLES = ["Read what was applied recently", "Choose what to undo", "Check that every migration in the range",
               "Measure the data at risk", "Rehearse the down files", "Confirm", "Back up the database",
               "Prove the backup usable", "Roll back 20260102000002 audit", "Roll back 20260102000001 notes",
               "Verify the history matches the target", "reload its schema cache",
               "Compare the schema with the migration files"]


def two_pushes(root, pg_server, pw_server, env_name="staging", consent=("--yes",)):
    urls = profiles_project(root, pg_server, pw_server, FIRST, DOWN)
    ok(["db.push", f"--env={env_name}", *consent], root)
    for name, body in SECOND.items():
        (root / "supabase/migrations" / name).write_text(body)
    ok(["db.push", f"--env={env_name}", *consent], root)
    password = SECRET if env_name == "production" else None
    url = urls[env_name]
    with connect(url, password) as conn:
        conn.execute("INSERT INTO public.people (id, name, note) VALUES (1, 'ada', 'n1'), (2, 'bob', NULL)")
        conn.execute("INSERT INTO public.orders VALUES (10, 1, 9.5), (11, 2, 3)")
        conn.execute("INSERT INTO public.order_log VALUES (1, 'written by the bad release')")
    assert applied_versions(url, password) == V
    return url


def record_state(path):
    text = path.read_text()
    block = re.search(r"```json\n(.*?)\n```", text, re.S).group(1)
    return text, json.loads(block)


def test_rollback_undoes_the_last_push_with_backup_record_and_audit(tmp_path, pg_server, pw_server):
    url = two_pushes(tmp_path, pg_server, pw_server)
    before_schema = fingerprint(url)
    before_rows = table_contents(url, ["public.people", "public.orders", "public.order_log"])
    batches = {str(r["batch_id"]) for r in audit_rows(url, action="apply")}
    second_batch = str(audit_rows(url, action="apply")[-1]["batch_id"])

    result = ok(["db.rollback", "--env=staging", "--yes"], tmp_path)
    out = result.stdout
    assert "Recently applied" in out and len(batches) == 2
    assert f"undo the most recent push: batch {second_batch[:8]}" in out
    assert out.index("20260102000002 audit") < out.index("Backing up first") < out.index("rolling back 20260102000002")
    assert applied_versions(url) == V[:2]
    assert not exists(url, "public.order_log")
    # rows in tables the rolled-back migrations do not own survive
    assert table_contents(url, ["public.orders"]) == {k: before_rows[k] for k in ["public.orders"]}

    backups = list((tmp_path / "backups").glob("*_staging_*_before-rollback.dump"))
    assert len(backups) == 1 and backups[0].name in out
    records = list((tmp_path / "incidents").glob("*-rollback-staging.md"))
    assert len(records) == 1 and records[0].name in out
    text, state = record_state(records[0])
    for title in STEP_TITLES:
        assert title in text, title
    # staging rehearses only when asked (--rehearse); production by default
    assert [s["status"] for s in state["steps"]] == ["ok"] * 4 + ["skipped"] + ["ok"] * (len(STEP_TITLES) - 5)
    assert all(s["started_at"] and s["finished_at"] for s in state["steps"])
    assert state["closed_at"] and state["outcome"] == "rolled back"
    assert backups[0].name in text

    rollbacks = audit_rows(url, action="rollback")
    assert [r["version"] for r in rollbacks] == ["20260102000002", "20260102000001"]
    assert all(r["details"]["backup"].endswith(backups[0].name) for r in rollbacks)
    assert all(r["details"]["incident"].endswith(records[0].name) for r in rollbacks)
    assert len({str(r["batch_id"]) for r in rollbacks}) == 1
    backup_rows = audit_rows(url, action="backup")
    assert backup_rows[-1]["details"]["file"].endswith(backups[0].name)

    # the backup restores the state from before the rollback
    ok(["db.restore", str(backups[0]), "--env=staging", "--yes"], tmp_path)
    assert applied_versions(url) == V
    assert fingerprint(url) == before_schema
    assert table_contents(url, ["public.people", "public.orders", "public.order_log"]) == before_rows


def test_missing_down_file_stops_before_anything_and_points_to_pitr(tmp_path, pg_server, pw_server):
    url = two_pushes(tmp_path, pg_server, pw_server)
    (tmp_path / "supabase/rollbacks/20260102000001_notes.down.sql").unlink()
    before = fingerprint(url)
    result = run_supatasks(["db.rollback", "--env=staging", "--yes"], tmp_path)
    assert result.returncode == 2
    assert "inv db.pitr --env=staging" in result.stderr and "20260102000001" in result.stderr
    assert applied_versions(url) == V and fingerprint(url) == before
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").glob("*.dump"))
    text, state = record_state(next((tmp_path / "incidents").glob("*-rollback-staging.md")))
    assert state["outcome"].startswith("refused") and "db.pitr" in text
    assert [s["status"] for s in state["steps"]][-1] == "refused"
    assert audit_rows(url, action="rollback") == []


def test_a_failing_down_file_is_recorded_and_stops(tmp_path, pg_server, pw_server):
    url = two_pushes(tmp_path, pg_server, pw_server)
    (tmp_path / "supabase/rollbacks/20260102000001_notes.down.sql").write_text(
        "ALTER TABLE public.people DROP COLUMN note;\nALTER TABLE public.nope DROP COLUMN x;\n")
    result = run_supatasks(["db.rollback", "--env=staging", "--yes"], tmp_path)
    assert result.returncode == 1
    assert "20260102000001_notes.down.sql:2: ERROR 42P01" in result.stderr
    assert applied_versions(url) == V[:3]  # the newest was rolled back, the failing one stays applied
    with connect(url) as conn:  # its first statement was undone with its transaction
        assert conn.execute("SELECT note FROM public.people WHERE id = 1").fetchone() == ("n1",)
    text, state = record_state(next((tmp_path / "incidents").glob("*-rollback-staging.md")))
    statuses = {s["key"]: s["status"] for s in state["steps"]}
    assert statuses["backup"] == "ok" and statuses["down:20260102000002"] == "ok"
    assert statuses["down:20260102000001"] == "failed" and "42P01" in text
    assert state["outcome"].startswith("FAILED")
    assert [r["outcome"] for r in audit_rows(url, action="rollback")] == ["ok", "failed"]


def test_dry_run_writes_nothing(tmp_path, pg_server, pw_server):
    url = two_pushes(tmp_path, pg_server, pw_server)
    result = ok(["db.rollback", "--env=staging", "--dry-run"], tmp_path)
    assert "dry run: nothing was changed" in result.stdout and "20260102000002" in result.stdout
    assert applied_versions(url) == V
    assert not (tmp_path / "incidents").exists() and not (tmp_path / "backups").exists()


def test_an_older_batch_under_a_newer_one_is_refused(tmp_path, pg_server, pw_server):
    url = two_pushes(tmp_path, pg_server, pw_server)
    first_batch = str(audit_rows(url, action="apply")[0]["batch_id"])
    result = run_supatasks(["db.rollback", "--env=staging", "--yes", f"--batch={first_batch[:8]}"], tmp_path)
    assert result.returncode == 2 and "not the newest" in result.stderr and "--to=VERSION" in result.stderr
    assert applied_versions(url) == V
    # after undoing the newer push, the older one is the most recent still applied: the default takes it
    ok(["db.rollback", "--env=staging", "--yes"], tmp_path)
    ok(["db.rollback", "--env=staging", "--yes"], tmp_path)
    assert applied_versions(url) == []
    assert len(list((tmp_path / "incidents").glob("*.md"))) == 3


def test_without_audit_history_it_asks_for_an_explicit_range(tmp_path, pg_server, pw_server):
    url = two_pushes(tmp_path, pg_server, pw_server)
    with connect(url) as conn:
        conn.execute("DELETE FROM supabase_migrations.supatasks_audit")
    refused = run_supatasks(["db.rollback", "--env=staging", "--yes"], tmp_path)
    assert refused.returncode == 2 and "--last=N or --to=VERSION" in refused.stderr
    ok(["db.rollback", "--env=staging", "--yes", "--to=20260101000002"], tmp_path)
    assert applied_versions(url) == V[:2]


def test_incidents_folder_is_configurable(tmp_path, pg_server, pw_server):
    two_pushes(tmp_path, pg_server, pw_server)
    with open(tmp_path / ".env.staging", "a") as env_file:
        env_file.write("SUPATASKS_INCIDENTS_DIR=ops/records\n")
    ok(["db.rollback", "--env=staging", "--yes"], tmp_path)
    assert len(list((tmp_path / "ops/records").glob("*-rollback-staging.md"))) == 1
    assert not (tmp_path / "incidents").exists()


@pytest.mark.parametrize("args", [[], ["--yes"], ["--confirm=staging"], [f"--confirm={REF}", "--no-backup"]])
def test_production_without_the_ref_changes_nothing(tmp_path, pg_server, pw_server, args):
    url = two_pushes(tmp_path, pg_server, pw_server, "production", (f"--confirm={REF}",))
    result = run_supatasks(["db.rollback", "--env=production", *args], tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert applied_versions(url, SECRET) == V
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").glob("*.dump"))


def test_production_interactively_with_the_typed_ref(tmp_path, pg_server, pw_server):
    url = two_pushes(tmp_path, pg_server, pw_server, "production", (f"--confirm={REF}",))
    child = pexpect.spawn(SUPATASKS, ["db.rollback", "--env=production"], cwd=str(tmp_path), encoding="utf-8",
                          timeout=120, env=_clean_env())
    child.expect("Type 'abcdefghijklmnop' to drop 1 table and 1 column holding 2 rows on production: ")
    child.sendline(REF)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert applied_versions(url, SECRET) == V[:2]
    assert SECRET not in child.before
    assert list((tmp_path / "backups").glob("*_production_*_before-rollback.dump"))


def _clean_env():
    import os
    return {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "SUPATASKS_"))}
