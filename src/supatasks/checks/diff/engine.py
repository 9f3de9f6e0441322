"""Comparing two databases' catalogs: what turns `old` (e.g. a shadow of the migrations) into `new` (the local
database, or the declarative schema files applied to a scratch database)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ops
from .compare import KINDS, functions, tables, views

#: Schemas of PostgreSQL, of the platform (the Supabase services, or supatasks' bootstrap standing in for them)
#: and of the migration history: never compared unless asked for by name.
PLATFORM_SCHEMAS = ("information_schema", "auth", "storage", "extensions", "graphql", "graphql_public", "realtime",
                    "_realtime", "supabase_functions", "supabase_migrations", "net", "cron", "pgbouncer", "pgsodium",
                    "pgsodium_masks", "vault", "_analytics", "_supavisor", "pgtle", "pgmq", "topology", "tiger",
                    "tiger_data", "supabase_admin")


@dataclass
class DiffResult:
    schemas: list[str]
    ops: list[ops.Op] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.ops and not self.unsupported

    @property
    def destructive(self) -> list[ops.Op]:
        return [op for op in self.ops if op.destructive]

    @property
    def warnings(self) -> list[str]:
        return [op.warning for op in self.ops if op.warning]

    def sql(self) -> str:
        return "\n\n".join(ops.statements(self.ops))

    def as_dict(self) -> dict:
        return {"schemas": self.schemas, "empty": self.empty, "operations": [op.as_dict() for op in self.ops],
                "destructive": [op.name for op in self.destructive], "warnings": self.warnings,
                "unsupported": self.unsupported}


def project_schemas(conn) -> list[str]:
    """The project's own schemas in a database: all but PostgreSQL's, the platform's and extensions' own."""
    return [r[0] for r in conn.execute(
        f"""SELECT n.nspname FROM pg_namespace n
            WHERE n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> ALL(%s)
              AND {ops.NOT_EXTENSION_MEMBER.format(catalog='pg_namespace', oid='n.oid')}
            ORDER BY 1""", (list(PLATFORM_SCHEMAS),))]


def read_catalog(conn, schemas: list[str]) -> dict[str, dict[str, dict]]:
    """Every object of `schemas`, read with an empty search_path: the deparsers then qualify every name
    (`public.notes`, not `notes`), so the SQL means the same whatever search_path runs it."""
    saved = conn.execute("SELECT current_setting('search_path')").fetchone()[0]
    conn.execute("SELECT set_config('search_path', '', false)")
    try:
        catalog = {kind.KIND: kind.read(conn, schemas) for kind in KINDS}
        catalog[tables.COLUMN] = tables.read_columns(conn, schemas)
        catalog["server"] = {"version": {"number": conn.info.server_version}}
    finally:
        conn.execute("SELECT set_config('search_path', %s, false)", (saved,))
    return catalog


MAINTAIN_FROM = 170000  # the MAINTAIN privilege exists from PostgreSQL 17


def compare_catalogs(old: dict, new: dict, schemas: list[str]) -> DiffResult:
    versions = [c.get("server", {}).get("version", {}).get("number", MAINTAIN_FROM) for c in (old, new)]
    if min(versions) < MAINTAIN_FROM <= max(versions):  # e.g. a PostgreSQL 17 profile against a 15 shadow
        old, new = (dict(c, grant={k: r for k, r in c["grant"].items() if r["privilege"] != "MAINTAIN"})
                    for c in (old, new))
    ctx = ops.Context(dict(old), dict(new))  # copies: _forget_what_hangs_on replaces kinds of ctx.old
    steps = views.compare(ctx) + functions.compare(ctx)
    _forget_what_hangs_on(ctx, ctx.rebuilt)
    for kind in KINDS:
        if kind not in (views, functions):
            steps += kind.compare(ctx)
    steps.sort(key=ops.Op.sort_key)
    return DiffResult(schemas, steps, ctx.unsupported)


def diff_databases(old_conn, new_conn, schemas: list[str] | None = None) -> DiffResult:
    """The steps that turn old_conn's database into new_conn's, for `schemas` (default: the project's own
    schemas of either database)."""
    if schemas is None:
        schemas = sorted(set(project_schemas(old_conn)) | set(project_schemas(new_conn)))
    return compare_catalogs(read_catalog(old_conn, schemas), read_catalog(new_conn, schemas), schemas)


def _forget_what_hangs_on(ctx: ops.Context, rebuilt: set[str]) -> None:
    """A view or function dropped and created again loses its grants, comments, triggers and indexes: forget
    the old side's, so the new side's are written again."""
    if not rebuilt:
        return
    owners = {f"view:{k}" for k in rebuilt} | {f"function:{k}" for k in rebuilt}
    for kind in ("grant", "comment"):
        ctx.old[kind] = {k: r for k, r in ctx.old[kind].items() if r["on"] not in owners}
    for kind in ("trigger", "index"):
        ctx.old[kind] = {k: r for k, r in ctx.old[kind].items() if r["table"] not in rebuilt}
