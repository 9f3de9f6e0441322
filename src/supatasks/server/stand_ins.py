"""Which supatasks development stand-ins a database uses, read from their control files' comments: the line every
local command prints. A module of its own so printing it loads nothing of the bootstrap."""

from __future__ import annotations

import re


def stand_ins_in_use(conn) -> list[tuple[str, str]]:
    """(extension, what it does) for each supatasks development stand-in installed in the database, read
    from the comment of its control file (which a dump's `COMMENT ON EXTENSION` does not change)."""
    rows = conn.execute(
        "SELECT e.extname, a.comment FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname "
        "WHERE a.comment LIKE 'supatasks development %' ORDER BY 1").fetchall()
    found = []
    for name, comment in rows:
        what = re.sub(r"^supatasks development (?:stand-in|shim) of \S+?:?\s+", "", comment)
        what = re.sub(r";\s*not for production$", "", what).strip()
        if what.startswith("(") and what.endswith(")") and what.count("(") == 1:
            what = what[1:-1]
        found.append((name, what))
    return found


def describe_stand_ins(conn) -> str | None:
    """One line naming the stand-ins a database uses, or None when it uses none."""
    found = stand_ins_in_use(conn)
    if not found:
        return None
    return ("development stand-ins in use (nothing leaves this machine; see src/supatasks/sql/extensions/"
            "README.md): " + "; ".join(f"{name}: {what}" for name, what in found))
