"""Hand gestures from landmarks: per-finger states, finger count, pinch distance and named gestures.

Everything is computed from a hand's 3-D **world landmarks** (metres, camera-aligned axes: x right, y down,
z away from the camera), so joint angles do not depend on the image's aspect ratio, the hand's size or its
distance from the camera, and the finger states do not depend on how the hand is rotated. Only the gestures
whose name says a direction (``pointing_up``, ``thumbs_up``, ``thumbs_down``) look at the up/down axis.

>>> from handpose import HandLandmarker, gestures                              # doctest: +SKIP
>>> hand = HandLandmarker().detect("hand.jpg").hands[0]                          # doctest: +SKIP
>>> gestures.classify_hand(hand).to_dict()                                       # doctest: +SKIP
{'gesture': 'thumbs_up', 'fingers': {'thumb': 'extended', 'index': 'curled', ...}, 'finger_count': 1, ...}

Finger state (index … pinky): the flexion at the PIP and DIP joints (the angle between successive bone
vectors) below 70° → ``extended``; at least 100° with a total MCP+PIP+DIP flexion of at least 130° →
``curled``; otherwise ``half``. Thumb: ``extended`` when its tip sticks out beyond every other landmark
along the thumb's own direction (≥ 0.25 palm lengths) or lies far out to the side (≥ 1.5 palm widths past the
index knuckle); ``curled`` when the tip lies across the palm (past the index knuckle towards the pinky);
otherwise ``half``. (Palm length: wrist to middle-finger knuckle; palm width: index to pinky knuckle.)

Named gestures, first match wins: ``open_palm`` (four fingers extended, thumb not curled); ``ok`` (thumb and
index tips within 0.35 palm lengths, middle/ring/pinky not curled and at least one extended); ``i_love_you``
(thumb, index and pinky extended, middle and ring not); four fingers curled → ``thumbs_up`` / ``thumbs_down``
when the (uncurled) thumb tip lies ≥ 0.35 palm lengths above / below every other landmark, else ``fist``;
``pointing_up`` (only the index extended, thumb not, index within 60° of straight up); ``victory`` (index and
middle extended and ≥ 8° apart, ring and pinky not); else ``none``. Thresholds were set on the labelled shared
images (tests/data/gestures_labels.json; accuracy in docs/gestures.md).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .results import Hand

__all__ = ["FINGERS", "GESTURES", "FingerState", "GestureResult", "classify_hand", "classify_landmarks"]

FINGERS = ("thumb", "index", "middle", "ring", "pinky")
GESTURES = (
    "open_palm",
    "fist",
    "pointing_up",
    "victory",
    "thumbs_up",
    "thumbs_down",
    "ok",
    "i_love_you",
    "none",
)
# Landmark indices (MediaPipe order): MCP, PIP, DIP, TIP of the four fingers; CMC, MCP, IP, TIP of the thumb.
_CHAINS = {
    "thumb": (1, 2, 3, 4),
    "index": (5, 6, 7, 8),
    "middle": (9, 10, 11, 12),
    "ring": (13, 14, 15, 16),
    "pinky": (17, 18, 19, 20),
}
_WRIST, _INDEX_MCP, _MIDDLE_MCP, _PINKY_MCP, _THUMB_TIP, _INDEX_TIP = 0, 5, 9, 17, 4, 8

EXTENDED_MAX_FLEXION = 70.0  # degrees, PIP + DIP
CURLED_MIN_FLEXION = 100.0  # degrees, PIP + DIP
CURLED_MIN_TOTAL_FLEXION = 130.0  # degrees, MCP + PIP + DIP
THUMB_MIN_PROTRUSION = 0.25  # palm lengths beyond every other landmark along the thumb direction
THUMB_MIN_RISE = 0.35  # palm lengths the thumb tip lies above (below) every other landmark: thumbs up (down)
THUMB_MIN_SIDEWAYS = 1.5  # palm widths past the index knuckle, across the palm
DIRECTION_MAX_ANGLE = 60.0  # degrees from straight up/down for pointing_up / thumbs_up / thumbs_down
PINCH_TOUCH = 0.35  # thumb tip–index tip distance, in palm lengths, that counts as touching (ok sign)
VICTORY_MIN_SPREAD = 8.0  # degrees between index and middle finger directions
_UP = np.array([0.0, -1.0, 0.0])


class FingerState(str, enum.Enum):
    """How bent one finger is."""

    EXTENDED = "extended"
    HALF = "half"
    CURLED = "curled"


@dataclass(frozen=True)
class GestureResult:
    """The gesture of one hand.

    ``fingers``: state of each of :data:`FINGERS`; ``finger_count``: how many are extended; ``pinch_distance``:
    thumb tip to index tip over the palm length (wrist to middle-finger knuckle), about 0.1–0.3 when they touch;
    ``flexion``: per finger (MCP, PIP, DIP) flexion angles in degrees (thumb: CMC, MCP, IP); ``palm_facing``:
    'camera' or 'away' (needs the handedness label); ``gesture``: one of :data:`GESTURES`.
    """

    gesture: str
    fingers: dict[str, FingerState]
    finger_count: int
    pinch_distance: float
    palm_facing: str | None = None
    flexion: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    def to_dict(self, digits: int | None = 3) -> dict[str, Any]:
        """JSON-able dict (what ``handpose detect --gestures`` adds to each hand)."""

        def rnd(v: float) -> float:
            return round(float(v), digits) if digits is not None else float(v)

        return {
            "gesture": self.gesture,
            "fingers": {name: state.value for name, state in self.fingers.items()},
            "finger_count": self.finger_count,
            "pinch_distance": rnd(self.pinch_distance),
            "palm_facing": self.palm_facing,
            "flexion": {name: [rnd(a) for a in angles] for name, angles in self.flexion.items()},
        }


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-12 else v


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    """Angle between two vectors, degrees (0 = same direction)."""
    cos = float(np.dot(_unit(a), _unit(b)))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def _flexion(p: np.ndarray, name: str) -> tuple[float, float, float]:
    """Flexion angles at the three joints of a finger: angles between successive bone vectors."""
    a, b, c, d = (p[i] for i in _CHAINS[name])
    base = p[_WRIST]
    return _angle(a - base, b - a), _angle(b - a, c - b), _angle(c - b, d - c)


def _finger_state(flex: tuple[float, float, float]) -> FingerState:
    mcp, pip, dip = flex
    if pip + dip < EXTENDED_MAX_FLEXION:
        return FingerState.EXTENDED
    if pip + dip >= CURLED_MIN_FLEXION and mcp + pip + dip >= CURLED_MIN_TOTAL_FLEXION:
        return FingerState.CURLED
    return FingerState.HALF


def _thumb_state(p: np.ndarray, palm_length: float) -> FingerState:
    tip = p[_THUMB_TIP]
    direction = _unit(tip - p[2])
    others = np.delete(p, [1, 2, 3, 4], axis=0)  # wrist and the four fingers
    protrusion = (float(tip @ direction) - float((others @ direction).max())) / palm_length
    across = p[_INDEX_MCP] - p[_PINKY_MCP]
    width = max(float(np.linalg.norm(across)), 1e-9)
    sideways = float((tip - p[_INDEX_MCP]) @ (across / width)) / width
    if protrusion >= THUMB_MIN_PROTRUSION or sideways >= THUMB_MIN_SIDEWAYS:
        return FingerState.EXTENDED
    if sideways < 0.0:
        return FingerState.CURLED
    return FingerState.HALF


def _palm_facing(p: np.ndarray, handedness: str | None) -> str | None:
    """'camera' or 'away' from the palm normal; which side is the palm depends on the hand (its label).

    Uses handpose's (MediaPipe legacy) label: "Left" hands have the palm on the side where the normal
    (index knuckle − wrist) × (pinky knuckle − wrist) points; checked on the shared images.
    """
    if handedness not in ("Left", "Right"):
        return None
    normal = np.cross(p[_INDEX_MCP] - p[_WRIST], p[_PINKY_MCP] - p[_WRIST])
    towards_camera = normal[2] < 0 if handedness == "Left" else normal[2] > 0
    return "camera" if towards_camera else "away"


def _points_to(vector: np.ndarray, axis: np.ndarray) -> bool:
    return _angle(vector, axis) <= DIRECTION_MAX_ANGLE


def _thumb_rise(p: np.ndarray, palm_length: float) -> float:
    """How far the thumb tip lies above every other landmark (> 0), or below every one (< 0), in palm
    lengths; 0 when it is in between. Image "up" is −y in world coordinates."""
    tip_y = p[_THUMB_TIP, 1]
    others_y = np.delete(p[:, 1], [1, 2, 3, 4])
    above = (others_y.min() - tip_y) / palm_length
    below = (tip_y - others_y.max()) / palm_length
    return float(above) if above > 0 else (-float(below) if below > 0 else 0.0)


def _name_gesture(p: np.ndarray, fingers: dict[str, FingerState], pinch: float, palm_length: float) -> str:
    ext = {n for n, s in fingers.items() if s is FingerState.EXTENDED}
    curled = {n for n, s in fingers.items() if s is FingerState.CURLED}
    four = ("index", "middle", "ring", "pinky")
    if {"index", "middle", "ring", "pinky"} <= ext and fingers["thumb"] is not FingerState.CURLED:
        return "open_palm"
    if (
        pinch <= PINCH_TOUCH
        and {"middle", "ring", "pinky"} & ext
        and not {"middle", "ring", "pinky"} & curled
    ):
        return "ok"
    if ext >= {"thumb", "index", "pinky"} and not {"middle", "ring"} & ext:
        return "i_love_you"
    if curled >= set(four):
        if fingers["thumb"] is not FingerState.CURLED:
            rise = _thumb_rise(p, palm_length)
            if rise >= THUMB_MIN_RISE:
                return "thumbs_up"
            if rise <= -THUMB_MIN_RISE:
                return "thumbs_down"
        return "fist"
    if "index" in ext and not ext & {"middle", "ring", "pinky"} and "thumb" not in ext:
        return "pointing_up" if _points_to(p[_INDEX_TIP] - p[_INDEX_MCP], _UP) else "none"
    if {"index", "middle"} <= ext and not ext & {"ring", "pinky"}:
        spread = _angle(p[8] - p[5], p[12] - p[9])
        return "victory" if spread >= VICTORY_MIN_SPREAD else "none"
    return "none"


def _as_points(landmarks: Any) -> np.ndarray:
    """(N, 3) float64 from an array, a MediaPipe-style list (``.landmark``) or a list of points with x, y, z."""
    items = getattr(landmarks, "landmark", landmarks)
    if not isinstance(items, np.ndarray) and len(items) and hasattr(items[0], "x"):
        return np.array([[p.x, p.y, p.z] for p in items], dtype=np.float64)
    return np.asarray(items, dtype=np.float64)


def classify_landmarks(world_landmarks: Any, handedness: str | None = None) -> GestureResult:
    """Gesture of one hand from its 21 world landmarks (metres) and optional 'Left'/'Right' label
    (handpose / MediaPipe legacy convention; only ``palm_facing`` uses it).

    ``world_landmarks``: a (21, 3) array, a ``handpose.solutions.hands`` ``LandmarkList`` (e.g. one of
    ``results.multi_hand_world_landmarks``) or a list of 21 points with ``.x .y .z`` (``handpose.tasks``).

    Normalized image landmarks work too when world landmarks are not available, if x and y have the same
    scale (multiply y by height / width first).
    """
    p = _as_points(world_landmarks)
    if p.shape != (21, 3):
        raise ValueError(f"expected (21, 3) landmarks, got shape {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError("landmarks contain NaN or infinite values")
    palm_length = float(np.linalg.norm(p[_MIDDLE_MCP] - p[_WRIST]))
    if palm_length < 1e-9:
        raise ValueError("degenerate landmarks: the wrist and the middle-finger knuckle coincide")
    flexion = {name: _flexion(p, name) for name in FINGERS}
    fingers = {name: _finger_state(flexion[name]) for name in FINGERS[1:]}
    fingers = {"thumb": _thumb_state(p, palm_length), **fingers}
    pinch = float(np.linalg.norm(p[_THUMB_TIP] - p[_INDEX_TIP])) / palm_length
    return GestureResult(
        gesture=_name_gesture(p, fingers, pinch, palm_length),
        fingers=fingers,
        finger_count=sum(s is FingerState.EXTENDED for s in fingers.values()),
        pinch_distance=pinch,
        palm_facing=_palm_facing(p, handedness),
        flexion=flexion,
    )


def classify_hand(hand: Hand) -> GestureResult:
    """Gesture of a detected :class:`~handpose.results.Hand` (uses its world landmarks and handedness)."""
    world = np.asarray(hand.world_landmarks, dtype=np.float64)
    if not np.any(world):  # a hand rebuilt without world landmarks: fall back to the image landmarks
        return classify_landmarks(hand.landmarks, hand.handedness)
    return classify_landmarks(world, hand.handedness)
