"""Scratch databases on the local server for checks that must not touch the target: a copy of the Supabase
bootstrap (reset's base template), dropped when the check ends. Used by the rehearsal and the verification."""

from __future__ import annotations

import ipaddress
import uuid
from contextlib import contextmanager

from ..errors import Refused
from ..project import Project
from ..server import database_admin as admin


def on_this_machine(host: str) -> bool:
    if host in ("localhost", "") or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def scratch_server(project: Project, purpose: str, hint: str = ""):
    """The local profile's server (started if supatasks runs it), refused if it is not on this machine."""
    from ..target import open_target

    local = open_target(project, "local")
    hint = f" ({hint})" if hint else ""
    if not local.profile.is_local or local.profile.protected:
        raise Refused(f"{purpose} runs on the local profile's server; {local.name} is not one{hint}; "
                      "nothing was changed")
    if not local.embedded and not on_this_machine(local.db.host):
        raise Refused(f"{purpose} creates and drops a scratch database, so it runs only on a server on this "
                      f"machine; the local profile points at {local.db.display()}{hint}; nothing was changed")
    return local


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

