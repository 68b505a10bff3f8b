"""Mirror of ``mediapipe.tasks.python.vision.core.image_processing_options``.

handpose accepts only the neutral options (no region of interest, rotation 0); others raise ``ValueError``
when passed to a detect call (see docs/compat.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ImageProcessingOptions:
    """``region_of_interest`` (a ``RectF``, normalized) and ``rotation_degrees`` (multiple of 90) as MediaPipe."""

    region_of_interest: Any = None
    rotation_degrees: int = 0

    @property
    def is_neutral(self) -> bool:
        """Whether these options leave the image as it is (the only case handpose supports)."""
        return self.region_of_interest is None and self.rotation_degrees % 360 == 0


__all__ = ["ImageProcessingOptions"]
