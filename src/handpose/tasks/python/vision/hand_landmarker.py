"""Mirror of ``mediapipe.tasks.python.vision.hand_landmarker``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ....results import HAND_CONNECTIONS
from ....results import HandLandmark as _HandLandmark
from ...containers import HandLandmarkerResult
from ...hand_landmarker import HandLandmarker
from ...options import HandLandmarkerOptions

HandLandmark = _HandLandmark


class HandLandmarksConnections:
    """MediaPipe Tasks' hand connections: lists of :class:`Connection` (``start``, ``end`` landmark indices)."""

    @dataclass(frozen=True)
    class Connection:
        """A connection between two landmarks."""

        start: int
        end: int

    HAND_PALM_CONNECTIONS: ClassVar[list[Connection]] = [
        Connection(0, 1), Connection(0, 5), Connection(9, 13), Connection(13, 17), Connection(5, 9),
        Connection(0, 17),
    ]  # fmt: skip
    HAND_THUMB_CONNECTIONS: ClassVar[list[Connection]] = [
        Connection(1, 2),
        Connection(2, 3),
        Connection(3, 4),
    ]
    HAND_INDEX_FINGER_CONNECTIONS: ClassVar[list[Connection]] = [
        Connection(5, 6),
        Connection(6, 7),
        Connection(7, 8),
    ]
    HAND_MIDDLE_FINGER_CONNECTIONS: ClassVar[list[Connection]] = [
        Connection(9, 10), Connection(10, 11), Connection(11, 12),
    ]  # fmt: skip
    HAND_RING_FINGER_CONNECTIONS: ClassVar[list[Connection]] = [
        Connection(13, 14), Connection(14, 15), Connection(15, 16),
    ]  # fmt: skip
    HAND_PINKY_FINGER_CONNECTIONS: ClassVar[list[Connection]] = [
        Connection(17, 18), Connection(18, 19), Connection(19, 20),
    ]  # fmt: skip
    HAND_CONNECTIONS: ClassVar[list[Connection]] = (
        HAND_PALM_CONNECTIONS
        + HAND_THUMB_CONNECTIONS
        + HAND_INDEX_FINGER_CONNECTIONS
        + HAND_MIDDLE_FINGER_CONNECTIONS
        + HAND_RING_FINGER_CONNECTIONS
        + HAND_PINKY_FINGER_CONNECTIONS
    )


if {(c.start, c.end) for c in HandLandmarksConnections.HAND_CONNECTIONS} != set(HAND_CONNECTIONS):
    raise ImportError("HandLandmarksConnections disagrees with handpose.HAND_CONNECTIONS")

__all__ = [
    "HandLandmark",
    "HandLandmarker",
    "HandLandmarkerOptions",
    "HandLandmarkerResult",
    "HandLandmarksConnections",
]
