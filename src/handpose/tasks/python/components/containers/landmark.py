"""Mirror of ``mediapipe.tasks.python.components.containers.landmark``."""

from __future__ import annotations

from ....containers import Landmark, NormalizedLandmark

__all__ = ["Landmark", "NormalizedLandmark"]
