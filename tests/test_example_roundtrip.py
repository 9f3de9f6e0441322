"""Every migration of the example project: up → down → up gives back the schema of the first up, and rows in
tables the migration does not own survive — on a real server, with the real command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import REPO, applied_versions, bootstrapped_database, connect, copy_example_project, ok, snapshot

EXAMPLE = sorted(p.name for p in (REPO / "supabase/migrations").glob("*.sql") if not p.name.endswith("_down.sql"))
# Columns a BEFORE UPDATE trigger rewrites with now(): a migration's own backfill touches them again on the
# second up, which is not a lost row.
VOLATILE_COLUMNS = {"updated_at"}


def user_tables(conn) -> list[str]:
    rows = conn.execute("""
        SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND (n.nspname = 'public' OR (n.nspname = 'auth' AND c.relname = 'users'))
        ORDER BY 1""").fetchall()
    return [r[0] for r in rows]


def fill_tables(conn, tables: list[str], rows_per_table: int = 2) -> dict[str, int]:
    """Insert rows into every table, in foreign-key order, inventing values for NOT NULL columns without a
    default (referencing existing rows for foreign keys). Returns the rows inserted per table."""
    refs = {}
    for table, column, target, target_column in conn.execute("""
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1""").fetchall():
        refs[(_canon(table), column)] = (_canon(target), target_column)
    order, seen = [], set()

    def visit(table):
        if table in seen:
            return
        seen.add(table)
        for (t, _), (target, _) in refs.items():
            if t == table and target != table and target in tables:
                visit(target)
        order.append(table)

    for table in tables:
        visit(table)
    inserted = {}
    for table in order:
        columns = conn.execute("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull
              AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = ''""", (table,)).fetchall()
        count = 0
        for n in range(rows_per_table):
            names, values = [], []
            for name, typ in columns:
                if (table, name) in refs:
                    target, target_column = refs[(table, name)]
                    values.append(f'(SELECT "{target_column}" FROM {target} ORDER BY 1 OFFSET {n} LIMIT 1)')
                else:
                    values.append(_value(typ))
                names.append(f'"{name}"')
            sql = (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(values)})" if names
                   else f"INSERT INTO {table} DEFAULT VALUES")
            try:
                with conn.transaction():
                    conn.execute(sql)
                count += 1
            except Exception:
                pass
        inserted[table] = count
    return inserted


def _canon(name: str) -> str:
    return name if "." in name else f"public.{name}"


def _value(typ: str) -> str:
    if typ == "uuid":
        return "gen_random_uuid()"
    if typ.startswith(("text", "character")):
        return "md5(random()::text)"
    if typ in ("integer", "bigint", "smallint") or typ.startswith("numeric"):
        return "(random() * 1000000)::int"
    if typ == "boolean":
        return "true"
    if typ.startswith(("timestamp", "date")):
        return "now()"
    if typ in ("jsonb", "json"):
        return "'{}'"
    return "NULL"


def contents(conn, tables: list[str]) -> dict[str, tuple[int, str]]:
    out = {}
    for table in tables:
        cols = [r[0] for r in conn.execute(
            "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum", (table,)).fetchall() if r[0] not in VOLATILE_COLUMNS]
        row = f"ROW({', '.join(cols)})::text"
        out[table] = conn.execute(
            f"SELECT count(*), md5(coalesce(string_agg({row}, '|' ORDER BY {row}), '')) FROM {table}").fetchone()
    return out


def project_up_to(root: Path, index: int) -> Path:
    """A copy of the example project holding migrations 0..index only (their down files stay)."""
    copy_example_project(root)
    for name in EXAMPLE[index + 1:]:
        (root / "supabase/migrations" / name).unlink()
    return root


@pytest.mark.skipif(not EXAMPLE, reason="the example project has no migrations yet")
@pytest.mark.parametrize("index", range(len(EXAMPLE)), ids=EXAMPLE)
def test_up_down_up_is_identical_and_keeps_other_tables_rows(tmp_path, pg_server, index):
    from supatasks.migrations.files import scan_migrations
    from supatasks.project import Project
    from supatasks.migrations.runner import apply_migrations, prepare
    from supatasks.migrations.executor import SessionSettings

    root = project_up_to(tmp_path, index)
    url = bootstrapped_database(pg_server)
    env = {"SUPABASE_DB_URL": url}
    project = Project(root)
    earlier = [prepare(m, project.relative(m.path)) for m in scan_migrations(project).migrations[:index]]
    with connect(url) as conn:
        apply_migrations(conn, earlier, SessionSettings())
        before_schema = snapshot(url)
        others = user_tables(conn)          # every table that exists before the migration: not its own
        conn.execute("CREATE TABLE public.zz_bystander (id int PRIMARY KEY, v text)")  # owned by no migration
        conn.execute("INSERT INTO public.zz_bystander VALUES (1, 'a'), (2, 'b')")
        others.append("public.zz_bystander")
        inserted = fill_tables(conn, others)
    assert inserted["auth.users"] == 2 and inserted["public.zz_bystander"] == 2
    name = EXAMPLE[index]
    version = name.split("_")[0]

    ok(["db.up"], root, env)
    assert applied_versions(url)[-1] == version
    first_schema = snapshot(url)
    with connect(url) as conn:
        own = [t for t in user_tables(conn) if t not in others]
        fill_tables(conn, own)  # rows in the migration's own tables: those go with it
        first_rows = contents(conn, others)

    down = ok(["db.down"], root, env)
    assert version in down.stdout
    assert version not in applied_versions(url)
    after_down = snapshot(url)
    with connect(url) as conn:
        assert {t: c for t, (c, _) in contents(conn, others).items()} == \
            {t: c for t, (c, _) in first_rows.items()}, "the down file deleted rows of tables it does not own"
    # the down file undid exactly what the migration did
    assert _without_bystander(after_down) == _without_bystander(before_schema), _diff(before_schema, after_down)

    ok(["db.up"], root, env)
    second_schema = snapshot(url)
    assert second_schema == first_schema, _diff(first_schema, second_schema)
    from supatasks.checks.snapshot import fingerprint
    assert fingerprint(second_schema) == fingerprint(first_schema)
    with connect(url) as conn:
        assert contents(conn, others) == first_rows


def _without_bystander(snap: dict) -> dict:
    return {kind: {k: v for k, v in items.items() if "zz_bystander" not in k} for kind, items in snap.items()}


def _diff(a: dict, b: dict) -> str:
    from supatasks.checks.snapshot import diff
    return "\n".join(f"{d['change']} {d['kind']} {d['name']}: {d['before']} -> {d['after']}"
                     for d in diff(_without_bystander(a), _without_bystander(b)))


@pytest.mark.skipif(not EXAMPLE, reason="the example project has no migrations yet")
def test_the_whole_example_down_to_nothing_and_back(tmp_path, pg_server):
    copy_example_project(tmp_path)
    url = bootstrapped_database(pg_server)
    env = {"SUPABASE_DB_URL": url}
    ok(["db.up"], tmp_path, env)
    ok(["db.seed"], tmp_path, env)
    first = snapshot(url)
    with connect(url) as conn:
        users = contents(conn, ["auth.users"])
    result = ok(["db.down", "--to=0"], tmp_path, env)
    assert applied_versions(url) == []
    assert f"Roll back {len(EXAMPLE)} migration(s)" in result.stdout
    with connect(url) as conn:
        assert contents(conn, ["auth.users"]) == users  # auth data is not the migrations' to drop
        leftover = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
    assert leftover == 0
    ok(["db.up"], tmp_path, env)
    assert snapshot(url) == first, _diff(first, snapshot(url))
