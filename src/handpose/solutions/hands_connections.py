"""``mediapipe.solutions.hands_connections``: the 21 landmark pairs of a hand drawing, in six groups.

The same tuple and frozenset objects as :mod:`handpose.results` (where they are defined, in MediaPipe's order).
"""

from __future__ import annotations

from ..results import (
    HAND_CONNECTIONS,
    HAND_INDEX_FINGER_CONNECTIONS,
    HAND_MIDDLE_FINGER_CONNECTIONS,
    HAND_PALM_CONNECTIONS,
    HAND_PINKY_FINGER_CONNECTIONS,
    HAND_RING_FINGER_CONNECTIONS,
    HAND_THUMB_CONNECTIONS,
)

__all__ = [
    "HAND_CONNECTIONS",
    "HAND_INDEX_FINGER_CONNECTIONS",
    "HAND_MIDDLE_FINGER_CONNECTIONS",
    "HAND_PALM_CONNECTIONS",
    "HAND_PINKY_FINGER_CONNECTIONS",
    "HAND_RING_FINGER_CONNECTIONS",
    "HAND_THUMB_CONNECTIONS",
]
