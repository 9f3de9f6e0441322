"""Profiles: where values come from, what they connect to, and the errors that name what to fix."""

from __future__ import annotations

import pytest

from support import make_project
from supatasks.errors import ConfigError
from supatasks.profiles import load_profile
from supatasks.project import Project
from supatasks.target import open_target


@pytest.fixture
def project(tmp_path, monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith(("SUPABASE_", "SUPATASKS_")):
            monkeypatch.delenv(key)
    make_project(tmp_path)
    return Project(tmp_path)


def test_env_then_profile_file_then_process_environment(project, monkeypatch):
    (project.root / ".env").write_text("SUPATASKS_LOCK_WAIT=5\nSUPATASKS_CONNECT_TIMEOUT=7\n")
    (project.root / ".env.staging").write_text(
        "SUPABASE_DB_URL=postgresql://postgres@staging.example:5432/postgres\nSUPATASKS_LOCK_WAIT=9\n")
    profile = load_profile(project, "staging")
    assert profile.lock_wait == 9 and profile.connect_timeout == 7
    assert profile.database().host == "staging.example"
    monkeypatch.setenv("SUPATASKS_LOCK_WAIT", "11")
    assert load_profile(project, "staging").lock_wait == 11
    assert load_profile(project, "local").lock_wait == 11


def test_selection_flag_then_env_var_then_local(project, monkeypatch):
    (project.root / ".env.staging").write_text("SUPABASE_DB_URL=postgresql://postgres@s.example/postgres\n")
    assert load_profile(project).name == "local"
    monkeypatch.setenv("SUPATASKS_ENV", "staging")
    assert load_profile(project).name == "staging"
    (project.root / ".env.qa").write_text("SUPABASE_DB_URL=postgresql://postgres@qa.example/postgres\n")
    assert load_profile(project, "qa").name == "qa"


def test_project_ref_and_password_build_the_direct_host(project):
    (project.root / ".env.production").write_text("SUPABASE_PROJECT_REF=abcdefghij\nSUPABASE_DB_PASSWORD=pw-123\n")
    profile = load_profile(project, "production")
    db = profile.database()
    assert (db.host, db.port, db.user, db.database) == ("db.abcdefghij.supabase.co", 5432, "postgres", "postgres")
    assert db.password == "pw-123" and "pw-123" not in db.url
    assert profile.protected and profile.project_ref == "abcdefghij"
    assert profile.lock_timeout == "5s" and profile.statement_timeout == "15min"


def test_password_in_url_is_taken_out_of_it(project):
    (project.root / ".env.staging").write_text("SUPABASE_DB_URL=postgresql://postgres:p%40ss@h.example:5433/db\n")
    db = load_profile(project, "staging").database()
    assert db.password == "p@ss" and db.url == "postgresql://postgres@h.example:5433/db"
    assert db.display() == "postgresql://postgres@h.example:5433/db"


@pytest.mark.parametrize("name, fragment", [
    ("nosuch", "unknown profile 'nosuch': create .env.nosuch"),
    ("../etc", "a profile name is lower-case letters"),
    ("Prod", "a profile name is lower-case letters"),
])
def test_bad_profiles_name_what_to_fix(project, name, fragment):
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace(".", r"\.")):
        load_profile(project, name)


def test_missing_password_and_malformed_url(project):
    (project.root / ".env.staging").write_text("SUPABASE_PROJECT_REF=abcdefghij\n")
    with pytest.raises(ConfigError, match="SUPABASE_DB_PASSWORD is not set"):
        load_profile(project, "staging").database()
    (project.root / ".env.staging").write_text("SUPABASE_DB_URL=mysql://x@y/z\n")
    with pytest.raises(ConfigError, match=r"\.env\.staging: SUPABASE_DB_URL: expected postgresql://"):
        load_profile(project, "staging").database()


def test_transaction_pooler_refused_for_migrations(project):
    (project.root / ".env.staging").write_text(
        "SUPABASE_DB_URL=postgresql://postgres.ref@aws-0.pooler.supabase.com:6543/postgres\n")
    target = open_target(project, "staging")
    with pytest.raises(ConfigError, match="transaction-mode pooler"):
        target.require_migration_safe()


def test_local_without_url_means_the_embedded_server(project):
    target = open_target(project, "local", start=False)
    assert target.embedded and target.db.host == "127.0.0.1" and target.db.port == 54330
