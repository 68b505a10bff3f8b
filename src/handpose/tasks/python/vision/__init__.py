"""Mirror of ``mediapipe.tasks.python.vision`` (the hand landmarker part; MediaPipe's other vision tasks are not
covered). ``mp.tasks.vision`` is this module too."""

from __future__ import annotations

from ... import containers as _containers
from ...options import HandLandmarkerOptions, RunningMode, VisionTaskRunningMode
from . import core, drawing_styles, drawing_utils, hand_landmarker
from .core.image_processing_options import ImageProcessingOptions
from .hand_landmarker import HandLandmark, HandLandmarker, HandLandmarkerResult, HandLandmarksConnections

Category = _containers.Category
Image = _containers.Image
ImageFormat = _containers.ImageFormat
Landmark = _containers.Landmark
NormalizedLandmark = _containers.NormalizedLandmark

__all__ = [
    "Category",
    "HandLandmark",
    "HandLandmarker",
    "HandLandmarkerOptions",
    "HandLandmarkerResult",
    "HandLandmarksConnections",
    "Image",
    "ImageFormat",
    "ImageProcessingOptions",
    "Landmark",
    "NormalizedLandmark",
    "RunningMode",
    "VisionTaskRunningMode",
    "core",
    "drawing_styles",
    "drawing_utils",
    "hand_landmarker",
]


def __getattr__(name: str) -> object:
    # `mp.tasks.vision.FaceLandmarker` and MediaPipe's other vision tasks: say why they are missing.
    if name.startswith("_"):
        raise AttributeError(name)
    raise AttributeError(
        f"module {__name__!r} has no attribute {name!r}: handpose covers MediaPipe Hands only "
        f"(vision.HandLandmarker, drawing_utils, drawing_styles); {name} is not part of it"
    )
