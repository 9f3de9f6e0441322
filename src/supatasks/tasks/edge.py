"""The edge between Invoke and the library: errors become one clear line and an exit code."""

from __future__ import annotations

import functools
import sys

from invoke import Exit, task

ENV_HELP = "Profile to use: local, staging, production, … (default: $SUPATASKS_ENV, else local)."
JSON_HELP = "Print machine-readable JSON on stdout instead of a table."


def db_task(*args, **kwargs):
    """Like invoke.task, but domain errors print one line (no traceback) and exit non-zero."""

    def decorate(body):
        @functools.wraps(body)
        def guarded(c, *a, **kw):
            from ..errors import SupatasksError
            from ..redact import redact

            try:
                return body(c, *a, **kw)
            except SupatasksError as exc:
                raise Exit(redact(f"error: {exc}"), code=exc.exit_code) from None
            except KeyboardInterrupt:
                raise Exit("interrupted: the migration in progress was rolled back, the lock released",
                           code=130) from None
            except Exception as exc:  # a database or OS error we did not anticipate: still one line
                message = _unexpected(exc)
                if message is None:
                    raise
                raise Exit(redact(f"error: {message}"), code=1) from None

        return task(guarded, **kwargs)

    if args and callable(args[0]) and not kwargs:
        return decorate(args[0])
    return decorate


def _unexpected(exc: Exception) -> str | None:
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(exc, psycopg.Error):
        state = getattr(exc, "sqlstate", None) or "?????"
        return f"database error {state}: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
    return None
