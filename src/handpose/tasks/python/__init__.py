"""Mirror of ``mediapipe.tasks.python``: ``from handpose.tasks import python`` then ``python.BaseOptions``,
``python.vision.HandLandmarker`` — MediaPipe Tasks code ports by changing the import."""

from __future__ import annotations

from ..options import BaseOptions
from . import vision

__all__ = ["BaseOptions", "vision"]
