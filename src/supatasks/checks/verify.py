"""Verify after: the target's schema compared with the schema the migration files produce at its new head.

The expected schema comes from a shadow database of the local server (reset/shadow.py): the Supabase
bootstrap and the migration files up to the head. Both sides are read with
checks/snapshot.py. Compared: the schemas the migrations own — the platform's (auth, storage, extensions, …,
and whatever the bootstrap provides) differ between a hosted project and the bootstrap by design and are
left out, as are extension versions, grants and owners; NOT NULL constraints (catalogued as constraints from
PostgreSQL 18 on) are compared as the columns' `not null`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..errors import SupatasksError
from ..reset.shadow import shadow_database
from ..target import Target, scratch_target
from .snapshot import diff, snapshot

PLATFORM_SCHEMAS = {"auth", "storage", "realtime", "_realtime", "graphql", "graphql_public", "vault", "pgsodium",
                    "pgsodium_masks", "net", "cron", "extensions", "supabase_functions", "_analytics", "pgbouncer",
                    "supabase_migrations", "pgtle", "pgmq", "topology", "tiger", "tiger_data", "_supavisor"}
NOT_COMPARED = ("extension", "grant", "column grant", "routine grant", "schema grant")


class VerificationFailed(SupatasksError):
    """The target's schema differs from what the migration files give at its head (`verification`), or it
    could not be compared (`verification` None) — after the change itself was done."""

    def __init__(self, message: str, verification: "Verification | None"):
        super().__init__(message)
        self.verification = verification


@dataclass
class Verification:
    head: str | None
    differences: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        at = f"the migrations up to {self.head}" if self.head else "no migration (an empty history)"
        if self.ok:
            return f"schema verified: the target matches {at} ({self.seconds:.1f}s)"
        return f"schema DIFFERS from {at}: {len(self.differences)} difference(s)"

    def lines(self, limit: int = 20) -> list[str]:
        lines = [self.summary()]
        for d in self.differences[:limit]:
            if d["change"] == "added":
                lines.append(f"  + {d['kind']} {d['name']}: on the target, not in the migration files")
            elif d["change"] == "removed":
                lines.append(f"  - {d['kind']} {d['name']}: in the migration files, missing on the target")
            else:
                lines.append(f"  ~ {d['kind']} {d['name']}: target has {d['after']!r}, the files give {d['before']!r}")
        if len(self.differences) > limit:
            lines.append(f"  … and {len(self.differences) - limit} more (--json lists them all)")
        return lines

    def as_dict(self) -> dict:
        return {"ok": self.ok, "head": self.head, "seconds": round(self.seconds, 3), "differences": self.differences}


def _schema_of(kind: str, name: str) -> str | None:
    """The schema a snapshot key belongs to: `public.t`; a schema's own name; for a comment (`table column
    public.t.c`, `trigger t on public.x`, `function public.f(integer)`) the first qualified name in it; for
    a publication's table (`supabase_realtime public.t`) the table's. A publication itself (the bootstrap makes
    `supabase_realtime`) belongs to none: None, not compared."""
    import re

    if kind in ("schema", "schema grant"):
        return name
    if kind == "comment":
        if name.startswith("schema "):
            return name.removeprefix("schema ")
        found = re.search(r'(?:^|\s)("(?:[^"]|"")+"|[^\s."]+)\.', name)
        return found.group(1).strip('"') if found else None
    if kind == "publication":
        _, _, table = name.partition(" ")
        return table.split(".", 1)[0] if table else None
    return name.split(".", 1)[0]


def comparable(snap: dict[str, dict[str, str]], ignored: set[str]) -> dict[str, dict[str, str]]:
    """The part of a snapshot the verification compares (see the module's docstring)."""
    out: dict[str, dict[str, str]] = {}
    for kind, objects in snap.items():
        if kind in NOT_COMPARED:
            continue
        kept = {}
        for name, definition in objects.items():
            schema = _schema_of(kind, name)
            if schema is None or schema in ignored or schema.startswith("pg_"):
                continue
            if kind == "constraint" and definition.startswith("NOT NULL"):
                continue
            kept[name] = "" if kind == "schema" else definition
        out[kind] = kept
    return out


def verify_schema(target: Target, head: str | None, say=lambda message: None) -> Verification:
    """Compare `target` with the migration files up to `head`; the result lists every difference."""
    began = time.perf_counter()
    local = scratch_target(target.project, "the verification", "--no-verify skips it")
    with target.connect() as conn:
        actual = snapshot(conn)
    with shadow_database(local, upto=head or "0", say=say) as shadow, shadow.connect() as conn:
        expected = snapshot(conn)
    ignored = PLATFORM_SCHEMAS
    result = Verification(head, diff(comparable(expected, ignored), comparable(actual, ignored)))
    result.seconds = time.perf_counter() - began
    return result


def verify_after(target: Target, head: str | None, done: str, say=lambda message: None) -> Verification:
    """verify_schema after a change (`done`: "the rollback", "the push"): a verification that cannot run (no
    local server on this machine, a failing migration file in the shadow) is an error of its own — never a
    refusal, which would read as "nothing was changed"."""
    try:
        return verify_schema(target, head, say)
    except SupatasksError as exc:
        raise VerificationFailed(f"{done} is done on {target.name}, but its schema could not be verified: {exc}",
                                 None) from None


def require_verified(verification: Verification, target: Target) -> None:
    if not verification.ok:
        raise VerificationFailed("\n".join(verification.lines()) + f"\nthe change itself is done on {target.name}; "
                                 "the differences above were there before it or were made by hand: look into them "
                                 "(inv db.diff compares two databases)", verification)
