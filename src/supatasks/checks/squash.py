"""db.squash: the migrations up to a version replaced by one file with the same resulting schema.

The file is written from the catalog (the db.diff engine, checks/diff/), from a shadow database of the bootstrap
to a shadow of the migrations up to VERSION, and proven before anything changes on disk: applied on the bootstrap
it must give exactly the migrations' catalog snapshot (every schema, the platform's too), and its down file must
give back the bootstrap. Data statements (INSERT, UPDATE, DELETE, …) are not schema: they are kept out, with a
warning naming each, as `supabase migration squash` does. Only local shadow databases are used — never a remote
one; remote profiles that applied the squashed versions need their history repaired (`db.repair`), which the
report spells out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..errors import MigrationFileError, Refused
from ..migrations.files import DOWN_SUFFIX, require_no_duplicates, scan_migrations
from ..project import Project

DATA_KEYWORDS = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "TRUNCATE")


@dataclass
class SquashReport:
    version: str
    file: str                              # the squashed migration (relative path)
    squashed: list[str]                    # the files it replaces
    data_statements: list[str] = field(default_factory=list)  # file:line: statement, kept out
    sql: str = ""
    down_sql: str = ""
    proof: dict | None = None
    written: bool = False
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.proof and self.proof["ok"])

    def repair_command(self) -> str | None:
        older = [s.split("/")[-1].split("_", 1)[0] for s in self.squashed][:-1]
        if not older:
            return None
        return f"inv db.repair {','.join(older)} --status=reverted --env=<profile>"

    def history_note(self) -> str:
        command = self.repair_command()
        if command is None:
            return "one migration: nothing to repair on remote profiles"
        return (f"on every remote profile that applied these migrations, mark the squashed-away versions reverted "
                f"(the schema does not change; {self.version} stays applied, and shows as drifted since its file "
                f"changed): {command}; locally, inv db.reset")

    def as_dict(self) -> dict:
        return {"version": self.version, "file": self.file, "squashed": self.squashed, "ok": self.ok,
                "data_statements": self.data_statements, "sql": self.sql, "down_sql": self.down_sql,
                "proof": self.proof, "written": self.written, "removed": self.removed,
                "repair": self.repair_command(), "history": self.history_note(), "seconds": round(self.seconds, 3)}


def squash_project(project: Project, to: str | None = None, *, dry_run: bool = False,
                   say=lambda message: None) -> SquashReport:
    from ..reset.shadow import shadow_database
    from ..target import scratch_target
    from .diff.engine import diff_databases, project_schemas
    from .diff.proof import prove
    from .diff.writer import render

    began = time.perf_counter()
    scan = scan_migrations(project)
    require_no_duplicates(scan)
    chosen = [m for m in scan.migrations if to is None or int(m.version) <= int(to)]
    if not chosen:
        raise MigrationFileError(f"no migration at or before {to}: nothing to squash")
    if to is not None and chosen[-1].version != to:
        raise MigrationFileError(f"--to {to}: no migration has that version (the newest before it is "
                                 f"{chosen[-1].version})")
    last = chosen[-1]
    report = SquashReport(last.version, project.relative(last.path), [project.relative(m.path) for m in chosen])
    report.data_statements = data_statements(project, chosen)
    local = scratch_target(project, "db.squash's shadow databases")
    with shadow_database(local, upto=last.version, say=say) as migrated, \
            shadow_database(local, upto="0", say=say) as bootstrap, \
            migrated.connect() as migrated_conn, bootstrap.connect() as bootstrap_conn:
        schemas = project_schemas(migrated_conn)
        up = diff_databases(bootstrap_conn, migrated_conn, schemas)
        down = diff_databases(migrated_conn, bootstrap_conn, schemas)
        proof = prove(bootstrap_conn, migrated_conn, up, down, schemas, everything=True)
    report.proof = proof.as_dict()
    if up.unsupported:
        report.proof["ok"] = False
        report.proof["problems"] = [f"cannot express: {u}" for u in up.unsupported] + report.proof["problems"]
    title = f"Squashed: {len(chosen)} migration(s) up to {last.version} ({chosen[0].filename} … {last.filename})"
    report.sql = render(up, title) + _kept_out(report.data_statements)
    report.down_sql = render(down, f"Rollback of the squashed {last.filename}: gives back the bootstrap")
    if report.ok and not dry_run:
        _replace_files(project, chosen, report)
    report.seconds = time.perf_counter() - began
    return report


def data_statements(project: Project, migrations) -> list[str]:
    """`file:line: first line` of every data statement in `migrations` (they are not schema)."""
    from ..sqltext.kinds import leading_keywords
    from ..sqltext.split import split_statements

    found = []
    for migration in migrations:
        for stmt in split_statements(migration.read_text()):
            words = leading_keywords(_without_comments(stmt.text), 1) if stmt.has_code else []
            if words and words[0] in DATA_KEYWORDS:
                first = _without_comments(stmt.text).strip().splitlines()[0]
                found.append(f"{project.relative(migration.path)}:{stmt.code_line}: {first[:80]}")
    return found


def _without_comments(text: str) -> str:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return "\n".join(lines)


def _kept_out(statements: list[str]) -> str:
    if not statements:
        return ""
    return ("\n-- Data statements of the squashed files, kept out (they are not schema; move what is still needed "
            "to seed.sql):\n" + "".join(f"--   {s}\n" for s in statements))


def _replace_files(project: Project, chosen, report: SquashReport) -> None:
    last = chosen[-1]
    down = project.rollbacks_dir / f"{last.stem}{DOWN_SUFFIX}"
    for migration in chosen[:-1]:
        for path in (migration.path, project.rollbacks_dir / f"{migration.stem}{DOWN_SUFFIX}"):
            if path.exists():
                path.unlink()
                report.removed.append(project.relative(path))
    last.path.write_text(report.sql, encoding="utf-8")
    project.rollbacks_dir.mkdir(parents=True, exist_ok=True)
    down.write_text(report.down_sql, encoding="utf-8")
    report.written = True


def require_proven(report: SquashReport) -> None:
    if not report.ok:
        raise Refused("db.squash changed nothing: the squashed file does not give the same schema: "
                      + "; ".join(report.proof["problems"] if report.proof else []))
