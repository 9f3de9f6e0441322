"""Placeholder: the Supabase bootstrap for plain PostgreSQL (filled in by the bootstrap work)."""

from pathlib import Path


def server_settings(bin_dir: Path) -> list[str]:
    """Extra `-c name=value` settings the local server needs (e.g. extension shims)."""
    return []
