"""Building small Supabase projects on disk for tests, and running the real command line on them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUPATASKS = str(Path(sys.executable).parent / "supatasks")

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


def run_supatasks(args: list[str], cwd: Path, env: dict[str, str] | None = None, input: str | None = None,
                  timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the `supatasks` console script (the same namespace as `inv`) as a user would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "SUPATASKS_"))}
    full_env.update(env or {})
    return subprocess.run([SUPATASKS, *args], cwd=cwd, env=full_env, input=input, capture_output=True,
                          text=True, timeout=timeout)


def query(url: str, sql: str, params=None):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else None
