"""Small Supabase projects on disk for tests, and the repository's example project."""

from __future__ import annotations

import shutil
from pathlib import Path

from .database import SECRET, create_database

REPO = Path(__file__).resolve().parents[2]
REF = "abcdefghijklmnop"  # the project ref of the production profile `profiles_project` writes

MINIMAL_CONFIG = """\
project_id = "test"

[db]
port = 54322
major_version = 15

[db.seed]
enabled = true
sql_paths = ["./seed.sql"]
"""


def make_project(root: Path, migrations: dict[str, str | bytes] | None = None, seed: str | None = None,
                 rollbacks: dict[str, str] | None = None, config: str = MINIMAL_CONFIG) -> Path:
    """A project folder with supabase/config.toml, the given migration files, seed and down files."""
    (root / "supabase" / "migrations").mkdir(parents=True, exist_ok=True)
    (root / "supabase" / "rollbacks").mkdir(parents=True, exist_ok=True)
    (root / "supabase" / "config.toml").write_text(config)
    for name, body in (migrations or {}).items():
        path = root / "supabase" / "migrations" / name
        path.write_bytes(body if isinstance(body, bytes) else body.encode())
    for name, body in (rollbacks or {}).items():
        (root / "supabase" / "rollbacks" / name).write_text(body)
    if seed is not None:
        (root / "supabase" / "seed.sql").write_text(seed)
    return root


def copy_example_project(root: Path) -> Path:
    """A copy of the repository's example project (supabase/ only)."""
    shutil.copytree(REPO / "supabase", root / "supabase",
                    ignore=shutil.ignore_patterns(".temp", ".branches"))
    return root


def profiles_project(root: Path, pg_server, pw_server, migrations: dict, rollbacks: dict | None = None,
                     seed: str | None = None) -> dict[str, str]:
    """A project with staging (trust server) and production (password server, ref REF) profiles."""
    make_project(root, migrations, seed=seed, rollbacks=rollbacks)
    urls = {"staging": create_database(pg_server), "production": create_database(pw_server)}
    (root / ".env.staging").write_text(f"SUPABASE_DB_URL={urls['staging']}\n")
    (root / ".env.production").write_text(
        f"SUPABASE_DB_URL={urls['production']}\nSUPABASE_DB_PASSWORD={SECRET}\nSUPABASE_PROJECT_REF={REF}\n")
    return urls


def pushed_twice(root: Path, pg_server, pw_server, first: dict, second: dict, rollbacks: dict,
                 env_name: str = "production") -> tuple[str, str | None]:
    """A profiles project whose `env_name` got two pushes — `first`, then `second` (the release an incident
    rolls back) — with a local profile on the session's server (for rehearsals and shadows). Returns the
    target's URL and password (None on staging)."""
    from .cli import ok

    urls = profiles_project(root, pg_server, pw_server, first, rollbacks)
    (root / ".env.local").write_text(f"SUPABASE_DB_URL={pg_server.url('postgres')}\n")
    consent = f"--confirm={REF}" if env_name == "production" else "--yes"
    ok(["db.push", f"--env={env_name}", consent], root)
    for name, body in second.items():
        (root / "supabase/migrations" / name).write_text(body)
    ok(["db.push", f"--env={env_name}", consent], root)
    return urls[env_name], SECRET if env_name == "production" else None
