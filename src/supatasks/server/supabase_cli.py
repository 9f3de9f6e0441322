"""The real Supabase CLI, run against the same database (passwords through the environment only)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .. import programs
from ..connection import DatabaseUrl
from ..project import Project

PINNED_VERSION = "2.117.0"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def find_cli(project: Project) -> str:
    """$SUPABASE_CLI, else the project's pinned install (scripts/install-supabase-cli.sh), else PATH."""
    return programs.find_program(
        "supabase", os.environ.get("SUPABASE_CLI"),
        project.state_dir / "cli" / "node_modules" / ".bin" / "supabase")


def cli_url(db: DatabaseUrl) -> str:
    """The URL for --db-url: no password (that goes in PGPASSWORD); sslmode=disable for a local server."""
    parts = urlsplit(db.url)
    query = dict(parse_qsl(parts.query))
    if db.host in LOCAL_HOSTS and "sslmode" not in query:
        query["sslmode"] = "disable"
    return urlunsplit(parts._replace(query=urlencode(query)))


def run(project: Project, db: DatabaseUrl, args: list[str], *, input: str | None = None,
        timeout: float | None = 900) -> programs.Completed:
    cli = find_cli(project)
    return programs.run(cli, [*args, "--db-url", cli_url(db), "--workdir", str(project.root)],
                        env={**db.libpq_env(), "DO_NOT_TRACK": "1", "SUPABASE_TELEMETRY_DISABLED": "1"},
                        cwd=project.root, input=input, timeout=timeout)


def migration_up(project: Project, db: DatabaseUrl, include_all: bool = False) -> programs.Completed:
    return run(project, db, ["migration", "up", *(["--include-all"] if include_all else [])])


def db_reset(project: Project, db: DatabaseUrl) -> programs.Completed:
    return run(project, db, ["db", "reset"], input="y\n")


def db_push(project: Project, db: DatabaseUrl, *, dry_run: bool = False, include_all: bool = False,
            include_seed: bool = False) -> programs.Completed:
    args = ["db", "push"]
    args += ["--dry-run"] if dry_run else []
    args += ["--include-all"] if include_all else []
    args += ["--include-seed"] if include_seed else []
    return run(project, db, args, input="y\n")


def migration_list(project: Project, db: DatabaseUrl) -> programs.Completed:
    return run(project, db, ["migration", "list"])


def version(project: Project) -> str:
    return programs.run(find_cli(project), ["--version"]).stdout.strip()


def installed_at(project: Project) -> Path:
    return project.state_dir / "cli" / "node_modules" / ".bin" / "supabase"


ENGINES = ("supatasks", "cli")  # who applies migrations: supatasks itself or the real Supabase CLI


def require_engine(engine: str) -> None:
    from ..errors import ConfigError

    if engine not in ENGINES:
        raise ConfigError(f"--engine={engine!r}: choose one of {', '.join(ENGINES)}")
