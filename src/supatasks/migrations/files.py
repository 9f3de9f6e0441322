"""Migration and down files on disk: names, versions, contents, problems."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MigrationFileError
from ..project import Project

# The Supabase CLI's rule: top level of supabase/migrations/, digits, underscore, anything, .sql
MIGRATION_NAME = re.compile(r"^([0-9]+)_(.*)\.sql$")
LEGACY_DOWN_SUFFIX = "_down.sql"
DOWN_SUFFIX = ".down.sql"


@dataclass(frozen=True)
class MigrationFile:
    version: str
    name: str
    path: Path

    @property
    def stem(self) -> str:
        return f"{self.version}_{self.name}"

    @property
    def filename(self) -> str:
        return self.path.name

    def read_bytes(self) -> bytes:
        return read_file_bytes(self.path)

    def read_text(self) -> str:
        return decode_sql(self.path, self.read_bytes())


@dataclass(frozen=True)
class Problem:
    path: Path
    kind: str  # invalid-name | duplicate-version | legacy-down-file
    message: str


@dataclass
class Scan:
    migrations: list[MigrationFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    legacy_downs: dict[str, Path] = field(default_factory=dict)  # stem -> path

    def duplicates(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "duplicate-version"]

    def by_version(self) -> dict[str, MigrationFile]:
        return {m.version: m for m in self.migrations}


def read_file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError as exc:
        raise MigrationFileError(f"{path}: cannot read the file (permission denied)") from exc
    except IsADirectoryError as exc:
        raise MigrationFileError(f"{path}: is a folder, not a file") from exc
    except OSError as exc:
        raise MigrationFileError(f"{path}: cannot read the file ({exc.strerror})") from exc


def decode_sql(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MigrationFileError(f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x})") from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise MigrationFileError(f"{path}:{line}: contains a NUL byte; PostgreSQL cannot accept it")
    return text


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def scan_migrations(project: Project) -> Scan:
    """Every migration file the Supabase CLI would consider, sorted by version, with problems listed."""
    scan = Scan()
    folder = project.migrations_dir
    if not folder.is_dir():
        return scan
    seen: dict[str, MigrationFile] = {}
    with os.scandir(folder) as listing:  # the entries' types come with the listing: no stat per file
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_dir():
            continue
        path = folder / entry.name
        match = MIGRATION_NAME.fullmatch(entry.name)  # as the CLI (Go): no trailing newline before `$`
        if not match:
            if path.suffix == ".sql":
                scan.problems.append(Problem(path, "invalid-name",
                                             f"{path.name}: skipped, the name does not match <version>_<name>.sql"))
            continue
        if path.name.endswith(LEGACY_DOWN_SUFFIX):
            stem = path.name[: -len(LEGACY_DOWN_SUFFIX)]
            scan.legacy_downs[stem] = path
            scan.problems.append(Problem(
                path, "legacy-down-file",
                f"{path.name}: a down file inside migrations/ — the Supabase CLI would apply it as a migration; "
                "move it with `inv db.fix-layout`"))
            continue
        migration = MigrationFile(match.group(1), match.group(2), path)
        if migration.version in seen:
            scan.problems.append(Problem(
                path, "duplicate-version",
                f"{path.name}: version {migration.version} is also used by {seen[migration.version].filename} "
                f"(the Supabase CLI fails on it too); give it a version of its own, e.g. "
                f"`git mv {project.relative(path)} {project.relative(folder / _renamed(migration, folder))}`"))
            continue
        seen[migration.version] = migration
        scan.migrations.append(migration)
    scan.migrations.sort(key=lambda m: m.version)
    return scan


def _renamed(migration: MigrationFile, folder: Path) -> str:
    """The file name with the next free version (same number of digits): the suggested fix of a duplicate."""
    taken = {m.group(1) for p in folder.iterdir() if (m := MIGRATION_NAME.fullmatch(p.name))}
    number = int(migration.version)
    while True:
        number += 1
        version = str(number).zfill(len(migration.version))
        if version not in taken:
            return f"{version}_{migration.name}.sql"


def down_file_for(project: Project, migration: MigrationFile, scan: Scan | None = None) -> Path | None:
    """The down file of `migration`: supabase/rollbacks/<stem>.down.sql, else a legacy _down.sql."""
    preferred = project.rollbacks_dir / f"{migration.stem}{DOWN_SUFFIX}"
    if preferred.is_file():
        return preferred
    legacy = project.migrations_dir / f"{migration.stem}{LEGACY_DOWN_SUFFIX}"
    if legacy.is_file():
        return legacy
    return None


def require_no_duplicates(scan: Scan) -> None:
    duplicates = scan.duplicates()
    if duplicates:
        raise MigrationFileError("duplicate migration versions, nothing was run: "
                                 + "; ".join(p.message for p in duplicates))
