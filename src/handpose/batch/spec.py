"""What a batch job is (:class:`BatchJob`), what it did (:class:`JobSummary`) and how it shows progress.

Shared by the local runner (:mod:`handpose.batch.job`) and the Ray runner (:mod:`handpose.distributed.engine`),
which both import it: neither imports the other's module at import time for these.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

__all__ = ["BatchJob", "JobSummary", "Progress", "available_cores"]


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class BatchJob:
    """A batch job. ``landmarker`` holds :class:`~handpose.HandLandmarker` keyword options; ``threads`` is the
    job's budget of cores (0 or absent: all): ``workers`` defaults to one process per two of them (at least
    one; :func:`handpose.batch.job.default_workers`), each with ``max(1, threads // workers)`` threads (two
    or more: two images in flight)."""

    sources: list[str]
    out: Path
    coco: Path | None = None
    annotated_dir: Path | None = None
    workers: int = 0
    batch_size: int = 4
    chunk_size: int = 64
    resume: bool = False
    engine: str = "local"
    ray_address: str | None = None
    landmarker: dict[str, Any] = field(default_factory=dict)
    digits: int | None = None
    progress: bool = False
    keep_parts: bool = False

    @property
    def errors_path(self) -> Path:
        return self.out.with_name(self.out.name + ".errors.jsonl")


@dataclass
class JobSummary:
    """What a finished job did (counts over the whole output, resumed parts included)."""

    files: int
    rows: int
    hands: int
    errors: int
    units: int
    skipped_units: int
    seconds: float
    out: Path
    errors_path: Path | None


class Progress:
    """Files done, files/s and ETA: a tqdm bar when tqdm is installed (extra ``progress``), else a line on
    stderr every ``interval`` seconds. The total arrives later (counted in a background thread)."""

    def __init__(self, enabled: bool, stream: TextIO | None = None, interval: float = 10.0) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.interval = interval
        self.done = 0
        self.total: int | None = None
        self._start = time.monotonic()
        self._last = self._start
        self._bar: Any = None
        if enabled:
            try:
                from tqdm import tqdm

                self._bar = tqdm(
                    total=None, unit="file", file=self.stream, dynamic_ncols=True, smoothing=0.05
                )
            except ImportError:
                pass

    def set_total(self, total: int) -> None:
        self.total = total
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()

    def update(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.enabled and time.monotonic() - self._last >= self.interval:
            self._last = time.monotonic()
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        rate = self.done / elapsed
        text = (
            f"handpose batch: {self.done}"
            + (f"/{self.total}" if self.total else "")
            + f" files, {rate:.1f} files/s"
        )
        if self.total and rate > 0:
            eta = int((self.total - self.done) / rate)
            text += f", ETA {eta // 3600}:{eta // 60 % 60:02d}:{eta % 60:02d}"
        return text

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
