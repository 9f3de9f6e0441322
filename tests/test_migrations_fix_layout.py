"""The guide's down files (migrations/<stem>_down.sql): never applied as migrations, moved by db.fix-layout."""

from __future__ import annotations

import os
import subprocess

from support import applied_versions, cli_url, exists, make_project, ok, ok_json, run_supatasks

M = {
    "20260101000001_a.sql": "CREATE TABLE IF NOT EXISTS public.a (id int PRIMARY KEY);\n",
    "20260101000002_b.sql": "CREATE TABLE IF NOT EXISTS public.b (id int PRIMARY KEY);\n",
}
# The guide's layout: a rollback right next to the migration it undoes.
LEGACY = {
    "20260101000001_a_down.sql": "DROP TABLE IF EXISTS public.a;\n",
    "20260101000002_b_down.sql": "DROP TABLE IF EXISTS public.b;\n",
}


def legacy_project(root):
    make_project(root, {**M, **LEGACY})
    return root


def test_supatasks_never_applies_legacy_down_files(tmp_path, db_url):
    root = legacy_project(tmp_path)
    env = {"SUPABASE_DB_URL": db_url}
    plan = ok_json(["db.up", "--dry-run", "--json"], root, env)
    assert plan["pending"] == ["20260101000001_a.sql", "20260101000002_b.sql"]
    ok(["db.up"], root, env)
    assert applied_versions(db_url) == ["20260101000001", "20260101000002"]
    assert exists(db_url, "public.a") and exists(db_url, "public.b")  # the DROPs never ran
    status = run_supatasks(["db.status"], root, env)
    assert "20260101000001_a_down.sql" in status.stderr and "db.fix-layout" in status.stderr


def test_dry_run_lists_the_moves_and_moves_nothing(tmp_path):
    root = legacy_project(tmp_path)
    result = ok(["db.fix-layout"], root)
    assert ("supabase/migrations/20260101000001_a_down.sql  ->  supabase/rollbacks/20260101000001_a.down.sql"
            in result.stdout)
    assert "--yes" in result.stdout
    assert sorted(p.name for p in (root / "supabase/migrations").iterdir()) == sorted([*M, *LEGACY])
    assert list((root / "supabase/rollbacks").iterdir()) == []


def test_yes_moves_and_renames_keeping_the_content(tmp_path):
    root = legacy_project(tmp_path)
    data = ok_json(["db.fix-layout", "--yes", "--json"], root)
    assert data["moved"] is True and len(data["moves"]) == 2
    assert sorted(p.name for p in (root / "supabase/migrations").iterdir()) == sorted(M)
    moved = root / "supabase/rollbacks/20260101000001_a.down.sql"
    assert moved.read_text() == LEGACY["20260101000001_a_down.sql"]
    again = ok(["db.fix-layout"], root)
    assert "nothing to move" in again.stdout


def test_an_existing_destination_is_never_overwritten_and_nothing_moves(tmp_path):
    root = legacy_project(tmp_path)
    existing = root / "supabase/rollbacks/20260101000002_b.down.sql"
    existing.write_text("-- hand-written, different\nDROP TABLE IF EXISTS public.b CASCADE;\n")
    listed = ok(["db.fix-layout"], root)
    assert "CONFLICT" in listed.stdout
    result = run_supatasks(["db.fix-layout", "--yes"], root)
    assert result.returncode == 2 and "nothing was changed" in result.stderr
    assert existing.read_text().startswith("-- hand-written")
    # the file without a conflict did not move either: all or nothing
    assert (root / "supabase/migrations/20260101000001_a_down.sql").exists()
    assert not (root / "supabase/rollbacks/20260101000001_a.down.sql").exists()


def _cli(cli, root, db_url, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "SUPATASKS_"))}
    env.update(DO_NOT_TRACK="1", SUPABASE_TELEMETRY_DISABLED="1")
    result = subprocess.run([cli, *args, "--db-url", cli_url(db_url), "--workdir", str(root)], cwd=root, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_after_fix_layout_the_real_cli_no_longer_sees_them(tmp_path, db_url, supabase_cli):
    root = legacy_project(tmp_path)
    before = _cli(supabase_cli, root, db_url, "db", "push", "--dry-run")
    assert "20260101000001_a_down.sql" in before  # the trap: the CLI would push the rollback
    listed_before = _cli(supabase_cli, root, db_url, "migration", "list")
    assert listed_before.count("20260101000001") >= 2
    ok(["db.fix-layout", "--yes"], root)
    after = _cli(supabase_cli, root, db_url, "db", "push", "--dry-run")
    assert "_down.sql" not in after
    assert "20260101000001_a.sql" in after and "20260101000002_b.sql" in after
    listed_after = _cli(supabase_cli, root, db_url, "migration", "list")
    assert listed_after.count("20260101000001") == 1
    # and supatasks still finds the moved file as the down file
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.up"], root, env)
    down = ok(["db.down", "--dry-run"], root, env)
    assert "supabase/rollbacks/20260101000002_b.down.sql" in down.stdout
