"""The `supatasks` console script: the same tasks as `inv`, without needing a tasks.py."""

from invoke import Program

from . import __version__
from .tasks import namespace

program = Program(namespace=namespace, version=__version__, name="supatasks", binary="supatasks")


def main() -> None:
    program.run()
