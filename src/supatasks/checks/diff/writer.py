"""Writing a diff as a migration file: a header naming what it does — destructive steps and warnings first —
then the statements in dependency order."""

from __future__ import annotations

from .engine import DiffResult


def render(result: DiffResult, title: str) -> str:
    lines = [f"-- {title}", "-- Written by `inv db.diff` (supatasks) from the database's catalog; proven on a shadow "
             "database before it was written."]
    if result.destructive:
        lines.append("-- DESTRUCTIVE (data is lost):")
        lines += [f"--   {op.change} {op.kind} {op.name}" for op in result.destructive]
    for warning in result.warnings:
        lines.append(f"-- WARNING: {warning}")
    body = result.sql()
    return "\n".join(lines) + "\n\n" + (body + "\n" if body else "-- (no changes)\n")
