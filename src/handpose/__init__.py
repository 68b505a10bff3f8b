"""handpose — MediaPipe Hands on ONNX Runtime.

>>> import handpose
>>> landmarker = handpose.HandLandmarker(model="full", max_hands=2)   # doctest: +SKIP
>>> result = landmarker.detect("hand.jpg")                            # doctest: +SKIP
>>> result.hands[0].landmarks.shape                                   # doctest: +SKIP
(21, 3)

``import handpose as mp`` then ``mp.solutions.hands`` gives the classic MediaPipe API.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .api import HandLandmarker, HandLandmarkerOptions, RunningMode
from .errors import (
    HandposeError,
    ImageReadError,
    ImageTooLargeError,
    MissingExtraError,
    ModelError,
    VideoReadError,
)
from .results import (
    HAND_CONNECTIONS,
    HAND_PALM_CONNECTIONS,
    Hand,
    HandLandmark,
    HandLandmarkerResult,
)

__version__ = "0.3.0"

__all__ = [
    "HAND_CONNECTIONS",
    "HAND_PALM_CONNECTIONS",
    "Hand",
    "HandLandmark",
    "HandLandmarker",
    "HandLandmarkerOptions",
    "HandLandmarkerResult",
    "HandposeError",
    "ImageReadError",
    "ImageTooLargeError",
    "MissingExtraError",
    "ModelError",
    "RunningMode",
    "VideoReadError",
    "__version__",
]

_LAZY_SUBMODULES = ("solutions", "tasks", "gestures", "drawing", "distributed", "framework", "python")


def __getattr__(name: str) -> Any:
    # Submodules with optional or heavier imports load on first use: `import handpose as mp; mp.solutions`.
    if name in _LAZY_SUBMODULES:
        return import_module(f".{name}", __name__)
    # `handpose.install_mediapipe_alias()`: `import mediapipe` gives handpose in this process (mediapipe_alias.py).
    if name == "install_mediapipe_alias":
        return import_module(".mediapipe_alias", __name__).install_mediapipe_alias
    if name in ("Image", "ImageFormat"):  # `mp.Image(...)` as in MediaPipe Tasks code
        return getattr(import_module(".tasks", __name__), name)
    raise AttributeError(f"module 'handpose' has no attribute {name!r}")
