"""The edge between Invoke and the library: errors become one clear line and an exit code."""

from __future__ import annotations

import contextlib
import functools
import sys

from invoke import Exit, task


def db_task(*args, **kwargs):
    """Like invoke.task, but domain errors print one line (no traceback) and exit non-zero."""

    def decorate(body):
        @functools.wraps(body)
        def guarded(c, *a, **kw):
            # Invoke turns bytecode caching off while it loads tasks.py (so no tasks.pyc lands in the project)
            # and leaves it off: every library module a task imports would then be compiled from source on
            # every run of an editable install. The interpreter's own setting (-B, PYTHONDONTWRITEBYTECODE)
            # is kept.
            sys.dont_write_bytecode = bool(sys.flags.dont_write_bytecode)
            from ..errors import SupatasksError
            from ..redact import redact

            try:
                with _sigterm_as_interrupt():
                    return body(c, *a, **kw)
            except SupatasksError as exc:
                raise Exit(redact(f"error: {exc}"), code=exc.exit_code) from None
            except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (Terminated)
                raise Exit(_interrupted(stop), code=143 if isinstance(stop, Terminated) else 130) from None
            except Exception as exc:  # a database or OS error we did not anticipate: still one line
                message = _unexpected(exc)
                if message is None:
                    raise
                raise Exit(redact(f"error: {message}"), code=1) from None

        return task(guarded, **kwargs)

    if args and callable(args[0]) and not kwargs:
        return decorate(args[0])
    return decorate


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager, `kill`, a CI timeout), taken like Ctrl-C: psycopg cancels the running query,
    the open transaction rolls back, the session and its lock end."""


@contextlib.contextmanager
def _sigterm_as_interrupt():
    import signal
    import threading

    # An inherited "ignore" (nohup and the like) is honoured; only the main thread can take signals.
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def terminate(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(stop: KeyboardInterrupt) -> str:
    what = "terminated (SIGTERM)" if isinstance(stop, Terminated) else "interrupted"
    if getattr(stop, "waiting_for_lock", False):
        return f"{what} while waiting for the migration lock: nothing was changed"
    return f"{what}: the migration in progress was rolled back, the lock released"


def _unexpected(exc: Exception) -> str | None:
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(exc, psycopg.Error):
        state = getattr(exc, "sqlstate", None) or "?????"
        return f"database error {state}: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
    return None


# -- errors Invoke raises before a task runs (a config file given with -f/--config it cannot read, …) ----------

def invoke_error_line(exc: BaseException) -> str | None:
    """The one line for an error Invoke raised while parsing or loading its configuration (its own ParseError
    it prints already) — also a config file's YAML or JSON error, raised inside invoke/config.py; None for
    anything else."""
    import traceback

    module = type(exc).__module__ or ""
    frames = [frame.filename for frame in traceback.extract_tb(exc.__traceback__)]
    in_config = any(name.replace("\\", "/").endswith("invoke/config.py") for name in frames)
    if not module.startswith("invoke") and not in_config:
        return None
    text = str(exc).strip().splitlines()
    prefix = "error: Invoke could not load its configuration (-f/--config): " if in_config else "error: "
    return prefix + (text[0] if text else type(exc).__name__)


def install_invoke_error_hook() -> None:
    """`inv` runs Invoke's own Program, which lets its configuration errors escape as a traceback (e.g.
    `inv db.status -f x`: x is taken as a config file): print them as one line instead (exit code 1)."""
    previous = sys.excepthook
    if getattr(previous, "supatasks", False):
        return

    def hook(kind, exc, tb):
        line = invoke_error_line(exc)
        if line is None:
            previous(kind, exc, tb)
        else:
            sys.stderr.write(line + "\n")

    hook.supatasks = True
    sys.excepthook = hook
