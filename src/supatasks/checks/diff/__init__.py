"""db.diff: migrations written from schema changes, each proven on a shadow database before it is written.

- engine.py (reading and comparing two catalogs), compare/ (one module per kind of object), ops.py (one step
  and the phases of the dependency order), writer.py (the file's text), proof.py (up, re-diff, down on a shadow),
  workflow.py (db.diff: the profile's database or the declarative schema files against the migrations),
  declarative.py (`[db.migrations] schema_paths`)
"""

from ...lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "engine": ["DiffResult", "diff_databases", "project_schemas"],
    "workflow": ["DiffReport", "diff_project"],
})
