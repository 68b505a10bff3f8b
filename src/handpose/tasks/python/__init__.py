"""Mirror of ``mediapipe.tasks.python``: ``from handpose.tasks import python`` then ``python.BaseOptions``,
``python.vision.HandLandmarker`` — MediaPipe Tasks code ports by changing the import."""

from __future__ import annotations

from . import components, core, vision
from .core.base_options import BaseOptions

__all__ = ["BaseOptions", "components", "core", "vision"]
