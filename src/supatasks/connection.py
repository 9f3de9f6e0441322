"""Opening database connections: one helper, bounded by a connect timeout, secrets kept out of errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from .errors import ConfigError, ConnectionFailed
from .redact import mask_url, redact, register_secret

APPLICATION_NAME = "supatasks"
#: A server or network that vanishes mid-wait ends the wait: TCP keepalives notice a silent peer within about
#: a minute, and data the peer never acknowledges fails after TCP_USER_TIMEOUT milliseconds.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 20, "keepalives_interval": 10, "keepalives_count": 4,
              "tcp_user_timeout": 60000}


@dataclass(frozen=True)
class DatabaseUrl:
    """A connection URL without its password; the password travels separately."""

    url: str
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str, password: str | None = None, source: str = "SUPABASE_DB_URL") -> "DatabaseUrl":
        try:
            parts = urlsplit(url.strip())
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as exc:
            raise ConfigError(f"{source}: malformed URL ({exc}): {mask_url(url)}") from exc
        if parts.scheme not in ("postgres", "postgresql") or not parts.hostname:
            raise ConfigError(
                f"{source}: expected postgresql://user@host:port/database, got {mask_url(url)}")
        if parts.password is not None:
            password = unquote(parts.password)
            netloc = parts.netloc.rsplit("@", 1)
            user = netloc[0].split(":", 1)[0]
            parts = parts._replace(netloc=f"{user}@{netloc[1]}")
        register_secret(password)
        return cls(urlunsplit(parts), password)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 5432

    @property
    def user(self) -> str:
        return unquote(urlsplit(self.url).username or "postgres")

    @property
    def database(self) -> str:
        return unquote(urlsplit(self.url).path.lstrip("/") or "postgres")

    def with_database(self, name: str) -> "DatabaseUrl":
        return DatabaseUrl(urlunsplit(urlsplit(self.url)._replace(path="/" + quote(name))), self.password)

    def with_password(self) -> str:
        """The full URL including the password: for libraries only, never for argv, logs or files."""
        if not self.password:
            return self.url
        parts = urlsplit(self.url)
        user, host = parts.netloc.rsplit("@", 1) if "@" in parts.netloc else ("postgres", parts.netloc)
        return urlunsplit(parts._replace(netloc=f"{user}:{quote(self.password, safe='')}@{host}"))

    def libpq_env(self) -> dict[str, str]:
        """Environment for psql/pg_dump/supabase so the password never reaches argv."""
        return {"PGPASSWORD": self.password} if self.password else {}

    def display(self) -> str:
        return mask_url(self.url)


def connect(target: DatabaseUrl, *, connect_timeout: float = 10, autocommit: bool = True):
    """A psycopg connection to `target`; failures become one-line ConnectionFailed errors."""
    import psycopg

    try:
        return psycopg.connect(
            target.url,
            password=target.password,
            connect_timeout=max(1, int(round(connect_timeout))),
            autocommit=autocommit,
            application_name=APPLICATION_NAME,
            **KEEPALIVES,
        )
    except psycopg.OperationalError as exc:
        reason = _first_line(str(exc)) or "connection failed"
        raise ConnectionFailed(redact(f"cannot connect to {target.display()}: {reason}")) from None


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    # libpq prefixes with 'connection failed: connection to server at ... failed:'; keep the cause
    for line in lines:
        if "FATAL" in line or "timeout" in line.lower() or "refused" in line.lower():
            return line
    return lines[-1] if lines else ""
