"""LIVE_STREAM mode: one worker thread, a one-frame mailbox, newest frame wins.

``submit`` never blocks on inference: it puts the frame in a single slot and returns. If the worker is still
busy with an earlier frame, a frame already waiting in the slot is replaced (and counted in ``dropped``): a
live view wants the latest picture, not a backlog, and memory stays bounded (at most one waiting frame). The
worker runs ``detect_fn(rgb, timestamp_ms)`` and hands the result to ``callback(result, rgb, timestamp_ms)``;
an exception in either is logged and the stream goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .results import HandLandmarkerResult

log = logging.getLogger(__name__)

DetectFn = Callable[[np.ndarray, int], HandLandmarkerResult]
ResultCallback = Callable[[HandLandmarkerResult, np.ndarray, int], Any]


class LiveStreamRunner:
    """Runs ``detect_fn`` on the newest submitted frame in a background thread; results go to ``callback``.

    Counters: ``submitted`` (accepted by :meth:`submit`), ``processed`` (results delivered), ``dropped``
    (replaced by a newer frame before the worker took them), ``errors`` (``detect_fn`` or the callback raised).
    Once the runner is idle, ``submitted == processed + dropped`` plus any frames whose detection failed.
    """

    def __init__(self, detect_fn: DetectFn, callback: ResultCallback) -> None:
        if not callable(detect_fn) or not callable(callback):
            raise TypeError("LiveStreamRunner needs a callable detect_fn and a callable callback")
        self._detect = detect_fn
        self._callback = callback
        self._cond = threading.Condition()
        self._pending: tuple[np.ndarray, int] | None = None
        self._busy = False
        self._closed = False
        self._last_timestamp: int | None = None
        self.submitted = 0
        self.processed = 0
        self.dropped = 0
        self.errors = 0
        self._thread = threading.Thread(target=self._run, name="handpose-live", daemon=True)
        self._thread.start()

    def submit(self, rgb: np.ndarray, timestamp_ms: int) -> None:
        """Hand a frame to the worker without waiting. ``timestamp_ms`` must increase from call to call
        (ValueError otherwise, raised here in the caller's thread)."""
        timestamp_ms = int(timestamp_ms)
        with self._cond:
            if self._closed:
                raise ValueError("this live stream is closed")
            if self._last_timestamp is not None and timestamp_ms <= self._last_timestamp:
                raise ValueError(
                    f"timestamps must increase: got {timestamp_ms} ms after {self._last_timestamp} ms"
                )
            self._last_timestamp = timestamp_ms
            if self._pending is not None:
                self.dropped += 1
            self._pending = (rgb, timestamp_ms)
            self.submitted += 1
            self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no frame is waiting or in work (True), or the timeout passes (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending is None and not self._busy, timeout)

    @property
    def busy(self) -> bool:
        """Whether a frame is waiting or being processed."""
        with self._cond:
            return self._busy or self._pending is not None

    def close(self, timeout: float | None = 10.0) -> None:
        """Finish the frame in work and the one waiting (if any), then stop the worker. Idempotent."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("live-stream worker still busy after %.1f s; leaving it to finish", timeout or 0)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._closed)
                if self._pending is None:  # closed and nothing left
                    return
                rgb, timestamp_ms = self._pending
                self._pending = None
                self._busy = True
            try:
                self._process(rgb, timestamp_ms)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _process(self, rgb: np.ndarray, timestamp_ms: int) -> None:
        try:
            result = self._detect(rgb, timestamp_ms)
        except Exception:
            self.errors += 1
            log.exception("live stream: detection failed on the frame at %d ms", timestamp_ms)
            return
        self.processed += 1
        try:
            self._callback(result, rgb, timestamp_ms)
        except Exception:
            self.errors += 1
            log.exception("live stream: the result callback raised on the frame at %d ms", timestamp_ms)
