"""Mirror of ``mediapipe.tasks.python.vision`` (the hand landmarker part)."""

from __future__ import annotations

from ..containers import Category, HandLandmarkerResult, Image, ImageFormat, Landmark, NormalizedLandmark
from ..hand_landmarker import HandLandmarker
from ..options import HandLandmarkerOptions, RunningMode, VisionTaskRunningMode

__all__ = [
    "Category",
    "HandLandmarker",
    "HandLandmarkerOptions",
    "HandLandmarkerResult",
    "Image",
    "ImageFormat",
    "Landmark",
    "NormalizedLandmark",
    "RunningMode",
    "VisionTaskRunningMode",
]
