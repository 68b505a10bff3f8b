"""Mirror of ``mediapipe.tasks.python.core``."""

from __future__ import annotations

from . import base_options

__all__ = ["base_options"]
