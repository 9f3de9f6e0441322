"""The `supatasks` console script: the same tasks as `inv`, without needing a tasks.py."""

from invoke import Program

from . import __version__
from .tasks import namespace

program = Program(namespace=namespace, version=__version__, name="supatasks", binary="supatasks")


def main() -> None:
    import sys

    from .tasks.edge import invoke_error_line

    try:
        program.run()
    except Exception as exc:  # Invoke's own errors before a task runs: one line, exit 1
        line = invoke_error_line(exc)
        if line is None:
            raise
        sys.stderr.write(line + "\n")
        sys.exit(1)
