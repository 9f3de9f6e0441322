"""Bad input gets one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import time

from support import free_port, make_project, run_supatasks


def one_line_error(result) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_non_utf8_file(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_latin1.sql": "SELECT 'caf\xe9';\n".encode("latin-1")})
    line = one_line_error(run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": db_url}))
    assert "20260101000001_latin1.sql:1: not valid UTF-8" in line


def test_unreadable_file(tmp_path, db_url):
    make_project(tmp_path)
    os.symlink(tmp_path / "gone.sql", tmp_path / "supabase/migrations/20260101000001_dangling.sql")
    line = one_line_error(run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": db_url}))
    assert "20260101000001_dangling.sql: cannot read the file" in line


def test_nul_byte(tmp_path, db_url):
    make_project(tmp_path, {"20260101000001_nul.sql": b"SELECT 1;\nSELECT '\x00';\n"})
    line = one_line_error(run_supatasks(["db.up"], tmp_path, {"SUPABASE_DB_URL": db_url}))
    assert ":2: contains a NUL byte" in line


def test_unknown_option(tmp_path):
    make_project(tmp_path)
    result = run_supatasks(["db.up", "--bogus"], tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "--bogus" in result.stderr


def test_server_unreachable_is_bounded_by_connect_timeout(tmp_path):
    make_project(tmp_path, {"20260101000001_a.sql": "SELECT 1;\n"})
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    began = time.monotonic()
    line = one_line_error(run_supatasks(["db.status"], tmp_path,
                                        {"SUPABASE_DB_URL": url, "SUPATASKS_CONNECT_TIMEOUT": "2"}))
    assert time.monotonic() - began < 15
    assert line.startswith(f"error: cannot connect to {url}")


def test_malformed_url(tmp_path):
    make_project(tmp_path)
    line = one_line_error(run_supatasks(["db.status"], tmp_path,
                                        {"SUPABASE_DB_URL": "postgresql://u:secretpw@host:notaport/db"}))
    assert "SUPABASE_DB_URL: malformed URL" in line
    assert "secretpw" not in line


def test_outside_a_project(tmp_path):
    line = one_line_error(run_supatasks(["db.status"], tmp_path))
    assert "no supabase/ folder found" in line
