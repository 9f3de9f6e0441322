"""db.backup / db.restore with the real pg_dump and pg_restore, on real servers."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from support import (REF, SECRET, applied_versions, audit_rows, connect, create_database, exists, fingerprint,
                     make_project, ok, ok_json, profiles_project, run_supatasks, table_contents)

M = {  # lint-clean (db.push lints first)
    "20260101000001_notes.sql": "CREATE TABLE IF NOT EXISTS public.notes (id bigint PRIMARY KEY, body text);\n"
                                "ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;\n",
    "20260101000002_tags.sql": "CREATE TABLE IF NOT EXISTS public.tags (id bigint PRIMARY KEY, "
                               "note_id bigint REFERENCES public.notes(id), tag text);\n"
                               "ALTER TABLE public.tags ENABLE ROW LEVEL SECURITY;\n"
                               "DROP POLICY IF EXISTS tags_read ON public.tags;\n"
                               "CREATE POLICY tags_read ON public.tags FOR SELECT USING (true);\n",
}


def fill(url, password=None, rows=3):
    with connect(url, password) as conn:
        conn.execute("INSERT INTO public.notes SELECT g, 'note ' || g FROM generate_series(1, %s) g", (rows,))
        conn.execute("INSERT INTO public.tags SELECT g, g, 'tag' FROM generate_series(1, %s) g", (rows,))


def test_backup_writes_a_private_custom_format_dump_and_an_audit_row(tmp_path, db_url):
    make_project(tmp_path, M)
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.up"], tmp_path, env)
    fill(db_url)
    data = ok_json(["db.backup", "--json"], tmp_path, env)
    dump = tmp_path / data["file"]
    assert dump.parent == tmp_path / "backups" and dump.suffix == ".dump" and dump.stat().st_size == data["bytes"]
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert (tmp_path / "backups/.gitignore").read_text().strip().endswith("*")
    assert dump.read_bytes()[:5] == b"PGDMP"  # custom format
    assert not list(tmp_path.glob("backups/*.partial"))
    rows = audit_rows(db_url, action="backup")
    assert rows[-1]["details"]["file"] == data["file"] and rows[-1]["details"]["format"] == "custom"
    second = ok_json(["db.backup", "--json"], tmp_path, env)
    assert second["file"] != data["file"]  # never overwritten


def test_restore_brings_back_schema_and_rows_and_keeps_later_audit_rows(tmp_path, db_url):
    make_project(tmp_path, M)
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.up"], tmp_path, env)
    fill(db_url)
    before_schema, before_rows = fingerprint(db_url), table_contents(db_url, ["public.notes", "public.tags"])
    dump = ok_json(["db.backup", "--json"], tmp_path, env)["file"]
    with connect(db_url) as conn:  # damage: rows changed, a table dropped, an object added
        conn.execute("UPDATE public.notes SET body = 'overwritten'")
        conn.execute("DROP TABLE public.tags")
        conn.execute("CREATE INDEX notes_body_idx ON public.notes (body)")
    ok(["db.exec", _sql(tmp_path, "SELECT 1;")], tmp_path, env)  # an audit row written after the backup
    result = ok(["db.restore", dump], tmp_path, env)
    assert "backup of the state before the restore" in result.stdout
    assert table_contents(db_url, ["public.notes", "public.tags"]) == before_rows
    assert exists(db_url, "public.tags")
    actions = [r["action"] for r in audit_rows(db_url)]
    assert "exec" in actions and actions[-1] == "restore"  # the log did not go back in time
    assert applied_versions(db_url) == ["20260101000001", "20260101000002"]
    # the index created after the backup went with its table: the schema is the backup's again
    assert not exists(db_url, "public.notes_body_idx")
    assert fingerprint(db_url) == before_schema


def _sql(root: Path, text: str) -> str:
    path = root / "adhoc.sql"
    path.write_text(text)
    return str(path)


def test_a_failing_restore_changes_nothing(tmp_path, db_url, pg_server):
    make_project(tmp_path, M)
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.up"], tmp_path, env)
    fill(db_url)
    dump = ok_json(["db.backup", "--json"], tmp_path, env)["file"]
    with connect(db_url) as conn:
        conn.execute("UPDATE public.notes SET body = 'after the backup'")
        # a view outside the archive depends on notes: --clean cannot drop notes, the restore fails
        conn.execute("CREATE SCHEMA other; CREATE VIEW other.v AS SELECT body FROM public.notes")
    result = run_supatasks(["db.restore", dump], tmp_path, env)
    assert result.returncode == 1 and "rolled back" in result.stderr and "nothing was changed" in result.stderr
    with connect(db_url) as conn:
        assert conn.execute("SELECT DISTINCT body FROM public.notes").fetchall() == [("after the backup",)]


def test_not_a_backup_is_refused_before_anything(tmp_path, db_url):
    make_project(tmp_path, M)
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.up"], tmp_path, env)
    junk = tmp_path / "junk.dump"
    junk.write_text("SELECT 1;\n")
    result = run_supatasks(["db.restore", str(junk)], tmp_path, env)
    assert result.returncode == 1 and "not a backup pg_restore can read" in result.stderr
    assert not (tmp_path / "backups").exists()  # not even the safety backup was taken
    missing = run_supatasks(["db.restore", "nope.dump"], tmp_path, env)
    assert missing.returncode == 1 and "no such backup file" in missing.stderr


def test_restore_into_production_needs_the_typed_ref_and_backs_up_first(tmp_path, pg_server, pw_server):
    urls = profiles_project(tmp_path, pg_server, pw_server, M)
    ok(["db.push", "--env=production", f"--confirm={REF}"], tmp_path)
    fill(urls["production"], SECRET)
    backup = ok(["db.backup", "--env=production"], tmp_path)
    assert SECRET not in backup.stdout + backup.stderr
    dump = next((tmp_path / "backups").glob("*_production_*.dump"))
    with connect(urls["production"], SECRET) as conn:
        conn.execute("DELETE FROM public.tags")
    for args in (["--yes"], ["--confirm=staging"], [], ["--confirm=" + REF, "--no-backup"]):
        refused = run_supatasks(["db.restore", str(dump), "--env=production", *args], tmp_path)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        if args != ["--confirm=" + REF, "--no-backup"]:  # the summary names the archive before asking
            assert f"Restore {dump.name}: database " in refused.stdout and "created 20" in refused.stdout
        assert table_contents(urls["production"], ["public.tags"], SECRET)["public.tags"][0] == 0
    assert len(list((tmp_path / "backups").glob("*.dump"))) == 1  # refusals took no backup either
    done = ok(["db.restore", str(dump), "--env=production", f"--confirm={REF}"], tmp_path)
    assert table_contents(urls["production"], ["public.tags"], SECRET)["public.tags"][0] == 3
    safety = list((tmp_path / "backups").glob("*_production_*_before-restore.dump"))
    assert len(safety) == 1 and safety[0].name in done.stdout
    assert SECRET not in done.stdout + done.stderr
    for file in (tmp_path / "backups").glob("*.dump"):
        assert SECRET.encode() not in file.read_bytes()


def test_backup_of_an_older_server(tmp_path, pg15_server):
    """pg_dump must be at least the server's version; a newer one (the embedded 18) reads a 15 server."""
    url = create_database(pg15_server)
    make_project(tmp_path, M)
    env = {"SUPABASE_DB_URL": url}
    ok(["db.up"], tmp_path, env)
    fill(url)
    data = ok_json(["db.backup", "--json"], tmp_path, env)
    assert int(data["tool"].split()[-1]) >= 15
    listing = subprocess.run([_pg_restore(), "--list", str(tmp_path / data["file"])], capture_output=True, text=True)
    assert "TABLE DATA public notes" in listing.stdout


def test_a_too_old_client_is_a_clear_error():
    from supatasks.errors import ToolMissing
    from supatasks.server.pg_tools import find_tool

    with pytest.raises(ToolMissing, match=r"pg_dump 99 or newer is needed.*found only"):
        find_tool("pg_dump", 99)


def _pg_restore() -> str:
    from supatasks.server.pg_tools import find_tool
    return find_tool("pg_restore", 18)


def test_a_database_frozen_read_only_is_still_backed_up(tmp_path, db_url):
    """During an incident writes may be frozen: the dump must not fail because its audit row cannot be written."""
    make_project(tmp_path, M)
    env = {"SUPABASE_DB_URL": db_url}
    ok(["db.up"], tmp_path, env)
    fill(db_url)
    name = db_url.rsplit("/", 1)[1]
    with connect(db_url) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    result = ok(["db.backup"], tmp_path, env)
    assert "audit row could not be written" in result.stdout
    dump = next((tmp_path / "backups").glob("*.dump"))
    assert dump.stat().st_size > 0
    with connect(db_url) as conn:
        conn.execute("SET default_transaction_read_only = off")
        conn.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
    assert audit_rows(db_url, action="backup") == []
