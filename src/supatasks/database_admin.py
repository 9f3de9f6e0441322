"""Creating, dropping and cloning databases on a server we administer (the local one)."""

from __future__ import annotations

LIST_SETTINGS = {"search_path", "temp_tablespaces", "session_preload_libraries", "local_preload_libraries"}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def database_exists(conn, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def drop_database(conn, name: str) -> None:
    conn.execute(f"DROP DATABASE IF EXISTS {ident(name)} WITH (FORCE)")


def create_database(conn, name: str, template: str = "template0") -> None:
    conn.execute(f"CREATE DATABASE {ident(name)} TEMPLATE {ident(template)}")


def clone_database(conn, source: str, dest: str) -> None:
    """`dest` becomes a copy of `source`, including the per-database settings CREATE DATABASE leaves out."""
    drop_database(conn, dest)
    create_database(conn, dest, template=source)
    copy_settings(conn, source, dest)


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


def set_comment(conn, name: str, comment: str) -> None:
    conn.execute(f"COMMENT ON DATABASE {ident(name)} IS {_quote(comment)}")


def databases_with_comment(conn, comment: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT datname FROM pg_database WHERE shobj_description(oid, 'pg_database') = %s", (comment,))]


def mark_template(conn, name: str) -> None:
    conn.execute(f"ALTER DATABASE {ident(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")


def unmark_template(conn, name: str) -> None:
    conn.execute(f"ALTER DATABASE {ident(name)} WITH IS_TEMPLATE false ALLOW_CONNECTIONS true")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
