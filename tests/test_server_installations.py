"""The local server follows the project (issue #13): `[db] major_version` picks an installed PostgreSQL of that
version (with its real extensions and supatasks' stand-ins for the rest), the wheel's PostgreSQL 18 otherwise;
each project remembers a port of its own; the output says which server and which stand-ins are in use."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from conftest import PG15_BIN, free_port
from support import MINIMAL_CONFIG, make_project, query, run_supatasks
from supatasks.server.local_server import DEFAULT_PORT, project_port
from supatasks.server.pg_installations import WHEEL, choose, private_tree
from supatasks.project import Project

USES_EXTENSIONS = (
    "create extension if not exists pg_net with schema extensions;\n"
    "create extension if not exists pg_cron with schema pg_catalog;\n"
    "create extension if not exists pgtap with schema extensions;\n"
    "create table public.jobs (id serial primary key, url text);\n"
    "create function public.ping() returns trigger language plpgsql as $$\n"
    "begin perform net.http_post(url := new.url, body := '{}'::jsonb); return new; end $$;\n"
    "create trigger ping after insert on public.jobs for each row execute function public.ping();\n"
    "select cron.schedule('nightly-ping', '0 3 * * *', $$insert into public.jobs (url) values ('http://x.test')$$);\n")
SEED = "insert into public.jobs (url) values ('http://hook.test/new');\n"


def config(major: int) -> str:
    return MINIMAL_CONFIG.replace("major_version = 15", f"major_version = {major}")


def reset(root: Path, port: int, *args):
    result = run_supatasks(["db.reset", *args], root, {"SUPATASKS_LOCAL_PORT": str(port)}, timeout=600)
    assert "Traceback" not in result.stderr
    return result


def stop(root: Path, port: int) -> None:
    run_supatasks(["db.stop"], root, {"SUPATASKS_LOCAL_PORT": str(port)})


def test_a_project_on_17_runs_on_the_wheel_when_no_17_is_installed(tmp_path):
    make_project(tmp_path, config=config(17))
    installation = choose(Project(tmp_path), None, tmp_path / ".supatasks")
    if any(Path(f"/usr/lib/postgresql/17/bin/postgres").exists() for _ in [0]):
        pytest.skip("a PostgreSQL 17 is installed here")
    assert installation.source == WHEEL and installation.major == 18
    assert installation.data_folder == "pgdata"


@pytest.mark.skipif(not (PG15_BIN / "postgres").exists(), reason="Debian's PostgreSQL 15 is not installed")
def test_a_project_on_15_runs_debians_15_with_real_extensions_and_stand_ins_for_the_rest(tmp_path):
    make_project(tmp_path, {"20260101000001_jobs.sql": USES_EXTENSIONS}, seed=SEED, config=config(15))
    port = free_port()
    try:
        result = reset(tmp_path, port)
        assert result.returncode == 0, result.stderr
        assert f"PostgreSQL 15 from {PG15_BIN}, with supatasks' stand-ins" in result.stdout
        # the stand-ins are named once, with what they do
        assert "development stand-ins in use" in result.stderr
        assert "pg_net: requests are recorded in net.http_request_queue, never sent" in result.stderr
        assert (tmp_path / ".supatasks/pgdata-15/PG_VERSION").read_text().strip() == "15"
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        assert query(url, "show server_version_num")[0][0].startswith("15")
        comments = dict(query(url, "select e.extname, obj_description(e.oid, 'pg_extension') from pg_extension e"))
        assert comments["pgtap"].startswith("Unit testing")          # Debian's real pgTAP
        assert comments["pg_net"].startswith("supatasks development stand-in")
        assert comments["pg_cron"].startswith("supatasks development stand-in")  # preferred: see pg_installations
        assert query(url, "select url from net.http_request_queue") == [("http://hook.test/new",)]
        assert query(url, "select jobname, schedule from cron.job") == [("nightly-ping", "0 3 * * *")]
        assert query(url, "select count(*) from public.jobs") == [(1,)]  # the job was kept, never run
        warm = reset(tmp_path, port)
        assert warm.returncode == 0 and "from the cache" in warm.stdout
    finally:
        stop(tmp_path, port)


@pytest.mark.skipif(not (PG15_BIN / "postgres").exists(), reason="Debian's PostgreSQL 15 is not installed")
def test_the_private_tree_links_the_installation_and_is_rebuilt_only_when_stale(tmp_path):
    bin_dir = private_tree(PG15_BIN, 15, tmp_path / "pg15")
    assert (bin_dir / "postgres").stat().st_ino == (PG15_BIN / "postgres").resolve().stat().st_ino or \
        (bin_dir / "postgres").stat().st_size == (PG15_BIN / "postgres").resolve().stat().st_size
    extension = tmp_path / "pg15/share/postgresql/15/extension"
    assert (extension / "pgtap.control").resolve().parent == Path("/usr/share/postgresql/15/extension")
    assert (extension / "pg_net.control").resolve().parent.name == "extension"
    assert "supatasks" in (extension / "pg_net.control").read_text()
    assert not (extension / "pgcrypto--1.3.sql").resolve().is_relative_to(Path(__file__).parents[1])  # real wins
    stamp = (tmp_path / "pg15/stamp").read_text()
    (tmp_path / "pg15/marker").write_text("kept while fresh")
    assert private_tree(PG15_BIN, 15, tmp_path / "pg15") == bin_dir
    assert (tmp_path / "pg15/marker").exists() and (tmp_path / "pg15/stamp").read_text() == stamp


def test_supatasks_pg_bin_is_honoured_and_checked(tmp_path):
    make_project(tmp_path, config=config(17))
    result = run_supatasks(["db.status"], tmp_path, {"SUPATASKS_PG_BIN": str(tmp_path / "nowhere"),
                                                     "SUPATASKS_LOCAL_PORT": str(free_port())})
    assert result.returncode == 1
    assert "SUPATASKS_PG_BIN=" in result.stderr and "no PostgreSQL server" in result.stderr
    assert "Traceback" not in result.stderr


def test_each_project_remembers_a_port_of_its_own(tmp_path):
    blocker = socket.socket()
    try:
        try:
            blocker.bind(("127.0.0.1", DEFAULT_PORT))
            blocker.listen()
        except OSError:
            pass  # something already listens there: the same situation
        first = project_port(tmp_path / "a/.supatasks")
        assert first != DEFAULT_PORT
        assert project_port(tmp_path / "a/.supatasks") == first  # remembered
        assert (tmp_path / "a/.supatasks/local-port").read_text().strip() == str(first)
    finally:
        blocker.close()


def test_two_projects_reset_side_by_side_without_setting_a_port(tmp_path):
    roots = [make_project(tmp_path / name, {"20260101000001_t.sql": "create table public.t (id int);\n"},
                          config=config(17)) for name in ("one", "two")]
    try:
        for root in roots:
            result = run_supatasks(["db.reset", "--json"], root, timeout=600)
            assert result.returncode == 0, result.stderr
            assert json.loads(result.stdout)["migrations"] == 1
        ports = {int((root / ".supatasks/local-port").read_text()) for root in roots}
        assert len(ports) == 2
    finally:
        for root in roots:
            run_supatasks(["db.stop"], root)


def test_the_stand_ins_line_names_each_with_what_it_does(db_url):
    import psycopg

    from supatasks.server.bootstrap import apply_bootstrap
    from supatasks.server.stand_ins import describe_stand_ins, stand_ins_in_use

    with psycopg.connect(db_url, autocommit=True) as conn:
        assert describe_stand_ins(conn) is None  # a bare database: none
        apply_bootstrap(conn)
        conn.execute("create extension pg_net; create extension pgmq")
        found = dict(stand_ins_in_use(conn))
        line = describe_stand_ins(conn)
    assert found["pg_net"] == "requests are recorded in net.http_request_queue, never sent"
    assert {"pgcrypto", "uuid-ossp", "supabase_vault", "pg_graphql", "pgmq"} <= set(found)
    assert "not for production" not in line and "pg_net: requests are recorded" in line
    assert "vector" not in found  # real extensions are not named


@pytest.mark.skipif(not (PG15_BIN / "postgres").exists(), reason="Debian's PostgreSQL 15 is not installed")
def test_the_version_gives_way_to_a_server_that_has_the_extensions_the_migrations_create(tmp_path):
    """Debian packages pgvector apart from PostgreSQL: a project on 15 that creates `vector` runs on the wheel
    (which has it) when the installed 15 lacks it, saying why; one that creates postgis stays on 15."""
    from supatasks.server.pg_installations import offered

    vector_project = make_project(tmp_path / "v", {"20260101000001_v.sql": 'create extension if not exists "vector" '
                                                  "with schema extensions;\n"}, config=config(15))
    postgis_project = make_project(tmp_path / "g", {"20260101000001_g.sql": "CREATE EXTENSION postgis;\n"},
                                   config=config(15))
    chosen = choose(Project(vector_project), None, vector_project / ".supatasks")
    if "vector" in offered(PG15_BIN):
        assert chosen.major == 15
    else:
        assert chosen.source.startswith(WHEEL) and "lacks vector" in chosen.source
        assert chosen.data_folder == "pgdata"
    if "postgis" in offered(PG15_BIN):
        assert choose(Project(postgis_project), None, postgis_project / ".supatasks").major == 15
