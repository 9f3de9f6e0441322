"""Rehearsal on a copy of the target's schema (pg_dump --schema-only onto a bootstrapped scratch database of
the local server): it catches a down file that fails on the target's schema — and the target is untouched —
and a passing rehearsal reports the time of each step. Then verification after the rollback: a change made by
hand on the target between the push and the rollback is reported, recorded, and exits non-zero."""

from __future__ import annotations

import json
import re

from support import (REF, applied_versions, audit_rows, connect, exists, fingerprint, ok,
                     pushed_twice, rows, run_supatasks)

FIRST = {
    "20260401000001_items.sql": "CREATE TABLE IF NOT EXISTS public.items (id bigint PRIMARY KEY, price numeric);\n"
                                "ALTER TABLE public.items ENABLE ROW LEVEL SECURITY;\n",
}
SECOND = {
    "20260402000001_tags.sql": "CREATE TABLE IF NOT EXISTS public.tags (id bigint PRIMARY KEY, label text);\n"
                               "ALTER TABLE public.tags ENABLE ROW LEVEL SECURITY;\n",
    "20260402000002_tagged.sql": "CREATE OR REPLACE VIEW public.tagged WITH (security_invoker = true) AS "
                                 "SELECT id, label FROM public.tags;\n",
}
DOWN = {
    "20260401000001_items.down.sql": "DROP TABLE IF EXISTS public.items;\n",
    "20260402000001_tags.down.sql": "DROP TABLE public.tags;\n",
    "20260402000002_tagged.down.sql": "DROP VIEW IF EXISTS public.tagged;\n",
}
VERSIONS = sorted(name.split("_")[0] for name in {**FIRST, **SECOND})


def released(root, pg_server, pw_server, env_name="production"):
    url, password = pushed_twice(root, pg_server, pw_server, FIRST, SECOND, DOWN, env_name)
    with connect(url, password) as conn:
        conn.execute("INSERT INTO public.tags VALUES (1, 'red'), (2, 'blue')")
    return url, password


def scratch_databases(pg_server) -> list[str]:
    """The rehearsal's copies and the verification's shadow databases left behind (the shadow *templates*,
    `supatasks_shadow_<key>`, are kept on purpose: the next shadow of the same files copies one)."""
    return [r[0] for r in rows(pg_server.url("postgres"), "SELECT datname FROM pg_database "
                                                          "WHERE datname LIKE 'supatasks_rehearsal_%' "
                                                          "OR datname LIKE 'supatasks_shadowdb_%'")]


def test_rehearsal_catches_a_down_file_that_fails_on_the_targets_schema(tmp_path, pg_server, pw_server):
    url, password = released(tmp_path, pg_server, pw_server)
    # a down file that drops what another object depends on: the view still uses the table
    (tmp_path / "supabase/rollbacks/20260402000002_tagged.down.sql").write_text("SELECT 1; -- keeps the view\n")
    before = fingerprint(url, password)
    result = run_supatasks(["db.rollback", "--env=production", f"--confirm={REF}"], tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "rehearsal on a copy of production's schema failed at roll back 20260402000001 tags" in result.stderr
    assert "supabase/rollbacks/20260402000001_tags.down.sql:1: ERROR 2BP01" in result.stderr
    assert "nothing was run on production" in result.stderr
    assert re.search(r"ok {6}roll back 20260402000002 tagged .* in \d+\.\d{3}s", result.stdout), result.stdout
    # the target is untouched: same schema, same history, the rows, no backup taken, no rollback audited
    assert fingerprint(url, password) == before and applied_versions(url, password) == VERSIONS
    assert rows(url, "SELECT count(*) FROM public.tags", password=password) == [(2,)]
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").glob("*.dump"))
    assert audit_rows(url, password, action="rollback") == []
    record = next((tmp_path / "incidents").glob("*-rollback-production.md")).read_text()
    assert "Rehearse the down files on a copy of the target's schema" in record and "REFUSED" in record
    assert "2BP01" in record and "refused — nothing was changed" in record
    assert scratch_databases(pg_server) == []  # the copy is dropped


def test_a_passing_rehearsal_reports_per_step_times_and_is_recorded(tmp_path, pg_server, pw_server):
    url, password = released(tmp_path, pg_server, pw_server)
    data = json.loads(ok(["db.rollback", "--env=production", f"--confirm={REF}", "--json"], tmp_path).stdout)
    rehearsal = data["rehearsal"]
    assert rehearsal["ok"] and [s["file"] for s in rehearsal["steps"]] == [
        "supabase/rollbacks/20260402000002_tagged.down.sql", "supabase/rollbacks/20260402000001_tags.down.sql"]
    assert all(isinstance(s["seconds"], float) and s["seconds"] >= 0 for s in rehearsal["steps"])
    assert rehearsal["failed"] is None
    record = (tmp_path / data["incident_record"]).read_text()
    assert re.search(r"ok {6}roll back 20260402000001 tags \(supabase/rollbacks/20260402000001_tags\.down\.sql\) "
                     r"in \d+\.\d{3}s", record), record
    assert applied_versions(url, password) == VERSIONS[:1] and not exists(url, "public.tags", password)
    assert scratch_databases(pg_server) == []
    audited = audit_rows(url, password, action="rollback")
    assert {r["details"]["data_at_risk"] for r in audited} == {"drop 1 table holding 2 rows"}
    assert all(r["details"]["rehearsal"].startswith("rehearsal passed: 2 step(s)") for r in audited)


def test_no_rehearse_is_recorded_and_an_explicit_rehearsal_works_in_a_dry_run(tmp_path, pg_server, pw_server):
    url, password = released(tmp_path, pg_server, pw_server)
    before = fingerprint(url, password)
    dry = ok(["db.rollback", "--env=production", "--dry-run", "--rehearse"], tmp_path).stdout
    assert "Rehearsal on a copy of the target's schema" in dry and "dry run: nothing was changed" in dry
    assert re.search(r"ok {6}roll back 20260402000001 tags .* in \d+\.\d{3}s", dry), dry
    assert fingerprint(url, password) == before
    # db.down --rehearse --dry-run: the same rehearsal, nothing changed
    down = json.loads(ok(["db.down", "--env=production", "--last=2", "--rehearse", "--dry-run", "--json"],
                         tmp_path).stdout)
    assert down["rehearsal"]["ok"] and len(down["rehearsal"]["steps"]) == 2
    assert applied_versions(url, password) == VERSIONS

    out = ok(["db.rollback", "--env=production", f"--confirm={REF}", "--no-rehearse"], tmp_path).stdout
    assert "Rehearsal on a copy" not in out
    assert {r["details"]["rehearsal"] for r in audit_rows(url, password, action="rollback")} == {
        "skipped (--no-rehearse)"}
    record = next((tmp_path / "incidents").glob("*-rollback-production.md")).read_text()
    assert re.search(r"\[-\] \*\*Rehearse the down files on a copy of the target's schema\*\*.* — skipped: "
                     r"--no-rehearse given", record), record


def test_verification_reports_a_change_made_by_hand_between_push_and_rollback(tmp_path, pg_server, pw_server):
    url, _ = released(tmp_path, pg_server, pw_server, "staging")
    with connect(url) as conn:  # a hotfix by hand on the target, in no migration file
        conn.execute("ALTER TABLE public.items ADD COLUMN discount numeric")
        conn.execute("CREATE INDEX items_price ON public.items (price)")
    result = run_supatasks(["db.rollback", "--env=staging", "--yes"], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert applied_versions(url) == VERSIONS[:1]  # the rollback itself is done
    text = result.stdout + result.stderr
    assert "schema DIFFERS from the migrations up to 20260401000001: 2 difference(s)" in text
    assert "+ column public.items.discount: on the target, not in the migration files" in text
    assert "+ index public.items_price: on the target, not in the migration files" in text
    record = next((tmp_path / "incidents").glob("*-rollback-staging.md")).read_text()
    assert "[!] **Compare the schema with the migration files at the new head**" in record
    assert "public.items.discount" in record
    assert "rolled back — but the schema differs from the migration files" in record

    # without the change by hand, the same rollback verifies (pushed again, rolled back again)
    with connect(url) as conn:
        conn.execute("ALTER TABLE public.items DROP COLUMN discount")
        conn.execute("DROP INDEX public.items_price")
    ok(["db.push", "--env=staging", "--yes"], tmp_path)
    again = ok(["db.rollback", "--env=staging", "--yes"], tmp_path).stdout
    assert "schema verified: the target matches the migrations up to 20260401000001" in again


def test_a_verification_that_cannot_run_after_the_rollback_is_an_error_not_a_refusal(tmp_path, pg_server,
                                                                                    pw_server):
    url, _ = released(tmp_path, pg_server, pw_server, "staging")
    # the local profile points at a server elsewhere: no scratch database may be made there
    (tmp_path / ".env.local").write_text("SUPABASE_DB_URL=postgresql://postgres@192.0.2.1:5432/postgres\n")
    result = run_supatasks(["db.rollback", "--env=staging", "--yes"], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the rollback is done on staging, but its schema could not be verified" in result.stderr
    assert applied_versions(url) == VERSIONS[:1]
    record = next((tmp_path / "incidents").glob("*-rollback-staging.md")).read_text()
    assert "rolled back — but the schema could not be verified" in record
    assert "nothing was changed" not in record.split("## Steps")[0]
