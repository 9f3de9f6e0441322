"""Running external programs (pg_ctl, psql, pg_dump, supabase) through `sh`.

Every child process supatasks starts goes through `run`, so there is one place
that keeps secrets out of argument lists: pass passwords in `env`, never in `args`.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import SupatasksError, ToolMissing


@dataclass
class Completed:
    exit_code: int
    stdout: str
    stderr: str


class ProgramFailed(SupatasksError):
    def __init__(self, program: str, result: Completed):
        lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
        # The line that names the error, not a closing remark such as initdb's "removing contents of …"
        telling = [line for line in lines if any(word in line.lower() for word in ("error", "fatal", "could not"))]
        detail = (telling or lines)[-1] if lines else f"exit code {result.exit_code}"
        super().__init__(f"{Path(program).name} failed: {detail}")
        self.result = result


def find_program(name: str, *candidates: Path | str | None) -> str:
    """The first executable among `candidates`, else `name` on PATH."""
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise ToolMissing(f"{name} not found: install it or put it on PATH")
    return found


def run(
    program: str,
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | str | None = None,
    input: str | bytes | None = None,
    timeout: float | None = None,
    uid: int | None = None,
    check: bool = True,
    stdout_file: Path | None = None,
) -> Completed:
    """Run `program` with `args`; `env` is added to the current environment."""
    import sh

    full_env = dict(os.environ)
    full_env.update(env or {})
    kwargs: dict = dict(_env=full_env, _ok_code=list(range(256)), _timeout=timeout)
    if cwd is not None:
        kwargs["_cwd"] = str(cwd)
    if input is not None:
        kwargs["_in"] = input
    if uid is not None:
        kwargs["_uid"] = uid
    if stdout_file is not None:
        kwargs["_out"] = str(stdout_file)
    try:
        command = sh.Command(program)
        proc = command(*args, _return_cmd=True, **kwargs)
    except sh.CommandNotFound as exc:
        raise ToolMissing(f"{program} not found") from exc
    except sh.TimeoutException as exc:
        raise SupatasksError(f"{Path(program).name} did not finish within {timeout:g}s") from exc
    result = Completed(
        exit_code=proc.exit_code,
        stdout=_text(proc.stdout) if stdout_file is None else "",
        stderr=_text(proc.stderr),
    )
    if check and result.exit_code != 0:
        raise ProgramFailed(program, result)
    return result


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data


def run_interactive(program: str, args: list[str], *, env: dict[str, str] | None = None) -> int:
    """Run `program` attached to this terminal (e.g. psql); returns its exit code.

    (Not through `sh`: its `_fg` refuses `_env` and the other options.) While the program runs, Ctrl-C is
    its own (psql cancels the running query): this process ignores SIGINT instead of dying under it."""
    import signal
    import subprocess

    full_env = dict(os.environ)
    full_env.update(env or {})
    try:
        proc = subprocess.Popen([program, *args], env=full_env)
    except FileNotFoundError as exc:
        raise ToolMissing(f"{program} not found") from exc
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return proc.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
