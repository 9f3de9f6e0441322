"""scripts/compat.py on two tiny projects written here: one that builds, one whose second migration fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compat.py"
CONFIG = 'project_id = "{name}"\n\n[db]\nmajor_version = 17\n'


def project(root: Path, name: str, migrations: dict[str, str]) -> Path:
    folder = root / name / "supabase" / "migrations"
    folder.mkdir(parents=True)
    (folder.parent / "config.toml").write_text(CONFIG.format(name=name))
    for file, text in migrations.items():
        (folder / file).write_text(text)
    return root / name


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_rows_summary_and_json(tmp_path, supabase_cli):
    good = project(tmp_path, "good", {
        "20250101000000_notes.sql": "create table public.notes (id bigint primary key, owner uuid "
                                    "references auth.users(id) default auth.uid());\n"
                                    "alter table public.notes enable row level security;\n",
        "20250102000000_pg_net.sql": "create extension if not exists pg_net;\n",
    })
    bad = project(tmp_path, "bad", {
        "20250101000000_ok.sql": "create table public.a (id int);\n",
        "20250102000000_broken.sql": "select 1;\n\ninsert into public.missing values (1);\n",
    })
    (tmp_path / "SOURCES.tsv").write_text("not a project\n")
    originals = {p: p.read_text() for p in tmp_path.rglob("*") if p.is_file()}

    text = run(str(good), str(bad), str(tmp_path / "SOURCES.tsv"))
    assert text.returncode == 1, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split()[:4] == ["project", "migr", "result", "seconds"]
    assert lines[1].split()[:3] == ["good", "2", "pass"]
    assert lines[2].split()[:3] == ["bad", "2", "fail"]
    assert lines[2].endswith('supabase/migrations/20250102000000_broken.sql:3: ERROR 42P01: '
                             'relation "public.missing" does not exist')
    assert lines[-1] == "1/2 projects pass (50%), 1 fail"

    out = run(str(good), str(bad), "--json", "--cli", env={"SUPABASE_CLI": supabase_cli})
    report = json.loads(out.stdout)
    assert report["summary"] == {"projects": 2, "passed": 1, "failed": 1, "skipped": 0, "pass_rate": 0.5}
    rows = {row["name"]: row for row in report["projects"]}
    assert rows["good"]["result"] == "pass" and rows["good"]["error"] is None
    assert rows["good"]["cli"]["result"] == "pass" and rows["good"]["cli"]["same_failure"] is True
    assert rows["bad"]["error"].startswith("supabase/migrations/20250102000000_broken.sql:3: ERROR 42P01:")
    cli = rows["bad"]["cli"]
    assert (cli["result"], cli["file"], cli["sqlstate"], cli["same_failure"]) == \
        ("fail", "20250102000000_broken.sql", "42P01", True)

    # The originals were never touched: no server state, no new files.
    assert {p: p.read_text() for p in tmp_path.rglob("*") if p.is_file()} == originals
