"""Hand landmarks over datasets on a Ray cluster (extra ``[ray]``: ``pip install 'handpose[ray]'``).

Images: ``ray.data.read_binary_files`` (the original bytes, decoded in the actor exactly as
:func:`handpose.io.images.load_image` does) → ``map_batches(HandposeActor)``, one
:class:`~handpose.HandLandmarker` per actor → rows with the Parquet output schema of ``handpose batch``
(:func:`handpose.io.sinks.parquet_schema`, plus an ``error`` column). Videos: one actor call per video
(tracking needs the frames in order), one row per frame.

>>> import ray                                                             # doctest: +SKIP
>>> from handpose.distributed import detect_images, detect_videos          # doctest: +SKIP
>>> ray.init(address="auto")                                               # doctest: +SKIP
>>> ds = detect_images(["s3://bucket/images/"], model="full", concurrency=64)  # doctest: +SKIP
>>> ds.write_parquet("s3://bucket/hands/")                                 # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import json
import logging
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..errors import MissingExtraError
from ..io.images import IMAGE_EXTENSIONS
from ..io.sinks import is_error_line, records_to_arrow

RAY_NICENESS_ENV = "RAY_worker_niceness"  # Ray's own variable (lower case is its spelling)

__all__ = ["HandposeActor", "VideoActor", "detect_images", "detect_videos", "import_ray", "init_ray"]


def import_ray() -> Any:
    """``ray`` with Ray Data, or MissingExtraError naming the ``ray`` extra."""
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise MissingExtraError("ray[data]", "ray") from exc
    return ray


def init_ray(address: str | None = None, num_cpus: int | None = None) -> Any:
    """Connect to ``address`` (``"auto"``, ``"ray://host:10001"``, ``"host:6379"``), or start a local Ray with
    ``num_cpus``; an already initialised Ray is used as is. Sets Ray Data to keep the input order."""
    from .cluster import quiet_ray_data

    ray = import_ray()
    if not ray.is_initialized():
        _start_or_connect(ray, address, num_cpus)
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        quiet_ray_data()
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    return ray


def _start_or_connect(ray: Any, address: str | None, num_cpus: int | None) -> None:
    # ray.init takes SIGTERM over in the driver (sys.exit(15), and a C-level stack dump + abort); a command's
    # stop handlers (handpose.shutdown.stop_on_signals) stay in charge, so SIGTERM stops a Ray job as Ctrl-C does.
    from ..shutdown import keep_signal_handlers

    with keep_signal_handlers():
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        else:
            # Ray renices its worker processes to 15 by default; on a machine shared with other work that
            # starves the actors. A local Ray started here runs them at normal priority, like the local engine.
            os.environ.setdefault(RAY_NICENESS_ENV, "0")
            # Ray notes at WARNING level that a new local cluster gets token authentication; handpose starts
            # this private cluster itself and keeps that safe default, so the note says nothing to the user.
            logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(
                logging.ERROR
            )
            ray.init(
                num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING
            )


def _lines_to_table(paths: Sequence[str], lines: Sequence[str]) -> Any:
    records = []
    for path, line in zip(paths, lines, strict=True):
        if is_error_line(line):
            records.append({"image": path, "error": json.loads(line)["error"], "hands": []})
        else:
            records.append(json.loads(line))
    return records_to_arrow(records, with_error=True)


class HandposeActor:
    """Ray Data actor class holding one :class:`~handpose.HandLandmarker` (its ONNX Runtime sessions).

    Called with batches of ``{"path", "bytes"}`` (as ``read_binary_files(..., include_paths=True)`` gives);
    returns an Arrow table with the Parquet output schema plus ``error`` (``output="arrow"``), or
    ``{"path", "line"}`` with the exact JSONL lines of ``handpose batch`` (``output="lines"``).
    """

    def __init__(self, settings: Any, output: str = "arrow", names: dict[str, str] | None = None) -> None:
        from ..batch.worker import UnitProcessor

        self.processor = UnitProcessor(settings)
        self.output = output
        self.names = names or {}  # path read -> name shown (the input as given on the driver)

    def __call__(self, batch: dict[str, np.ndarray]) -> Any:
        paths = [self.names.get(str(p), str(p)) for p in batch["path"]]
        entries = [(p, bytes(b), None) for p, b in zip(paths, batch["bytes"], strict=True)]
        lines = list(self.processor.image_lines(entries))
        if self.output == "lines":
            return {"path": np.array(paths, dtype=object), "line": np.array(lines, dtype=object)}
        return _lines_to_table(paths, lines)


class VideoActor:
    """Ray Data actor class: one video per call (batch_size=1), frames in order with tracking; yields the
    frames' rows in chunks of ``rows_per_batch`` (bounded memory for long videos)."""

    def __init__(self, settings: Any, output: str = "arrow", rows_per_batch: int = 256) -> None:
        from ..batch.worker import UnitProcessor

        self.processor = UnitProcessor(settings)
        self.output = output
        self.rows_per_batch = rows_per_batch

    def __call__(self, batch: dict[str, np.ndarray]) -> Iterator[Any]:
        shown = batch["shown"] if "shown" in batch else batch["path"]
        for index, path, name in zip(batch["index"], batch["path"], shown, strict=True):
            chunk: list[str] = []
            for line in self.processor.video_lines(str(name), source=str(path)):
                chunk.append(line)
                if len(chunk) >= self.rows_per_batch:
                    yield self._rows(int(index), str(name), chunk)
                    chunk = []
            if chunk:
                yield self._rows(int(index), str(name), chunk)

    def _rows(self, index: int, path: str, lines: list[str]) -> Any:
        if self.output == "lines":
            n = len(lines)
            return {"index": np.full(n, index), "line": np.array(lines, dtype=object)}
        return _lines_to_table([path] * len(lines), lines)


def _settings(landmarker: dict[str, Any], batch_size: int, digits: int | None, threads: int) -> Any:
    from ..batch.worker import WorkerSettings

    kw = dict(landmarker)
    kw["threads"] = kw.get("threads") or threads
    return WorkerSettings(landmarker=kw, batch_size=batch_size, digits=digits)


def rows_per_call(batch_size: int) -> int:
    """Images per actor call: at least 16, so Ray's per-call overhead is spread over several model batches
    (the actor still runs the models ``batch_size`` images at a time)."""
    return max(int(batch_size), 16)


def _read_binary(ray: Any, paths: Any, **kw: Any) -> Any:
    # Reading is light (decoding happens in the actors): num_cpus=0 keeps read tasks from waiting behind
    # actors that hold every CPU (a deadlock on small clusters).
    if "num_cpus" in inspect.signature(ray.data.read_binary_files).parameters:
        return ray.data.read_binary_files(paths, include_paths=True, num_cpus=0, **kw)
    return ray.data.read_binary_files(paths, include_paths=True, ray_remote_args={"num_cpus": 0}, **kw)


def _actor_pool(ray: Any, concurrency: int | None, num_cpus: float) -> Any:
    if concurrency is None:
        total = int(ray.cluster_resources().get("CPU", 1))
        concurrency = max(1, int(total // max(num_cpus, 1e-9)))
    return ray.data.ActorPoolStrategy(size=concurrency)


def detect_images(
    paths: str | Sequence[str],
    *,
    concurrency: int | None = None,
    batch_size: int = 4,
    num_cpus: float = 1,
    digits: int | None = None,
    output: str = "arrow",
    file_extensions: Sequence[str] | None = None,
    **landmarker: Any,
) -> Any:
    """A Ray Dataset of hand landmarks, one row per image (lazy: write or iterate it to run it).

    ``paths``: files and/or folders (any filesystem Ray reads: local on every node, NFS, ``s3://``...);
    folders are read for ``file_extensions`` (default: the image suffixes). ``concurrency`` actors (default:
    cluster CPUs // ``num_cpus``), each with ``num_cpus`` CPUs and that many ONNX Runtime threads,
    ``batch_size`` images per model call (and at least 16 per actor call). ``landmarker``: HandLandmarker
    options (model, max_hands, ...).
    """
    ray = import_ray()
    exts = [e.lstrip(".") for e in (file_extensions or sorted(IMAGE_EXTENSIONS))]
    exts += [e.upper() for e in exts]
    ds = _read_binary(ray, paths if isinstance(paths, str) else list(paths), file_extensions=exts)
    settings = _settings(landmarker, batch_size, digits, max(1, int(num_cpus)))
    return ds.map_batches(
        HandposeActor,
        fn_constructor_args=(settings, output),
        batch_size=rows_per_call(batch_size),
        batch_format="numpy",
        compute=_actor_pool(ray, concurrency, num_cpus),
        num_cpus=num_cpus,
    )


def detect_videos(
    paths: Sequence[str],
    *,
    concurrency: int | None = None,
    num_cpus: float = 1,
    digits: int | None = None,
    output: str = "arrow",
    **landmarker: Any,
) -> Any:
    """A Ray Dataset of hand landmarks for videos: each video processed whole by one actor (frames in order,
    tracking), one row per frame. The video files must be readable at the same path on every node."""
    ray = import_ray()
    ds = ray.data.from_items([{"index": i, "path": str(p)} for i, p in enumerate(paths)])
    settings = _settings(landmarker, 1, digits, max(1, int(num_cpus)))
    return ds.map_batches(
        VideoActor,
        fn_constructor_args=(settings, output),
        batch_size=1,
        batch_format="numpy",
        compute=_actor_pool(ray, concurrency, num_cpus),
        num_cpus=num_cpus,
    )
