"""The worker side of a batch job: turn units of work into shard lines with one :class:`HandLandmarker`.

Used by the local process pool (one :class:`UnitProcessor` per worker process) and by the Ray actors
(:mod:`handpose.distributed`), so both engines produce the same lines for the same inputs.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import cv2
import numpy as np

from ..api import HandLandmarker, RunningMode
from ..drawing import annotate
from ..errors import HandposeError
from ..io.images import decode_image, load_image
from ..io.sinks import error_line, is_error_line, result_line
from ..io.sources import ERROR, Item, Unit
from ..io.video import VideoReader, VideoWriter
from ..results import HandLandmarkerResult
from .shards import PartsDir, UnitDone

log = logging.getLogger(__name__)

# (shown name, encoded bytes or None to read the file ``shown``, error from the expansion or None)
ImageEntry = tuple[str, bytes | None, str | None]


@dataclass
class WorkerSettings:
    """Everything a worker needs; picklable (sent to spawned processes and Ray actors)."""

    landmarker: dict[str, Any]
    batch_size: int = 4
    digits: int | None = None
    annotated_dir: str | None = None
    parts: str | None = None


def annotated_path(annotated_dir: str | os.PathLike[str], shown: str, suffix: str) -> Path:
    """Where the annotated copy of ``shown`` goes: its path mirrored under ``annotated_dir`` (anchor dropped,
    ``..`` as ``__``), with ``suffix`` appended unless the name already ends in it."""
    parts = [
        p if p != ".." else "__" for p in PurePath(shown).parts if p not in (PurePath(shown).anchor, ".")
    ]
    name = parts[-1] if parts else "input"
    if not name.lower().endswith(suffix):
        name += suffix
    return Path(annotated_dir, *parts[:-1], name)


class UnitProcessor:
    """Owns the landmarkers of one worker (created on first use) and processes units into shards."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self._image_lm: HandLandmarker | None = None
        self._video_lm: HandLandmarker | None = None
        self._lanes: ThreadPoolExecutor | None = None  # image threads (image_lines with two or more threads)
        self._lane_local = threading.local()  # each lane thread's own landmarker
        self._lane_lock = threading.Lock()
        self._lane_landmarkers: list[HandLandmarker] = []

    def landmarker(self, video: bool = False) -> HandLandmarker:
        if video:
            if self._video_lm is None:
                self._video_lm = HandLandmarker(**self.settings.landmarker, running_mode=RunningMode.VIDEO)
            return self._video_lm
        if self._image_lm is None:
            self._image_lm = HandLandmarker(**self.settings.landmarker)
        return self._image_lm

    def close(self) -> None:
        if self._lanes is not None:
            self._lanes.shutdown(wait=True, cancel_futures=True)
            self._lanes = None
        for lm in (self._image_lm, self._video_lm, *self._lane_landmarkers):
            if lm is not None:
                lm.close()

    # -- units → shards ------------------------------------------------------------------------------------

    def run(self, unit: Unit) -> UnitDone:
        """Process one unit and write its shard (atomically); returns its done-list entry."""
        if self.settings.parts is None:
            raise ValueError("WorkerSettings.parts is not set")
        parts = PartsDir(self.settings.parts)
        done = UnitDone(unit.uid, unit.digest, len(unit.items), 0, 0, 0)
        with parts.open_shard(unit.uid) as fh:
            lines = (
                self.video_lines(unit.items[0].shown)
                if unit.is_video
                else self.image_lines(entries(unit.items))
            )
            for line in lines:
                fh.write(line + "\n")
                count(done, line)
        return done

    # -- images --------------------------------------------------------------------------------------------

    def image_lines(self, items: Iterable[ImageEntry]) -> Iterator[str]:
        """Result or error lines for images, in order.

        With two or more threads (and no thorough search) each thread reads, decodes and runs whole images with
        a landmarker of its own (one model thread each), several images ahead, while this thread writes the
        lines in order: two one-thread processes' work in one process, without a second interpreter, second
        imports or a barrier every ``batch_size`` images (issue 13). Otherwise images are decoded and run
        ``batch_size`` at a time. The lines are the same either way.
        """
        lanes = int(self.settings.landmarker.get("threads") or 1)
        if lanes >= 2 and self.settings.landmarker.get("thorough") in (None, False, "off"):
            yield from self._lane_lines(items, lanes)
            return
        slots: list[tuple[str, np.ndarray | None, str | None]] = []
        ready = 0
        for shown, data, problem in items:
            slots.append(_decoded(shown, data, problem))
            ready += slots[-1][1] is not None
            if ready >= self.settings.batch_size:
                yield from self._flush(slots)
                slots, ready = [], 0
        yield from self._flush(slots)

    def _lane_lines(self, items: Iterable[ImageEntry], lanes: int) -> Iterator[str]:
        """:meth:`image_lines` on ``lanes`` threads; at most ``4 × lanes`` images in flight (a slow decode or a
        slow image at the head does not leave a thread idle)."""
        if self._lanes is None:
            self._lanes = ThreadPoolExecutor(lanes, thread_name_prefix="handpose-batch")
        window: deque[Future[tuple[str, np.ndarray | None, HandLandmarkerResult | str]]] = deque()
        for shown, data, problem in items:
            window.append(self._lanes.submit(self._lane_image, shown, data, problem))
            while len(window) >= 4 * lanes:
                yield self._line(*window.popleft().result())
        while window:
            yield self._line(*window.popleft().result())

    def _lane_image(
        self, shown: str, data: bytes | None, problem: str | None
    ) -> tuple[str, np.ndarray | None, HandLandmarkerResult | str]:
        """One image on a lane thread: decode, then detect with this thread's own one-thread landmarker."""
        shown, rgb, problem = _decoded(shown, data, problem)
        if rgb is None:
            return shown, None, problem or "unknown error"
        lm = getattr(self._lane_local, "landmarker", None)
        if lm is None:
            lm = HandLandmarker(**{**self.settings.landmarker, "threads": 1})
            self._lane_local.landmarker = lm
            with self._lane_lock:
                self._lane_landmarkers.append(lm)
        try:
            return shown, rgb, lm.detect(rgb)
        except Exception as exc:  # a model/runtime failure on this input: it fails alone
            log.debug("%s: inference failed", shown, exc_info=True)
            return shown, rgb, f"inference failed ({type(exc).__name__}: {exc})".splitlines()[0]

    def _flush(self, slots: list[tuple[str, np.ndarray | None, str | None]]) -> Iterator[str]:
        images = [rgb for _, rgb, _ in slots if rgb is not None]
        results = iter(self._detect(images, [s for s, rgb, _ in slots if rgb is not None]))
        for shown, rgb, problem in slots:
            if rgb is None:
                yield error_line(shown, problem or "unknown error")
                continue
            yield self._line(shown, rgb, next(results))

    def _line(self, shown: str, rgb: np.ndarray | None, result: HandLandmarkerResult | str) -> str:
        if isinstance(result, str) or rgb is None:
            return error_line(shown, str(result))
        if self.settings.annotated_dir:
            self._annotate_image(shown, rgb, result)
        return result_line(shown, result, digits=self.settings.digits)

    def _detect(self, images: list[np.ndarray], names: list[str]) -> list[HandLandmarkerResult | str]:
        """One batched call; if it fails, image by image so that one bad input fails alone."""
        if not images:
            return []
        lm = self.landmarker()
        try:
            return list(lm.detect_batch(images))
        except Exception as exc:  # a model/runtime failure on some input: isolate it
            log.debug("batch of %d failed (%s); retrying one by one", len(images), exc)
        out: list[HandLandmarkerResult | str] = []
        for name, image in zip(names, images, strict=True):
            try:
                out.append(lm.detect(image))
            except Exception as exc:
                out.append(f"inference failed ({type(exc).__name__}: {exc})".splitlines()[0])
                log.debug("%s: inference failed", name, exc_info=True)
        return out

    def _annotate_image(self, shown: str, rgb: np.ndarray, result: HandLandmarkerResult) -> None:
        from ..io.atomic import atomic_write_bytes
        from ..io.images import encode_jpeg

        path = annotated_path(self.settings.annotated_dir or ".", shown, ".jpg")
        bgr = annotate(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), result, copy=False)
        try:
            atomic_write_bytes(path, encode_jpeg(bgr, name=shown))
        except (
            OSError,
            HandposeError,
        ) as exc:  # the results still count; the missing copy is logged, not fatal to the job
            log.warning("%s: cannot write annotated copy %s (%s)", shown, path, exc.strerror or exc)

    # -- videos --------------------------------------------------------------------------------------------

    def video_lines(self, shown: str, source: str | None = None) -> Iterator[str]:
        """One result line per frame, in order, tracking hands from frame to frame (VIDEO mode). A video
        that cannot be read gives one error line (after the lines of the frames decoded before the failure).
        ``source``: the path to read when it differs from the name ``shown`` (the Ray engine reads absolute
        paths); lines and annotated copies are named by ``shown``."""
        lm = self.landmarker(video=True)
        lm.reset()
        writer: VideoWriter | None = None
        try:
            with VideoReader(source or shown) as video:
                for frame, ts, rgb in video:
                    result = lm.detect_for_video(rgb, ts)
                    if self.settings.annotated_dir:
                        if writer is None:
                            path = annotated_path(self.settings.annotated_dir, shown, ".mp4")
                            writer = VideoWriter(
                                path, fps=video.nominal_fps, size=(rgb.shape[1], rgb.shape[0])
                            )
                        writer.write(annotate(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), result, copy=False))
                    yield result_line(shown, result, frame=frame, digits=self.settings.digits)
            if writer is not None:
                writer.close()
                writer = None
        except HandposeError as exc:
            yield error_line(shown, str(exc))
        except Exception as exc:  # decoder or runtime failure mid-video: report it, keep the job going
            yield error_line(shown, f"video processing failed ({type(exc).__name__}: {exc})".splitlines()[0])
        finally:
            lm.reset()
            if writer is not None:
                writer.abort()


def _decoded(
    shown: str, data: bytes | None, problem: str | None
) -> tuple[str, np.ndarray | None, str | None]:
    """(shown, RGB image or None, error or None) of one image entry, read from ``shown`` when ``data`` is None."""
    if problem is not None:
        return shown, None, problem
    try:
        return shown, decode_image(data, shown) if data is not None else load_image(shown), None
    except HandposeError as exc:
        return shown, None, str(exc)


def entries(items: Iterable[Item]) -> Iterator[ImageEntry]:
    """Image entries of unit items (files read by the worker)."""
    for item in items:
        yield item.shown, None, item.error if item.kind == ERROR else None


def count(done: UnitDone, line: str) -> None:
    """Add one shard line to a unit's counts."""
    if is_error_line(line):
        done.errors += 1
    else:
        done.rows += 1
        done.hands += line.count('"handedness"')
