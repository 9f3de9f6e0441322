"""The one way tests run something in the background while the command under test runs."""

from __future__ import annotations

import threading


class BackgroundThread:
    """`run()` in a daemon thread between `__enter__` and `__exit__`; `run` loops until `stopping`."""

    join_timeout = 5.0

    def __init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, daemon=True)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=self.join_timeout)
