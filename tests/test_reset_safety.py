"""db.reset beyond local: staging after its confirmation (backup first), production only with the dedicated
flag AND the typed ref; refusals change nothing."""

from __future__ import annotations

import json

import pytest

from support import (REF, SECRET, applied_versions, audit_rows, bootstrapped_database, connect, create_database,
                     exists, make_project, ok, run_supatasks)

M = {
    "20260101000001_notes.sql": "CREATE TABLE IF NOT EXISTS public.notes (id bigint PRIMARY KEY, body text);\n"
                                "ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;\n",
    "20260101000002_extra.sql": "CREATE SCHEMA IF NOT EXISTS extra;\n"
                                "CREATE TABLE IF NOT EXISTS extra.things (id bigint PRIMARY KEY);\n"
                                "ALTER TABLE extra.things ENABLE ROW LEVEL SECURITY;\n"
                                "DROP POLICY IF EXISTS avatars_read ON storage.objects;\n"
                                "CREATE POLICY avatars_read ON storage.objects FOR SELECT "
                                "USING (bucket_id = 'avatars');\n"
                                "CREATE OR REPLACE FUNCTION public.note_count() RETURNS bigint "
                                "LANGUAGE sql AS $$ SELECT count(*) FROM public.notes $$;\n",
}
SEED = "INSERT INTO public.notes (id, body) VALUES (1, 'seeded') ON CONFLICT (id) DO NOTHING;\n"
ALL = ["20260101000001", "20260101000002"]


@pytest.fixture
def staged(tmp_path, pg_server, pw_server):
    """staging (trust server, superuser) and production (password server), migrated, with scratch data."""
    make_project(tmp_path, M, seed=SEED)
    urls = {"staging": bootstrapped_database(pg_server), "production": create_database(pw_server)}
    from supatasks.server.bootstrap import apply_bootstrap
    with connect(urls["production"], SECRET) as conn:
        apply_bootstrap(conn)
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={urls['staging']}\n")
    (tmp_path / ".env.production").write_text(
        f"SUPABASE_DB_URL={urls['production']}\nSUPABASE_DB_PASSWORD={SECRET}\nSUPABASE_PROJECT_REF={REF}\n")
    ok(["db.push", "--env=staging", "--yes"], tmp_path)
    ok(["db.push", "--env=production", f"--confirm={REF}"], tmp_path)
    for name, url in urls.items():
        password = SECRET if name == "production" else None
        with connect(url, password) as conn:
            conn.execute("INSERT INTO public.notes VALUES (7, 'scratch')")
            conn.execute("CREATE TABLE public.made_by_hand (id int)")
            conn.execute("INSERT INTO auth.users (id, email) VALUES (gen_random_uuid(), 'someone@example.com')")
    return tmp_path, urls


def untouched(url, password=None):
    """The scratch state is still there: nothing was reset."""
    with connect(url, password) as conn:
        assert conn.execute("SELECT body FROM public.notes WHERE id = 7").fetchone() == ("scratch",)
        assert conn.execute("SELECT count(*) FROM auth.users").fetchone()[0] == 1
    assert exists(url, "public.made_by_hand", password)


def reset_state(url, password=None):
    with connect(url, password) as conn:
        notes = conn.execute("SELECT id, body FROM public.notes ORDER BY id").fetchall()
        users = conn.execute("SELECT count(*) FROM auth.users").fetchone()[0]
        policies = conn.execute("SELECT count(*) FROM pg_policies WHERE policyname = 'avatars_read'").fetchone()[0]
    return notes, users, policies


def test_staging_without_consent_changes_nothing(staged):
    root, urls = staged
    result = run_supatasks(["db.reset", "--env=staging"], root)
    assert result.returncode == 2 and "--yes" in result.stderr and "nothing was changed" in result.stderr
    untouched(urls["staging"])
    assert not (root / "backups").exists()


@pytest.mark.parametrize("mode", ["schemas", "recreate"])
def test_staging_with_yes_backs_up_then_resets(staged, mode):
    root, urls = staged
    url = urls["staging"]
    applies_before = len(audit_rows(url, action="apply"))
    result = ok(["db.reset", "--env=staging", "--yes", f"--mode={mode}", "--json"], root)
    data = json.loads(result.stdout)
    assert data["mode"] == mode and data["migrations"] == 2 and data["seeds"] == 1
    assert (root / data["backup"]).is_file() and data["backup"].endswith("_before-reset.dump")
    notes, users, policies = reset_state(url)
    assert notes == [(1, "seeded")] and users == 0 and policies == 1
    assert not exists(url, "public.made_by_hand")
    assert exists(url, "extra.things")
    assert applied_versions(url) == ALL
    # the audit log survives the reset and records it
    assert len(audit_rows(url, action="apply")) >= applies_before
    assert audit_rows(url)[-1]["action"] == "reset"
    # the backup holds the state before the reset
    ok(["db.restore", data["backup"], "--env=staging", "--yes"], root)
    untouched(url)


def test_schemas_mode_is_one_transaction(staged):
    root, urls = staged
    (root / "supabase/migrations/20260101000003_bad.sql").write_text(
        "ALTER TABLE public.missing ADD COLUMN IF NOT EXISTS x int;\n")
    result = run_supatasks(["db.reset", "--env=staging", "--yes", "--mode=schemas"], root)
    assert result.returncode == 1 and "20260101000003_bad.sql:1: ERROR 42P01" in result.stderr
    untouched(urls["staging"])  # the wipe was rolled back with the failed migration
    assert applied_versions(urls["staging"]) == ALL


@pytest.mark.parametrize("args", [
    [f"--confirm={REF}"],                                               # the ref alone is not enough
    ["--i-know-this-destroys-production"],                              # the flag alone is not enough
    ["--i-know-this-destroys-production", "--yes"],
    ["--i-know-this-destroys-production", "--confirm=staging"],
    ["--i-know-this-destroys-production", f"--confirm={REF}", "--no-backup"],
    ["--yes"],
])
def test_production_reset_is_refused_without_flag_and_ref(staged, args):
    root, urls = staged
    result = run_supatasks(["db.reset", "--env=production", *args], root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "nothing was changed" in result.stderr
    untouched(urls["production"], SECRET)
    assert not (root / "backups").exists()
    if "--i-know-this-destroys-production" not in args:
        assert "--i-know-this-destroys-production" in result.stderr


def test_production_reset_with_flag_and_ref(staged):
    root, urls = staged
    result = ok(["db.reset", "--env=production", "--i-know-this-destroys-production", f"--confirm={REF}"], root)
    assert SECRET not in result.stdout + result.stderr
    notes, users, _ = reset_state(urls["production"], SECRET)
    assert notes == [(1, "seeded")] and users == 0
    assert len(list((root / "backups").glob("*_production_*_before-reset.dump"))) == 1


def test_no_short_alias_for_the_destroy_flag():
    from supatasks.tasks import namespace

    task = namespace.collections["db"].tasks["reset"]
    names = {n for arg in task.get_arguments() for n in arg.names}
    assert "i-know-this-destroys-production" in names
    assert not any(len(n) == 1 for n in names)
