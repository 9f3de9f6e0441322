"""Checks before shipping: lint (the guide's rules and squawk), db.check on a scratch database, schema
snapshots and inspection. Imports migrations/, reset/ and sqltext/.

- lint.py (db.lint and the push gate), config.py (supabase/supatasks.toml, read once), rules.py (the rules and
  their findings), squawk.py, changed.py (git: --changed), check.py (db.check), snapshot.py, inspect.py,
  diff/ (db.diff: migrations written from schema changes, proven on a shadow), squash.py (db.squash)
"""

from ..lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "lint": ["lint_project", "push_lint_gate"],
    "config": ["read_settings"],
    "check": ["run_check"],
    "snapshot": ["snapshot", "fingerprint", "diff"],
    "inspect": ["list_tables", "describe_table", "schema_diff"],
    "squash": ["squash_project"],
})
