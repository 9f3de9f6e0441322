"""Creating, dropping, copying and swapping databases on a server we administer (the local one)."""

from __future__ import annotations

from contextlib import suppress

LIST_SETTINGS = {"search_path", "temp_tablespaces", "session_preload_libraries", "local_preload_libraries"}
STRATEGY_VERSION = 150000  # CREATE DATABASE … STRATEGY exists from PostgreSQL 15


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def database_exists(conn, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def drop_database(conn, name: str) -> None:
    conn.execute(f"DROP DATABASE IF EXISTS {ident(name)} WITH (FORCE)")


def create_database(conn, name: str, template: str = "template0", *, file_copy: bool = False,
                    allow_connections: bool = True) -> None:
    """`file_copy`: copy the template's files instead of WAL-logging every block — faster for a large
    template, at the price of two checkpoints (cheap on the local server, which runs with fsync=off)."""
    sql = f"CREATE DATABASE {ident(name)} TEMPLATE {ident(template)}"
    if file_copy and conn.info.server_version >= STRATEGY_VERSION:
        sql += " STRATEGY FILE_COPY"
    if not allow_connections:
        sql += " ALLOW_CONNECTIONS false"
    conn.execute(sql)


def copy_database(conn, source: str, dest: str, *, file_copy: bool = True, allow_connections: bool = True) -> None:
    """A new database `dest`, a copy of `source` including the per-database settings CREATE DATABASE leaves out."""
    create_database(conn, dest, template=source, file_copy=file_copy, allow_connections=allow_connections)
    copy_settings(conn, source, dest)


def clone_database(conn, source: str, dest: str, *, file_copy: bool = True) -> None:
    """`dest` becomes a copy of `source` (whatever `dest` held is dropped first)."""
    drop_database(conn, dest)
    copy_database(conn, source, dest, file_copy=file_copy)


def copy_settings(conn, source: str, dest: str) -> None:
    rows = conn.execute(
        """SELECT r.rolname, s.setconfig FROM pg_db_role_setting s
           LEFT JOIN pg_roles r ON r.oid = s.setrole
           WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = %s)""", (source,)).fetchall()
    for role, config in rows:
        scope = f"ALTER DATABASE {ident(dest)}" + (f" IN ROLE {ident(role)}" if role else "")
        for item in config or []:
            name, _, value = item.partition("=")
            literal = value if name in LIST_SETTINGS else _quote(value)
            conn.execute(f"{scope} SET {name} = {literal}")


def rename_database(conn, name: str, new_name: str) -> None:
    conn.execute(f"ALTER DATABASE {ident(name)} RENAME TO {ident(new_name)}")


def set_allow_connections(conn, name: str, allowed: bool) -> None:
    conn.execute(f"ALTER DATABASE {ident(name)} WITH ALLOW_CONNECTIONS {'true' if allowed else 'false'}")


def terminate_sessions(conn, name: str) -> int:
    """End every session on `name` (what DROP DATABASE … WITH (FORCE) does); returns how many."""
    return len(conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,)).fetchall())


def replace_database(conn, name: str, replacement: str | None, retired: str, retired_comment: str) -> None:
    """Rename `name` to `retired` (after ending its sessions) and `replacement`, if given, to `name`, open for
    connections and without a comment — one transaction: on a failure `name` is left as it was.
    Renaming is instant; the caller drops `retired` when convenient."""
    found = conn.execute("SELECT datallowconn, datconnlimit = -2 FROM pg_database WHERE datname = %s",
                         (name,)).fetchone()
    if found and found[1]:  # left invalid by an interrupted DROP DATABASE: it can only be dropped
        drop_database(conn, name)
        found = None
    if found:
        # No new sessions between ending the current ones and the rename (which waits for them to exit).
        set_allow_connections(conn, name, False)
    try:
        if found:
            terminate_sessions(conn, name)
        with conn.transaction():
            if found:
                rename_database(conn, name, retired)
                set_comment(conn, retired, retired_comment)
            if replacement is not None:
                rename_database(conn, replacement, name)
                set_allow_connections(conn, name, True)
                set_comment(conn, name, None)
    except BaseException:
        if found:
            with suppress(Exception):
                set_allow_connections(conn, name, found[0])
        raise


def set_comment(conn, name: str, comment: str | None) -> None:
    conn.execute(f"COMMENT ON DATABASE {ident(name)} IS {'NULL' if comment is None else _quote(comment)}")


def databases_with_comment(conn, comment: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT datname FROM pg_database WHERE shobj_description(oid, 'pg_database') = %s", (comment,))]


def databases_named_like(conn, prefix: str) -> list[str]:
    pattern = prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"
    return [r[0] for r in conn.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY datname", (pattern,))]


def mark_template(conn, name: str) -> None:
    conn.execute(f"ALTER DATABASE {ident(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
