"""The data at risk, before consent: a rollback whose down files drop a table with rows and a column with
data lists both with their counts in the plan, in --json and in the incident record, and production's
prompt names them; without a terminal and without consent it still refuses (exit 2) and changes nothing."""

from __future__ import annotations

import json
import re

import pexpect
import pytest

from support import (REF, SUPATASKS, applied_versions, audit_rows, connect, fingerprint, ok,
                     pushed_twice, rows, run_supatasks)
from support.cli import clean_env

FIRST = {
    "20260301000001_people.sql": "CREATE TABLE IF NOT EXISTS public.people (id bigint PRIMARY KEY, name text);\n"
                                 "ALTER TABLE public.people ENABLE ROW LEVEL SECURITY;\n",
}
SECOND = {  # the release to undo: a column on people, a table of its own
    "20260302000001_nickname.sql": "ALTER TABLE public.people ADD COLUMN IF NOT EXISTS nickname text;\n",
    "20260302000002_visits.sql": "CREATE TABLE IF NOT EXISTS public.visits (id bigint PRIMARY KEY, at timestamptz);\n"
                                 "ALTER TABLE public.visits ENABLE ROW LEVEL SECURITY;\n",
}
DOWN = {
    "20260301000001_people.down.sql": "DROP TABLE IF EXISTS public.people;\n",
    "20260302000001_nickname.down.sql": "ALTER TABLE public.people DROP COLUMN IF EXISTS nickname;\n",
    "20260302000002_visits.down.sql": "-- the visits go\nDROP TABLE IF EXISTS public.visits;\n",
}
VERSIONS = sorted(name.split("_")[0] for name in {**FIRST, **SECOND})
PHRASE = "drop 1 table and 1 column holding 7 rows"


def released(root, pg_server, pw_server, env_name):
    """Two pushes to `env_name`, then rows: 5 visits, 2 of 3 people with a nickname."""
    url, password = pushed_twice(root, pg_server, pw_server, FIRST, SECOND, DOWN, env_name)
    with connect(url, password) as conn:
        conn.execute("INSERT INTO public.people VALUES (1, 'ada', 'A'), (2, 'bob', NULL), (3, 'cy', 'C')")
        conn.execute("INSERT INTO public.visits SELECT g, now() FROM generate_series(1, 5) g")
    return url, password


def test_the_plan_and_json_list_the_table_and_the_column_with_their_counts(tmp_path, pg_server, pw_server):
    url, _ = released(tmp_path, pg_server, pw_server, "staging")
    shown = ok(["db.rollback", "--env=staging", "--dry-run"], tmp_path).stdout
    assert f"Data at risk on the target: {PHRASE}" in shown, shown
    assert re.search(r"drop table public\.visits — 5 row\(s\) dropped, [\d.]+ kB "
                     r"\(supabase/rollbacks/20260302000002_visits\.down\.sql:2\)", shown), shown
    assert "drop column public.people.nickname — 2 value(s) dropped" in shown
    assert "20260302000001_nickname.down.sql:1" in shown

    data = json.loads(ok(["db.rollback", "--env=staging", "--dry-run", "--json"], tmp_path).stdout)
    risk = data["data_at_risk"]
    assert risk["rows"] == 7 and risk["exact"] and risk["summary"] == PHRASE
    items = {(i["kind"], i["table"], i["column"]): i for i in risk["items"]}
    assert items[("drop table", "public.visits", None)]["rows"] == 5
    assert items[("drop table", "public.visits", None)]["bytes"] > 0
    assert items[("drop column", "public.people", "nickname")]["rows"] == 2
    assert applied_versions(url) == VERSIONS  # a dry run changes nothing

    # db.down shows the same, as text and as JSON
    down = json.loads(ok(["db.down", "--env=staging", "--last=2", "--dry-run", "--json"], tmp_path).stdout)
    assert down["data_at_risk"]["summary"] == PHRASE


def test_the_incident_record_and_the_backup_proof_name_the_rows(tmp_path, pg_server, pw_server):
    url, _ = released(tmp_path, pg_server, pw_server, "staging")
    data = json.loads(ok(["db.rollback", "--env=staging", "--yes", "--json"], tmp_path).stdout)
    assert data["data_at_risk"]["summary"] == PHRASE
    assert "holds the rows of public.people, public.visits" in data["backup_proof"]
    assert data["verification"]["ok"] is True
    record = (tmp_path / data["incident_record"]).read_text()
    assert f"**Data at risk:** {PHRASE}" in record
    assert "drop table public.visits — 5 row(s) dropped" in record
    assert "**Backup proven:** pg_restore --list reads it" in record
    assert "Rehearse the down files" in record and "not asked" in record  # staging: not by default
    assert applied_versions(url) == VERSIONS[:1]


def test_production_prompt_names_what_is_at_risk(tmp_path, pg_server, pw_server):
    url, password = released(tmp_path, pg_server, pw_server, "production")
    child = pexpect.spawn(SUPATASKS, ["db.rollback", "--env=production"], cwd=str(tmp_path), encoding="utf-8",
                          timeout=180, env=clean_env())
    child.expect(f"Type '{REF}' to {PHRASE} on production: ")
    assert "Rehearsal on a copy of the target's schema" in child.before  # protected: rehearsed by default
    child.sendline("no")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert applied_versions(url, password) == VERSIONS


@pytest.mark.parametrize("env_name,args", [("production", []), ("production", ["--yes"]), ("staging", [])])
def test_without_a_terminal_and_consent_it_refuses_and_changes_nothing(tmp_path, pg_server, pw_server,
                                                                       env_name, args):
    url, password = released(tmp_path, pg_server, pw_server, env_name)
    before = fingerprint(url, password)
    (tmp_path / "drop.sql").write_text("DROP TABLE public.visits;\n")
    commands = [["db.rollback"], ["db.down", "--last=2"], ["db.exec", str(tmp_path / "drop.sql")]]
    for command in commands:
        result = run_supatasks([*command, f"--env={env_name}", *args], tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "holding" in result.stdout + result.stderr
        assert (PHRASE if command[0] != "db.exec" else "drop 1 table holding 5 rows") in result.stdout + result.stderr
    (tmp_path / "supabase/migrations/20260303000001_drop_visits.sql").write_text("DROP TABLE public.visits;\n")
    pushed = run_supatasks(["db.push", f"--env={env_name}", "--skip-lint", *args], tmp_path)
    assert pushed.returncode == 2 and "drop 1 table holding 5 rows" in pushed.stdout + pushed.stderr
    assert applied_versions(url, password) == VERSIONS and fingerprint(url, password) == before
    with connect(url, password) as conn:
        assert conn.execute("SELECT count(*) FROM public.visits").fetchone() == (5,)
    assert not list((tmp_path / "backups").glob("*.dump")) if (tmp_path / "backups").exists() else True


def test_push_shows_what_its_files_destroy_rehearses_and_verifies(tmp_path, pg_server, pw_server):
    url, _ = released(tmp_path, pg_server, pw_server, "staging")
    (tmp_path / "supabase/migrations/20260303000001_cleanup.sql").write_text(
        "TRUNCATE public.visits;\n"
        "ALTER TABLE public.people ALTER COLUMN name TYPE varchar(3), ALTER COLUMN id TYPE numeric;\n")
    plan = json.loads(ok(["db.push", "--env=staging", "--dry-run", "--json", "--skip-lint"], tmp_path).stdout)
    items = {(i["kind"], i["table"], i["column"]): i for i in plan["data_at_risk"]["items"]}
    assert items[("truncate", "public.visits", None)]["rows"] == 5
    narrowed = items[("change type", "public.people", "name")]
    assert (narrowed["rows"], narrowed["old_type"], narrowed["new_type"]) == (3, "text", "varchar(3)")
    assert ("change type", "public.people", "id") not in items  # bigint → numeric keeps every value
    assert plan["data_at_risk"]["summary"] == "truncate 1 table and convert 1 column holding 8 rows"

    # --rehearse runs the file on a copy of the schema first (timed), --verify compares the result afterwards
    result = ok(["db.push", "--env=staging", "--yes", "--skip-lint", "--rehearse", "--verify"], tmp_path)
    assert re.search(r"ok {6}20260303000001_cleanup\.sql \(supabase/migrations/20260303000001_cleanup\.sql\) "
                     r"in \d+\.\d{3}s", result.stdout), result.stdout
    assert "schema verified: the target matches the migrations up to 20260303000001" in result.stdout
    assert "truncate 1 table and convert 1 column holding 8 rows" in result.stdout
    assert applied_versions(url)[-1] == "20260303000001"
    details = audit_rows(url, action="push")[-1]["details"]
    assert details["data_at_risk"] == "truncate 1 table and convert 1 column holding 8 rows"
    assert details["rehearsal"].startswith("rehearsal passed: 1 step(s)")


def test_exec_dry_run_lists_unqualified_deletes_and_updates(tmp_path, pg_server, pw_server):
    url, _ = released(tmp_path, pg_server, pw_server, "staging")
    script = tmp_path / "fix.sql"
    script.write_text("UPDATE public.people SET name = upper(name);\nDELETE FROM public.visits WHERE id = 1;\n"
                      "DELETE FROM public.visits;\n")
    data = json.loads(ok(["db.exec", str(script), "--env=staging", "--dry-run", "--json"], tmp_path).stdout)
    risk = data["data_at_risk"]
    assert [(i["kind"], i["table"], i["rows"], i["line"]) for i in risk["items"]] == [
        ("update all rows", "public.people", 3, 1), ("delete all rows", "public.visits", 5, 3)]
    refused = run_supatasks(["db.exec", str(script), "--env=staging"], tmp_path)
    assert refused.returncode == 2
    assert "Data at risk on the target: empty 1 table and rewrite 1 table holding 8 rows" in refused.stdout
    assert rows(url, "SELECT count(*) FROM public.visits") == [(5,)]


def test_counts_are_exact_below_the_bound_and_estimated_above_it(db_url):
    """The library on its own: the bound, the estimate, what is not at risk (a widening, a table not there)."""
    from supatasks.checks.at_risk import assess
    from supatasks.sqltext.split import split_statements

    with connect(db_url) as conn:
        conn.execute("CREATE SCHEMA shop")
        conn.execute("CREATE TABLE shop.orders (id int PRIMARY KEY, code varchar(5), note text)")
        conn.execute("INSERT INTO shop.orders SELECT g, 'c' || g, CASE WHEN g % 2 = 0 THEN 'n' END "
                     "FROM generate_series(1, 40) g")
        conn.execute("ANALYZE shop.orders")
        sql = ("ALTER TABLE shop.orders ALTER COLUMN id TYPE bigint, ALTER COLUMN code TYPE text;\n"
               "DO $$ BEGIN ALTER TABLE shop.orders DROP COLUMN note; END $$;\n"
               "DROP TABLE IF EXISTS public.never_there;\n"
               "DROP SCHEMA shop CASCADE;\n")
        statements = [s for s in split_statements(sql) if s.has_code]
        exact = assess(conn, [("x.sql", statements)])
        bounded = assess(conn, [("x.sql", statements)], bound=10)
    described = [i.describe() for i in exact.items]
    assert not any("change type" in d for d in described), described  # int → bigint, varchar → text: widenings
    assert [(i.change.kind, i.change.subject, i.rows, i.exact, i.change.line) for i in exact.items] == [
        ("drop column", "shop.orders.note", 20, True, 2), ("drop table", "public.never_there", 0, True, 3),
        ("drop table", "shop.orders", 40, True, 4)]
    assert not exact.items[1].exists and "not on the target now" in described[1]
    assert exact.phrase() == "drop 1 table and 1 column holding 60 rows"
    # above the bound: the planner's estimate (ANALYZE made it 40), marked as such
    assert [(i.rows, i.exact) for i in bounded.items if i.exists] == [(20, False), (40, False)]
    assert bounded.phrase().endswith("holding about 60 rows")


def test_a_locked_table_is_not_waited_for(db_url):
    """A table someone holds an exclusive lock on: the measurement gives up after the lock wait (5s) and says
    the rows are unknown instead of queueing behind the lock."""
    from supatasks.checks.at_risk import COUNT_LOCK_WAIT, assess
    from supatasks.sqltext.split import split_statements

    with connect(db_url) as conn, connect(db_url) as holder:
        conn.execute("CREATE TABLE public.busy (id int)")
        conn.execute("INSERT INTO public.busy SELECT generate_series(1, 3)")
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE public.busy IN ACCESS EXCLUSIVE MODE")
        risk = assess(conn, [("x.sql", [s for s in split_statements("TRUNCATE public.busy;") if s.has_code])])
        holder.execute("ROLLBACK")
    (item,) = risk.items
    assert item.exists and item.rows is None and not item.exact
    assert f"could not be counted within {COUNT_LOCK_WAIT}" in item.describe()
    assert risk.phrase() == "truncate 1 table (rows not counted)"
