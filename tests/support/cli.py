"""Running the real command line (the `supatasks` console script, the same namespace as `inv`) as a user would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

SUPATASKS = str(Path(sys.executable).parent / "supatasks")


def clean_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The process environment without the caller's SUPABASE_/SUPATASKS_ settings, plus `env`."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "SUPATASKS_"))}
    full.update(env or {})
    return full


def run_supatasks(args: list[str], cwd: Path, env: dict[str, str] | None = None, input: str | None = None,
                  timeout: float = 300) -> subprocess.CompletedProcess:
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
    return subprocess.Popen([SUPATASKS, *args], cwd=cwd, env=clean_env(env), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)


def one_error_line(stderr: str) -> str:
    """The single `error: …` line of a failed run; no traceback anywhere."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]
