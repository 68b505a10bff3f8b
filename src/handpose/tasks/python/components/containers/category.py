"""Mirror of ``mediapipe.tasks.python.components.containers.category``."""

from __future__ import annotations

from ....containers import Category

__all__ = ["Category"]
