"""Creating a new migration file and its down file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import MigrationFileError
from ..project import Project
from .files import DOWN_SUFFIX

VALID_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

UP_TEMPLATE = """\
-- Migration: {name}
-- Created {created} UTC by supatasks. Keep it idempotent (IF NOT EXISTS, OR REPLACE, DROP ... IF EXISTS).
-- supatasks runs this whole file in one transaction together with its history row.

"""

DOWN_TEMPLATE = """\
-- Rollback of {stem}.sql: undo exactly what that migration did, newest change first.
-- Run by `inv db.down`/`inv db.rollback` in one transaction with the removal of its history row.

"""


@dataclass(frozen=True)
class NewMigration:
    up: Path
    down: Path


def validate_name(name: str) -> str:
    if not VALID_NAME.fullmatch(name or ""):  # fullmatch: `$` alone accepts a trailing newline
        shown = name if len(name or "") <= 60 else name[:57] + "..."
        raise MigrationFileError(
            f"migration name {shown!r} is not allowed: use lower-case words joined by underscores, "
            "e.g. add_user_preferences")
    return name


def utc_version(now: datetime | None = None) -> str:
    return (now or datetime.now(timezone.utc)).strftime("%Y%m%d%H%M%S")


def create_migration(project: Project, name: str, now: datetime | None = None) -> NewMigration:
    """db.new: the pair of files, each with its template comment."""
    moment = now or datetime.now(timezone.utc)
    stem = f"{utc_version(moment)}_{validate_name(name)}"
    created = moment.strftime("%Y-%m-%d %H:%M:%S")
    return write_migration(project, name, UP_TEMPLATE.format(name=name, created=created),
                           DOWN_TEMPLATE.format(stem=stem), moment)


def write_migration(project: Project, name: str, up_text: str, down_text: str,
                    now: datetime | None = None) -> NewMigration:
    """`supabase/migrations/<UTC version>_<name>.sql` and `supabase/rollbacks/<same>.down.sql` with these
    contents. Never overwrites: if either exists, nothing is written."""
    validate_name(name)
    moment = now or datetime.now(timezone.utc)
    stem = f"{utc_version(moment)}_{name}"
    up = project.migrations_dir / f"{stem}.sql"
    down = project.rollbacks_dir / f"{stem}{DOWN_SUFFIX}"
    for path in (up, down):
        if path.exists():
            raise MigrationFileError(f"{project.relative(path)} already exists; nothing was written")
    project.migrations_dir.mkdir(parents=True, exist_ok=True)
    project.rollbacks_dir.mkdir(parents=True, exist_ok=True)
    with open(up, "x", encoding="utf-8") as handle:
        handle.write(up_text)
    try:
        with open(down, "x", encoding="utf-8") as handle:
            handle.write(down_text)
    except OSError:
        up.unlink(missing_ok=True)
        raise
    return NewMigration(up, down)
