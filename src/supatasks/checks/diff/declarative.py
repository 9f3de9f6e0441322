"""Declarative schema files, as the Supabase CLI reads them: `[db.migrations] schema_paths` of config.toml
(globs relative to supabase/, applied in the order given, each glob's matches in lexical order), by default
every `supabase/schemas/*.sql`. db.diff applies them to a scratch database holding only the bootstrap and
writes the migration that brings the migrations' result there."""

from __future__ import annotations

from pathlib import Path

from ...errors import MigrationFileError
from ...project import Project

DEFAULT_SCHEMA_PATHS = ["./schemas/*.sql"]


def configured(project: Project) -> bool:
    """schema_paths is set in config.toml, or supabase/schemas/ holds SQL files."""
    return bool(_settings(project)) or bool(schema_files(project))


def _settings(project: Project) -> list[str]:
    return list(project.config.get("db", {}).get("migrations", {}).get("schema_paths", []) or [])


def schema_files(project: Project) -> list[Path]:
    files: list[Path] = []
    for pattern in _settings(project) or DEFAULT_SCHEMA_PATHS:
        matches = sorted(project.supabase_dir.glob(pattern.removeprefix("./")))
        files += [m for m in matches if m.is_file() and m not in files]
    return files


def apply_schema_files(project: Project, conn) -> list[str]:
    """Run every schema file on `conn`, in order, one transaction each; the files as relative paths.
    A failing file stops with its name, line and SQLSTATE."""
    import psycopg

    from ...migrations.files import decode_sql, read_file_bytes

    done = []
    for path in schema_files(project):
        label = project.relative(path)
        try:
            with conn.transaction():
                conn.execute(decode_sql(path, read_file_bytes(path)))
        except psycopg.Error as exc:
            line = _line(exc, decode_sql(path, read_file_bytes(path)))
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise MigrationFileError(f"{label}{f':{line}' if line else ''}: ERROR {exc.sqlstate or '?????'}: "
                                     f"{first}") from None
        done.append(label)
    if not done:
        raise MigrationFileError("no declarative schema files: [db.migrations] schema_paths matches nothing "
                                 "(default supabase/schemas/*.sql)")
    return done


def _line(exc, text: str) -> int | None:
    position = getattr(getattr(exc, "diag", None), "statement_position", None)
    if not position:
        return None
    return text[:int(position)].count("\n") + 1
