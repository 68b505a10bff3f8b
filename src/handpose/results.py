"""Result types: one frozen dataclass per hand, one per image; landmark names and connections.

Coordinate conventions (same as MediaPipe Hands):
- ``landmarks``: (21, 3) float32; x, y normalized to [0, 1] by image width/height, z relative to the wrist,
  in roughly the same scale as x (negative towards the camera).
- ``world_landmarks``: (21, 3) float32, metres, origin near the hand's geometric centre.
- ``palm_box``: (x_min, y_min, x_max, y_max) normalized, from the palm detector (or the tracked ROI).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class HandLandmark(enum.IntEnum):
    """The 21 hand landmarks, in MediaPipe's order."""

    WRIST = 0
    THUMB_CMC = 1
    THUMB_MCP = 2
    THUMB_IP = 3
    THUMB_TIP = 4
    INDEX_FINGER_MCP = 5
    INDEX_FINGER_PIP = 6
    INDEX_FINGER_DIP = 7
    INDEX_FINGER_TIP = 8
    MIDDLE_FINGER_MCP = 9
    MIDDLE_FINGER_PIP = 10
    MIDDLE_FINGER_DIP = 11
    MIDDLE_FINGER_TIP = 12
    RING_FINGER_MCP = 13
    RING_FINGER_PIP = 14
    RING_FINGER_DIP = 15
    RING_FINGER_TIP = 16
    PINKY_MCP = 17
    PINKY_PIP = 18
    PINKY_DIP = 19
    PINKY_TIP = 20


# Same values and construction as mediapipe/python/solutions/hands_connections.py (tuples, then one frozenset
# union in this order), so that iterating HAND_CONNECTIONS visits the pairs in MediaPipe's order.
HAND_PALM_CONNECTIONS = ((0, 1), (0, 5), (9, 13), (13, 17), (5, 9), (0, 17))
HAND_THUMB_CONNECTIONS = ((1, 2), (2, 3), (3, 4))
HAND_INDEX_FINGER_CONNECTIONS = ((5, 6), (6, 7), (7, 8))
HAND_MIDDLE_FINGER_CONNECTIONS = ((9, 10), (10, 11), (11, 12))
HAND_RING_FINGER_CONNECTIONS = ((13, 14), (14, 15), (15, 16))
HAND_PINKY_FINGER_CONNECTIONS = ((17, 18), (18, 19), (19, 20))
HAND_CONNECTIONS = frozenset().union(
    *[
        HAND_PALM_CONNECTIONS,
        HAND_THUMB_CONNECTIONS,
        HAND_INDEX_FINGER_CONNECTIONS,
        HAND_MIDDLE_FINGER_CONNECTIONS,
        HAND_RING_FINGER_CONNECTIONS,
        HAND_PINKY_FINGER_CONNECTIONS,
    ]
)


def _round(values: np.ndarray, digits: int | None) -> list[Any]:
    out = values.astype(float)
    if digits is not None:
        out = np.round(out, digits)
    return out.tolist()


@dataclass(frozen=True, eq=False)
class Hand:
    """One detected hand. See the module docstring for coordinate conventions."""

    landmarks: np.ndarray
    world_landmarks: np.ndarray
    handedness: str
    handedness_score: float
    presence: float
    palm_box: tuple[float, float, float, float]
    palm_score: float = 0.0

    def __post_init__(self) -> None:
        for name in ("landmarks", "world_landmarks"):
            arr = np.asarray(getattr(self, name), dtype=np.float32)
            if arr.shape != (21, 3):
                raise ValueError(f"Hand.{name} must have shape (21, 3), got {arr.shape}")
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if self.handedness not in ("Left", "Right"):
            raise ValueError(f"Hand.handedness must be 'Left' or 'Right', got {self.handedness!r}")

    @property
    def handedness_index(self) -> int:
        """MediaPipe's class index: 0 for Left, 1 for Right."""
        return 0 if self.handedness == "Left" else 1

    def landmarks_px(self, width: int, height: int) -> np.ndarray:
        """Landmark x, y in pixels of an image of the given size, shape (21, 2)."""
        return self.landmarks[:, :2] * np.array([width, height], dtype=np.float32)

    def to_dict(self, digits: int | None = None) -> dict[str, Any]:
        """Plain JSON-able dict (the ``handpose detect --json`` hand shape)."""
        return {
            "handedness": self.handedness,
            "score": float(self.handedness_score),
            "presence": float(self.presence),
            "palm_box": [float(v) for v in self.palm_box],
            "landmarks": _round(self.landmarks, digits),
            "world_landmarks": _round(self.world_landmarks, digits),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hand:
        """Inverse of :meth:`to_dict`."""
        return cls(
            landmarks=np.asarray(data["landmarks"], dtype=np.float32),
            world_landmarks=np.asarray(data["world_landmarks"], dtype=np.float32),
            handedness=data["handedness"],
            handedness_score=float(data["score"]),
            presence=float(data.get("presence", 1.0)),
            palm_box=tuple(data.get("palm_box", (0.0, 0.0, 0.0, 0.0))),  # type: ignore[arg-type]
        )


@dataclass(frozen=True, eq=False)
class HandLandmarkerResult:
    """All hands found in one image or frame."""

    hands: tuple[Hand, ...]
    width: int
    height: int
    palm_detector_ran: bool = True
    timestamp_ms: int | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.hands)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.hands)

    def to_dict(self, digits: int | None = None) -> dict[str, Any]:
        """Plain JSON-able dict: ``{"width", "height", "hands": [...]}``."""
        out: dict[str, Any] = {
            "width": self.width,
            "height": self.height,
            "hands": [h.to_dict(digits) for h in self.hands],
            "palm_detector_ran": self.palm_detector_ran,
        }
        if self.timestamp_ms is not None:
            out["timestamp_ms"] = self.timestamp_ms
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HandLandmarkerResult:
        """Inverse of :meth:`to_dict`."""
        return cls(
            hands=tuple(Hand.from_dict(h) for h in data["hands"]),
            width=int(data["width"]),
            height=int(data["height"]),
            palm_detector_ran=bool(data.get("palm_detector_ran", True)),
            timestamp_ms=data.get("timestamp_ms"),
        )
