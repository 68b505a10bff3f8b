"""MediaPipe-compatible default hand styles: ``mediapipe.solutions.drawing_styles`` (0.10.21) and
``mediapipe.tasks.python.vision.drawing_styles`` (1.2.x, the same hand styles), hands only.

Colours are BGR, as MediaPipe's; the values live in :mod:`handpose.drawing` (one place for MediaPipe's style).
Each call returns new dicts of new :class:`DrawingSpec` objects, so callers may change them freely.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..drawing import HAND_CONNECTION_GROUP_STYLES, HAND_LANDMARK_GROUP_COLORS, HAND_LANDMARK_RADIUS
from ..results import HandLandmark
from .drawing_utils import DrawingSpec

_THICKNESS_DOT = -1  # filled circles


def get_default_hand_landmarks_style() -> Mapping[int, DrawingSpec]:
    """Landmark index (a :class:`HandLandmark`) → spec: filled dots of radius 5, one colour per finger."""
    style: dict[int, DrawingSpec] = {}
    for group, color in HAND_LANDMARK_GROUP_COLORS:
        spec = DrawingSpec(color=color, thickness=_THICKNESS_DOT, circle_radius=HAND_LANDMARK_RADIUS)
        for index in group:
            style[HandLandmark(index)] = spec
    return style


def get_default_hand_connections_style() -> Mapping[tuple[int, int], DrawingSpec]:
    """Connection (start, end) → spec: gray 3 px palm lines, 2 px finger lines in each finger's colour."""
    style: dict[tuple[int, int], DrawingSpec] = {}
    for group, color, thickness in HAND_CONNECTION_GROUP_STYLES:
        spec = DrawingSpec(color=color, thickness=thickness)
        for connection in group:
            style[connection] = spec
    return style


# MediaPipe's face mesh and pose styles: handpose covers Hands only.
_NOT_COVERED = frozenset(
    {
        "get_default_face_mesh_contours_style",
        "get_default_face_mesh_tesselation_style",
        "get_default_face_mesh_iris_connections_style",
        "get_default_pose_landmarks_style",
    }
)


def __getattr__(name: str) -> object:
    if name in _NOT_COVERED:
        raise AttributeError(
            f"drawing_styles.{name} is MediaPipe's face/pose style; handpose covers Hands only "
            "(get_default_hand_landmarks_style, get_default_hand_connections_style)"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
