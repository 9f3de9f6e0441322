"""Printing for people (rich tables, progress lines) and for machines (JSON)."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime

from ..reporter import Reporter


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=_default) + "\n")


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def err(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def out(message: str = "") -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def stand_ins(target, known: str | None = None) -> None:
    """On the local profile: one line (on stderr, so JSON stays clean) naming the development stand-ins the
    database uses and what each does. `known`: the line as the library read it already ("" for none)."""
    if not target.profile.is_local:
        return
    line = known
    if line is None:
        from ..server.stand_ins import describe_stand_ins

        with target.connect() as conn:
            line = describe_stand_ins(conn)
    if line:
        err(line)


def table(title: str | None, columns: list[str], rows: list[list], styles: dict[str, str] | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        t.add_column(column, overflow="fold")
    for row in rows:
        t.add_row(*["" if v is None else str(v) for v in row])
    Console(soft_wrap=False).print(t)


PROGRESS_FROM = 20  # files in one run: from this many on, a terminal shows one progress bar instead of lines


class LineReporter(Reporter):
    """One line per migration with its duration; notes on stderr when stdout carries JSON.

    On a terminal, the line appears as "applying …" while the migration runs, so a long step shows; and a run
    of PROGRESS_FROM files or more (a cold reset, a large push) shows one live progress bar instead (files
    done / total, the current file, elapsed, estimate), then one line with the count. Without a terminal
    (CI, pipes) the one-line-per-file log stays."""

    def __init__(self, quiet: bool = False):
        self.stream = sys.stderr if quiet else sys.stdout
        self.live = self.stream.isatty()
        self.progress = None

    def planned(self, total: int) -> None:
        if not self.live or total < PROGRESS_FROM:
            return
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self.progress = Progress(
            TextColumn("  applying"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
            TimeElapsedColumn(), TextColumn("elapsed,"), TimeRemainingColumn(), TextColumn("left"),
            TextColumn("{task.fields[current]}"),
            console=Console(file=self.stream), transient=True)
        self.bar = self.progress.add_task("migrations", total=total, current="")
        self.total, self.done, self.began = total, 0, time.perf_counter()
        self.progress.start()

    def ended(self) -> None:
        if self.progress is None:
            return
        self.progress.stop()
        self.progress = None
        seconds = time.perf_counter() - self.began
        what = (f"{self.done} migration file(s)" if self.done == self.total
                else f"{self.done} of {self.total} migration file(s) before stopping")
        self.stream.write(f"  applied {what} ({seconds:.2f}s)\n")
        self.stream.flush()

    def note(self, message: str) -> None:
        if self.progress is not None:  # above the bar, not through it
            self.progress.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            err(message)

    def started(self, prepared) -> None:
        if self.progress is not None:
            self.progress.update(self.bar, current=prepared.migration.filename)
        elif self.live:
            self.stream.write(f"  applying {prepared.migration.filename} …")
            self.stream.flush()

    def finished(self, prepared, seconds: float) -> None:
        if self.progress is not None:
            self.done += 1
            self.progress.update(self.bar, advance=1)
            return
        prefix = "\r\033[K" if self.live else ""
        self.stream.write(f"{prefix}  applied {prepared.migration.filename} ({seconds:.2f}s)\n")
        self.stream.flush()


class DownLines(Reporter):
    """One line per rolled back migration (db.down)."""

    def __init__(self, say):
        self.say = say

    def note(self, message: str) -> None:
        self.say(f"  … {message}")

    def finished(self, step, seconds: float) -> None:
        self.say(f"  rolled back {step.title} ({step.label}, {seconds:.2f}s)")


class SyncLines(Reporter):
    """db.sync: one line per rolled back (recorded down SQL) and per applied migration."""

    def __init__(self, say):
        self.say = say

    def note(self, message: str) -> None:
        err(message)

    def finished(self, item, seconds: float) -> None:
        if hasattr(item, "down_sql"):
            self.say(f"  rolled back {item.title} ({item.reason}; {item.label}, {seconds:.2f}s)")
        else:
            self.say(f"  applied {item.migration.filename} ({seconds:.2f}s)")
