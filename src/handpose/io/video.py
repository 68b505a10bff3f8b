"""Reading and writing videos through OpenCV's FFmpeg backend; cameras through OpenCV's default backend.

Frames come out as ``VideoFrame(index, timestamp_ms, rgb)``: ``rgb`` is RGB uint8 (H, W, 3), C-contiguous,
decoded exactly as MediaPipe's reference scripts do (``cv2.VideoCapture.read`` then BGR → RGB).

Timestamps are the container's presentation times (``CAP_PROP_POS_MSEC``), so variable-frame-rate files keep
their real timing; they are rounded to whole milliseconds and forced strictly increasing (a repeated or
backwards time becomes the previous one + 1 ms), which is what ``HandLandmarker.detect_for_video`` needs.
For a camera they are milliseconds since the first frame on a monotonic clock.

Every problem with an input is a :class:`~handpose.errors.VideoReadError` with a one-line message
``"<path>: <reason>"`` (``"camera N: <reason>"`` for cameras): missing, empty, unreadable, not a video,
no frames, truncated. :class:`VideoWriter` writes to a temporary name beside the target and renames it at the
end, so an interrupted run never leaves a half-written output behind.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple, TypeVar

# FFmpeg prints its own diagnostics ("moov atom not found", "partial file") on stderr; our errors say the same
# in one line. OpenCV reads this variable when its FFmpeg backend starts; set it to e.g. 32 to see them again.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2  # after the environment variable above
import numpy as np

from ..errors import HandposeError, VideoReadError
from .av_encoder import PYAV_CODECS, PyAVEncoder, pyav_encoder_for
from .quiet import quiet_opencv

log = logging.getLogger(__name__)

VIDEO_FOURCC: dict[str, str] = {
    ".mp4": "mp4v",
    ".m4v": "mp4v",
    ".mov": "mp4v",
    ".mkv": "mp4v",
    ".avi": "MJPG",
}
"""Output container suffix → FourCC for OpenCV's writer, used when PyAV is not installed. The opencv-python
wheels' FFmpeg has no software H.264 encoder, so MP4 files then get MPEG-4 Part 2 ('mp4v'): desktop players and
OpenCV read it back, browsers do not. With PyAV (extra ``[video]``) MP4 files are H.264 and ``.webm`` is VP9
(see :mod:`handpose.io.av_encoder`)."""

_notes_given: set[str] = set()


def _note_once(message: str) -> None:
    if message not in _notes_given:
        _notes_given.add(message)
        log.warning(message)


_TRUNCATION_SLACK = (
    0.02  # share of the container's frame count that may be missing before we call it truncated
)


class VideoFrame(NamedTuple):
    """One decoded frame: index from 0, presentation time in ms (strictly increasing), RGB uint8 pixels."""

    index: int
    timestamp_ms: int
    rgb: np.ndarray


def parse_camera(value: str | int) -> int | str:
    """A ``--camera`` value: an integer index ("0") or, for testing and replays, a video file path."""
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.lstrip("-").isdigit() else text


def check_video_file(path: str | os.PathLike[str]) -> Path:
    """Raise VideoReadError unless ``path`` is an existing, non-empty, readable regular file."""
    p = Path(path)
    if not p.exists():
        raise VideoReadError(f"{p}: no such file")
    if p.is_dir():
        raise VideoReadError(f"{p}: is a directory, not a video file")
    if not p.is_file():
        raise VideoReadError(f"{p}: not a regular file")
    if p.stat().st_size == 0:
        raise VideoReadError(f"{p}: empty file (0 bytes)")
    if not os.access(p, os.R_OK):
        raise VideoReadError(f"{p}: permission denied")
    return p


class VideoReader:
    """Frames of a video file (or a camera) in order. Use as an iterable and a context manager.

    >>> with VideoReader("clip.mp4") as video:  # doctest: +SKIP
    ...     for index, timestamp_ms, rgb in video:
    ...         ...

    ``source``: a path, or an integer camera index. Opening checks that the file exists, is not empty and that
    FFmpeg recognises it; iterating raises VideoReadError if no frame decodes, or if far fewer frames decode
    than the container declares (a truncated file).
    """

    def __init__(self, source: str | os.PathLike[str] | int) -> None:
        self.is_camera = isinstance(source, int)
        if self.is_camera:
            self.name = f"camera {source}"
            with quiet_opencv():
                self._cap = cv2.VideoCapture(int(source))  # type: ignore[arg-type]
            if not self._cap.isOpened():
                raise VideoReadError(f"{self.name}: cannot open (no such camera, or it is in use)")
        else:
            path = check_video_file(source)  # type: ignore[arg-type]
            self.name = str(path)
            with quiet_opencv():
                self._cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
            if not self._cap.isOpened():
                raise VideoReadError(
                    f"{self.name}: not a video FFmpeg can open (unknown format, or a corrupt or truncated file)"
                )
        self.width = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(self._cap.get(cv2.CAP_PROP_FPS))
        self.fps: float = fps if math.isfinite(fps) and 0 < fps < 1000 else 0.0
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT)) if not self.is_camera else 0
        self.frame_count: int | None = count if count > 0 else None
        self._started = False
        if not self.is_camera and (self.width <= 0 or self.height <= 0):
            self.close()
            raise VideoReadError(f"{self.name}: no video stream")

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the decoder or camera. Idempotent."""
        cap = getattr(self, "_cap", None)
        if cap is not None:
            cap.release()

    @property
    def nominal_fps(self) -> float:
        """The container's frame rate, or 30 when it declares none (used for output videos)."""
        return self.fps or 30.0

    def __iter__(self) -> Iterator[VideoFrame]:
        if self._started:
            raise VideoReadError(f"{self.name}: a VideoReader can be iterated only once")
        self._started = True
        index, last_ts = 0, -1
        t0 = time.monotonic()
        while True:
            ok, bgr = self._cap.read()
            if not ok or bgr is None:
                break
            ts = self._timestamp(index, t0)
            ts = ts if ts > last_ts else last_ts + 1
            last_ts = ts
            yield VideoFrame(index, ts, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1
        self._check_end(index)

    def _timestamp(self, index: int, t0: float) -> int:
        if self.is_camera:
            return round((time.monotonic() - t0) * 1000.0)
        pos = float(self._cap.get(cv2.CAP_PROP_POS_MSEC))
        if math.isfinite(pos) and (pos > 0 or index == 0):
            return round(pos)
        # No presentation time from the container: fall back to the nominal frame rate.
        return round(index * 1000.0 / self.nominal_fps)

    def _check_end(self, decoded: int) -> None:
        if self.is_camera:
            if decoded == 0:
                raise VideoReadError(f"{self.name}: delivered no frame")
            return
        if decoded == 0:
            raise VideoReadError(f"{self.name}: no video frame could be decoded")
        expected = self.frame_count
        if expected is not None and decoded < expected - max(1, int(expected * _TRUNCATION_SLACK)):
            raise VideoReadError(f"{self.name}: truncated or corrupt: decoded {decoded} of {expected} frames")


PREFETCH_FRAMES = 2  # frames `handpose video` decodes ahead on a background thread (see prefetch)


def iter_frames(source: str | os.PathLike[str] | int, *, prefetch_frames: int = 0) -> Iterator[VideoFrame]:
    """``VideoFrame`` s of a video file or camera, opened and closed around the iteration.

    ``prefetch_frames`` > 0 decodes that many frames ahead on a background thread (see :func:`prefetch`).
    """
    with VideoReader(source) as reader:
        yield from prefetch(reader, prefetch_frames)


T = TypeVar("T")


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


_DONE = object()


def prefetch(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Iterate ``items`` on a background thread, at most ``depth`` items ahead of the consumer.

    Video decoding (OpenCV releases the GIL) then overlaps with inference. Exceptions raised while producing
    are re-raised in the consumer, in order; closing the consumer stops the producer. ``depth`` 0: no thread.
    """
    if depth <= 0:
        yield from items
        return
    slots: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(_Raised(exc))

    worker = threading.Thread(target=produce, name="handpose-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(timeout=10)


class VideoWriter:
    """Write BGR frames to a video file atomically: a temporary name in the target folder, renamed at the end.

    ``with VideoWriter("out.mp4", fps=25, size=(w, h)) as out: out.write(bgr)``. Leaving the block with an
    exception (including KeyboardInterrupt) deletes the temporary file and leaves any existing target as it
    was. Frames must all have the given size.

    ``backend``: "auto" (PyAV when installed and it has an encoder for the suffix: H.264 for .mp4/.m4v/.mov/
    .mkv, VP9 for .webm; else OpenCV's writer, with a one-time note that mp4v does not play in browsers),
    "pyav" or "opencv". ``codec`` says what was chosen ("libx264", "libvpx-vp9", "mp4v", "MJPG", ...).
    """

    def __init__(
        self, path: str | os.PathLike[str], *, fps: float, size: tuple[int, int], backend: str = "auto"
    ) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if backend not in ("auto", "pyav", "opencv"):
            raise ValueError(f"backend must be 'auto', 'pyav' or 'opencv', got {backend!r}")
        if suffix not in VIDEO_FOURCC and suffix not in PYAV_CODECS:
            raise HandposeError(
                f"{self.path}: unsupported output video type {suffix or '(none)'!r}; "
                f"use one of {', '.join(sorted(set(VIDEO_FOURCC) | set(PYAV_CODECS)))}"
            )
        if self.path.is_dir():
            raise HandposeError(f"{self.path}: is a directory")
        self.fps = float(fps) if fps and fps > 0 else 30.0
        self.size = (int(size[0]), int(size[1]))
        self.frames = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HandposeError(f"{self.path}: cannot create its folder ({exc.strerror or exc})") from exc
        # Same folder (so the rename is atomic), hidden, and ending in the real suffix (FFmpeg picks the
        # container from it).
        self._tmp = self.path.with_name(f".{self.path.stem}.{uuid.uuid4().hex[:8]}.tmp{suffix}")
        self._encoder: PyAVEncoder | None = None
        encoder = pyav_encoder_for(suffix) if backend != "opencv" else None
        if encoder is None and (backend == "pyav" or suffix not in VIDEO_FOURCC):
            raise HandposeError(
                f"{self.path}: writing {suffix} needs PyAV with an encoder for it (pip install 'handpose[video]')"
            )
        if encoder is not None:
            self.codec = encoder
            self._encoder = PyAVEncoder(self._tmp, fps=self.fps, size=self.size, codec=encoder, suffix=suffix)
            return
        self.codec = VIDEO_FOURCC[suffix]
        if backend == "auto" and self.codec == "mp4v":
            _note_once(
                "writing MPEG-4 Part 2 ('mp4v') video, which browsers do not play; "
                "install PyAV (pip install 'handpose[video]') for H.264"
            )
        fourcc = cv2.VideoWriter_fourcc(*self.codec)
        with quiet_opencv():
            self._writer = cv2.VideoWriter(str(self._tmp), cv2.CAP_FFMPEG, fourcc, self.fps, self.size)
        if not self._writer.isOpened():
            self._discard()
            raise HandposeError(
                f"{self.path}: cannot write video (OpenCV/FFmpeg cannot encode "
                f"{self.codec!r} into {suffix}, or the folder is not writable)"
            )

    def write(self, bgr: np.ndarray) -> None:
        """Append one BGR uint8 frame of exactly ``size`` (width, height)."""
        if bgr.ndim != 3 or bgr.shape[2] != 3 or (bgr.shape[1], bgr.shape[0]) != self.size:
            raise ValueError(f"frame of shape {bgr.shape} does not match the video size {self.size}")
        if self._encoder is not None:
            self._encoder.write(bgr)
        else:
            self._writer.write(np.ascontiguousarray(bgr, dtype=np.uint8))
        self.frames += 1

    def close(self) -> Path:
        """Finish the file and move it into place. Returns the final path."""
        try:
            self._release()
        except Exception as exc:
            self._discard()
            raise HandposeError(f"{self.path}: cannot finish the video ({exc})".splitlines()[0]) from exc
        if self.frames == 0:
            self._discard()
            raise HandposeError(f"{self.path}: no frames were written")
        with open(self._tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Stop and delete the temporary file; the target is left untouched."""
        if self._encoder is not None:
            self._encoder.abort()
        else:
            self._writer.release()
        self._discard()

    def _release(self) -> None:
        if self._encoder is not None:
            self._encoder.close()
        else:
            self._writer.release()

    def _discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._tmp.unlink()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
