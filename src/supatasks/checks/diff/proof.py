"""The proof a generated migration must pass before it is written, on a shadow database of the migrations:

1. the up file applies, and the shadow then equals the wanted database: an empty re-diff and equal catalog
   snapshots (checks/snapshot.py) of the compared schemas;
2. the down file applies on top, and the shadow is back to the migrations' schema (snapshots equal).

Objects the up or down file creates get the server's default privileges; the GRANTs and REVOKEs still needed
after that are found here, by the re-diff, and added to the file (then the proof runs again on them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..snapshot import diff as snapshot_diff
from ..snapshot import snapshot
from .engine import DiffResult, compare_catalogs, read_catalog

GRANT_KINDS = ("grant",)


@dataclass
class Proof:
    ok: bool = False
    up_error: str | None = None
    down_error: str | None = None
    up_left: list[dict] = field(default_factory=list)     # what still differs after the up file
    down_left: list[dict] = field(default_factory=list)   # what the down file did not give back

    def problems(self) -> list[str]:
        found = []
        if self.up_error:
            found.append(f"the up file does not apply on the shadow: {self.up_error}")
        if self.down_error:
            found.append(f"the down file does not apply after it: {self.down_error}")
        found += [f"not expressed by the up file: {_describe(c)}" for c in self.up_left]
        found += [f"not undone by the down file: {_describe(c)}" for c in self.down_left]
        return found

    def as_dict(self) -> dict:
        return {"ok": self.ok, "up_error": self.up_error, "down_error": self.down_error,
                "up_left": self.up_left, "down_left": self.down_left, "problems": self.problems()}


def scoped_snapshot(conn, schemas: list[str]) -> dict[str, dict[str, str]]:
    """The catalog snapshot of `schemas` only. Extensions are database-wide: kept, by name (a remote profile's
    versions are the platform's, which a local shadow cannot install)."""
    others = [r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname <> ALL(%s)", (schemas,))]
    snap = snapshot(conn, tuple(others))
    snap["schema"] = {k: v for k, v in snap["schema"].items() if k in schemas}
    snap["extension"] = {k: "" for k in snap["extension"]}
    return snap


def prove(shadow_conn, wanted_conn, up: DiffResult, down: DiffResult, schemas: list[str],
          everything: bool = False, catalogs: tuple[dict, dict] | None = None) -> Proof:
    """Run the proof on `shadow_conn` (a shadow of the migrations, changed by it); `wanted_conn` is the database
    the up file must reproduce. `up` and `down` gain the grants the default privileges did not give.
    `everything`: after the up file the whole snapshot must be equal, not only the compared schemas' (db.squash:
    what the migrations did to the platform's schemas must not get lost either). `catalogs`: both sides'
    catalogs (read_catalog) when the caller has them already."""
    proof = Proof()
    before, wanted = catalogs or (read_catalog(shadow_conn, schemas), read_catalog(wanted_conn, schemas))
    before_snap = scoped_snapshot(shadow_conn, schemas)
    proof.up_error = _apply_with_grants(shadow_conn, up, lambda: wanted, schemas)
    if proof.up_error:
        return proof
    proof.up_left = snapshot_diff(scoped_snapshot(shadow_conn, schemas), scoped_snapshot(wanted_conn, schemas))
    if everything:
        proof.up_left += [c for c in snapshot_diff(snapshot(shadow_conn), snapshot(wanted_conn))
                          if c not in proof.up_left]
    proof.up_left += _left_over(compare_catalogs(read_catalog(shadow_conn, schemas), wanted, schemas))
    proof.down_error = _apply_with_grants(shadow_conn, down, lambda: before, schemas)
    if proof.down_error:
        return proof
    proof.down_left = snapshot_diff(before_snap, scoped_snapshot(shadow_conn, schemas))
    proof.down_left += _left_over(compare_catalogs(read_catalog(shadow_conn, schemas), before, schemas))
    proof.ok = not (proof.up_left or proof.down_left)
    return proof


def apply_sql(conn, sql: str) -> str | None:
    """Run `sql` in one transaction; the error (SQLSTATE and message) if it fails, rolled back."""
    import psycopg

    try:
        with conn.transaction():
            conn.execute(sql)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"ERROR {exc.sqlstate or '?????'}: {first}"
    return None


def _apply_with_grants(conn, result: DiffResult, wanted, schemas: list[str]) -> str | None:
    error = apply_sql(conn, result.sql())
    if error:
        return error
    missing = compare_catalogs(read_catalog(conn, schemas), wanted(), schemas)
    grants = [op for op in missing.ops if op.kind in GRANT_KINDS]
    if grants:
        error = apply_sql(conn, "\n".join(op.sql for op in grants))
        if error:
            return error
        result.ops += grants
    return None


def _left_over(result: DiffResult) -> list[dict]:
    left = [{"kind": op.kind, "name": op.name, "change": op.change, "before": None, "after": op.sql}
            for op in result.ops]
    return left + [{"kind": "unsupported", "name": u, "change": "changed", "before": None, "after": None}
                   for u in result.unsupported]


def _describe(change: dict) -> str:
    return f"{change['kind']} {change['name']} ({change['change']})"
