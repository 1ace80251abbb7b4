"""What a local run shows while it runs: progress, each problem once, and a closing summary.

On a terminal, one live line drawn by rich (done, failed and running out of the total, rate,
time left); off a terminal, a plain line every few seconds and at the end, such as
`42/120 done, 1 failed, 3 running`, so a log file stays readable.
"""

from __future__ import annotations

import time
from typing import Optional, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

EVERY_S = 5.0  # off a terminal: a progress line this often


class Reporter:
    """Counts instances as they end and shows it, live on a terminal, periodically elsewhere."""

    def __init__(self, out: TextIO, total: int) -> None:
        self.out, self.total = out, total
        self.done = self.failed = self.blocked = self.running = 0
        self.started_at = self.last_line = time.monotonic()
        self.live: Optional[Progress] = None
        if out.isatty():
            self.live = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                                 console=Console(file=out), transient=False)
            self.task = self.live.add_task(self._counts(), total=total, rate="")
            self.live.start()

    def _counts(self, of_total: bool = False) -> str:
        parts = [f"{self.done}/{self.total} done" if of_total else f"{self.done} done"]
        parts += [f"{n} {what}" for n, what in ((self.failed, "failed"), (self.blocked, "blocked"),
                                                (self.running, "running")) if n]
        return ", ".join(parts)

    def message(self, text: str) -> None:
        """A line above the progress (a phase, a failure)."""
        if self.live is not None:
            self.live.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            print(text, file=self.out, flush=True)

    def update(self, final: bool = False) -> None:
        ended = self.done + self.failed + self.blocked
        if self.live is not None:
            elapsed = max(time.monotonic() - self.started_at, 1e-6)
            self.live.update(self.task, completed=ended, description=self._counts(),
                             rate=f"{ended / elapsed:.1f}/s")
            if final:
                self.live.stop()
            return
        now = time.monotonic()
        if final or now - self.last_line >= EVERY_S:
            self.last_line = now
            print(self._counts(of_total=True), file=self.out, flush=True)
