"""Profiles (local, staging, production, …): where their settings come from and what they connect to."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .connection import DatabaseUrl
from .errors import ConfigError
from .project import Project
from .redact import register_secret

PROFILE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
BUILTIN_PROFILES = ("local", "staging", "production")
PROTECTED_PROFILES = ("production",)
TRANSACTION_POOLER_PORT = 6543
SECRET_KEYS = ("SUPABASE_DB_PASSWORD", "SUPABASE_ACCESS_TOKEN")

# Defaults per kind of profile: a live database gets timeouts so a migration never stalls the app. A local
# one gets no statement timeout (a long data step there is the developer's choice) but a bounded lock wait:
# a session holding a lock (an open psql, a dev server) ends the migration with its name instead of a hang.
LOCAL_DEFAULTS = {"lock_timeout": "60s", "statement_timeout": "0"}
REMOTE_DEFAULTS = {"lock_timeout": "5s", "statement_timeout": "15min"}


@dataclass
class Profile:
    name: str
    values: dict[str, str] = field(repr=False)
    env_files: list[Path]

    @property
    def is_local(self) -> bool:
        return self.name == "local"

    @property
    def protected(self) -> bool:
        flag = self.values.get("SUPATASKS_PROTECTED", "").lower()
        if flag in ("1", "true", "yes"):
            return True
        if flag in ("0", "false", "no") and self.name not in PROTECTED_PROFILES:
            return False
        return self.name in PROTECTED_PROFILES

    @property
    def project_ref(self) -> str | None:
        return self.values.get("SUPABASE_PROJECT_REF") or None

    def setting(self, key: str) -> str:
        defaults = LOCAL_DEFAULTS if self.is_local else REMOTE_DEFAULTS
        return self.values.get(f"SUPATASKS_{key.upper()}", defaults.get(key, ""))

    @property
    def connect_timeout(self) -> float:
        return _number(self.values.get("SUPATASKS_CONNECT_TIMEOUT", "10"), "SUPATASKS_CONNECT_TIMEOUT")

    @property
    def lock_wait(self) -> float:
        """Seconds to wait for another run's migration lock before giving up."""
        return _number(self.values.get("SUPATASKS_LOCK_WAIT", "60"), "SUPATASKS_LOCK_WAIT")

    @property
    def lock_retries(self) -> int:
        """Extra attempts of a migration that hit lock_timeout (SUPATASKS_LOCK_RETRIES, default 0)."""
        return int(_number(self.values.get("SUPATASKS_LOCK_RETRIES", "0"), "SUPATASKS_LOCK_RETRIES"))

    @property
    def lock_timeout(self) -> str:
        return self.setting("lock_timeout")

    @property
    def statement_timeout(self) -> str:
        return self.setting("statement_timeout")

    @property
    def local_port(self) -> int | None:
        """SUPATASKS_LOCAL_PORT, where set; else the project's remembered port is used (local_server)."""
        value = self.values.get("SUPATASKS_LOCAL_PORT")
        return int(_number(value, "SUPATASKS_LOCAL_PORT")) if value else None

    @property
    def local_pg_bin(self) -> str | None:
        """SUPATASKS_PG_BIN: the `bin/` folder of the PostgreSQL the local server runs, chosen explicitly."""
        return self.values.get("SUPATASKS_PG_BIN") or None

    def database(self) -> DatabaseUrl | None:
        """The configured database, or None where supatasks runs the local server itself."""
        v = self.values
        password = v.get("SUPABASE_DB_PASSWORD") or None
        register_secret(password)
        register_secret(v.get("SUPABASE_ACCESS_TOKEN"))
        if v.get("SUPABASE_DB_URL"):
            return DatabaseUrl.parse(v["SUPABASE_DB_URL"], password, source=self._source("SUPABASE_DB_URL"))
        if self.project_ref:
            if not re.fullmatch(r"[a-z0-9]{1,40}", self.project_ref):
                raise ConfigError(f"{self._source('SUPABASE_PROJECT_REF')}: not a project ref: "
                                  f"{self.project_ref!r}")
            host = v.get("SUPABASE_DB_HOST") or f"db.{self.project_ref}.supabase.co"
            port = v.get("SUPABASE_DB_PORT") or "5432"
            user = v.get("SUPABASE_DB_USER") or "postgres"
            name = v.get("SUPABASE_DB_NAME") or "postgres"
            if not password:
                raise ConfigError(f"profile {self.name}: SUPABASE_DB_PASSWORD is not set "
                                  f"(needed with SUPABASE_PROJECT_REF); put it in .env.{self.name}")
            return DatabaseUrl.parse(f"postgresql://{user}@{host}:{port}/{name}", password,
                                     source=self._source("SUPABASE_PROJECT_REF"))
        if self.is_local:
            return None
        raise ConfigError(
            f"profile {self.name}: no database configured; set SUPABASE_DB_URL or SUPABASE_PROJECT_REF "
            f"and SUPABASE_DB_PASSWORD in .env.{self.name} (see .env.example)")

    def security_warnings(self, project_root: Path) -> list[str]:
        """Env files holding a secret that others can read, or that git tracks."""
        warnings = []
        for path in self.env_files:
            values = _read_env_file(path)
            holds_secret = any(values.get(k) for k in SECRET_KEYS) or "://" in values.get("SUPABASE_DB_URL", "") \
                and ":" in values.get("SUPABASE_DB_URL", "").split("://", 1)[1].split("@", 1)[0] \
                and "@" in values.get("SUPABASE_DB_URL", "")
            if not holds_secret:
                continue
            mode = path.stat().st_mode
            if mode & 0o077:
                warnings.append(f"{path.name} holds a secret and is readable by others "
                                f"(mode {mode & 0o777:o}): chmod 600 {path.name}")
            if _tracked_by_git(project_root, path):
                warnings.append(f"{path.name} holds a secret and is tracked by git: "
                                f"git rm --cached {path.name}, then rotate the secret")
        return warnings

    def file_warnings(self) -> list[str]:
        """Lines of the env files that are not KEY=value (python-dotenv skips them)."""
        return [message for path in self.env_files for message in _unparsable_lines(path)]

    def _source(self, key: str) -> str:
        for path in reversed(self.env_files):
            if key in _read_env_file(path):
                return f"{path.name}: {key}"
        return key


def profile_name(explicit: str | None) -> str:
    name = explicit or os.environ.get("SUPATASKS_ENV") or "local"
    if not PROFILE_NAME.fullmatch(name):  # fullmatch: `$` alone would let "production\n" through
        raise ConfigError(f"--env={name!r}: a profile name is lower-case letters, digits, - and _")
    return name


def load_profile(project: Project, name: str | None = None) -> Profile:
    """Settings of profile `name`: .env, then .env.<name>, then the process environment (which wins)."""
    name = profile_name(name)
    files = [project.root / ".env", project.root / f".env.{name}"]
    values: dict[str, str] = {}
    read: list[Path] = []
    for path in files:
        if path.is_file():
            values.update(_read_env_file(path))
            read.append(path)
    own_file = project.root / f".env.{name}"
    env_has_db = any(k in os.environ for k in ("SUPABASE_DB_URL", "SUPABASE_PROJECT_REF"))
    if name != "local" and not own_file.is_file() and not env_has_db:
        known = sorted({p.name[5:] for p in project.root.glob(".env.*")
                        if p.name != ".env.example"} | {"local"})
        raise ConfigError(f"unknown profile {name!r}: create .env.{name} (see .env.example); "
                          f"known profiles: {', '.join(known)}")
    values.update({k: v for k, v in os.environ.items() if k.startswith(("SUPABASE_", "SUPATASKS_"))})
    return Profile(name, values, read)


def _read_env_file(path: Path) -> dict[str, str]:
    import logging

    from dotenv import dotenv_values

    # python-dotenv logs each unparsable line on every read without naming the file; Profile.file_warnings
    # reports them once, with the file name.
    logging.getLogger("dotenv.main").setLevel(logging.ERROR)
    try:
        raw = dotenv_values(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: cannot read it ({exc})") from exc
    return {k: v for k, v in raw.items() if v is not None}


def _unparsable_lines(path: Path) -> list[str]:
    from dotenv.parser import parse_stream

    try:
        with open(path, encoding="utf-8") as stream:
            return [f"{path.name}:{binding.original.line}: not a KEY=value line; ignored"
                    for binding in parse_stream(stream) if binding.error]
    except (OSError, UnicodeDecodeError):
        return []  # _read_env_file reports it


def _tracked_by_git(root: Path, path: Path) -> bool:
    if not (root / ".git").exists():
        return False
    from . import programs

    try:
        result = programs.run("git", ["ls-files", "--error-unmatch", "--", path.name], cwd=root, check=False,
                              timeout=5)
    except Exception:
        return False
    return result.exit_code == 0


def _number(text: str, key: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{key}={text!r}: expected a number") from None
    if value < 0:
        raise ConfigError(f"{key}={text!r}: must not be negative")
    return value
