"""Running a batch job: plan units, skip finished ones (``--resume``), process the rest on a local process pool
(or on Ray), then assemble the final outputs atomically in input order.

Memory stays bounded whatever the number of inputs: sources are expanded lazily, at most ``2 × workers``
units are in flight, results go to shard files as each unit finishes, and the final files are streamed from
the shards.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..errors import HandposeError
from ..io.sinks import assemble, format_of
from ..io.sources import Unit, expand_sources, plan_units
from .shards import PartsDir, UnitDone
from .worker import UnitProcessor, WorkerSettings

log = logging.getLogger(__name__)

ENGINES = ("local", "ray")
# Options that change results: a resumed job must use the same ones as the interrupted job.
_RESULT_OPTIONS = ("model", "max_hands", "min_detection_confidence", "min_presence_confidence")


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class BatchJob:
    """A batch job. ``landmarker`` holds :class:`~handpose.HandLandmarker` keyword options; ``threads`` 0 (or
    absent) gives each worker ``max(1, cores // workers)`` ONNX Runtime threads."""

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


def _count_in_background(sources: list[str], progress: Progress) -> None:
    def count() -> None:
        total = sum(1 for _ in expand_sources(sources))
        progress.set_total(total)

    if progress.enabled:
        threading.Thread(target=count, name="handpose-count", daemon=True).start()


def worker_settings(job: BatchJob, parts: PartsDir, workers: int) -> WorkerSettings:
    kw = dict(job.landmarker)
    if not kw.get("threads"):
        kw["threads"] = max(1, available_cores() // max(1, workers))
    return WorkerSettings(
        landmarker=kw,
        batch_size=job.batch_size,
        digits=job.digits,
        annotated_dir=str(job.annotated_dir) if job.annotated_dir else None,
        parts=str(parts.path),
    )


def run_job(job: BatchJob) -> JobSummary:
    """Run (or resume) a batch job and write its outputs. Raises HandposeError/ValueError on setup problems;
    failed inputs go to the errors file, not to exceptions."""
    if job.engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {job.engine!r}")
    if job.batch_size < 1 or job.chunk_size < 1 or job.workers < 0:
        raise ValueError("batch size and chunk size must be >= 1, workers >= 0")
    format_of(job.out)  # fail fast on a bad suffix
    from ..api import HandLandmarkerOptions

    HandLandmarkerOptions(**job.landmarker)  # bad option values: one clear ValueError now, not a worker crash
    if job.out.is_dir():
        raise ValueError(f"{job.out}: is a directory; --out names the results file")
    if format_of(job.out) == "parquet":
        from ..io.sinks import parquet_schema

        parquet_schema()  # raises MissingExtraError without pyarrow
    started = time.monotonic()
    parts = PartsDir.for_output(job.out)
    options = {k: job.landmarker.get(k) for k in _RESULT_OPTIONS}
    options.update(digits=job.digits, annotated_dir=str(job.annotated_dir) if job.annotated_dir else None)
    settings = parts.start(
        {"version": 1, "sources": list(job.sources), "chunk_size": job.chunk_size, "options": options},
        job.resume,
    )
    if settings["sources"] != list(job.sources):
        log.warning("resuming with different sources than the interrupted job; changed units are redone")
    done = parts.load_done() if job.resume else {}
    workers = job.workers or available_cores()
    progress = Progress(job.progress)
    _count_in_background(job.sources, progress)
    planned = _Planner(plan_units(expand_sources(job.sources), settings["chunk_size"]), done, progress)
    try:
        if job.engine == "ray":
            from ..distributed.engine import run_units_on_ray

            run_units_on_ray(planned, parts, worker_settings(job, parts, 1), job, progress)
        else:
            _run_local(planned, parts, worker_settings(job, parts, workers), workers, progress)
    finally:
        progress.close()
    finished = parts.load_done()
    missing = [uid for uid in range(planned.units) if uid not in finished]
    if missing:
        raise HandposeError(f"{parts.path}: {len(missing)} unit(s) did not finish (first: {missing[0]})")
    stats = assemble(lambda: parts.lines(range(planned.units)), job.out, job.errors_path, job.coco)
    if not job.keep_parts:
        parts.remove()
    return JobSummary(
        files=sum(finished[uid].items for uid in range(planned.units)),
        rows=stats.rows,
        hands=stats.hands,
        errors=stats.errors,
        units=planned.units,
        skipped_units=planned.skipped,
        seconds=time.monotonic() - started,
        out=job.out,
        errors_path=job.errors_path if stats.errors else None,
    )


class _Planner:
    """Iterates the units still to do, counting all units and skipping those finished with the same inputs."""

    def __init__(self, units: Iterator[Unit], done: dict[int, UnitDone], progress: Progress) -> None:
        self._units = units
        self._done = done
        self._progress = progress
        self.units = 0
        self.skipped = 0

    def __iter__(self) -> Iterator[Unit]:
        for unit in self._units:
            self.units = unit.uid + 1
            previous = self._done.get(unit.uid)
            if previous is not None and previous.digest == unit.digest:
                self.skipped += 1
                self._progress.update(len(unit.items))
                continue
            if previous is not None:
                log.warning("unit %d: inputs changed since the interrupted run; redoing it", unit.uid)
            yield unit


# -- local engine: a process pool -------------------------------------------------------------------------

_PROCESSOR: UnitProcessor | None = None


def _init_worker(settings: WorkerSettings, log_level: int) -> None:
    global _PROCESSOR
    logging.basicConfig(level=log_level, format="%(name)s: %(message)s")
    _PROCESSOR = UnitProcessor(settings)


def _run_unit(unit: Unit) -> UnitDone:
    if _PROCESSOR is None:
        raise RuntimeError("worker not initialised")
    return _PROCESSOR.run(unit)


def _run_local(
    units: _Planner, parts: PartsDir, settings: WorkerSettings, workers: int, progress: Progress
) -> None:
    """Process units with ``workers`` processes (in this process when 1), at most 2 × workers in flight."""

    def finish(entry: UnitDone) -> None:
        parts.mark_done(entry)
        progress.update(entry.items)

    if workers == 1:
        processor = UnitProcessor(settings)
        try:
            for unit in units:
                finish(processor.run(unit))
        finally:
            processor.close()
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process holding threads
    level = logging.getLogger().getEffectiveLevel()
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(settings, level)
    ) as pool:
        inflight: set[Future[UnitDone]] = set()
        try:
            for unit in units:
                inflight.add(pool.submit(_run_unit, unit))
                while len(inflight) >= 2 * workers:
                    finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        finish(future.result())
            while inflight:
                finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                for future in finished:
                    finish(future.result())
        except KeyboardInterrupt:
            pool.shutdown(cancel_futures=True)  # finished units are kept; --resume continues
            raise
        except Exception as exc:
            pool.shutdown(cancel_futures=True)
            raise HandposeError(
                f"a batch worker failed ({type(exc).__name__}: {exc}); finished units are kept, rerun with --resume"
            ) from exc
