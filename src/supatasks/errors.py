"""Domain errors. Each one is a user-facing failure printed as one line at the CLI edge."""


class SupatasksError(Exception):
    """A failure the user can act on; printed without a traceback, exit code `exit_code`."""

    exit_code = 1


class ConfigError(SupatasksError):
    """Bad or missing configuration: profile, .env value, URL, config.toml."""


class MigrationFileError(SupatasksError):
    """A migration, down or seed file that cannot be used as it is."""


class ConnectionFailed(SupatasksError):
    """The database server could not be reached or refused us."""


class MigrationStalled(SupatasksError):
    """The server and supatasks each waited for the other; the watchdog closed the connection."""


class LockTimeout(SupatasksError):
    """Someone else holds the migration lock for longer than we were willing to wait."""

    exit_code = 3


class Refused(SupatasksError):
    """A safety check said no: nothing was changed."""

    exit_code = 2


class ToolMissing(SupatasksError):
    """An external program (supabase, psql, pg_dump) is not available."""
