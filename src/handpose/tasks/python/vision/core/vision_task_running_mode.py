"""Mirror of ``mediapipe.tasks.python.vision.core.vision_task_running_mode``."""

from __future__ import annotations

from ....options import VisionTaskRunningMode, validate_running_mode

__all__ = ["VisionTaskRunningMode", "validate_running_mode"]
