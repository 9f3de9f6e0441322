"""The CI workflows: valid against GitHub's workflow schema (offline), and they run supatasks, not the raw CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO

WORKFLOWS = REPO / ".github" / "workflows"
CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")


def validate(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", *map(str, paths)],
                          capture_output=True, text=True, timeout=120)


def load(name: str) -> dict:
    from ruamel.yaml import YAML  # check-jsonschema's YAML library (YAML 1.2: `on` stays a string)

    return YAML(typ="safe").load((WORKFLOWS / name).read_text())


def run_lines(workflow: dict, job: str) -> list[str]:
    return [step["run"] for step in workflow["jobs"][job]["steps"] if "run" in step]


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_workflow_matches_githubs_schema(path):
    result = validate(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("name: broken\non: push\njobs:\n  x:\n    steps:\n      - run: true\n")  # no runs-on
    assert validate(broken).returncode != 0


def test_pull_requests_lint_and_check_with_supatasks():
    workflow = load("database-checks.yml")
    assert "pull_request" in workflow["on"]
    runs = run_lines(workflow, "lint-and-check")
    assert "inv db.lint" in runs and "inv db.check --no-tests" in runs
    assert runs[-1] == "inv db.test"  # the pgTAP files, once, after the check
    assert not any("supabase " in r for r in runs)  # no raw CLI calls


def test_main_pushes_staging_then_production_with_secrets():
    workflow = load("deploy-migrations.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    staging, production = workflow["jobs"]["staging"], workflow["jobs"]["production"]
    assert production["needs"] == "staging"
    assert "inv db.push --env=staging --yes" in run_lines(workflow, "staging")
    assert 'inv db.push --env=production --confirm="$SUPABASE_PROJECT_REF"' in run_lines(workflow, "production")
    assert production["env"]["SUPABASE_PROJECT_REF"] == "${{ secrets.SUPABASE_PROJECT_REF_PRODUCTION }}"
    for job, suffix in ((staging, "STAGING"), (production, "PRODUCTION")):
        assert job["env"]["SUPABASE_DB_URL"] == f"${{{{ secrets.SUPABASE_DB_URL_{suffix} }}}}"
        assert job["env"]["SUPABASE_DB_PASSWORD"] == f"${{{{ secrets.SUPABASE_DB_PASSWORD_{suffix} }}}}"
    everything = run_lines(workflow, "staging") + run_lines(workflow, "production")
    assert not any("supabase db" in r or "supabase link" in r for r in everything)
    # db.check must not see staging's URL (it would point the local profile at it): it is unset for that step
    check = next(r for r in run_lines(workflow, "staging") if "db.check" in r)
    assert "-u SUPABASE_DB_URL" in check
