"""Scratch databases on the local server for checks that must not touch the target: a copy of the Supabase
bootstrap (reset's base template), dropped when the check ends. Used by db.check and the rehearsal."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

from ..server import database_admin as admin


@contextmanager
def scratch_database(local, prefix: str, say=lambda message: None, keep: bool = False):
    """A new database on `local`'s server, a copy of the bootstrapped base template; yields its name.
    Dropped at the end unless `keep`."""
    from ..reset.reset import ensure_base_template, maintenance_database

    name = prefix + uuid.uuid4().hex[:12]
    with local.connect(database=maintenance_database(local.db.database)) as maint:
        base = ensure_base_template(local, maint, say)
        admin.clone_database(maint, base, name)
        try:
            yield name
        finally:
            if not keep:
                admin.drop_database(maint, name)

