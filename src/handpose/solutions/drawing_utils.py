"""MediaPipe's drawing functions, pixel for pixel: ``mediapipe.solutions.drawing_utils`` (0.10.21) and
``mediapipe.tasks.python.vision.drawing_utils`` (1.2.x) in one module.

Both APIs are accepted by every function:

- classic (solutions): ``landmark_list`` is a message with a ``.landmark`` field (``NormalizedLandmarkList``
  from :mod:`handpose.framework.formats.landmark_pb2`, or MediaPipe's own); connections are ``(start, end)``
  pairs such as ``hands.HAND_CONNECTIONS``; ``draw_detection`` takes a ``detection_pb2.Detection`` with
  relative location data.
- Tasks: ``landmark_list`` is a plain list of landmarks (``result.hand_landmarks[i]``); connections may be
  ``Connection`` objects with ``.start`` / ``.end`` (``HandLandmarksConnections.HAND_CONNECTIONS``);
  ``draw_detection`` takes a Tasks ``Detection`` (pixel ``bounding_box``, normalized ``keypoints``).

Coordinates: landmarks are normalized (x by image width, y by image height). A landmark is drawn at
``(min(floor(x * width), width - 1), min(floor(y * height), height - 1))`` when x and y lie in [0, 1], and not
at all otherwise, exactly as MediaPipe does; the arithmetic is Python float (float64), as with MediaPipe's
protobuf landmarks, even when the given values are float32. Colours are BGR, like MediaPipe's.

A landmark whose ``visibility`` or ``presence`` is *set* and below 0.5 is skipped: on protobuf messages "set"
means ``HasField``, on other objects an attribute that is not None (the Tasks rule).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import cv2
import numpy as np

from ..drawing import HAND_CONNECTIONS_DRAW_ORDER
from ..errors import MissingExtraError

_PRESENCE_THRESHOLD = 0.5
_VISIBILITY_THRESHOLD = 0.5
_BGR_CHANNELS = 3
_RELATIVE_BOUNDING_BOX = 2  # location_data_pb2.LocationData.RELATIVE_BOUNDING_BOX

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
_DEFAULT_KEYPOINT_SPEC = DrawingSpec(color=RED_COLOR)
_DEFAULT_BBOX_SPEC = DrawingSpec()
_DEFAULT_AXIS_SPEC = DrawingSpec()
_DEFAULT_PLOT_LANDMARK_SPEC = DrawingSpec(color=RED_COLOR, thickness=5)
_DEFAULT_PLOT_CONNECTION_SPEC = DrawingSpec(color=BLACK_COLOR, thickness=5)


def _normalized_to_pixel_coordinates(
    normalized_x: float, normalized_y: float, image_width: int, image_height: int
) -> tuple[int, int] | None:
    """Normalized (x, y) → pixel (x, y), or None when either is outside [0, 1] (or NaN)."""

    def inside_unit_interval(value: float) -> bool:
        return (value > 0 or math.isclose(0, value)) and (value < 1 or math.isclose(1, value))

    normalized_x = float(normalized_x)
    normalized_y = float(normalized_y)
    if not (inside_unit_interval(normalized_x) and inside_unit_interval(normalized_y)):
        return None
    return (
        min(math.floor(normalized_x * image_width), image_width - 1),
        min(math.floor(normalized_y * image_height), image_height - 1),
    )


def _field_is_set(landmark: Any, name: str) -> bool:
    has_field = getattr(landmark, "HasField", None)
    if callable(has_field):  # a protobuf message: handpose's or MediaPipe's NormalizedLandmark
        return bool(has_field(name))
    return getattr(landmark, name, None) is not None


def _is_hidden(landmark: Any) -> bool:
    """MediaPipe's rule: skip a landmark whose visibility or presence is set and below 0.5."""
    return (_field_is_set(landmark, "visibility") and landmark.visibility < _VISIBILITY_THRESHOLD) or (
        _field_is_set(landmark, "presence") and landmark.presence < _PRESENCE_THRESHOLD
    )


def _landmarks(landmark_list: Any) -> Sequence[Any]:
    """The landmarks of a ``*LandmarkList`` message (its ``.landmark``), or a Tasks list as given."""
    return landmark_list.landmark if hasattr(landmark_list, "landmark") else landmark_list


def _endpoints(connection: Any) -> tuple[int, int]:
    """(start, end) of a Tasks ``Connection`` (``.start``/``.end``) or of a classic index pair."""
    if hasattr(connection, "start") and hasattr(connection, "end"):
        return connection.start, connection.end
    return connection[0], connection[1]


def _drawing_order(connections: Iterable[Any]) -> Iterable[Any]:
    """The hand connection set in MediaPipe's order (``HAND_CONNECTIONS_DRAW_ORDER``); other ones as given.

    A set has no order of its own: MediaPipe draws its ``HAND_CONNECTIONS`` in whatever order CPython iterates
    that frozenset, which depends on how it was built. Any unordered collection equal to the hand connections
    is drawn in that recorded order, so crossing lines overlap as in MediaPipe's images.
    """
    if isinstance(connections, (set, frozenset)) and connections == _HAND_CONNECTION_SET:
        return HAND_CONNECTIONS_DRAW_ORDER
    return connections


def _check_bgr_image(image: np.ndarray) -> tuple[int, int]:
    """(rows, cols) of an H×W×3 image; ValueError with MediaPipe's message otherwise (also for 2-D arrays)."""
    shape = getattr(image, "shape", ())
    if len(shape) != 3 or shape[2] != _BGR_CHANNELS:
        raise ValueError(f"Input image must contain three channel bgr data; got an array of shape {shape}.")
    return shape[0], shape[1]


def _check_connection(start: int, end: int, num_landmarks: int) -> None:
    if not (0 <= start < num_landmarks and 0 <= end < num_landmarks):
        raise ValueError(
            f"Landmark index is out of range. Invalid connection from landmark #{start} to landmark #{end}."
        )


def draw_landmarks(
    image: np.ndarray,
    landmark_list: Any,
    connections: Collection[Any] | None = None,
    landmark_drawing_spec: DrawingSpec | Mapping[int, DrawingSpec] | None = _DEFAULT_LANDMARK_SPEC,
    connection_drawing_spec: DrawingSpec
    | Mapping[tuple[int, int], DrawingSpec]
    | None = _DEFAULT_CONNECTION_SPEC,
    is_drawing_landmarks: bool = True,
) -> None:
    """Draw connections, then landmark dots with a white border, on a BGR image in place, as MediaPipe does.

    Args:
        image: H×W×3 uint8 BGR array, modified in place.
        landmark_list: a ``NormalizedLandmarkList`` message or a list of normalized landmarks (Tasks).
        connections: landmark index pairs (or Tasks ``Connection`` objects) to join with lines, e.g.
            ``hands.HAND_CONNECTIONS``.
        landmark_drawing_spec: one :class:`DrawingSpec` or a mapping landmark index → spec (e.g.
            ``drawing_styles.get_default_hand_landmarks_style()``); None draws no dots.
        connection_drawing_spec: one spec or a mapping (start, end) → spec; a line is drawn only when both its
            landmarks are drawable.
        is_drawing_landmarks: False draws only the connections.

    Raises:
        ValueError: the image has not three channels (checked unless ``landmark_list`` is None or an empty
            list), or a connection names a landmark index out of range.
    """
    if not landmark_list:
        return
    image_rows, image_cols = _check_bgr_image(image)
    landmarks = _landmarks(landmark_list)
    idx_to_coordinates: dict[int, tuple[int, int]] = {}
    for idx, landmark in enumerate(landmarks):
        if _is_hidden(landmark):
            continue
        landmark_px = _normalized_to_pixel_coordinates(landmark.x, landmark.y, image_cols, image_rows)
        if landmark_px:
            idx_to_coordinates[idx] = landmark_px
    if connections:
        for connection in _drawing_order(connections):
            start_idx, end_idx = _endpoints(connection)
            _check_connection(start_idx, end_idx, len(landmarks))
            if start_idx in idx_to_coordinates and end_idx in idx_to_coordinates:
                line_spec: DrawingSpec = (
                    connection_drawing_spec[(start_idx, end_idx)]
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


def draw_detection(
    image: np.ndarray,
    detection: Any,
    keypoint_drawing_spec: DrawingSpec = _DEFAULT_KEYPOINT_SPEC,
    bbox_drawing_spec: DrawingSpec = _DEFAULT_BBOX_SPEC,
) -> None:
    """Draw a detection's key points (circles) and box (rectangle) on a BGR image in place, as MediaPipe does.

    ``detection`` is a ``detection_pb2.Detection`` (classic: relative key points and box in
    ``location_data``) or a Tasks ``Detection`` (``keypoints`` normalized, ``bounding_box`` in pixels). As in
    MediaPipe, a key point or box corner outside the image is passed on to OpenCV as None, which raises.

    Raises:
        ValueError: the image has not three channels, or the classic location data is not
            ``RELATIVE_BOUNDING_BOX``.
    """
    if hasattr(detection, "location_data"):
        _draw_detection_message(image, detection, keypoint_drawing_spec, bbox_drawing_spec)
        return
    image_rows, image_cols = _check_bgr_image(image)
    for keypoint in detection.keypoints or ():
        keypoint_px = _normalized_to_pixel_coordinates(keypoint.x, keypoint.y, image_cols, image_rows)
        _circle(image, keypoint_px, keypoint_drawing_spec)
    box = detection.bounding_box
    end = (box.origin_x + box.width, box.origin_y + box.height)
    cv2.rectangle(
        image, (box.origin_x, box.origin_y), end, bbox_drawing_spec.color, bbox_drawing_spec.thickness
    )


def _circle(image: np.ndarray, center: tuple[int, int] | None, spec: DrawingSpec) -> None:
    cv2.circle(image, center, spec.circle_radius, spec.color, spec.thickness)  # type: ignore[arg-type]


def _draw_detection_message(
    image: np.ndarray, detection: Any, keypoint_spec: DrawingSpec, bbox_spec: DrawingSpec
) -> None:
    if not detection.location_data:  # a sub-message is always truthy; kept as MediaPipe has it
        return
    image_rows, image_cols = _check_bgr_image(image)
    location = detection.location_data
    if location.format != _RELATIVE_BOUNDING_BOX:
        raise ValueError("LocationData must be relative for this drawing funtion to work.")
    for keypoint in location.relative_keypoints:
        _circle(
            image,
            _normalized_to_pixel_coordinates(keypoint.x, keypoint.y, image_cols, image_rows),
            keypoint_spec,
        )
    if not location.HasField("relative_bounding_box"):
        return
    box = location.relative_bounding_box
    top_left = _normalized_to_pixel_coordinates(box.xmin, box.ymin, image_cols, image_rows)
    bottom_right = _normalized_to_pixel_coordinates(
        box.xmin + box.width, box.ymin + box.height, image_cols, image_rows
    )
    cv2.rectangle(image, top_left, bottom_right, bbox_spec.color, bbox_spec.thickness)  # type: ignore[call-overload]


def draw_axis(
    image: np.ndarray,
    rotation: np.ndarray,
    translation: np.ndarray,
    focal_length: tuple[float, float] = (1.0, 1.0),
    principal_point: tuple[float, float] = (0.0, 0.0),
    axis_length: float = 0.1,
    axis_drawing_spec: DrawingSpec = _DEFAULT_AXIS_SPEC,
) -> None:
    """Draw the x (red), y (green) and z (blue) axes of an object pose as arrows on a BGR image in place.

    The axes, ``axis_length`` long in object coordinates, are moved into camera coordinates by ``rotation``
    (3×3) and ``translation`` (3,), projected with ``focal_length`` and ``principal_point`` into normalized
    device coordinates (clipped to [-1, 1]; y up) and from there into pixels, as MediaPipe's Objectron does.

    Raises:
        ValueError: the image has not three channels.
    """
    image_rows, image_cols = _check_bgr_image(image)
    # Origin and the three unit axes, one point per row; then into the camera frame.
    points = np.float32([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    camera = np.matmul(rotation, axis_length * points.T).T + translation
    x, y, z = camera[..., 0], camera[..., 1], camera[..., 2]
    fx, fy = focal_length
    px, py = principal_point
    x_ndc = np.clip(-fx * x / (z + 1e-5) + px, -1.0, 1.0)
    y_ndc = np.clip(-fy * y / (z + 1e-5) + py, -1.0, 1.0)
    cols = np.int32((1 + x_ndc) * 0.5 * image_cols)
    rows = np.int32((1 - y_ndc) * 0.5 * image_rows)
    origin = (cols[0], rows[0])
    for axis, color in ((1, RED_COLOR), (2, GREEN_COLOR), (3, BLUE_COLOR)):
        cv2.arrowedLine(image, origin, (cols[axis], rows[axis]), color, axis_drawing_spec.thickness)


def _normalize_color(color: tuple[int, int, int]) -> tuple[float, ...]:
    return tuple(v / 255.0 for v in color)


def plot_landmarks(
    landmark_list: Any,
    connections: Collection[Any] | None = None,
    landmark_drawing_spec: DrawingSpec = _DEFAULT_PLOT_LANDMARK_SPEC,
    connection_drawing_spec: DrawingSpec = _DEFAULT_PLOT_CONNECTION_SPEC,
    elevation: int = 10,
    azimuth: int = 10,
) -> None:
    """Plot landmarks and connections in a matplotlib 3-D figure and show it (needs the ``plot`` extra).

    Axes as MediaPipe's: plot x = -z, plot y = x, plot z = -y of the landmarks (world or normalized); unset
    (None) coordinates of Tasks landmarks count as 0.

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
    landmarks = _landmarks(landmark_list)
    plotted: dict[int, tuple[float, float, float]] = {}
    for idx, landmark in enumerate(landmarks):
        if _is_hidden(landmark):
            continue
        point = (-float(landmark.z or 0), float(landmark.x or 0), -float(landmark.y or 0))
        ax.scatter3D(
            xs=[point[0]],
            ys=[point[1]],
            zs=[point[2]],
            color=_normalize_color(landmark_drawing_spec.color[::-1]),
            linewidth=landmark_drawing_spec.thickness,
        )
        plotted[idx] = point
    for connection in connections or ():
        start_idx, end_idx = _endpoints(connection)
        _check_connection(start_idx, end_idx, len(landmarks))
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
