"""Where a Supabase project lives on disk, and what its config.toml says."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .errors import ConfigError

DEFAULT_SEED_PATHS = ["./seed.sql"]
DEFAULT_EXPOSED_SCHEMAS = ["public", "graphql_public"]  # the CLI's default [api] schemas


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def supabase_dir(self) -> Path:
        return self.root / "supabase"

    @property
    def migrations_dir(self) -> Path:
        return self.supabase_dir / "migrations"

    @property
    def rollbacks_dir(self) -> Path:
        return self.supabase_dir / "rollbacks"

    @property
    def state_dir(self) -> Path:
        """Git-ignored folder for the local server's data and the pinned CLI."""
        return self.root / ".supatasks"

    @property
    def config_path(self) -> Path:
        return self.supabase_dir / "config.toml"

    @cached_property
    def config(self) -> dict:
        return read_toml(self.config_path, self.relative(self.config_path))

    @property
    def project_id(self) -> str | None:
        return self.config.get("project_id")

    def seed_settings(self) -> tuple[bool, list[str]]:
        """([db.seed] enabled, sql_paths) with the CLI's defaults."""
        seed = self.config.get("db", {}).get("seed", {})
        return bool(seed.get("enabled", True)), list(seed.get("sql_paths", DEFAULT_SEED_PATHS))

    @property
    def exposed_schemas(self) -> list[str]:
        """The schemas the Data API serves ([api] schemas of config.toml, the CLI's default otherwise)."""
        schemas = self.config.get("api", {}).get("schemas")
        return list(schemas) if isinstance(schemas, list) and schemas else list(DEFAULT_EXPOSED_SCHEMAS)

    def relative(self, path: Path) -> str:
        """`path` relative to the project root where possible (as the CLI records seed paths)."""
        try:
            return Path(os.path.relpath(path, self.root)).as_posix()
        except ValueError:
            return str(path)


def find_project(start: Path | None = None) -> Project:
    """The nearest folder at or above `start` (default: cwd, or $SUPATASKS_PROJECT) with a supabase/ folder."""
    explicit = os.environ.get("SUPATASKS_PROJECT")
    if explicit:
        root = Path(explicit).absolute()
        if not (root / "supabase").is_dir():
            raise ConfigError(f"SUPATASKS_PROJECT={explicit}: no supabase/ folder there")
        return Project(root)
    here = (start or Path.cwd()).absolute()
    for folder in [here, *here.parents]:
        if (folder / "supabase").is_dir():
            return Project(folder)
    raise ConfigError(
        f"no supabase/ folder found in {here} or above: run supatasks inside a Supabase project")


def read_toml(path: Path, label: str) -> dict:
    """The one TOML reader (config.toml, supatasks.toml): {} for a missing file, ConfigError naming `label`
    for one that is not valid TOML."""
    import tomllib

    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{label}: not valid TOML: {exc}") from None
