"""``HandLandmarker`` shaped like ``mediapipe.tasks.python.vision.HandLandmarker``.

Runs MediaPipe Tasks' own hand landmarker graph (:func:`handpose.graphs.tasks_rules`: its palm → ROI angle,
crop, association of tracked and new hands, de-duplication), so the numbers are MediaPipe Tasks', not the
legacy solution's that :class:`handpose.HandLandmarker` gives; the result types and handedness labels follow
MediaPipe Tasks too (labels swapped from the legacy solution's, see docs/compat.md).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from .. import api
from ..graphs import tasks_rules
from ..results import HandLandmarkerResult as _CoreResult
from .bundle import load_task_bundle
from .containers import HandLandmarkerResult, Image, ImageFormat, image_to_rgb, to_tasks_result
from .options import BaseOptions, HandLandmarkerOptions, VisionTaskRunningMode

log = logging.getLogger(__name__)

_CORE_MODE = {
    VisionTaskRunningMode.IMAGE: api.RunningMode.IMAGE,
    VisionTaskRunningMode.VIDEO: api.RunningMode.VIDEO,
    VisionTaskRunningMode.LIVE_STREAM: api.RunningMode.LIVE_STREAM,
}
_MODE_WORD = {
    VisionTaskRunningMode.IMAGE: "image",
    VisionTaskRunningMode.VIDEO: "video",
    VisionTaskRunningMode.LIVE_STREAM: "live stream",
}


class HandLandmarker:
    """Finds hands and their landmarks; build it with :meth:`create_from_options` or
    :meth:`create_from_model_path`, use it as a context manager or call :meth:`close`."""

    def __init__(self, options: HandLandmarkerOptions) -> None:
        if not isinstance(options, HandLandmarkerOptions):
            raise TypeError(
                f"options must be a handpose.tasks.HandLandmarkerOptions, got {type(options).__name__}"
            )
        self._options = options
        base = options.base_options
        paths: dict[str, Any] = {}
        source = base.model_asset_path if base.model_asset_path is not None else base.model_asset_buffer
        if source is not None:
            models = load_task_bundle(source)
            paths = {
                "palm_model_path": models.palm_model_path,
                "landmark_model_path": models.landmark_model_path,
            }
        mode = options.running_mode
        callback = self._wrap_callback(options.result_callback) if options.result_callback else None
        self._core: api.HandLandmarker | None = api.HandLandmarker(
            api.HandLandmarkerOptions(
                model="full",
                max_hands=options.num_hands,
                min_detection_confidence=float(options.min_hand_detection_confidence),
                min_presence_confidence=float(options.min_hand_presence_confidence),
                running_mode=_CORE_MODE[mode],
                device=base.device,
                result_callback=callback,
                rules=tasks_rules(float(options.min_tracking_confidence)),
                **paths,
            )
        )

    # -- construction ---------------------------------------------------------------------------------------

    @classmethod
    def create_from_options(cls, options: HandLandmarkerOptions) -> HandLandmarker:
        """A landmarker with these options."""
        return cls(options)

    @classmethod
    def create_from_model_path(cls, model_path: str) -> HandLandmarker:
        """An IMAGE-mode landmarker with default options for the ``hand_landmarker.task`` bundle at ``model_path``."""
        return cls(HandLandmarkerOptions(base_options=BaseOptions(model_asset_path=model_path)))

    @staticmethod
    def _wrap_callback(user_callback: Any) -> Any:
        def callback(result: _CoreResult, rgb: np.ndarray, timestamp_ms: int) -> None:
            user_callback(to_tasks_result(result), Image(ImageFormat.SRGB, rgb), timestamp_ms)

        return callback

    # -- life cycle -----------------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the models (and stop the live-stream worker). Idempotent."""
        if self._core is not None:
            self._core.close()
            self._core = None

    def __enter__(self) -> HandLandmarker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ready(self, mode: VisionTaskRunningMode, image_processing_options: Any) -> api.HandLandmarker:
        if self._core is None:
            raise ValueError("This HandLandmarker is closed; create a new one.")
        if self._options.running_mode is not mode:
            raise ValueError(
                f"Task is not initialized with the {_MODE_WORD[mode]} mode. Current running mode:"
                f"{self._options.running_mode.name}"
            )
        if image_processing_options is not None and not getattr(
            image_processing_options, "is_neutral", False
        ):
            raise ValueError(
                "image_processing_options (region of interest, rotation) are not supported by handpose"
            )
        return self._core

    # -- detection ------------------------------------------------------------------------------------------

    def detect(self, image: Any, image_processing_options: Any = None) -> HandLandmarkerResult:
        """Hands in one image (:class:`Image`, or an RGB/RGBA/gray uint8 numpy array). IMAGE mode."""
        core = self._ready(VisionTaskRunningMode.IMAGE, image_processing_options)
        return to_tasks_result(core.detect(image_to_rgb(image)))

    def detect_for_video(
        self, image: Any, timestamp_ms: int, image_processing_options: Any = None
    ) -> HandLandmarkerResult:
        """Hands in the next video frame; ``timestamp_ms`` must increase. VIDEO mode."""
        core = self._ready(VisionTaskRunningMode.VIDEO, image_processing_options)
        return to_tasks_result(core.detect_for_video(image_to_rgb(image), int(timestamp_ms)))

    def detect_async(self, image: Any, timestamp_ms: int, image_processing_options: Any = None) -> None:
        """Queue a live frame; the result goes to ``result_callback(result, image, timestamp_ms)``.
        While busy, the newest waiting frame replaces an older one. LIVE_STREAM mode."""
        core = self._ready(VisionTaskRunningMode.LIVE_STREAM, image_processing_options)
        core.detect_async(image_to_rgb(image), int(timestamp_ms))
