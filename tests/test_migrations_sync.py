"""db.sync: after a branch switch the local database follows the checked-out migrations and keeps its data,
using the down SQL recorded when each migration was applied."""

from __future__ import annotations

from support import applied_versions, make_project, ok, ok_json, query, run_supatasks

NOTES = "CREATE TABLE public.notes (id bigserial PRIMARY KEY, body text NOT NULL);\n"
TAGS = ("CREATE TABLE public.tags (id bigserial PRIMARY KEY, label text NOT NULL);\n"
        "CREATE FUNCTION public.tag_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM public.tags';\n")
TAGS_DOWN = "DROP FUNCTION public.tag_count();\nDROP TABLE public.tags;\n"
LABELS = "CREATE TABLE public.labels (id bigserial PRIMARY KEY, name text);\n"

V1, V2, V3 = "20260101000001", "20260101000002", "20260101000003"


def switch_branch(root, remove: list[str], add: dict[str, str]) -> None:
    """What `git switch` does to the folders: files of the other branch go, this branch's files appear."""
    for name in remove:
        for path in (root / "supabase/migrations" / f"{name}.sql", root / "supabase/rollbacks" / f"{name}.down.sql"):
            path.unlink(missing_ok=True)
    for name, body in add.items():
        (root / "supabase/migrations" / name).write_text(body)


def test_sync_after_a_branch_switch_keeps_untouched_rows_and_drops_the_removed_objects(tmp_path, db_url):
    make_project(tmp_path, {f"{V1}_notes.sql": NOTES, f"{V2}_tags.sql": TAGS},
                 rollbacks={f"{V2}_tags.down.sql": TAGS_DOWN})
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.up"], tmp_path, env)
    query(db_url, "INSERT INTO public.notes (body) VALUES ('kept 1'), ('kept 2')")
    query(db_url, "INSERT INTO public.tags (label) VALUES ('feature branch')")
    recorded = query(db_url, "SELECT version, down_file FROM supabase_migrations.supatasks_downs ORDER BY 1")
    assert recorded == [(V1, None), (V2, f"supabase/rollbacks/{V2}_tags.down.sql")]
    # the CLI's history table keeps the CLI's shape
    assert [r[0] for r in query(db_url, "SELECT attname FROM pg_attribute WHERE attrelid = "
                                        "'supabase_migrations.schema_migrations'::regclass AND attnum > 0 "
                                        "AND NOT attisdropped ORDER BY attnum")] == ["version", "statements", "name"]

    switch_branch(tmp_path, [f"{V2}_tags"], {f"{V3}_labels.sql": LABELS})

    up = run_supatasks(["db.up"], tmp_path, env)
    assert up.returncode == 2
    assert "inv db.sync" in up.stderr and "inv db.reset" in up.stderr and "db.repair" not in up.stderr

    plan = ok_json(["db.sync", "--dry-run", "--json"], tmp_path, env)
    assert plan["rollback"] == [V2] and plan["apply"] == [V3]
    assert applied_versions(db_url) == [V1, V2]  # the dry run changed nothing

    result = ok(["db.sync"], tmp_path, env)
    assert f"rolled back {V2} tags" in result.stdout and f"applied {V3}_labels.sql" in result.stdout
    assert applied_versions(db_url) == [V1, V3]
    assert query(db_url, "SELECT body FROM public.notes ORDER BY id") == [("kept 1",), ("kept 2",)]
    assert query(db_url, "SELECT to_regclass('public.tags'), to_regprocedure('public.tag_count()')") == [(None, None)]
    assert query(db_url, "SELECT to_regclass('public.labels') IS NOT NULL") == [(True,)]
    assert query(db_url, "SELECT version FROM supabase_migrations.supatasks_downs ORDER BY 1") == [(V1,), (V3,)]
    assert "in sync" in ok(["db.sync"], tmp_path, env).stdout

    # and back: the switch the other way applies tags again (an older version than labels)
    switch_branch(tmp_path, [], {f"{V2}_tags.sql": TAGS})
    ok(["db.sync"], tmp_path, env)
    assert applied_versions(db_url) == [V1, V2, V3]
    assert query(db_url, "SELECT count(*) FROM public.notes") == [(2,)]


def test_sync_without_recorded_down_sql_says_so_offers_reset_and_changes_nothing(tmp_path, db_url):
    make_project(tmp_path, {f"{V1}_notes.sql": NOTES, f"{V2}_tags.sql": TAGS})  # no down file for tags
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.up"], tmp_path, env)
    query(db_url, "INSERT INTO public.notes (body) VALUES ('kept')")
    switch_branch(tmp_path, [f"{V2}_tags"], {f"{V3}_labels.sql": LABELS})
    result = run_supatasks(["db.sync"], tmp_path, env)
    assert result.returncode == 2
    assert f"no down SQL is known for {V2} tags (file missing)" in result.stderr
    assert "inv db.reset" in result.stderr and "Traceback" not in result.stderr
    assert applied_versions(db_url) == [V1, V2]
    assert query(db_url, "SELECT to_regclass('public.tags') IS NOT NULL, to_regclass('public.labels')") == [(True, None)]


def test_sync_rolls_back_and_reapplies_a_migration_whose_file_changed(tmp_path, db_url):
    make_project(tmp_path, {f"{V1}_notes.sql": NOTES, f"{V2}_tags.sql": TAGS},
                 rollbacks={f"{V2}_tags.down.sql": TAGS_DOWN})
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.up"], tmp_path, env)
    query(db_url, "INSERT INTO public.notes (body) VALUES ('kept')")
    (tmp_path / "supabase/migrations" / f"{V2}_tags.sql").write_text(
        TAGS.replace("label text NOT NULL", "label text NOT NULL, colour text"))
    ok(["db.sync"], tmp_path, env)
    assert query(db_url, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'tags' "
                         "AND column_name = 'colour'") == [(1,)]
    assert query(db_url, "SELECT body FROM public.notes") == [("kept",)]


def test_reset_records_the_down_sql_too_and_remote_profiles_get_neither_record_nor_sync(tmp_path, db_url, pg_server):
    from support import create_database

    make_project(tmp_path, {f"{V1}_notes.sql": NOTES, f"{V2}_tags.sql": TAGS},
                 rollbacks={f"{V2}_tags.down.sql": TAGS_DOWN})
    ok(["db.reset", "--no-cache"], tmp_path, {"SUPABASE_DB_URL": db_url})
    assert query(db_url, "SELECT version, down_sql FROM supabase_migrations.supatasks_downs ORDER BY 1") == [
        (V1, None), (V2, TAGS_DOWN)]

    staging = create_database(pg_server)
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={staging}\n")
    ok(["db.push", "--env=staging", "--yes", "--skip-lint", "--skip-advise"], tmp_path)
    assert applied_versions(staging) == [V1, V2]
    assert query(staging, "SELECT to_regclass('supabase_migrations.supatasks_downs')") == [(None,)]
    refused = run_supatasks(["db.sync", "--env=staging"], tmp_path)
    assert refused.returncode == 2 and "db.sync is for the local profile" in refused.stderr
    refused = run_supatasks(["db.watch", "--env=staging"], tmp_path)
    assert refused.returncode == 2 and "local profile only" in refused.stderr
