"""Progress on a terminal: a long run shows one live bar, not a line per file; without a terminal the lines stay."""

from __future__ import annotations

import re

import pexpect

from support import SUPATASKS, clean_env, make_project, run_supatasks

COUNT = 30
MIGRATIONS = {f"202601010000{i:02d}_t{i}.sql": f"CREATE TABLE public.t{i} (id int);\n" for i in range(1, COUNT + 1)}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_a_cold_reset_on_a_terminal_shows_one_progress_bar_then_the_summary(tmp_path, db_url):
    make_project(tmp_path, MIGRATIONS)
    env = clean_env({"SUPABASE_DB_URL": db_url, "COLUMNS": "120", "TERM": "xterm"})
    child = pexpect.spawn(SUPATASKS, ["db.reset", "--no-cache"], cwd=str(tmp_path), env=env, encoding="utf-8", timeout=120,
                          dimensions=(40, 120))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    screen = ANSI.sub("", child.before)
    assert re.search(rf"\d+/{COUNT} files", screen), screen  # the bar: files done / total
    assert f"applied {COUNT} migration file(s)" in screen
    assert len(re.findall(r"applied 202601010000\d\d_t\d+\.sql", screen)) == 0  # no line per file
    assert f"{COUNT} migration(s)" in screen  # the task's summary after the bar


def test_without_a_terminal_every_file_keeps_its_line(tmp_path, db_url):
    make_project(tmp_path, MIGRATIONS)
    result = run_supatasks(["db.reset", "--no-cache"], tmp_path, {"SUPABASE_DB_URL": db_url})
    assert result.returncode == 0, result.stderr
    assert len(re.findall(r"^  applied 202601010000\d\d_t\d+\.sql \(\d", result.stdout, re.M)) == COUNT
    assert "\x1b[" not in result.stdout
