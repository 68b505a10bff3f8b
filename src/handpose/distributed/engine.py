"""``handpose batch --engine ray``: the batch job's units processed on Ray, shards written by the driver.

The driver takes the pending units a window at a time (bounded memory), runs the window's images through
:func:`~handpose.distributed.detect_images` and its videos through
:func:`~handpose.distributed.detect_videos` (``output="lines"``: the exact JSONL lines of the local engine),
and writes each unit's shard as soon as its rows have arrived, so ``--resume`` and the final assembly are
those of the local engine.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable, Iterator
from typing import IO, Any

from ..batch.shards import PartsDir, UnitDone
from ..batch.spec import BatchJob, Progress, available_cores
from ..batch.worker import WorkerSettings, count, entries
from ..errors import HandposeError
from ..io.remote import is_uri
from ..io.sinks import error_line
from ..io.sources import ERROR, Unit
from . import HandposeActor, VideoActor, _actor_pool, _read_binary, init_ray, rows_per_call
from .cluster import check_reachable, cluster_path, one_line

log = logging.getLogger(__name__)

WINDOW_FILES = 20_000  # files handed to Ray per dataset; bounds the driver's memory


def _windows(units: Iterable[Unit], size: int) -> Iterator[list[Unit]]:
    window: list[Unit] = []
    files = 0
    for unit in units:
        window.append(unit)
        files += len(unit.items)
        if files >= size:
            yield window
            window, files = [], 0
    if window:
        yield window


def run_units_on_ray(
    units: Iterable[Unit], parts: PartsDir, settings: WorkerSettings, job: BatchJob, progress: Progress
) -> None:
    """Process ``units`` on Ray (``job.ray_address``, or a local Ray with ``job.workers`` CPUs).

    Inputs leave the driver as absolute paths (or URIs), after a check that every node can read them; output
    names stay as given. A failure inside Ray becomes one colourless HandposeError line (finished units kept).
    """
    ray = init_ray(job.ray_address, job.workers or available_cores())
    threads = int(job.landmarker.get("threads") or 1)
    annotated = cluster_path(settings.annotated_dir) if settings.annotated_dir else None
    actor_settings = WorkerSettings(
        landmarker={**settings.landmarker, "threads": threads},
        batch_size=settings.batch_size,
        digits=settings.digits,
        annotated_dir=annotated,
    )
    concurrency = job.workers or None
    checked = False
    try:
        for window in _windows(units, WINDOW_FILES):
            if not checked:
                shown = [item.shown for unit in window for item in unit.items if item.kind != ERROR]
                videos = [u.items[0].shown for u in window if u.is_video and is_uri(u.items[0].shown)]
                if videos:
                    raise HandposeError(f"{videos[0]}: videos must be files on a shared filesystem, not URIs")
                check_reachable(ray, shown, annotated)
                checked = True
            _run_images(
                ray,
                [u for u in window if not u.is_video],
                parts,
                actor_settings,
                concurrency,
                threads,
                progress,
            )
            _run_videos(
                ray, [u for u in window if u.is_video], parts, actor_settings, concurrency, threads, progress
            )
    except (HandposeError, KeyboardInterrupt):
        raise
    except Exception as exc:  # raised in a Ray worker (RayTaskError...) or by Ray itself
        raise HandposeError(
            f"Ray job failed ({one_line(exc)}); finished units are kept, rerun with --resume"
        ) from exc


class _ShardWriter:
    """Writes one unit's shard line by line (atomically) and marks it done when closed."""

    def __init__(self, parts: PartsDir, unit: Unit) -> None:
        self.parts = parts
        self.done = UnitDone(unit.uid, unit.digest, len(unit.items), 0, 0, 0)
        self._stack = contextlib.ExitStack()
        self._fh: IO[str] = self._stack.enter_context(parts.open_shard(unit.uid))

    def write(self, line: str) -> None:
        self._fh.write(line + "\n")
        count(self.done, line)

    def close(self, progress: Progress) -> None:
        self._stack.close()
        self.parts.mark_done(self.done)
        progress.update(self.done.items)


def _run_images(
    ray: Any,
    units: list[Unit],
    parts: PartsDir,
    settings: WorkerSettings,
    concurrency: int | None,
    threads: int,
    progress: Progress,
) -> None:
    shown = [item.shown for unit in units for item in unit.items if item.kind != ERROR]
    paths = [cluster_path(p) for p in shown]
    rows: Iterator[dict[str, Any]] = iter(())
    if paths:
        names = {path: name for path, name in zip(paths, shown, strict=True) if path != name}
        ds = _read_binary(ray, paths).map_batches(
            HandposeActor,
            fn_constructor_args=(settings, "lines", names),
            batch_size=rows_per_call(settings.batch_size),
            batch_format="numpy",
            compute=_actor_pool(ray, concurrency, threads),
            num_cpus=threads,
        )
        rows = iter(ds.iter_rows())
    for unit in units:
        writer = _ShardWriter(parts, unit)
        for shown, _, problem in entries(unit.items):
            if problem is not None:
                writer.write(error_line(shown, problem))
                continue
            row = next(rows)
            line = str(row["line"])
            if str(row["path"]) != shown:  # Ray normalised the path: name the input as it was given
                record = json.loads(line)
                record["image" if "image" in record else "path"] = shown
                line = json.dumps(record)
            writer.write(line)
        writer.close(progress)


def _run_videos(
    ray: Any,
    units: list[Unit],
    parts: PartsDir,
    settings: WorkerSettings,
    concurrency: int | None,
    threads: int,
    progress: Progress,
) -> None:
    if not units:
        return
    ds = ray.data.from_items(
        [
            {"index": i, "path": cluster_path(u.items[0].shown), "shown": u.items[0].shown}
            for i, u in enumerate(units)
        ]
    )
    ds = ds.map_batches(
        VideoActor,
        fn_constructor_args=(settings, "lines"),
        batch_size=1,
        batch_format="numpy",
        compute=_actor_pool(ray, min(concurrency or len(units), len(units)), threads),
        num_cpus=threads,
    )
    writers: dict[int, _ShardWriter] = {}  # one open at a time: rows arrive in input order
    for row in ds.iter_rows():
        index = int(row["index"])
        if index not in writers:
            for earlier in writers.values():
                earlier.close(progress)
            writers = {index: _ShardWriter(parts, units[index])}
        writers[index].write(str(row["line"]))
    for writer in writers.values():
        writer.close(progress)
