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
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from ..errors import HandposeError
from ..io.remote import is_uri
from ..io.sinks import assemble, format_of
from ..io.sources import Unit, expand_sources, plan_units
from ..shutdown import Interrupted, die_with_parent
from .shards import PartsDir, UnitDone
from .spec import BatchJob, JobSummary, Progress, available_cores
from .worker import UnitProcessor, WorkerSettings

log = logging.getLogger(__name__)

ENGINES = ("local", "ray")
# Options that change results: a resumed job must use the same ones as the interrupted job.
_RESULT_OPTIONS = (
    "model",
    "max_hands",
    "min_detection_confidence",
    "min_presence_confidence",
    "palm_interval",
    "thorough",
    "thorough_interval",
    "backend",
)


def _count_in_background(sources: list[str], progress: Progress) -> None:
    def count() -> None:
        total = sum(1 for _ in expand_sources(sources))
        progress.set_total(total)

    if progress.enabled:
        threading.Thread(target=count, name="handpose-count", daemon=True).start()


def default_workers(budget: int) -> int:
    """Worker processes for a budget of ``budget`` cores: one per two cores, each running whole images on two
    threads (:meth:`UnitProcessor.image_lines`); one core, one process. On two cores that is the command's
    own process: against two one-thread processes, no second interpreter, imports and spawn (~0.5 s CPU and
    0.6 s wall per job) and 238 instead of 501 MB (issue 13; benchmarks/README.md)."""
    return max(1, budget // 2)


def worker_settings(job: BatchJob, parts: PartsDir, workers: int) -> WorkerSettings:
    kw = dict(job.landmarker)
    # ``threads`` is the whole job's budget of cores (0: all), shared by the workers (runtime.thread_plan).
    kw["threads"] = max(1, (kw.get("threads") or available_cores()) // max(1, workers))
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
    uris = [s for s in job.sources if is_uri(s)]
    if uris and job.engine != "ray":
        raise ValueError(f"{uris[0]}: object-store URIs are read by the Ray engine (add --engine ray)")
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
    workers = job.workers or default_workers(job.landmarker.get("threads") or available_cores())
    progress = Progress(job.progress)
    _count_in_background(job.sources, progress)
    planned = _Planner(plan_units(expand_sources(job.sources), settings["chunk_size"]), done, progress)
    try:
        if job.engine == "ray":
            from ..distributed.engine import run_units_on_ray

            run_units_on_ray(planned, parts, worker_settings(job, parts, 1), job, progress)
        else:
            _run_local(planned, parts, worker_settings(job, parts, workers), workers, progress)
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP (handpose.shutdown): workers are stopped
        raise Interrupted.wrap(
            exc, f"finished units are kept in {parts.path}; run the same command with --resume to continue"
        ) from None
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


def _init_worker(settings: WorkerSettings, log_level: int, parent_pid: int) -> None:
    global _PROCESSOR
    die_with_parent(parent_pid)  # no orphans, even when the parent is killed with SIGKILL
    logging.basicConfig(level=log_level, format="%(name)s: %(message)s")
    import cv2

    cv2.setNumThreads(1)  # the job's process: the cores go to the workers, not to OpenCV's pool (cli.main)
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
        workers, mp_context=context, initializer=_init_worker, initargs=(settings, level, os.getpid())
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
            _stop_workers(pool)  # finished units are kept; --resume continues
            raise
        except Exception as exc:
            pool.shutdown(cancel_futures=True)
            raise HandposeError(
                f"a batch worker failed ({type(exc).__name__}: {exc}); finished units are kept, rerun with --resume"
            ) from exc


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now (their current units are redone on --resume).

    Workers ignore SIGINT (:func:`~handpose.shutdown.die_with_parent`), so a stop request never depends on
    which processes the signal reached. ``terminate_workers`` is the executor's own call from Python 3.14;
    before that, the executor's process table is the only handle on its workers.
    """
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:
        pool.shutdown(wait=False, cancel_futures=True)
        terminate()
        return
    # Read the table before shutdown(): shutdown sets it to None (CPython 3.10-3.13).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=5)
