"""Mirror of ``mediapipe.tasks.python.core.base_options``."""

from __future__ import annotations

from ...options import BaseOptions

__all__ = ["BaseOptions"]
