"""db.diff without --against: the migrations (a shadow database of them) against what they should produce —
the profile's database (default local), or the declarative schema files applied to a scratch database — as
SQL; with a name, written as a migration and its down file once the proof passed (proof.py)."""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field

from ...project import Project
from . import declarative
from .engine import DiffResult, compare_catalogs, project_schemas, read_catalog
from .proof import Proof, prove
from .writer import render


@dataclass
class DiffReport:
    source: str                     # what the migrations were compared with
    schemas: list[str]
    up: DiffResult
    down: DiffResult
    proof: Proof | None = None
    files: list[str] = field(default_factory=list)   # written, relative to the project
    refused: list[str] = field(default_factory=list)  # why nothing was written
    seconds: dict = field(default_factory=dict)       # shadow, diff, proof, total

    @property
    def empty(self) -> bool:
        return self.up.empty

    @property
    def trustworthy(self) -> bool:
        """Everything is expressed and the proof passed (destructive steps aside)."""
        return not self.up.unsupported and (self.proof is None or self.proof.ok)

    def up_text(self, title: str = "") -> str:
        return render(self.up, title or f"Brings the migrations' schema to {self.source}")

    def down_text(self, title: str = "") -> str:
        return render(self.down, title or "Rollback: gives back the migrations' schema before it")

    def as_dict(self) -> dict:
        return {"source": self.source, "schemas": self.schemas, "empty": self.empty, "sql": self.up.sql(),
                "down_sql": self.down.sql(), "up": self.up.as_dict(), "down": self.down.as_dict(),
                "proof": self.proof.as_dict() if self.proof else None, "files": self.files,
                "written": bool(self.files), "refused": self.refused,
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


def diff_project(project: Project, env: str | None = None, *, name: str | None = None,
                 schemas: list[str] | None = None, from_schemas: bool = False, allow_drops: bool = False,
                 say=lambda message: None) -> DiffReport:
    """Compare, prove, and (with `name`) write `supabase/migrations/<UTC version>_<name>.sql` and its down file.
    Declarative schema files are used with `from_schemas`, or when configured and no `env` is named."""
    from ...migrations.new import validate_name, write_migration
    from ...reset.shadow import shadow_database
    from ...target import scratch_target
    from ...target import open_target

    if name is not None:
        validate_name(name)
    began = time.perf_counter()
    use_files = from_schemas or (env is None and declarative.configured(project))
    local = scratch_target(project, "db.diff's shadow database")
    seconds: dict[str, float] = {}
    with ExitStack() as stack:
        mark = time.perf_counter()
        shadow = stack.enter_context(shadow_database(local, seeds=True, say=say))  # = db.reset's cache
        shadow_conn = stack.enter_context(shadow.connect())
        if use_files:
            scratch = stack.enter_context(shadow_database(local, upto="0", say=say))
            wanted_conn = stack.enter_context(scratch.connect())
            applied = declarative.apply_schema_files(project, wanted_conn)
            source = f"the schema files ({', '.join(applied)})"
        else:
            target = local if env in (None, "local") else open_target(project, env)
            wanted_conn = stack.enter_context(target.connect())
            source = f"the {target.name} database"
        seconds["shadow"] = time.perf_counter() - mark
        mark = time.perf_counter()
        scope = schemas or sorted(set(project_schemas(shadow_conn)) | set(project_schemas(wanted_conn)))
        migrated, wanted = read_catalog(shadow_conn, scope), read_catalog(wanted_conn, scope)
        up, down = compare_catalogs(migrated, wanted, scope), compare_catalogs(wanted, migrated, scope)
        seconds["diff"] = time.perf_counter() - mark
        report = DiffReport(source, scope, up, down)
        if not up.empty:
            mark = time.perf_counter()
            report.proof = prove(shadow_conn, wanted_conn, up, down, scope, catalogs=(migrated, wanted))
            seconds["proof"] = time.perf_counter() - mark
    report.refused = _refusals(report, allow_drops)
    if name is not None and not report.empty and not report.refused:
        written = write_migration(project, name, report.up_text(f"Migration: {name}"),
                                  report.down_text(f"Rollback of {name}: gives back the schema before it"))
        report.files = [project.relative(written.up), project.relative(written.down)]
    seconds["total"] = time.perf_counter() - began
    report.seconds = seconds
    return report


def _refusals(report: DiffReport, allow_drops: bool) -> list[str]:
    reasons = []
    if report.up.unsupported:
        reasons += [f"cannot express: {u}" for u in report.up.unsupported]
    if report.proof is not None and not report.proof.ok:
        reasons += report.proof.problems()
    if report.up.destructive and not allow_drops:
        reasons.append("destructive steps (" + ", ".join(f"{op.change} {op.kind} {op.name}"
                                                          for op in report.up.destructive)
                       + "): pass --allow-drops to write them")
    return reasons
