"""Checks before shipping: lint (the guide's rules and squawk), db.check on a scratch database, schema
snapshots and inspection. Imports migrations/, reset/ and sqltext/.

- lint.py (db.lint and the push gate), config.py (supabase/supatasks.toml, read once), rules.py (the rules and
  their findings), squawk.py, changed.py (git: --changed), check.py (db.check), snapshot.py, inspect.py,
  dbtest.py (db.test: pgTAP files on scratch copies of the reset cache), tap.py (reading TAP)
- advise/ (db.advise: Supabase's Security and Performance Advisors, in db.check and the advisor gate of db.push)
- at_risk.py (what planned statements destroy, measured on the target), scratch.py (scratch databases of the
  local server), rehearsal.py (planned files on a copy of the target's schema), verify.py (the target's schema
  against the migration files at its head)
  diff/ (db.diff: migrations written from schema changes, proven on a shadow), squash.py (db.squash)
"""

from ..lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "lint": ["lint_project", "push_lint_gate"],
    "config": ["read_settings"],
    "check": ["run_check"],
    "dbtest": ["run_tests", "test_files"],
    "tap": ["parse_tap"],
    "snapshot": ["snapshot", "fingerprint", "diff"],
    "inspect": ["list_tables", "describe_table", "schema_diff"],
    "at_risk": ["assess", "DataAtRisk"],
    "rehearsal": ["rehearse", "RehearsalStep", "RehearsalFailed"],
    "verify": ["verify_schema", "VerificationFailed"],
    "squash": ["squash_project"],
})
