"""Options of the Tasks-style API, named as in ``mediapipe.tasks.python`` 0.10.21."""

from __future__ import annotations

import enum
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class VisionTaskRunningMode(enum.Enum):
    """IMAGE: independent images (``detect``). VIDEO: frames in order with tracking (``detect_for_video``).
    LIVE_STREAM: frames pushed with ``detect_async``, results delivered to ``result_callback``."""

    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    LIVE_STREAM = "LIVE_STREAM"


RunningMode = VisionTaskRunningMode


def validate_running_mode(
    running_mode: VisionTaskRunningMode, packet_callback: Callable[..., Any] | None = None
) -> None:
    """``ValueError`` unless a callback is given exactly in LIVE_STREAM mode (MediaPipe's messages)."""
    if VisionTaskRunningMode(running_mode) is VisionTaskRunningMode.LIVE_STREAM:
        if packet_callback is None:
            raise ValueError(
                "The vision task is in live stream mode, a user-defined result callback must be provided."
            )
    elif packet_callback is not None:
        raise ValueError(
            "The vision task is in image or video mode, a user-defined result callback should not be provided."
        )


@dataclass
class BaseOptions:
    """Where the model comes from and where it runs.

    ``model_asset_path``: a MediaPipe ``hand_landmarker.task`` bundle (converted to ONNX once and cached, see
    :mod:`handpose.tasks.bundle`); ``model_asset_buffer``: the same bundle's bytes. With neither, handpose's
    bundled MediaPipe 0.10.21 *full* models are used. ``delegate``: ``Delegate.CPU`` (default) or
    ``Delegate.GPU`` (ONNX Runtime CUDA when available, else the CPU with a warning).
    """

    class Delegate(enum.Enum):
        CPU = 0
        GPU = 1

    model_asset_path: str | os.PathLike[str] | None = None
    model_asset_buffer: bytes | None = None
    delegate: Delegate | None = None

    def __post_init__(self) -> None:
        if self.model_asset_path is not None and self.model_asset_buffer is not None:
            raise ValueError("Please specify only one of model_asset_path and model_asset_buffer.")
        if self.delegate is not None and not isinstance(self.delegate, BaseOptions.Delegate):
            raise ValueError(f"delegate must be BaseOptions.Delegate.CPU or .GPU, got {self.delegate!r}")

    @property
    def device(self) -> str:
        """The handpose/ONNX Runtime device of ``delegate``."""
        return "cuda" if self.delegate is BaseOptions.Delegate.GPU else "cpu"


@dataclass
class HandLandmarkerOptions:
    """Options of :class:`handpose.tasks.HandLandmarker` (MediaPipe Tasks names and defaults).

    - ``num_hands``: the most hands to find (MediaPipe Tasks default 1).
    - ``min_hand_detection_confidence``: palm detector score threshold.
    - ``min_hand_presence_confidence``: hand-presence threshold of the landmark model.
    - ``min_tracking_confidence``: in MediaPipe Tasks, the IoU above which a new palm detection is treated as
      an already tracked hand (VIDEO/LIVE_STREAM). handpose's tracker uses the legacy graph's fixed 0.5, which
      is this option's default; other values are accepted but not applied (a warning is logged).
    - ``result_callback(result, output_image, timestamp_ms)``: LIVE_STREAM mode only.
    """

    base_options: BaseOptions
    running_mode: VisionTaskRunningMode = VisionTaskRunningMode.IMAGE
    num_hands: int = 1
    min_hand_detection_confidence: float = 0.5
    min_hand_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    result_callback: Callable[[Any, Any, int], None] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.base_options, BaseOptions):
            raise TypeError(
                f"base_options must be a handpose.tasks.BaseOptions, got {type(self.base_options).__name__}"
            )
        self.running_mode = VisionTaskRunningMode(self.running_mode)
        if isinstance(self.num_hands, bool) or not isinstance(self.num_hands, int) or self.num_hands < 1:
            raise ValueError(f"num_hands must be an integer >= 1, got {self.num_hands!r}")
        for name in (
            "min_hand_detection_confidence",
            "min_hand_presence_confidence",
            "min_tracking_confidence",
        ):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be a number in [0.0, 1.0], got {value!r}")
        validate_running_mode(self.running_mode, self.result_callback)
