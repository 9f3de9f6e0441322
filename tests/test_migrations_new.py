"""db.new: file names, templates, validation, never overwriting."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from support import make_project, run_supatasks
from supatasks.errors import MigrationFileError
from supatasks.migrations.new import create_migration
from supatasks.project import Project


def test_creates_migration_and_down_file_with_utc_version(tmp_path):
    make_project(tmp_path)
    before = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    result = run_supatasks(["db.new", "add_user_preferences"], tmp_path)
    after = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    assert result.returncode == 0, result.stderr
    up_line, down_line = result.stdout.strip().splitlines()
    match = re.fullmatch(r"created supabase/migrations/(\d{14})_add_user_preferences\.sql", up_line)
    assert match and before <= match.group(1) <= after
    assert down_line == f"created supabase/rollbacks/{match.group(1)}_add_user_preferences.down.sql"
    assert (tmp_path / up_line.split()[1]).read_text().startswith("-- Migration: add_user_preferences")
    assert (tmp_path / down_line.split()[1]).exists()


@pytest.mark.parametrize("name", ["Bad", "../escape", "a/b", "x;rm -rf /", "$(id)", "", "a b", "_lead",
                                  "trail_", "two__underscores", "ñandú", "a" * 0 + "`id`"])
def test_bad_names_get_one_line_and_write_nothing(tmp_path, name):
    make_project(tmp_path)
    result = run_supatasks(["db.new", name], tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "is not allowed" in result.stderr
    assert list((tmp_path / "supabase/migrations").iterdir()) == []
    assert list((tmp_path / "supabase/rollbacks").iterdir()) == []


def test_never_overwrites(tmp_path):
    make_project(tmp_path)
    project = Project(tmp_path)
    moment = datetime(2026, 3, 15, 12, 0, 0, tzinfo=timezone.utc)
    first = create_migration(project, "same", now=moment)
    first.up.write_text("-- precious\n")
    with pytest.raises(MigrationFileError, match="already exists"):
        create_migration(project, "same", now=moment)
    assert first.up.read_text() == "-- precious\n"
