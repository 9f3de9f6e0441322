"""Scratch databases on the local server for checks that must not touch the target: a copy of the Supabase
bootstrap (reset's base template), dropped when the check ends. Used by the rehearsal and the verification."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

from ..server import database_admin as admin


@contextmanager
def scratch_database(local, prefix: str, say=lambda message: None):
    """A new database on `local`'s server, a copy of the bootstrapped base template; yields its name."""
    from ..reset.reset import ensure_base_template, maintenance_database

    name = prefix + uuid.uuid4().hex[:12]
    with local.connect(database=maintenance_database(local.db.database)) as maint:
        base = ensure_base_template(local, maint, say)
        admin.clone_database(maint, base, name)
        try:
            yield name
        finally:
            admin.drop_database(maint, name)

