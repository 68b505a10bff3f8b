"""Mirror of ``mediapipe.tasks.python.components`` (the containers a hand landmarker result uses)."""

from __future__ import annotations

from . import containers

__all__ = ["containers"]
