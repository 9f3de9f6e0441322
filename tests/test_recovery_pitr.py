"""db.pitr: the restore point from real audit rows, the printed checklist, the guided and resumable walk."""

from __future__ import annotations

import json
import os
import re
import time
from datetime import timedelta

import pexpect
import pytest

from support import (REF, SUPATASKS, applied_versions, audit_rows, create_database, free_port, make_project, ok,
                     run_supatasks)

M = {
    "20260101000001_a.sql": "CREATE TABLE IF NOT EXISTS public.a (id bigint PRIMARY KEY);\n"
                            "ALTER TABLE public.a ENABLE ROW LEVEL SECURITY;\n",
    "20260101000002_b.sql": "CREATE TABLE IF NOT EXISTS public.b (id bigint PRIMARY KEY);\n"
                            "ALTER TABLE public.b ENABLE ROW LEVEL SECURITY;\n",
    "20260101000003_c.sql": "CREATE TABLE IF NOT EXISTS public.c (id bigint PRIMARY KEY);\n"
                            "ALTER TABLE public.c ENABLE ROW LEVEL SECURITY;\n",
}
V1, V2, V3 = sorted(v.split("_")[0] for v in M)
GAP = 1.5  # seconds between the pushes
STEP_TITLES = ["Announce the incident and freeze writes", "Take a logical backup of the current state",
               "Restore to a new project from the restore point",
               "Check the new project against the repository's migrations",
               "Reconcile data written after the restore point", "Repoint the application", "Close the incident"]


@pytest.fixture(scope="module")
def pushed(tmp_path_factory, pg_server):
    """Three real pushes to staging, GAP seconds apart: three batches in the audit log."""
    root = tmp_path_factory.mktemp("pitr")
    make_project(root, {})
    url = create_database(pg_server)
    (root / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\nSUPABASE_PROJECT_REF={REF}\n")
    for number, (name, body) in enumerate(M.items()):
        if number:
            time.sleep(GAP)
        (root / "supabase/migrations" / name).write_text(body)
        ok(["db.push", "--env=staging", "--yes"], root)
    applies = {r["version"]: r for r in audit_rows(url, action="apply")}
    assert sorted(applies) == [V1, V2, V3] and len({str(r["batch_id"]) for r in applies.values()}) == 3
    return root, url, applies


def compute(url, **kwargs):
    from supatasks.recovery.pitr import compute_restore_point
    from support import connect
    from supatasks import audit

    with connect(url) as conn:
        rows = audit.read_audit(conn)
    return compute_restore_point(rows, {V1, V2, V3}, **kwargs)


def test_restore_point_is_after_the_previous_migration_and_before_the_chosen_one(pushed):
    root, url, applies = pushed
    prev_done, chosen_start = applies[V1]["finished_at"], applies[V2]["started_at"]
    assert chosen_start - prev_done > timedelta(seconds=1)  # the real pushes really were apart
    small = compute(url, version=V2, margin=0.5)
    assert small.at == chosen_start - timedelta(seconds=0.5)
    assert prev_done < small.at < chosen_start and small.note is None
    # the default 60 s margin would reach back past V1: it is shortened, never crossing it
    default = compute(url, version=V2)
    assert prev_done < default.at < chosen_start
    assert default.note and "shortened" in default.note and default.previous.startswith(f"migration {V1}")
    # a batch gives the same answer as its only migration; no choice means the most recent push
    assert compute(url, batch=str(applies[V2]["batch_id"])[:8], margin=0.5).at == small.at
    latest = compute(url, margin=0.5)
    assert applies[V2]["finished_at"] < latest.at < applies[V3]["started_at"] and latest.versions == [V3]
    # the first migration has no predecessor: the full margin applies
    first = compute(url, version=V1)
    assert first.at == applies[V1]["started_at"] - timedelta(seconds=60) and first.previous is None


def test_print_writes_the_whole_flow_as_markdown(pushed):
    root, url, applies = pushed
    result = ok(["db.pitr", "--env=staging", f"--version={V2}", "--margin=0.5", "--print"], root)
    text = result.stdout
    for title in STEP_TITLES:
        assert title in text, title
    expected = compute(url, version=V2, margin=0.5)
    assert expected.at.strftime("%Y-%m-%d %H:%M:%S") in text and str(expected.unix) in text
    assert f"https://supabase.com/dashboard/project/{REF}/database/backups/pitr" in text
    assert f"https://supabase.com/dashboard/project/{REF}/database/backups/restore-to-new-project" in text
    assert "Pro plan" in text and "paid add-on" in text
    assert "inv db.backup --env=staging" in text and "inv db.status --env=" in text
    assert [line[:6] for line in text.splitlines() if re.match(r"\d\. \[", line)] == \
        [f"{n}. [ ]" for n in range(1, 8)]
    assert not (root / "incidents").exists()  # --print records nothing


def test_print_still_works_when_the_database_is_down(pushed):
    root, _, _ = pushed
    (root / ".env.gone").write_text(f"SUPABASE_DB_URL=postgresql://postgres@127.0.0.1:{free_port()}/postgres\n"
                                    "SUPATASKS_CONNECT_TIMEOUT=2\n")
    result = ok(["db.pitr", "--env=gone", "--print"], root)
    assert "cannot read the audit log" in result.stdout and "--at=" in result.stdout
    assert all(title in result.stdout for title in STEP_TITLES)
    at = ok(["db.pitr", "--env=gone", "--print", "--at=2026-03-01T12:05:00Z"], root)
    assert "2026-03-01 12:05:00" in at.stdout


def test_the_walk_needs_a_terminal(pushed):
    root, url, _ = pushed
    result = run_supatasks(["db.pitr", "--env=staging"], root)
    assert result.returncode == 2 and "--print" in result.stderr
    assert not (root / "incidents").exists()


def _spawn(root, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "SUPATASKS_"))}
    return pexpect.spawn(SUPATASKS, ["db.pitr", "--env=staging", *args], cwd=str(root), encoding="utf-8",
                         timeout=120, env=env, dimensions=(50, 250))


def test_guided_walk_is_recorded_and_resumes_after_an_interruption(pushed, pg_server):
    root, url, applies = pushed
    # the "restored project": a database with what was applied before V3, as a PITR restore would give
    recovered = create_database(pg_server)
    (root / ".env.recovered").write_text(f"SUPABASE_DB_URL={recovered}\n")
    held = root / "held.sql"
    (root / "supabase/migrations/20260101000003_c.sql").rename(held)
    ok(["db.push", "--env=recovered", "--yes"], root)
    held.rename(root / "supabase/migrations/20260101000003_c.sql")
    assert applied_versions(recovered) == [V1, V2]

    child = _spawn(root, f"--version={V3}", "--margin=0.5", "--new-env=recovered")
    child.expect("Start the recovery checklist")
    child.sendline("y")
    child.expect("Step 1 of 7: Announce")
    child.expect(r"Done\? \[y\]es")
    child.sendline("y")
    child.expect("Step 2 of 7: Take a logical backup")
    child.expect(r"Run it now\?")
    child.sendline("y")
    child.expect("backup written")
    child.expect("Step 3 of 7")
    child.expect(r"Done\?")
    child.sendline("q")  # interrupted here
    child.expect("Paused")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    record = next((root / "incidents").glob("*-pitr-staging.md"))
    state = _state(record)
    assert [s["status"] for s in state["steps"]] == ["ok", "ok"] + ["pending"] * 5
    assert state["closed_at"] is None
    assert all(s["started_at"] and s["finished_at"] for s in state["steps"][:2])
    backups = list((root / "backups").glob("*_staging_*_pitr.dump"))
    assert len(backups) == 1 and backups[0].name in record.read_text()

    child = _spawn(root, "--new-env=recovered")  # the same command resumes, restore point kept
    child.expect("Resuming")
    child.expect("2 of 7 steps done")
    child.expect("Step 3 of 7: Restore to a new project")
    child.sendline("y")
    child.expect("Step 4 of 7: Check the new project")
    child.expect(r"Run it now\?")
    child.sendline("y")
    child.expect("applied as expected")
    child.expect("Step 5 of 7")
    child.sendline("s")
    child.expect("Step 6 of 7")
    child.sendline("y")
    child.expect("Step 7 of 7")
    child.sendline("y")
    child.expect("All steps done")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    state = _state(record)
    assert [s["status"] for s in state["steps"]] == ["ok", "ok", "ok", "ok", "skipped", "ok", "ok"]
    assert state["closed_at"] and state["outcome"] == "closed"
    assert "applied as expected" in record.read_text()
    point = state["pitr"]["restore_point"]
    assert point["versions"] == [V3]
    from supatasks.recovery.incident import parse_iso
    assert applies[V2]["finished_at"] < parse_iso(point["at"]) < applies[V3]["started_at"]
    # step times are in order
    finished = [parse_iso(s["finished_at"]) for s in state["steps"]]
    assert finished == sorted(finished)


def test_a_new_project_that_does_not_match_fails_the_check_step(pushed, pg_server):
    root, url, _ = pushed
    wrong = create_database(pg_server)  # everything applied: not a restore to before V3
    (root / ".env.wrong").write_text(f"SUPABASE_DB_URL={wrong}\n")
    ok(["db.push", "--env=wrong", "--yes"], root)
    child = _spawn(root, f"--version={V3}", "--margin=0.5", "--new-env=wrong", "--new")
    child.expect("Start the recovery checklist")
    child.sendline("y")
    for _ in range(3):
        child.expect(r"\[y\]es / \[s\]kip")
        child.sendline("s")
    child.expect(r"Run it now\?")
    child.sendline("y")
    child.expect("FAILED")
    child.expect(pexpect.EOF)
    child.close()
    records = sorted((root / "incidents").glob("*-pitr-staging*.md"))
    state = _state(records[-1])
    assert state["steps"][3]["status"] == "failed" and "expected pending" in state["steps"][3]["detail"]
    assert state["closed_at"] is None


def _state(path):
    return json.loads(re.search(r"```json\n(.*?)\n```", path.read_text(), re.S).group(1))
