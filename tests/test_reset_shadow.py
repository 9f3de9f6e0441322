"""reset/shadow.py: the shadow database of the migrations — from db.reset's cache when it matches, else a
shadow template built once; up to a version; with or without the seeds; dropped when the block ends."""

from __future__ import annotations

import pytest
from support import make_project, query

from supatasks.errors import Refused
from supatasks.project import Project
from supatasks.reset.reset import reset_database
from supatasks.reset.shadow import shadow_database
from supatasks.target import open_target

M = {"20260101000001_a.sql": "CREATE TABLE IF NOT EXISTS public.a (id int PRIMARY KEY);\n",
     "20260101000002_b.sql": "CREATE TABLE IF NOT EXISTS public.b (id int PRIMARY KEY);\n"}
SEED = "INSERT INTO public.a VALUES (1);\n"


@pytest.fixture
def project(tmp_path, db_url, monkeypatch):
    make_project(tmp_path, M, seed=SEED)
    monkeypatch.setenv("SUPABASE_DB_URL", db_url)
    return Project(tmp_path)


def tables(url: str) -> list[str]:
    return [r[0] for r in query(url, "SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                                     "AND relkind = 'r' ORDER BY 1")]


def test_shadow_from_the_reset_cache_and_built_templates(project, pg_server):
    reset_database(open_target(project, "local"))
    with shadow_database(project, seeds=True) as shadow:   # what db.reset cached: no migration replayed
        assert shadow.cache_hit and shadow.template.startswith("supatasks_cache_")
        assert tables(shadow.url) == ["a", "b"] and query(shadow.url, "SELECT id FROM public.a") == [(1,)]
        name = shadow.database
    with shadow_database(project) as shadow:                # no seeds: a template of its own, built once
        assert not shadow.cache_hit and shadow.template.startswith("supatasks_shadow_")
        assert query(shadow.url, "SELECT count(*) FROM public.a") == [(0,)]
        assert query(shadow.url, "SELECT count(*) FROM supabase_migrations.schema_migrations") == [(2,)]
    with shadow_database(project) as again:
        assert again.cache_hit and again.template == shadow.template
    with shadow_database(project, upto="20260101000001") as first:
        assert tables(first.url) == ["a"]
    with shadow_database(project, upto="0") as bootstrap:   # the bootstrap alone
        assert tables(bootstrap.url) == [] and query(bootstrap.url, "SELECT to_regclass('auth.users')") != [(None,)]
    left = query(pg_server.url("postgres"), "SELECT datname FROM pg_database WHERE datname LIKE 'supatasks_shadowdb_%'")
    assert left == [] and name  # every shadow dropped at the end


def test_a_changed_migration_gives_a_new_template(project):
    with shadow_database(project) as before:
        pass
    (project.migrations_dir / "20260101000003_c.sql").write_text("CREATE TABLE IF NOT EXISTS public.c (id int);\n")
    with shadow_database(project) as after:
        assert after.template != before.template and tables(after.url) == ["a", "b", "c"]


def test_refused_off_this_machine(tmp_path, monkeypatch):
    make_project(tmp_path, M)
    monkeypatch.setenv("SUPABASE_DB_URL", "postgresql://postgres@db.example.com:5432/postgres")
    with pytest.raises(Refused, match="runs only on a server on this machine"):
        with shadow_database(Project(tmp_path)):
            pass


def test_a_shadow_left_by_a_killed_process_is_dropped_by_the_next(project, pg_server):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has ended
    admin_url = pg_server.url("postgres")
    query(admin_url, 'CREATE DATABASE "supatasks_shadowdb_abandoned0"')
    import socket
    query(admin_url, f"COMMENT ON DATABASE \"supatasks_shadowdb_abandoned0\" IS "
                     f"'supatasks shadow database of process {pid} on {socket.gethostname()}'")
    with shadow_database(project) as shadow:
        names = [r[0] for r in query(admin_url, "SELECT datname FROM pg_database WHERE datname LIKE "
                                                "'supatasks\\_shadowdb\\_%'")]
        assert names == [shadow.database]  # the abandoned one is gone; the live one is kept
