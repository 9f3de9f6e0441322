"""Passwords never reach output, errors or files the tool writes — on success and on every failure path."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import SECRET, create_database, free_port, make_project, run_supatasks

REF = "abcdefghijklmnop"

TASKS = [
    ["db.up", "--env=staging", "--yes"],
    ["db.up", "--env=staging", "--dry-run", "--json"],
    ["db.push", "--env=staging", "--yes"],
    ["db.push", "--env=staging", "--dry-run", "--json"],
    ["db.push", "--env=production"],
    ["db.status", "--env=staging"],
    ["db.status", "--env=staging", "--json"],
    ["db.seed", "--env=staging", "--yes"],
    ["db.history", "--env=staging"],
    ["db.repair", "20260101000001", "--status=applied", "--env=staging", "--yes"],
    ["db.exec", "bad.sql", "--env=staging", "--yes"],
    ["db.reload-schema", "--env=staging"],
    ["db.reset", "--env=staging"],
]


def written_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".env")]


def scenario(tmp_path, url: str, password: str):
    make_project(tmp_path, {"20260101000001_a.sql": ("CREATE TABLE IF NOT EXISTS public.a (id int);\n"
                                                     "ALTER TABLE public.a ENABLE ROW LEVEL SECURITY;\n"),
                            "20260101000002_bad.sql": "SELECT * FROM nowhere;\n"},
                 seed="INSERT INTO nowhere VALUES (1);\n")
    (tmp_path / "bad.sql").write_text("SELECT 1/0;\n")
    (tmp_path / ".env.staging").write_text(f"SUPABASE_DB_URL={url}\nSUPABASE_DB_PASSWORD={password}\n")
    (tmp_path / ".env.production").write_text(
        f"SUPABASE_DB_URL={url}\nSUPABASE_DB_PASSWORD={password}\nSUPABASE_PROJECT_REF={REF}\n")


@pytest.mark.parametrize("case", ["right password, failing SQL", "wrong password", "password in the URL",
                                  "server down"])
def test_secret_never_printed_or_written(tmp_path, pw_server, case):
    url = create_database(pw_server)
    password = SECRET
    if case == "wrong password":
        password = SECRET + "-wrong"
    elif case == "password in the URL":
        url = url.replace("postgres@", f"postgres:{SECRET.replace('%', '%25')}@")
    elif case == "server down":
        url = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    scenario(tmp_path, url, password)
    for args in TASKS:
        result = run_supatasks(args, tmp_path, {"SUPATASKS_CONNECT_TIMEOUT": "2"})
        shown = result.stdout + result.stderr
        assert SECRET not in shown, (args, shown)
        assert password not in shown, (args, shown)
        assert "Traceback" not in shown, (args, shown)
    for path in written_files(tmp_path):
        data = path.read_bytes()
        assert SECRET.encode() not in data, path
