"""What the Supabase CLI accepts, on the local profile (issue #13): a CREATE INDEX CONCURRENTLY inside a larger
file applies atomically on a local database (plain build inside the file's transaction); remote profiles keep
refusing the mix. A duplicate version names the file to rename and the command that renames it."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import create_database
from support import applied_versions, make_project, one_error_line, query, run_supatasks

MIXED = ("CREATE TABLE public.books (id int PRIMARY KEY, title text);\n"
         "-- build it without blocking writers (on the platform)\n"
         "CREATE INDEX CONCURRENTLY IF NOT EXISTS books_title ON public.books (title);\n"
         "CREATE UNIQUE INDEX CONCURRENTLY books_upper ON public.books (upper(title));\n"
         "DROP INDEX CONCURRENTLY IF EXISTS public.books_title;\n"
         "CREATE INDEX CONCURRENTLY books_title ON public.books (title);\n"
         "INSERT INTO public.books VALUES (1, 'Dune');\n")


def test_a_concurrent_index_in_a_larger_file_applies_atomically_on_local(tmp_path, pg_server):
    url = create_database(pg_server)
    make_project(tmp_path, {"20260101000001_books.sql": MIXED})
    result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": url})
    assert result.returncode == 0, result.stderr
    assert applied_versions(url) == ["20260101000001"]
    assert query(url, "SELECT indexrelid::regclass::text, indisvalid FROM pg_index "
                      "WHERE indrelid = 'public.books'::regclass ORDER BY 1") == [
        ("books_pkey", True), ("books_title", True), ("books_upper", True)]
    # the history keeps the file's own text, as the CLI records it
    statements = query(url, "SELECT statements FROM supabase_migrations.schema_migrations")[0][0]
    assert any("CREATE INDEX CONCURRENTLY IF NOT EXISTS books_title" in s for s in statements)


def test_on_local_the_mixed_file_stays_atomic_when_it_fails(tmp_path, pg_server):
    url = create_database(pg_server)
    make_project(tmp_path, {"20260101000001_books.sql": MIXED + "INSERT INTO public.books VALUES (1, 'again');\n"})
    result = run_supatasks(["db.reset"], tmp_path, {"SUPABASE_DB_URL": url})
    assert result.returncode == 1
    assert "20260101000001_books.sql:8: ERROR 23505" in one_error_line(result.stderr)
    assert query(url, "SELECT to_regclass('public.books')") == [(None,)]


def test_remote_profiles_still_refuse_the_mix_before_anything_runs(tmp_path, pg_server):
    url = create_database(pg_server)
    make_project(tmp_path, {"20260101000001_books.sql": MIXED})
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\n")
    result = run_supatasks(["db.push", "--env=staging", "--yes", "--skip-lint"], tmp_path)
    assert result.returncode == 1
    assert "20260101000001_books.sql:3: CREATE INDEX CONCURRENTLY cannot run inside a transaction" in result.stderr
    assert query(url, "SELECT to_regclass('public.books')") == [(None,)]


def test_a_duplicate_version_names_the_file_and_a_rename_that_works(tmp_path, pg_server):
    url = create_database(pg_server)
    make_project(tmp_path, {"20260101000001_a.sql": "CREATE TABLE public.a (id int);\n",
                            "20260101000001_b.sql": "CREATE TABLE public.b (id int);\n",
                            "20260101000002_c.sql": "CREATE TABLE public.c (id int);\n"})
    result = run_supatasks(["db.reset"], tmp_path, {"SUPABASE_DB_URL": url})
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    command = ("git mv supabase/migrations/20260101000001_b.sql supabase/migrations/20260101000003_b.sql")
    assert f"20260101000001_b.sql: version 20260101000001 is also used by 20260101000001_a.sql" in line
    assert f"`{command}`" in line  # the next free version: ...02 is taken
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    subprocess.run(command.split(), cwd=tmp_path, check=True)
    result = run_supatasks(["db.reset", "--json"], tmp_path, {"SUPABASE_DB_URL": url})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["migrations"] == 3


def test_a_files_session_settings_do_not_reach_the_next_file(tmp_path, pg_server):
    """As with the Supabase CLI: a dump's `set_config('search_path', '', false)` or a `SET` in one file does
    not change how the next file runs (checked against the real CLI 2.117.0 by hand: same result)."""
    url = create_database(pg_server)
    make_project(tmp_path, {
        "20260101000001_a.sql": "SELECT pg_catalog.set_config('search_path', '', false);\n"
                                "CREATE TABLE public.a (id int);\n",
        "20260101000002_b.sql": "CREATE TABLE b (id int);\nSET statement_timeout = '123s';\n",
        "20260101000003_c.sql": "CREATE TABLE c (v text DEFAULT current_setting('statement_timeout'));\n"
                                "INSERT INTO c DEFAULT VALUES;\n"})
    result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": url})
    assert result.returncode == 0, result.stderr
    assert query(url, "SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname IN ('b', 'c')") == [
        ("public",), ("public",)]
    assert query(url, "SELECT v FROM public.c") == [("0",)]


def test_a_pinned_extension_version_installs_the_local_servers_version_on_local(tmp_path, pg_server):
    """`supabase db dump` pins the hosted versions (`VERSION '0.8.0'`); the local database has its own."""
    url = create_database(pg_server)
    pinned = ('CREATE EXTENSION IF NOT EXISTS "vector" WITH SCHEMA "extensions" VERSION \'0.0.1\';\n'
              "CREATE TABLE public.docs (id int, embedding extensions.vector(3));\n")
    make_project(tmp_path, {"20260101000001_remote_schema.sql": pinned})
    result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": url})
    assert result.returncode == 0, result.stderr
    installed = query(url, "SELECT extversion FROM pg_extension WHERE extname = 'vector'")[0][0]
    assert installed == query(url, "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'")[0][0]
    # on a remote profile the pin stays: the server says what it lacks
    remote = create_database(pg_server)
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={remote}\n")
    pushed = run_supatasks(["db.push", "--env=staging", "--yes", "--skip-lint", "--skip-advise"], tmp_path)  # docs has no RLS
    assert pushed.returncode == 1 and "ERROR 22023" in one_error_line(pushed.stderr)


@pytest.mark.parametrize("extension, install", [
    ("postgis", "postgis has no supatasks stand-in: Debian/Ubuntu: apt-get install postgresql-15-postgis-3"),
    ("pgroonga", "pgroonga has no supatasks stand-in: PGroonga is a C index access method"),
])
def test_an_extension_with_no_stand_in_names_what_to_install(tmp_path, pg_server, extension, install):
    url = create_database(pg_server)
    make_project(tmp_path, {"20260101000001_ext.sql":
                            f"CREATE EXTENSION IF NOT EXISTS {extension} WITH SCHEMA extensions;\n"})
    result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": url})
    if result.returncode == 0:
        pytest.skip(f"this server has {extension}")
    assert "20260101000001_ext.sql:1: ERROR 0A000" in one_error_line(result.stderr)
    assert install in result.stderr


PEOPLE = ("CREATE TYPE public.role AS ENUM ('member');\n"
          "CREATE TABLE public.people (id int PRIMARY KEY, role public.role NOT NULL DEFAULT 'member');\n")
ENUM_VALUE = ("BEGIN;\n"
              "ALTER TYPE public.role ADD VALUE IF NOT EXISTS 'admin';\n"
              "COMMIT;\n"
              "BEGIN;\n"
              "INSERT INTO public.people VALUES (1, 'admin');\n"
              "COMMIT;\n")


@pytest.mark.parametrize("files", [2, 3], ids=["last", "in-a-group"])
def test_on_local_a_commit_in_the_middle_of_a_file_commits_there(tmp_path, pg_server, files):
    """A new enum value cannot be used in the transaction that added it (55P04); the author's COMMIT between
    the two makes it work, as with the CLI's batch."""
    url = create_database(pg_server)
    migrations = {"20260101000001_people.sql": PEOPLE, "20260101000002_admins.sql": ENUM_VALUE}
    if files == 3:
        migrations["20260101000003_more.sql"] = "INSERT INTO public.people VALUES (2, 'member');\n"
    make_project(tmp_path, migrations)
    result = run_supatasks(["db.reset"], tmp_path, {"SUPABASE_DB_URL": url})
    assert result.returncode == 0, result.stderr
    expected = [(1, "admin"), (2, "member")][:files - 1]
    assert query(url, "SELECT id, role::text FROM public.people ORDER BY id") == expected
    assert applied_versions(url) == ["20260101000001", "20260101000002", "20260101000003"][:files]


def test_on_local_a_file_with_commits_stays_atomic_unless_only_its_parts_can_work(tmp_path, pg_server):
    url = create_database(pg_server)
    make_project(tmp_path, {"20260101000001_people.sql": PEOPLE,
                            "20260101000002_admins.sql": ENUM_VALUE.replace("(1, 'admin')", "(1, 'owner')")})
    result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": url})
    assert result.returncode == 1
    assert "20260101000002_admins.sql:5: ERROR 22P02" in one_error_line(result.stderr)
    assert applied_versions(url) == ["20260101000001"]
    assert query(url, "SELECT enum_range(NULL::public.role)::text") == [("{member}",)]  # atomic: nothing of it

    # Only in its parts can this one work; a failure in the later part leaves the earlier part applied.
    twice = ENUM_VALUE.replace("(1, 'admin');", "(1, 'admin');\nINSERT INTO public.people VALUES (1, 'admin');")
    (tmp_path / "supabase/migrations/20260101000002_admins.sql").write_text(twice)
    result = run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": url})
    assert result.returncode == 1
    assert "applying it in the parts its COMMITs mark" in result.stderr
    assert "20260101000002_admins.sql:6: ERROR 23505" in one_error_line(result.stderr)
    assert applied_versions(url) == ["20260101000001"]
    assert query(url, "SELECT enum_range(NULL::public.role)::text") == [("{member,admin}",)]
    assert query(url, "SELECT count(*) FROM public.people") == [(0,)]


def test_remote_profiles_apply_a_file_with_commits_as_one_transaction(tmp_path, pg_server):
    url = create_database(pg_server)
    make_project(tmp_path, {"20260101000001_people.sql": PEOPLE, "20260101000002_admins.sql": ENUM_VALUE})
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\n")
    result = run_supatasks(["db.push", "--env=staging", "--yes", "--skip-lint", "--skip-advise"], tmp_path)
    assert result.returncode == 1
    assert "20260101000002_admins.sql:5: ERROR 55P04" in result.stderr
    assert applied_versions(url) == ["20260101000001"]
    assert query(url, "SELECT enum_range(NULL::public.role)::text") == [("{member}",)]
