"""Mirror of ``mediapipe.tasks.python.vision.core.image``: ``Image`` and ``ImageFormat``."""

from __future__ import annotations

from ....containers import Image, ImageFormat

__all__ = ["Image", "ImageFormat"]
