"""The one reporter protocol: what a long operation (applying migrations, rolling back) tells a person while it
works. The library calls it; the task layer prints (tasks/console.py) or records (an incident record).

`item` is what the operation works on: a migrations.runner.PreparedMigration, a recovery.down.DownStep."""

from __future__ import annotations


class Reporter:
    """Does nothing: subclasses print or record what they care about."""

    def planned(self, total: int) -> None:
        """`total` items are about to run (once per run, before the first `started`)."""

    def ended(self) -> None:
        """The run that `planned` announced is over: every item finished, or one failed, or Ctrl-C."""

    def note(self, message: str) -> None:
        pass

    def started(self, item) -> None:
        pass

    def finished(self, item, seconds: float) -> None:
        pass

    def failed(self, item, error: Exception) -> None:
        pass
