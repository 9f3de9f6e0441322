"""db.lint: every rule fails on a bad example and passes on a good one; suppressions; --json; --changed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from support import REPO, copy_example_project, make_project, run_supatasks
from supatasks.checks import lint as lint_module
from supatasks.checks.lint import lint_project
from supatasks.project import Project

SCHEMA = REPO / "src/supatasks/schemas/lint-report.schema.json"
RLS_T = "ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;\n"
TABLE_T = "CREATE TABLE IF NOT EXISTS public.t (id bigint PRIMARY KEY, x text);\n" + RLS_T


def lint(root: Path, migrations: dict[str, str], rollbacks: dict[str, str] | None = None, *, downs: bool = True,
         squawk: bool = False, config: str | None = None, only=None):
    """Lint a project made of `migrations`; each gets a trivial down file unless `downs` is False."""
    if rollbacks is None:
        rollbacks = {}
        if downs:
            for name in migrations:
                if name.endswith(".sql") and not name.endswith("_down.sql"):
                    rollbacks[name[:-4] + ".down.sql"] = "SELECT 1;\n"
    make_project(root, migrations, rollbacks=rollbacks)
    if config is not None:
        (root / "supabase" / "supatasks.toml").write_text(config)
    return lint_project(Project(root), use_squawk=squawk, only=only)


def hits(report, rule: str | None = None) -> list[tuple[str, str, int | None]]:
    return [(f.rule, Path(f.file).name if f.file else "", f.line) for f in report.findings
            if rule is None or f.rule == rule]


# One failing and one passing example for each rule that reads SQL: (rule, bad, line of the finding, good).
SQL_RULES = [
    ("ST000", "SELECT 1;\n\nCREATE TABEL t (id int);\n", 3, "SELECT 1;\n"),
    ("ST001", "CREATE TABLE public.t (id bigint);\n" + RLS_T, 1, TABLE_T),
    ("ST001", "-- as a query\nCREATE TABLE public.t AS SELECT 1 AS id;\n" + RLS_T, 2,
     "CREATE TABLE IF NOT EXISTS public.t AS SELECT 1 AS id;\n" + RLS_T),
    ("ST002", TABLE_T + "CREATE INDEX t_x ON public.t (x);\n", 3,
     TABLE_T + "CREATE INDEX IF NOT EXISTS t_x ON public.t (x);\n"),
    ("ST003", "CREATE SCHEMA private;\n", 1, "CREATE SCHEMA IF NOT EXISTS private;\n"),
    ("ST004", "CREATE EXTENSION pgcrypto;\n", 1, "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n"),
    ("ST005", "CREATE FUNCTION public.one() RETURNS int LANGUAGE sql AS 'SELECT 1';\n", 1,
     "CREATE OR REPLACE FUNCTION public.one() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"),
    ("ST006", TABLE_T + 'CREATE POLICY "read" ON public.t FOR SELECT USING (true);\n', 3,
     TABLE_T + 'DROP POLICY IF EXISTS "read" ON t;\nCREATE POLICY "read" ON public.t FOR SELECT USING (true);\n'),
    ("ST006", TABLE_T + 'DROP POLICY IF EXISTS "other" ON public.t;\n'
                        'CREATE POLICY "read" ON public.t FOR SELECT USING (true);\n', 4,
     TABLE_T + 'DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE policyname = \'read\') THEN\n'
               '    CREATE POLICY "read" ON public.t FOR SELECT USING (true);\n  END IF;\nEND $$;\n'),
    ("ST007", TABLE_T + "CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW "
                        "EXECUTE FUNCTION suppress_redundant_updates_trigger();\n", 3,
     TABLE_T + "DROP TRIGGER IF EXISTS t_touch ON public.t;\nCREATE TRIGGER t_touch BEFORE UPDATE ON public.t "
               "FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();\n"),
    ("ST007", TABLE_T + "DROP TRIGGER t_touch ON public.t;\nCREATE TRIGGER t_touch BEFORE UPDATE ON public.t "
                        "FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();\n", 4,
     TABLE_T + "CREATE OR REPLACE TRIGGER t_touch BEFORE UPDATE ON public.t "
               "FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();\n"),
    ("ST008", "ALTER TABLE public.events ADD COLUMN max_guests integer DEFAULT 100;\n", 1,
     "ALTER TABLE public.events ADD COLUMN IF NOT EXISTS max_guests integer DEFAULT 100;\n"),
    # The guide's guarded DO block passes; the same ALTER unguarded inside a DO block does not.
    ("ST008", "DO $$\nBEGIN\n    ALTER TABLE events ADD COLUMN max_guests INTEGER DEFAULT 100;\nEND $$;\n", 3,
     "DO $$ \nBEGIN\n    IF NOT EXISTS (\n        SELECT 1 FROM information_schema.columns \n"
     "        WHERE table_name = 'events' AND column_name = 'max_guests'\n    ) THEN\n"
     "        ALTER TABLE events ADD COLUMN max_guests INTEGER DEFAULT 100;\n    END IF;\nEND $$;\n"),
    ("ST008", "DO $$\nBEGIN\n  ALTER TABLE events ADD COLUMN max_guests INTEGER;\nEND $$;\n", 3,
     "DO $$\nBEGIN\n  ALTER TABLE events ADD COLUMN max_guests INTEGER;\n"
     "EXCEPTION WHEN duplicate_column THEN NULL;\nEND $$;\n"),
    ("ST010", "CREATE TABLE IF NOT EXISTS public.t (id bigint);\n", 1, TABLE_T),
    ("ST010", "-- unqualified: public\nCREATE TABLE IF NOT EXISTS notes (id bigint);\n", 2,
     "CREATE SCHEMA IF NOT EXISTS private;\nCREATE TABLE IF NOT EXISTS private.notes (id bigint);\n"),
    ("ST030", "CREATE INDEX CONCURRENTLY IF NOT EXISTS e_x ON public.events (x);\n"
              "UPDATE public.events SET x = 1;\n", 1,
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS e_x ON public.events (x);\n"),
    ("ST031", TABLE_T + "CREATE TABLE IF NOT EXISTS public.u (id bigint);\n"
                        "ALTER TABLE public.u ENABLE ROW LEVEL SECURITY;\n", 3,
     # one table: its index, policy, trigger and function; a foreign key's target is not "changed".
     "CREATE OR REPLACE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
     + TABLE_T + "ALTER TABLE public.t ADD COLUMN IF NOT EXISTS u_id bigint REFERENCES public.u (id);\n"
     "CREATE INDEX IF NOT EXISTS t_x ON public.t (x);\nUPDATE public.u SET id = id;\n"),
    ("ST032", "BEGIN;\nUPDATE public.t SET x = 'a';\nROLLBACK;\n", 3, "BEGIN;\nUPDATE public.t SET x = 'a';\nCOMMIT;\n"),
]


@pytest.mark.parametrize("rule, bad, line, good", SQL_RULES,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(SQL_RULES)])
def test_sql_rule_fails_and_passes(tmp_path, rule, bad, line, good):
    failing = lint(tmp_path / "bad", {"20260101000001_m.sql": bad})
    assert (rule, "20260101000001_m.sql", line) in hits(failing, rule), hits(failing)
    severity = lint_module.RULES[rule].severity
    assert all(f.severity == severity for f in failing.findings if f.rule == rule)
    assert all(f.fix for f in failing.findings)
    passing = lint(tmp_path / "good", {"20260101000001_m.sql": good})
    assert hits(passing, rule) == [], hits(passing)


def test_missing_down_file_is_a_warning(tmp_path):
    report = lint(tmp_path / "a", {"20260101000001_m.sql": TABLE_T}, downs=False)
    assert hits(report) == [("ST020", "20260101000001_m.sql", None)]
    assert report.findings[0].severity == "warning" and report.ok
    assert hits(lint(tmp_path / "b", {"20260101000001_m.sql": TABLE_T})) == []


def test_legacy_down_file_inside_migrations_is_an_error(tmp_path):
    report = lint(tmp_path / "a", {"20260101000001_m.sql": TABLE_T,
                                   "20260101000001_m_down.sql": "DROP TABLE IF EXISTS public.t;\n"}, rollbacks={})
    assert ("ST021", "20260101000001_m_down.sql", None) in hits(report)
    assert "ST020" not in {r for r, _, _ in hits(report)}  # the legacy file still counts as the down file
    assert not report.ok
    moved = lint(tmp_path / "b", {"20260101000001_m.sql": TABLE_T},
                 rollbacks={"20260101000001_m.down.sql": "DROP TABLE IF EXISTS public.t;\n"})
    assert hits(moved) == []


def test_invalid_names_and_duplicate_versions_are_errors(tmp_path):
    report = lint(tmp_path / "a", {"20260101000001_m.sql": TABLE_T, "20260101000001_again.sql": "SELECT 1;\n",
                                   "notes.sql": "SELECT 1;\n"})
    found = hits(report)
    assert ("ST022", "notes.sql", None) in found
    assert ("ST023", "20260101000001_m.sql", None) in found  # sorted by name: _again comes first
    assert not report.ok
    good = lint(tmp_path / "b", {"20260101000001_m.sql": TABLE_T, "20260101000002_again.sql": "SELECT 1;\n"})
    assert hits(good) == []


def test_orphan_down_file_is_a_warning(tmp_path):
    report = lint(tmp_path / "a", {"20260101000001_m.sql": TABLE_T},
                  rollbacks={"20260101000001_m.down.sql": "SELECT 1;\n", "20250101000000_gone.down.sql": "SELECT 1;\n"})
    assert hits(report) == [("ST024", "20250101000000_gone.down.sql", None)]
    assert report.ok


def test_down_files_must_parse(tmp_path):
    report = lint(tmp_path, {"20260101000001_m.sql": TABLE_T},
                  rollbacks={"20260101000001_m.down.sql": "-- undo\nDROP TABEL public.t;\n"})
    assert hits(report) == [("ST000", "20260101000001_m.down.sql", 2)]


# -- suppressions -------------------------------------------------------------------------------------------

BARE_POLICY = 'CREATE POLICY "read" ON public.t FOR SELECT USING (true);\n'


def test_suppression_with_reason_silences_exactly_its_statement(tmp_path):
    sql = (TABLE_T + "-- supatasks-lint: ignore ST006 because applied everywhere already\n" + BARE_POLICY
           + 'CREATE POLICY "write" ON public.t FOR INSERT WITH CHECK (true);\n')
    report = lint(tmp_path, {"20260101000001_m.sql": sql})
    assert hits(report) == [("ST006", "20260101000001_m.sql", 5)]
    assert [(f.rule, f.line, f.suppressed_by["reason"]) for f in report.suppressed] == [
        ("ST006", 4, "applied everywhere already")]
    assert report.suppressed[0].suppressed_by["where"].endswith("20260101000001_m.sql:3")


def test_suppression_without_reason_is_itself_an_error(tmp_path):
    for number, comment in enumerate(["-- supatasks-lint: ignore ST006", "-- supatasks-lint: ignore ST006 because",
                                      "-- supatasks-lint: ignore ST006 because  ."]):
        report = lint(tmp_path / str(number), {"20260101000001_m.sql": TABLE_T + comment + "\n" + BARE_POLICY})
        assert ("ST040", "20260101000001_m.sql", 3) in hits(report), comment
        assert ("ST006", "20260101000001_m.sql", 4) in hits(report), comment  # not suppressed
        assert not report.suppressed and not report.ok


def test_suppression_of_unknown_rule_and_unused_suppression(tmp_path):
    report = lint(tmp_path / "a", {"20260101000001_m.sql": "-- supatasks-lint: ignore ST999 because typo\nSELECT 1;\n"})
    assert hits(report) == [("ST041", "20260101000001_m.sql", 1)]
    report = lint(tmp_path / "b", {"20260101000001_m.sql": "-- supatasks-lint: ignore ST001 because old\nSELECT 1;\n"})
    assert hits(report) == [("ST042", "20260101000001_m.sql", 1)]
    assert report.ok  # a warning


def test_ignore_file_suppression_covers_file_level_findings(tmp_path):
    sql = "-- supatasks-lint: ignore-file ST020 because a data fix cannot be undone\n" + TABLE_T
    report = lint(tmp_path, {"20260101000001_m.sql": sql}, downs=False)
    assert hits(report) == [] and [f.rule for f in report.suppressed] == ["ST020"]


def test_project_ignore_list_needs_a_reason(tmp_path):
    sql = TABLE_T + BARE_POLICY
    entry = '[[lint.ignore]]\nfile = "supabase/migrations/2026*_m.sql"\nrules = ["ST006"]\n'
    with_reason = lint(tmp_path / "a", {"20260101000001_m.sql": sql}, config=entry + 'reason = "kept verbatim"\n')
    assert hits(with_reason) == [] and with_reason.suppressed[0].suppressed_by == {
        "reason": "kept verbatim", "where": "supabase/supatasks.toml"}
    without = lint(tmp_path / "b", {"20260101000001_m.sql": sql}, config=entry)
    assert set(hits(without)) == {("ST040", "supatasks.toml", None), ("ST006", "20260101000001_m.sql", 3)}


def test_severity_overrides(tmp_path):
    config = '[lint]\nseverity = { ST020 = "error", ST031 = "off" }\n'
    sql = TABLE_T + "CREATE TABLE IF NOT EXISTS public.u (id bigint);\nALTER TABLE public.u ENABLE ROW LEVEL SECURITY;\n"
    report = lint(tmp_path, {"20260101000001_m.sql": sql}, downs=False, config=config)
    assert [(f.rule, f.severity) for f in report.findings] == [("ST020", "error")]


# -- squawk -------------------------------------------------------------------------------------------------

def test_squawk_findings_are_merged_with_file_lines(tmp_path):
    sql = TABLE_T + "\n-- widen\nALTER TABLE public.t ALTER COLUMN x TYPE varchar(20);\n"
    report = lint(tmp_path / "a", {"20260101000001_m.sql": sql}, squawk=True)
    squawked = [(f.rule, f.line, f.severity) for f in report.findings if f.source == "squawk"]
    assert ("changing-column-type", 5, "warning") in squawked, report.findings
    assert report.squawk["ran"] and report.squawk["version"]
    clean = lint(tmp_path / "b", {"20260101000001_m.sql": TABLE_T}, squawk=True)
    assert [f for f in clean.findings if f.source == "squawk"] == []
    suppressed = lint(tmp_path / "c", {"20260101000001_m.sql": TABLE_T + "-- supatasks-lint: ignore "
                                       "changing-column-type,prefer-text-field because the table is empty\n"
                                       "ALTER TABLE public.t ALTER COLUMN x TYPE varchar(20);\n"}, squawk=True)
    assert not [f for f in suppressed.findings if f.source == "squawk"]
    assert {f.rule for f in suppressed.suppressed} >= {"changing-column-type"}


def test_without_squawk_binary_a_warning_says_so(tmp_path, monkeypatch):
    import supatasks.checks.squawk

    monkeypatch.setattr(supatasks.checks.squawk, "find_squawk", lambda: None)
    report = lint(tmp_path, {"20260101000001_m.sql": TABLE_T}, squawk=True)
    assert hits(report) == [("ST090", "", None)] and report.ok and not report.squawk["ran"]


# -- the command line -----------------------------------------------------------------------------------------

def validate(data: dict) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)


def test_json_report_validates_against_the_schema_and_exit_codes(tmp_path):
    make_project(tmp_path / "err", {
        "20260101000001_m.sql": TABLE_T + "-- supatasks-lint: ignore ST006 because verbatim\n" + BARE_POLICY
        + "ALTER TABLE public.t ALTER COLUMN x TYPE varchar(20);\n",
        "20260101000002_n.sql": "CREATE TABLE public.n (id bigint);\n",
        "20260101000002_n_down.sql": "SELECT 1;\n",
        "20260101000002_same_version.sql": "SELECT 1;\n"})
    result = run_supatasks(["db.lint", "--json"], tmp_path / "err")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    validate(data)
    assert {"ST001", "ST010", "ST021", "ST023", "changing-column-type"} <= {f["rule"] for f in data["findings"]}
    assert data["summary"]["errors"] >= 4 and data["suppressed"][0]["suppressed_by"]["reason"] == "verbatim"
    with pytest.raises(Exception):
        validate({**data, "summary": {**data["summary"], "errors": -1}})  # the schema does constrain

    make_project(tmp_path / "warn", {"20260101000001_m.sql": TABLE_T})  # only ST020
    warned = run_supatasks(["db.lint", "--json"], tmp_path / "warn")
    assert warned.returncode == 0, warned.stderr
    data = json.loads(warned.stdout)
    validate(data)
    assert [f["rule"] for f in data["findings"]] == ["ST020"] and data["summary"]["errors"] == 0
    human = run_supatasks(["db.lint"], tmp_path / "warn")
    assert human.returncode == 0 and "ST020" in human.stdout and "0 error(s), 1 warning(s)" in human.stdout


def test_example_project_lints_without_errors(tmp_path):
    copy_example_project(tmp_path)
    guide_file = tmp_path / "supabase/migrations/20260210_api_key_pool.sql"
    assert guide_file.read_bytes() == (REPO / "supabase/migrations/20260210_api_key_pool.sql").read_bytes()
    result = run_supatasks(["db.lint", "--json"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    validate(data)
    assert data["summary"]["errors"] == 0
    assert [(f["rule"], Path(f["file"]).name) for f in data["suppressed"]] == [
        ("ST006", "20260210_api_key_pool.sql")]


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=root, check=True,
                   capture_output=True)


def test_changed_lints_only_files_changed_against_the_base(tmp_path):
    make_project(tmp_path, {"20260101000001_old.sql": "CREATE TABLE public.old (id bigint);\n"})
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "old")
    everything = run_supatasks(["db.lint", "--json"], tmp_path)
    assert {Path(f["file"]).name for f in json.loads(everything.stdout)["findings"]} == {"20260101000001_old.sql"}
    nothing = run_supatasks(["db.lint", "--changed", "--json"], tmp_path)  # no origin/main: against HEAD
    assert nothing.returncode == 0 and json.loads(nothing.stdout)["findings"] == []
    (tmp_path / "supabase/migrations/20260101000002_new.sql").write_text("CREATE SCHEMA fresh;\n")
    changed = run_supatasks(["db.lint", "--changed", "--base=HEAD", "--json"], tmp_path)
    data = json.loads(changed.stdout)
    assert changed.returncode == 1
    assert {(f["rule"], Path(f["file"]).name) for f in data["findings"]} == {
        ("ST003", "20260101000002_new.sql"), ("ST020", "20260101000002_new.sql")}
    assert data["files"] == ["supabase/migrations/20260101000002_new.sql"]
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "new")
    committed = run_supatasks(["db.lint", "--changed", "--base=HEAD~1", "--json"], tmp_path)
    assert {Path(f["file"]).name for f in json.loads(committed.stdout)["findings"]} == {"20260101000002_new.sql"}
    bad_base = run_supatasks(["db.lint", "--changed", "--base=nope"], tmp_path)
    assert bad_base.returncode == 1 and "--base=nope" in bad_base.stderr and "Traceback" not in bad_base.stderr


def test_exposed_schemas_come_from_config_toml(tmp_path):
    config = 'project_id = "t"\n[api]\nschemas = ["public", "api"]\n'
    sql = "CREATE SCHEMA IF NOT EXISTS api;\nCREATE TABLE IF NOT EXISTS api.items (id bigint);\n"
    make_project(tmp_path / "a", {"20260101000001_m.sql": sql}, rollbacks={"20260101000001_m.down.sql": "SELECT 1;\n"},
                 config=config)
    report = lint_project(Project(tmp_path / "a"), use_squawk=False)
    assert hits(report) == [("ST010", "20260101000001_m.sql", 2)]
    make_project(tmp_path / "b", {"20260101000001_m.sql": sql}, rollbacks={"20260101000001_m.down.sql": "SELECT 1;\n"})
    assert hits(lint_project(Project(tmp_path / "b"), use_squawk=False)) == []  # api is not exposed there
