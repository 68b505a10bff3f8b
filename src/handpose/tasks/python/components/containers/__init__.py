"""Mirror of ``mediapipe.tasks.python.components.containers`` (categories and landmarks)."""

from __future__ import annotations

from . import category, landmark
from .category import Category
from .landmark import Landmark, NormalizedLandmark

__all__ = ["Category", "Landmark", "NormalizedLandmark", "category", "landmark"]
