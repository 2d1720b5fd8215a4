"""What `hakb ingest` shows while it works, on stderr.

The pipeline reports three stages as it goes (`read` per document, `embed` per batch of
passages, `store` before and after the vector store); the time between them is work it
does not count (reading facts and cutting passages, loading the model, writing the
keyword index, sealing the build), shown as stages of their own so nothing runs
unseen. Each stage is shown in its own unit (documents, chunks) with a rate measured
over what the stage itself saw: the first report of a stage only starts its clock, so
a batch that arrives all at once never reads as millions per second.

    progress = for_ingest(force=args.progress)   # None: show nothing
    pipeline.run(sources, progress)
    progress.close()

On a terminal the stages are live bars (rich); with `--progress` on a pipe or file,
one plain line per finished stage. Never on stdout, so `--json` stays clean.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

# The pipeline's stages: what each counts, and what a person reads.
STAGES: dict[str, tuple[str, str]] = {
    "read": ("read documents", "documents"),
    "embed": ("embed passages", "chunks"),
    "store": ("store vectors", ""),
}
# The uncounted work after each counted stage ends.
AFTER: dict[str, str] = {
    "read": "facts, passages, model",
    "embed": "write files, keyword index",
    "store": "seal the build",
}


@dataclass
class _Stage:
    name: str
    label: str
    unit: str = ""
    total: int = 0
    done: int = 0
    started: float = field(default_factory=time.perf_counter)
    # The first report: the rate is measured from it (what came before it is unknown).
    first_done: int | None = None
    first_at: float = 0.0
    last_at: float = 0.0

    def rate(self) -> float | None:
        if self.first_done is None or self.last_at <= self.first_at or self.done <= self.first_done:
            return None
        return (self.done - self.first_done) / (self.last_at - self.first_at)

    def summary(self) -> str:
        seconds = time.perf_counter() - self.started
        if not self.unit:
            return f"{self.label}: {seconds:.1f} s"
        rate = self.rate()
        per = f" ({rate:,.1f} {self.unit}/s)" if rate is not None else ""
        return f"{self.label}: {self.done}/{self.total} {self.unit} in {seconds:.1f} s{per}"


class IngestProgress:
    """The callback `Pipeline.run` takes (`progress(stage, done, total)`), plus `close()`."""

    def __init__(self, stream: TextIO, *, live: bool) -> None:
        self.stream = stream
        self.live = live
        self.current: _Stage | None = None
        self._bars: Progress | None = None
        self._task: TaskID | None = None
        if live:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bars = Progress(
                SpinnerColumn(),
                TextColumn("{task.description:<28}"),
                BarColumn(),
                TextColumn("{task.fields[count]}"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=Console(file=stream),
            )
            self._bars.start()

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if self.current is None or self.current.name != stage:
            label, unit = STAGES.get(stage, (stage, ""))
            self._begin(_Stage(stage, label, unit, total=total))
        current = self.current
        assert current is not None
        current.total, current.done, current.last_at = total, done, now
        if current.first_done is None:
            current.first_done, current.first_at = done, now
        self._show(current)
        if total and done >= total and stage in AFTER:
            self._begin(_Stage(f"after-{stage}", AFTER[stage]))

    def close(self) -> None:
        self._end()
        if self._bars is not None:
            self._bars.stop()
            self._bars = None

    # -- drawing ---------------------------------------------------------------

    def _begin(self, stage: _Stage) -> None:
        self._end()
        self.current = stage
        if self._bars is not None:
            self._task = self._bars.add_task(stage.label, total=None, count="", rate="")

    def _end(self) -> None:
        stage, self.current = self.current, None
        if stage is None:
            return
        if self._bars is not None and self._task is not None:
            total = stage.total or 1
            self._bars.update(self._task, total=total, completed=stage.done if stage.unit else total)
            self._bars.stop_task(self._task)
        elif not self.live:
            print(f"hakb ingest: {stage.summary()}", file=self.stream, flush=True)

    def _show(self, stage: _Stage) -> None:
        if self._bars is None or self._task is None:
            return
        rate = stage.rate()
        self._bars.update(
            self._task,
            total=stage.total or None,
            completed=stage.done,
            count=f"{stage.done}/{stage.total} {stage.unit}" if stage.unit else "",
            rate=f"{rate:,.1f} {stage.unit}/s" if rate is not None and stage.unit else "",
        )


def for_ingest(*, force: bool, stream: TextIO | None = None) -> IngestProgress | None:
    """Progress on `stream` (stderr) when it is a terminal, or when `force` (--progress)
    asks for it anyway; None otherwise (tests, pipes, cron: nothing but the summary)."""
    stream = stream or sys.stderr
    terminal = stream.isatty()
    if not (terminal or force):
        return None
    return IngestProgress(stream, live=terminal)
