"""Tasks-style API shaped like ``mediapipe.tasks.python.vision`` (0.10.21): ``HandLandmarker``, its options,
result types, ``Image``, and MediaPipe ``hand_landmarker.task`` bundles (converted to ONNX once, cached).

>>> from handpose.tasks import BaseOptions, HandLandmarker, HandLandmarkerOptions, Image   # doctest: +SKIP
>>> options = HandLandmarkerOptions(base_options=BaseOptions(model_asset_path="hand_landmarker.task"),
...                                 num_hands=2)                                          # doctest: +SKIP
>>> with HandLandmarker.create_from_options(options) as landmarker:                      # doctest: +SKIP
...     result = landmarker.detect(Image.create_from_file("hand.jpg"))
...     result.handedness[0][0].category_name, result.hand_landmarks[0][8].x

MediaPipe code ports by changing ``from mediapipe.tasks import python`` / ``from mediapipe.tasks.python import
vision`` into ``from handpose.tasks import python`` / ``from handpose.tasks.python import vision``.
Handedness labels follow MediaPipe Tasks (>= 0.10.5), which are the legacy solution's labels swapped; see
docs/compat.md.
"""

from __future__ import annotations

from . import python
from .bundle import BundleModels, cache_dir, load_task_bundle
from .containers import (
    Category,
    HandLandmarkerResult,
    Image,
    ImageFormat,
    Landmark,
    NormalizedLandmark,
)
from .hand_landmarker import HandLandmarker
from .options import BaseOptions, HandLandmarkerOptions, RunningMode, VisionTaskRunningMode

# ``mp.tasks`` is ``mediapipe.tasks.python`` in MediaPipe: ``mp.tasks.vision``, ``mp.tasks.python.vision``.
from .python import components, core, vision

__all__ = [
    "BaseOptions",
    "BundleModels",
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
    "cache_dir",
    "components",
    "core",
    "load_task_bundle",
    "python",
    "vision",
]
