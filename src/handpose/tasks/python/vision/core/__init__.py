"""Mirror of ``mediapipe.tasks.python.vision.core``."""

from __future__ import annotations

from . import image, image_processing_options, vision_task_running_mode

__all__ = ["image", "image_processing_options", "vision_task_running_mode"]
