"""MediaPipe-compatible drawing: ``mediapipe.solutions.drawing_utils`` (0.10.21), pixel for pixel.

Coordinates: landmarks are normalized (x by image width, y by image height). A landmark is drawn at
``(min(floor(x * width), width - 1), min(floor(y * height), height - 1))`` when x and y lie in [0, 1], and not
at all otherwise, exactly as MediaPipe does; the arithmetic is Python float (float64), as with MediaPipe's
protobuf landmarks, even when the given values are float32. Colours are BGR, like MediaPipe's.

``landmark_list`` is anything with a ``.landmark`` sequence whose items have ``.x`` and ``.y``: handpose's
``solutions.hands`` objects or MediaPipe's own protobuf messages. MediaPipe skips a landmark whose
``visibility`` or ``presence`` is *set* and below 0.5; on protobufs "set" means ``HasField``, on other objects
an attribute that is not None.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import cv2
import numpy as np

from ..drawing import HAND_CONNECTIONS_DRAW_ORDER
from ..errors import MissingExtraError

_PRESENCE_THRESHOLD = 0.5
_VISIBILITY_THRESHOLD = 0.5
_BGR_CHANNELS = 3

WHITE_COLOR = (224, 224, 224)
BLACK_COLOR = (0, 0, 0)
RED_COLOR = (0, 0, 255)
GREEN_COLOR = (0, 128, 0)
BLUE_COLOR = (255, 0, 0)

_HAND_CONNECTION_SET = frozenset(HAND_CONNECTIONS_DRAW_ORDER)


@dataclasses.dataclass
class DrawingSpec:
    """How to draw landmarks or connections: BGR ``color``, ``thickness`` (-1 fills), ``circle_radius``."""

    color: tuple[int, int, int] = WHITE_COLOR
    thickness: int = 2
    circle_radius: int = 2


_DEFAULT_LANDMARK_SPEC = DrawingSpec(color=RED_COLOR)
_DEFAULT_CONNECTION_SPEC = DrawingSpec()
_DEFAULT_PLOT_LANDMARK_SPEC = DrawingSpec(color=RED_COLOR, thickness=5)
_DEFAULT_PLOT_CONNECTION_SPEC = DrawingSpec(color=BLACK_COLOR, thickness=5)


def _normalized_to_pixel_coordinates(
    normalized_x: float, normalized_y: float, image_width: int, image_height: int
) -> tuple[int, int] | None:
    """Normalized (x, y) → pixel (x, y), or None when either is outside [0, 1] (or NaN)."""

    def is_valid_normalized_value(value: float) -> bool:
        return (value > 0 or math.isclose(0, value)) and (value < 1 or math.isclose(1, value))

    normalized_x = float(normalized_x)
    normalized_y = float(normalized_y)
    if not (is_valid_normalized_value(normalized_x) and is_valid_normalized_value(normalized_y)):
        return None
    x_px = min(math.floor(normalized_x * image_width), image_width - 1)
    y_px = min(math.floor(normalized_y * image_height), image_height - 1)
    return x_px, y_px


def _field_is_set(landmark: Any, name: str) -> bool:
    has_field = getattr(landmark, "HasField", None)
    if callable(has_field):  # a protobuf message, e.g. MediaPipe's own NormalizedLandmark
        return bool(has_field(name))
    return getattr(landmark, name, None) is not None


def _is_hidden(landmark: Any) -> bool:
    """MediaPipe's rule: skip a landmark whose visibility or presence is set and below 0.5."""
    return (_field_is_set(landmark, "visibility") and landmark.visibility < _VISIBILITY_THRESHOLD) or (
        _field_is_set(landmark, "presence") and landmark.presence < _PRESENCE_THRESHOLD
    )


def _drawing_order(connections: Iterable[tuple[int, int]]) -> Iterable[tuple[int, int]]:
    """The hand connection set in MediaPipe's order (``HAND_CONNECTIONS_DRAW_ORDER``); other ones as given.

    A set has no order of its own: MediaPipe draws its ``HAND_CONNECTIONS`` in whatever order CPython iterates
    that frozenset, which depends on how it was built. Any unordered collection equal to the hand connections
    is drawn in that recorded order, so crossing lines overlap as in MediaPipe's images.
    """
    if isinstance(connections, (set, frozenset)) and connections == _HAND_CONNECTION_SET:
        return HAND_CONNECTIONS_DRAW_ORDER
    return connections


def _check_bgr_image(image: np.ndarray) -> tuple[int, int]:
    shape = getattr(image, "shape", ())
    if len(shape) != 3 or shape[2] != _BGR_CHANNELS:
        raise ValueError(f"Input image must contain three channel bgr data; got an array of shape {shape}.")
    return shape[0], shape[1]


def draw_landmarks(
    image: np.ndarray,
    landmark_list: Any,
    connections: Collection[tuple[int, int]] | None = None,
    landmark_drawing_spec: DrawingSpec | Mapping[int, DrawingSpec] | None = _DEFAULT_LANDMARK_SPEC,
    connection_drawing_spec: DrawingSpec
    | Mapping[tuple[int, int], DrawingSpec]
    | None = _DEFAULT_CONNECTION_SPEC,
    is_drawing_landmarks: bool = True,
) -> None:
    """Draw connections, then landmark dots with a white border, on a BGR image in place, as MediaPipe does.

    Args:
        image: H×W×3 uint8 BGR array, modified in place.
        landmark_list: object with a ``.landmark`` sequence of normalized landmarks (see module docstring).
        connections: (start, end) landmark index pairs to join with lines, e.g. ``hands.HAND_CONNECTIONS``.
        landmark_drawing_spec: one :class:`DrawingSpec` or a mapping landmark index → spec (e.g.
            ``drawing_styles.get_default_hand_landmarks_style()``); None draws no dots.
        connection_drawing_spec: one spec or a mapping connection → spec; a line is drawn only when both its
            landmarks are drawable.
        is_drawing_landmarks: False draws only the connections.

    Raises:
        ValueError: the image has not three channels, or a connection names a landmark index out of range.
    """
    if not landmark_list:
        return
    image_rows, image_cols = _check_bgr_image(image)
    idx_to_coordinates: dict[int, tuple[int, int]] = {}
    for idx, landmark in enumerate(landmark_list.landmark):
        if _is_hidden(landmark):
            continue
        landmark_px = _normalized_to_pixel_coordinates(landmark.x, landmark.y, image_cols, image_rows)
        if landmark_px:
            idx_to_coordinates[idx] = landmark_px
    if connections:
        num_landmarks = len(landmark_list.landmark)
        for connection in _drawing_order(connections):
            start_idx, end_idx = connection[0], connection[1]
            if not (0 <= start_idx < num_landmarks and 0 <= end_idx < num_landmarks):
                raise ValueError(
                    "Landmark index is out of range. Invalid connection "
                    f"from landmark #{start_idx} to landmark #{end_idx}."
                )
            if start_idx in idx_to_coordinates and end_idx in idx_to_coordinates:
                line_spec: DrawingSpec = (
                    connection_drawing_spec[connection]
                    if isinstance(connection_drawing_spec, Mapping)
                    else connection_drawing_spec  # type: ignore[assignment]
                )
                start, end = idx_to_coordinates[start_idx], idx_to_coordinates[end_idx]
                cv2.line(image, start, end, line_spec.color, line_spec.thickness)
    # Dots after the lines, so they sit on top.
    if is_drawing_landmarks and landmark_drawing_spec:
        for idx, landmark_px in idx_to_coordinates.items():
            dot_spec = (
                landmark_drawing_spec[idx]
                if isinstance(landmark_drawing_spec, Mapping)
                else landmark_drawing_spec
            )
            border_radius = max(dot_spec.circle_radius + 1, int(dot_spec.circle_radius * 1.2))
            cv2.circle(image, landmark_px, border_radius, WHITE_COLOR, dot_spec.thickness)
            cv2.circle(image, landmark_px, dot_spec.circle_radius, dot_spec.color, dot_spec.thickness)


def _normalize_color(color: tuple[int, int, int]) -> tuple[float, ...]:
    return tuple(v / 255.0 for v in color)


def plot_landmarks(
    landmark_list: Any,
    connections: Collection[tuple[int, int]] | None = None,
    landmark_drawing_spec: DrawingSpec = _DEFAULT_PLOT_LANDMARK_SPEC,
    connection_drawing_spec: DrawingSpec = _DEFAULT_PLOT_CONNECTION_SPEC,
    elevation: int = 10,
    azimuth: int = 10,
) -> None:
    """Plot landmarks and connections in a matplotlib 3-D figure and show it (needs the ``plot`` extra).

    Axes as MediaPipe's: plot x = -z, plot y = x, plot z = -y of the landmarks (world or normalized).

    Raises:
        MissingExtraError: matplotlib is not installed.
        ValueError: a connection names a landmark index out of range.
    """
    if not landmark_list:
        return
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise MissingExtraError("matplotlib", "plot") from exc
    plt.figure(figsize=(10, 10))
    ax = plt.axes(projection="3d")
    ax.view_init(elev=elevation, azim=azimuth)
    plotted: dict[int, tuple[float, float, float]] = {}
    for idx, landmark in enumerate(landmark_list.landmark):
        if _is_hidden(landmark):
            continue
        point = (-float(landmark.z), float(landmark.x), -float(landmark.y))
        ax.scatter3D(
            xs=[point[0]],
            ys=[point[1]],
            zs=[point[2]],
            color=_normalize_color(landmark_drawing_spec.color[::-1]),
            linewidth=landmark_drawing_spec.thickness,
        )
        plotted[idx] = point
    if connections:
        num_landmarks = len(landmark_list.landmark)
        for start_idx, end_idx in connections:
            if not (0 <= start_idx < num_landmarks and 0 <= end_idx < num_landmarks):
                raise ValueError(
                    "Landmark index is out of range. Invalid connection "
                    f"from landmark #{start_idx} to landmark #{end_idx}."
                )
            if start_idx in plotted and end_idx in plotted:
                start, end = plotted[start_idx], plotted[end_idx]
                ax.plot3D(
                    xs=[start[0], end[0]],
                    ys=[start[1], end[1]],
                    zs=[start[2], end[2]],
                    color=_normalize_color(connection_drawing_spec.color[::-1]),
                    linewidth=connection_drawing_spec.thickness,
                )
    plt.show()
