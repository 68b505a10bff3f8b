"""The public Python API: :class:`HandLandmarker` and its options."""

from __future__ import annotations

import enum
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .backends import BACKENDS
from .geometry import NormRect
from .graphs import LEGACY, GraphRules
from .io.images import as_rgb_array, load_image
from .pipeline import MODELS, FrameOutput, HandPipeline
from .results import HandLandmarkerResult
from .runtime import thread_plan

ImageInput = np.ndarray | str | Path


class RunningMode(str, enum.Enum):
    """IMAGE: independent images. VIDEO: frames in order, with tracking. LIVE_STREAM: async with a callback."""

    IMAGE = "image"
    VIDEO = "video"
    LIVE_STREAM = "live_stream"


@dataclass
class HandLandmarkerOptions:
    """Options of :class:`HandLandmarker`.

    ``min_presence_confidence`` is the hand-presence threshold of the landmark model (the legacy
    ``mediapipe.solutions.hands`` API calls it ``min_tracking_confidence``). ``threads``: cores to keep busy at
    most, 0: every core (the rule: :func:`handpose.runtime.thread_plan`). ``device`` is 'cpu', 'cuda' or
    'auto'; explicit ONNX Runtime ``providers`` win over it.
    ``palm_interval`` N (VIDEO / LIVE_STREAM, opt-in): while at least one hand is tracked, the palm detector
    runs at most every N frames (a new hand can take up to N frames to be found); None or 1: as MediaPipe.
    ``thorough`` (opt-in, :mod:`handpose.thorough`): also search for small, far and many hands (palm detector on
    finer scales, candidates checked by the landmark model); several times slower. In VIDEO / LIVE_STREAM it runs
    every ``thorough_interval`` frames and tracking follows what it found. A
    :class:`handpose.thorough.ThoroughConfig` instead of True tunes it (``min_hand_px=64``: smaller hands).
    """

    model: str = "full"
    max_hands: int = 2
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    running_mode: RunningMode = RunningMode.IMAGE
    threads: int = 0
    device: str = "cpu"
    providers: Sequence[str] | None = None
    result_callback: Callable[[HandLandmarkerResult, np.ndarray, int], Any] | None = None
    smoothing: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Explicit ONNX files instead of the bundled `model` variant (handpose.tasks loads .task bundles so).
    palm_model_path: str | Path | None = None
    landmark_model_path: str | Path | None = None
    # Which MediaPipe hand graph to reproduce: None = the legacy solution's (handpose.graphs.LEGACY);
    # handpose.tasks passes handpose.graphs.tasks_rules(...) to get MediaPipe Tasks' numbers.
    rules: GraphRules | None = None
    palm_interval: int | None = None
    # Inference backend: "onnxruntime" (CPU/CUDA) or "litert" (CPU, original .tflite files; handpose.backends).
    backend: str = "onnxruntime"
    # Opt-in thorough search for small, far and many hands (handpose.thorough): multi-scale palm search + landmark
    # verification; in VIDEO / LIVE_STREAM it runs every `thorough_interval` frames and tracking follows its hands.
    thorough: Any = False  # True, or a handpose.thorough.ThoroughConfig to tune the search
    thorough_interval: int = 10

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        if not isinstance(self.max_hands, int) or isinstance(self.max_hands, bool) or self.max_hands < 1:
            raise ValueError(f"max_hands must be an integer >= 1, got {self.max_hands!r}")
        if not isinstance(self.threads, int) or isinstance(self.threads, bool) or self.threads < 0:
            raise ValueError(f"threads must be an integer >= 0 (0: every core), got {self.threads!r}")
        for name in ("min_detection_confidence", "min_presence_confidence"):
            value = getattr(self, name)
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value!r}")
        interval = self.palm_interval
        if interval is not None and (
            not isinstance(interval, int) or isinstance(interval, bool) or interval < 1
        ):
            raise ValueError(f"palm_interval must be None or an integer >= 1, got {interval!r}")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        every = self.thorough_interval
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"thorough_interval must be an integer >= 1, got {every!r}")
        if self.thorough and self.backend != "onnxruntime":
            raise ValueError("thorough=True needs backend='onnxruntime'")
        self.running_mode = RunningMode(self.running_mode)
        if self.running_mode is RunningMode.LIVE_STREAM and self.result_callback is None:
            raise ValueError("LIVE_STREAM mode needs a result_callback")
        if self.running_mode is not RunningMode.LIVE_STREAM and self.result_callback is not None:
            raise ValueError("result_callback is only used in LIVE_STREAM mode")


def tracking_threads(threads: int) -> int:
    """The core budget for ``threads`` (0: every core). Kept for older callers: tracking now follows the same
    rule as IMAGE mode (:func:`handpose.runtime.thread_plan`)."""
    return thread_plan(threads).budget


def to_rgb(image: ImageInput) -> np.ndarray:
    """An RGB uint8 array from a path or an array (validated)."""
    if isinstance(image, str | Path):
        return load_image(image)
    return as_rgb_array(image)


class HandLandmarker:
    """Finds hands and their 21 landmarks. Thread-safe: calls are serialised on one lock.

    >>> with HandLandmarker(HandLandmarkerOptions(model="lite")) as landmarker:  # doctest: +SKIP
    ...     result = landmarker.detect("hand.jpg")
    """

    def __init__(self, options: HandLandmarkerOptions | None = None, **kwargs: Any) -> None:
        if options is not None and kwargs:
            raise TypeError("pass either an options object or keyword options, not both")
        self.options = options if options is not None else HandLandmarkerOptions(**kwargs)
        o = self.options
        # One thread rule for every mode (runtime.thread_plan). With a palm interval the palm model rarely runs,
        # so the landmark model gets the whole budget.
        interval = o.running_mode is not RunningMode.IMAGE and (o.palm_interval or 1) > 1
        self._pipeline = HandPipeline(
            o.model,
            threads=o.threads,
            landmark_threads=thread_plan(o.threads).budget if interval else None,
            device=o.device,
            providers=o.providers,
            palm_model_path=o.palm_model_path,
            landmark_model_path=o.landmark_model_path,
            rules=o.rules or LEGACY,
            backend=o.backend,
        )
        self._lock = threading.Lock()
        self._tracked: list[NormRect] = []
        self._since_palm = 0  # frames since the palm detector last ran (palm_interval)
        self._thorough = None
        self._since_thorough: int | None = None  # frames since the last thorough search (None: not yet)
        if o.thorough:
            from .thorough import ThoroughSearch

            config = o.thorough if not isinstance(o.thorough, bool) else None
            self._thorough = ThoroughSearch(self._pipeline, config)
        self._last_timestamp: int | None = None
        self._closed = False
        self._smoother = None
        if o.smoothing is not None:
            from .smoothing import HandSmoother

            self._smoother = HandSmoother(o.smoothing)
        self._live = None
        if o.running_mode is RunningMode.LIVE_STREAM:
            from .live import LiveStreamRunner

            self._live = LiveStreamRunner(self._detect_video_locked, o.result_callback)  # type: ignore[arg-type]

    # -- life cycle ---------------------------------------------------------------------------------------

    @classmethod
    def create(cls, **kwargs: Any) -> HandLandmarker:
        """``HandLandmarker.create(model="lite", max_hands=1)``."""
        return cls(HandLandmarkerOptions(**kwargs))

    def close(self) -> None:
        """Stop the live-stream worker (if any) and release the sessions. Idempotent."""
        if self._live is not None:
            self._live.close()
        if not self._closed:
            self._pipeline.close()
        self._closed = True

    def __enter__(self) -> HandLandmarker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pipeline(self) -> HandPipeline:
        return self._pipeline

    def _check(self, mode: RunningMode, method: str) -> None:
        if self._closed:
            raise ValueError("this HandLandmarker is closed")
        if self.options.running_mode is not mode:
            raise ValueError(
                f"{method}() needs running_mode={mode.name}, "
                f"but this HandLandmarker is in {self.options.running_mode.name} mode"
            )

    def _result(self, out: FrameOutput, image: np.ndarray, timestamp_ms: int | None) -> HandLandmarkerResult:
        h, w = image.shape[:2]
        return HandLandmarkerResult(tuple(out.hands), w, h, out.palm_detector_ran, timestamp_ms)

    def _kw(self) -> dict[str, Any]:
        o = self.options
        return {
            "max_hands": o.max_hands,
            "min_detection_confidence": o.min_detection_confidence,
            "min_presence_confidence": o.min_presence_confidence,
        }

    # -- IMAGE --------------------------------------------------------------------------------------------

    def detect(self, image: ImageInput) -> HandLandmarkerResult:
        """Hands in one image (RGB uint8 array, or a path). Runs the palm detector every time."""
        self._check(RunningMode.IMAGE, "detect")
        rgb = to_rgb(image)
        with self._lock:
            if self._thorough is not None:
                out = self._thorough.detect([rgb], **self._kw())[0]
            else:
                out = self._pipeline.process_batch([rgb], **self._kw())[0]
        return self._result(out, rgb, None)

    def detect_batch(self, images: Sequence[ImageInput]) -> list[HandLandmarkerResult]:
        """Hands in several independent images. Same results as calling :meth:`detect` on each image; with two
        or more cores, faster: the palm model of one image runs while the landmark model of the previous one
        does (:meth:`detect_stream`).
        """
        self._check(RunningMode.IMAGE, "detect_batch")
        rgbs = [to_rgb(img) for img in images]
        with self._lock:
            if self._thorough is not None:
                outs = self._thorough.detect(rgbs, **self._kw())
            else:
                outs = self._pipeline.process_batch(rgbs, **self._kw())
        return [self._result(o, img, None) for o, img in zip(outs, rgbs, strict=True)]

    def detect_stream(self, images: Iterable[ImageInput]) -> Iterator[HandLandmarkerResult]:
        """Hands in each image of an iterable (arrays or paths), yielded in order as each is ready: the results
        of :meth:`detect`, with the palm model of image k+1 overlapping the landmark model of image k when there
        are two or more cores. Reads one image ahead, so a long folder never sits in memory.
        """
        self._check(RunningMode.IMAGE, "detect_stream")
        shapes: deque[np.ndarray] = deque()

        def rgbs() -> Iterator[np.ndarray]:
            for image in images:
                rgb = to_rgb(image)
                shapes.append(rgb)
                yield rgb

        if self._thorough is not None:  # opt-in thorough search: one image at a time
            for rgb in rgbs():
                with self._lock:
                    out = self._thorough.detect([rgb], **self._kw())[0]
                yield self._result(out, shapes.popleft(), None)
            return
        # No lock held across yields (the caller may call detect() in between): IMAGE mode keeps no state, and
        # the pipeline's sessions and worker are safe to share between threads.
        for out in self._pipeline.process_stream(rgbs(), **self._kw()):
            yield self._result(out, shapes.popleft(), None)

    # -- VIDEO --------------------------------------------------------------------------------------------

    def detect_for_video(self, frame: np.ndarray, timestamp_ms: int) -> HandLandmarkerResult:
        """Hands in the next video frame, tracking hands from the previous frame (MediaPipe's tracker).

        ``timestamp_ms`` must increase from call to call.
        """
        self._check(RunningMode.VIDEO, "detect_for_video")
        return self._detect_video_locked(as_rgb_array(frame), timestamp_ms)

    def _detect_video_locked(self, rgb: np.ndarray, timestamp_ms: int) -> HandLandmarkerResult:
        timestamp_ms = int(timestamp_ms)
        with self._lock:
            if self._last_timestamp is not None and timestamp_ms <= self._last_timestamp:
                raise ValueError(
                    f"timestamps must increase: got {timestamp_ms} ms after {self._last_timestamp} ms"
                )
            self._last_timestamp = timestamp_ms
            allowed = self._since_palm + 1 >= (self.options.palm_interval or 1)
            out = self._pipeline.process_batch(
                [rgb], **self._kw(), tracked=[self._tracked], palm_allowed=[allowed]
            )[0]
            self._since_palm = 0 if out.palm_detector_ran else self._since_palm + 1
            if self._thorough is not None:  # opt-in: the thorough search every thorough_interval frames
                since = self._since_thorough
                due = since is None or since + 1 >= self.options.thorough_interval
                self._since_thorough = 0 if due or since is None else since + 1
                if due:
                    out = self._thorough.augment(rgb, out, **self._kw())
            self._tracked = out.next_rects
            result = self._result(out, rgb, timestamp_ms)
            if self._smoother is not None:
                result = self._smoother(result, timestamp_ms)
        return result

    def reset(self) -> None:
        """Forget tracked hands and the last timestamp (start a new video)."""
        with self._lock:
            self._tracked = []
            self._since_palm = 0
            self._since_thorough = None
            self._last_timestamp = None
            if self._smoother is not None:
                self._smoother.reset()

    # -- LIVE_STREAM --------------------------------------------------------------------------------------

    def detect_async(self, frame: np.ndarray, timestamp_ms: int) -> None:
        """Queue a live frame; the newest frame wins while the pipeline is busy. Results go to the callback."""
        self._check(RunningMode.LIVE_STREAM, "detect_async")
        if self._live is None:  # unreachable: the options check guarantees a runner in this mode
            raise RuntimeError("live-stream runner missing")
        # Copy: the caller may reuse its buffer (e.g. the next camera frame) before the worker gets to it.
        self._live.submit(np.array(as_rgb_array(frame), copy=True), int(timestamp_ms))

    @property
    def live_stats(self) -> dict[str, int]:
        """LIVE_STREAM counters: frames ``submitted``, ``processed`` (results delivered) and ``dropped``
        (replaced by a newer frame while the pipeline was busy)."""
        if self._live is None:
            return {"submitted": 0, "processed": 0, "dropped": 0}
        return {
            "submitted": self._live.submitted,
            "processed": self._live.processed,
            "dropped": self._live.dropped,
        }
