"""Running the real command line (the `supatasks` console script, the same namespace as `inv`) as a user would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

SUPATASKS = str(Path(sys.executable).parent / "supatasks")
# The server on which a push's advisor gate makes its scratch database (the local profile's server) in tests
# whose project has no local profile of its own; tests/conftest.py sets it to the session's pg_server.
SCRATCH_SERVER: dict[str, str] = {}


def local_profile_for_push(args: list[str], cwd: Path, env: dict[str, str] | None) -> None:
    """db.push (and db.up on a remote profile) proves the pending migrations on a scratch database of the
    local server. A test project pushing to staging or production without a local profile would start an
    embedded server of its own (and leave it running): give it `.env.local` on the session's server instead."""
    env = env or {}
    profile = next((a.split("=", 1)[1] for a in args if a.startswith("--env=")), env.get("SUPATASKS_ENV", "local"))
    if (not args or args[0] not in ("db.push", "db.up") or profile == "local" or "SUPABASE_DB_URL" in env
            or not SCRATCH_SERVER or (Path(cwd) / ".env.local").exists() or "--skip-advise" in args
            or not (Path(cwd) / f".env.{profile}").is_file()):  # an unknown profile is refused before any gate
        return
    (Path(cwd) / ".env.local").write_text(f"SUPABASE_DB_URL={SCRATCH_SERVER['url']}\n")


def clean_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The process environment without the caller's SUPABASE_/SUPATASKS_ settings, plus `env`."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "SUPATASKS_"))}
    full.update(env or {})
    return full


def run_supatasks(args: list[str], cwd: Path, env: dict[str, str] | None = None, input: str | None = None,
                  timeout: float = 300) -> subprocess.CompletedProcess:
    local_profile_for_push(args, cwd, env)
    return subprocess.run([SUPATASKS, *args], cwd=cwd, env=clean_env(env), input=input, capture_output=True,
                          text=True, timeout=timeout)


def ok(args: list[str], cwd: Path, env: dict | None = None, input: str | None = None):
    """run_supatasks, asserting exit 0 (the output in the message otherwise)."""
    result = run_supatasks(args, cwd, env, input=input)
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def ok_json(args: list[str], cwd: Path, env: dict | None = None):
    return json.loads(ok(args, cwd, env).stdout)


def default_sigint() -> None:
    # A test run started in the background (nohup, `&` in a script) inherits SIGINT ignored, and so would
    # every child: give supatasks the disposition a terminal gives it, so Ctrl-C tests test something.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start the real `supatasks` console script without waiting for it."""
    local_profile_for_push(args, cwd, env)
    return subprocess.Popen([SUPATASKS, *args], cwd=cwd, env=clean_env(env), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)


def one_error_line(stderr: str) -> str:
    """The single `error: …` line of a failed run; no traceback anywhere."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]
