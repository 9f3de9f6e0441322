"""Choosing who applies migrations: supatasks itself or the real Supabase CLI."""

from __future__ import annotations

from ..errors import ConfigError

ENGINES = ("supatasks", "cli")


def require_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ConfigError(f"--engine={engine!r}: choose one of {', '.join(ENGINES)}")


def run_cli_up(target, include_all: bool) -> None:
    from ..server import supabase_cli
    from .console import out

    result = supabase_cli.migration_up(target.project, target.db, include_all=include_all)
    out((result.stdout + result.stderr).strip())
