"""Tests of MediaPipe-compatible drawing (handpose.solutions.drawing_utils/_styles) and drawing.annotate.

Where the expected images come from: tests/data/drawing/*.png (except extra_*.png) were drawn by MediaPipe 0.10.21's own
``mediapipe.solutions.drawing_utils.draw_landmarks`` (opencv-python 4.11) by
tests/data/make_drawing_reference.py, run in the reference environment, from MediaPipe Hands landmarks of the
shared fingerpose_*.jpg and tfjs_hands.jpg photos (handdata/reference/mediapipe_0.10.21_static.json), on gray
canvases of the photos' sizes; cases.json holds every input. extra_*.png (draw_detection, draw_axis, and
MediaPipe 1.2.2 Tasks drawing of plain landmark lists) come from tests/data/make_drawing_reference_extra.py.
Here the same inputs are drawn with handpose and must match to the pixel (np.array_equal).
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from google.protobuf import text_format

from handpose.drawing import HAND_CONNECTIONS_DRAW_ORDER, annotate, style_scale
from handpose.errors import MissingExtraError
from handpose.framework.formats import detection_pb2, landmark_pb2
from handpose.results import HAND_CONNECTIONS, Hand, HandLandmarkerResult
from handpose.solutions import drawing_styles, drawing_utils, hands_connections
from handpose.solutions.drawing_utils import DrawingSpec, _normalized_to_pixel_coordinates, draw_landmarks
from handpose.tasks import NormalizedLandmark as TasksLandmark

DATA = Path(__file__).parent / "data" / "drawing"
META = json.loads((DATA / "cases.json").read_text())
CASES = META["cases"]
GRAY = 96


@dataclass
class Landmark:
    """Stand-in for a MediaPipe NormalizedLandmark: visibility/presence count as set when not None."""

    x: float
    y: float
    z: float = 0.0
    visibility: float | None = None
    presence: float | None = None


@dataclass
class LandmarkList:
    landmark: list[Landmark] = field(default_factory=list)


def landmark_list(items: list[dict[str, float]]) -> LandmarkList:
    return LandmarkList([Landmark(**item) for item in items])


def spec_for(name: Any, kind: str) -> Any:
    if name == "default":
        return DrawingSpec(color=drawing_utils.RED_COLOR) if kind == "landmark" else DrawingSpec()
    if name == "hand_style":
        if kind == "landmark":
            return drawing_styles.get_default_hand_landmarks_style()
        return drawing_styles.get_default_hand_connections_style()
    return DrawingSpec(tuple(name["color"]), name["thickness"], name["circle_radius"])


def expected_image(case: dict[str, Any]) -> np.ndarray:
    image = cv2.imread(str(DATA / case["png"]), cv2.IMREAD_COLOR)
    assert image is not None, case["png"]
    return image


def make_hand(landmarks: Any, handedness: str = "Right", score: float = 0.93) -> Hand:
    return Hand(
        landmarks=np.asarray(landmarks, np.float32),
        world_landmarks=np.zeros((21, 3), np.float32),
        handedness=handedness,
        handedness_score=score,
        presence=1.0,
        palm_box=(0.0, 0.0, 1.0, 1.0),
    )


def result_for(case: dict[str, Any]) -> HandLandmarkerResult:
    hands = tuple(make_hand([[lm["x"], lm["y"], lm["z"]] for lm in hand]) for hand in case["hands"])
    return HandLandmarkerResult(hands=hands, width=case["width"], height=case["height"])


# --- pixel parity with MediaPipe 0.10.21 ----------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_draw_landmarks_is_pixel_identical_to_mediapipe(case: dict[str, Any]) -> None:
    canvas = np.full((case["height"], case["width"], 3), case["background"], np.uint8)
    connections = HAND_CONNECTIONS if case["connections"] == "HAND_CONNECTIONS" else None
    for hand in case["hands"]:
        draw_landmarks(
            canvas,
            landmark_list(hand),
            connections,
            spec_for(case["landmark_spec"], "landmark"),
            spec_for(case["connection_spec"], "connection"),
            case["is_drawing_landmarks"],
        )
    expected = expected_image(case)
    different = int((canvas != expected).any(axis=-1).sum())
    assert different == 0, f"{case['name']}: {different} pixels differ from MediaPipe's drawing"


def test_recorded_connection_order_is_mediapipes() -> None:
    assert [tuple(p) for p in META["mediapipe_hand_connections_order"]] == list(HAND_CONNECTIONS_DRAW_ORDER)
    assert frozenset(HAND_CONNECTIONS_DRAW_ORDER) == HAND_CONNECTIONS


def test_connection_order_matters_and_sets_are_drawn_in_mediapipes_order() -> None:
    """Lines of different colours cross, so the order changes pixels; a list is drawn in the order given."""
    case = next(c for c in CASES if c["name"] == "fingerpose_fullcurl_styled")
    expected = expected_image(case)
    hand = landmark_list(case["hands"][0])
    images = {}
    for name, connections in [
        ("frozenset", frozenset(HAND_CONNECTIONS)),
        ("set", set(HAND_CONNECTIONS)),
        ("mediapipe_list", list(HAND_CONNECTIONS_DRAW_ORDER)),
        ("sorted_list", sorted(HAND_CONNECTIONS)),
    ]:
        canvas = np.full_like(expected, GRAY)
        draw_landmarks(
            canvas,
            hand,
            connections,
            drawing_styles.get_default_hand_landmarks_style(),
            drawing_styles.get_default_hand_connections_style(),
        )
        images[name] = canvas
    for name in ("frozenset", "set", "mediapipe_list"):
        np.testing.assert_array_equal(images[name], expected, err_msg=name)
    assert not np.array_equal(images["sorted_list"], expected)


# --- drawing_utils details ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (0.0, 0.0, (0, 0)),
        (1.0, 1.0, (639, 479)),
        (0.5, 0.25, (320, 120)),
        (-0.0, 0.3, (0, 144)),
        (1.0 + 1e-12, 0.5, (639, 240)),  # math.isclose(1, x): still inside
        (1.0000001, 0.5, None),
        (-1e-9, 0.5, None),
        (0.5, math.nan, None),
        (math.inf, 0.5, None),
    ],
)
def test_normalized_to_pixel_coordinates(x: float, y: float, expected: tuple[int, int] | None) -> None:
    assert _normalized_to_pixel_coordinates(x, y, 640, 480) == expected


def test_pixel_coordinates_use_float64_arithmetic_for_float32_values() -> None:
    """MediaPipe multiplies Python floats; float32 products can round up to the next integer."""
    for width in (480, 640, 720):
        # float32 just below k / width: its float32 product with width rounds up to k for some k.
        values = [np.nextafter(np.float32(k / width), np.float32(0)) for k in range(1, width)]
        assert any(math.floor(v * np.float32(width)) != math.floor(float(v) * width) for v in values)
        for v in values:
            x_px, _ = _normalized_to_pixel_coordinates(v, 0.5, width, 100)  # type: ignore[misc]
            assert x_px == min(math.floor(float(v) * width), width - 1)


def test_protobuf_like_landmarks_use_hasfield() -> None:
    class ProtoLandmark:
        def __init__(self, x: float, y: float, visibility: float | None) -> None:
            self.x, self.y, self.z = x, y, 0.0
            self.visibility = 0.0 if visibility is None else visibility  # protobuf default when unset
            self.presence = 0.0
            self._set = {"visibility"} if visibility is not None else set()

        def HasField(self, name: str) -> bool:  # protobuf's method name
            return name in self._set

    canvas = np.zeros((50, 50, 3), np.uint8)
    lms = LandmarkList([ProtoLandmark(0.2, 0.2, None), ProtoLandmark(0.8, 0.8, 0.1)])  # type: ignore[list-item]
    draw_landmarks(canvas, lms)
    assert canvas[10, 10].any() and not canvas[40, 40].any()


def test_draw_landmarks_errors_and_no_ops() -> None:
    hand = landmark_list([{"x": 0.5, "y": 0.5}] * 21)
    with pytest.raises(ValueError, match="three channel bgr"):
        draw_landmarks(np.zeros((10, 10), np.uint8), hand)
    with pytest.raises(ValueError, match="Invalid connection from landmark #0 to landmark #21"):
        draw_landmarks(np.zeros((10, 10, 3), np.uint8), hand, [(0, 21)])
    canvas = np.zeros((10, 10, 3), np.uint8)
    draw_landmarks(canvas, None)
    draw_landmarks(canvas, hand, landmark_drawing_spec=None)
    assert not canvas.any()


def test_default_styles_cover_every_landmark_and_connection() -> None:
    landmarks = drawing_styles.get_default_hand_landmarks_style()
    connections = drawing_styles.get_default_hand_connections_style()
    assert sorted(landmarks) == list(range(21))
    assert set(connections) == set(HAND_CONNECTIONS)
    assert landmarks[0] == DrawingSpec(color=(48, 48, 255), thickness=-1, circle_radius=5)
    assert connections[(0, 1)] == DrawingSpec(color=(128, 128, 128), thickness=3)
    assert connections[(7, 8)] == DrawingSpec(color=(128, 64, 128), thickness=2)
    assert drawing_styles.get_default_hand_landmarks_style() is not landmarks  # fresh dicts each call


def test_plot_landmarks_without_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(MissingExtraError, match=r"handpose\[plot\]"):
        drawing_utils.plot_landmarks(landmark_list([{"x": 0.5, "y": 0.5}]))


# --- annotate -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["fingerpose_fullcurl_styled", "fingerpose_nocurl_styled", "tfjs_hands_styled"]
)
def test_annotate_equals_mediapipe_default_style_at_small_sizes(name: str) -> None:
    case = next(c for c in CASES if c["name"] == name)
    canvas = np.full((case["height"], case["width"], 3), GRAY, np.uint8)
    assert style_scale(case["width"], case["height"]) == 1.0
    out = annotate(canvas, result_for(case), draw_handedness=False)
    np.testing.assert_array_equal(out, expected_image(case))


@pytest.fixture
def one_hand() -> tuple[np.ndarray, HandLandmarkerResult]:
    case = next(c for c in CASES if c["name"] == "fingerpose_nocurl_styled")
    canvas = np.full((case["height"], case["width"], 3), GRAY, np.uint8)
    return canvas, result_for(case)


def test_annotate_draws_on_a_copy_near_the_landmarks(
    one_hand: tuple[np.ndarray, HandLandmarkerResult],
) -> None:
    canvas, result = one_hand
    before = canvas.copy()
    out = annotate(canvas, result)
    np.testing.assert_array_equal(canvas, before)
    assert out.shape == canvas.shape and out.dtype == np.uint8 and out is not canvas
    px = result.hands[0].landmarks_px(canvas.shape[1], canvas.shape[0]).astype(int)
    for x, y in px:
        assert (out[y, x] != GRAY).any()
    changed = (out != GRAY).any(axis=-1)
    assert changed.sum() > 1000 and changed.mean() < 0.2


def test_annotate_in_place(one_hand: tuple[np.ndarray, HandLandmarkerResult]) -> None:
    canvas, result = one_hand
    out = annotate(canvas, result, copy=False)
    assert out is canvas and (canvas != GRAY).any()
    with pytest.raises(ValueError, match="writable C-contiguous"):
        annotate(np.zeros((20, 40, 3), np.uint8)[:, ::2], result, copy=False)


def test_annotate_empty_result_leaves_image_unchanged(
    one_hand: tuple[np.ndarray, HandLandmarkerResult],
) -> None:
    canvas, _ = one_hand
    empty = HandLandmarkerResult(hands=(), width=canvas.shape[1], height=canvas.shape[0])
    np.testing.assert_array_equal(annotate(canvas, empty), canvas)


def test_annotate_rgb_mirrors_bgr(one_hand: tuple[np.ndarray, HandLandmarkerResult]) -> None:
    canvas, result = one_hand
    bgr = annotate(canvas, result)
    rgb = annotate(canvas, result, bgr=False)
    np.testing.assert_array_equal(rgb[..., ::-1], bgr)


def test_annotate_custom_colors_and_sizes(one_hand: tuple[np.ndarray, HandLandmarkerResult]) -> None:
    canvas, result = one_hand
    out = annotate(
        canvas,
        result,
        landmark_color=(0, 0, 250),
        connection_color=(0, 250, 0),
        thickness=1,
        radius=3,
        draw_handedness=False,
    )
    colors = {tuple(c) for c in out.reshape(-1, 3)}
    assert colors <= {(GRAY,) * 3, (0, 0, 250), (0, 250, 0), (224, 224, 224)}


def test_annotate_scales_with_large_images() -> None:
    hand = make_hand(np.tile([0.5, 0.5, 0.0], (21, 1)))
    small = annotate(np.zeros((480, 640, 3), np.uint8), [hand], draw_handedness=False)
    large = annotate(np.zeros((2400, 3200, 3), np.uint8), [hand], draw_handedness=False)
    assert style_scale(3200, 2400) == 5.0
    assert (small.any(axis=-1)[240]).sum() == 2 * 6 + 1  # MediaPipe: dot radius 5, white border radius 6
    assert (large.any(axis=-1)[1200]).sum() == 2 * 30 + 1  # 5 × 5 = 25, border max(26, int(30.0)) = 30


def test_annotate_handedness_label_and_odd_landmarks(
    one_hand: tuple[np.ndarray, HandLandmarkerResult],
) -> None:
    canvas, result = one_hand
    with_label = annotate(canvas, result)
    without = annotate(canvas, result, draw_handedness=False)
    assert (with_label != without).any()
    odd = np.array(result.hands[0].landmarks)
    odd[4] = (1.4, -0.3, 0.0)  # off the image: drawn clipped, no error
    odd[8] = (np.nan, 0.5, 0.0)  # not drawable: skipped with its connections
    odd[0] = (0.5, 1.0, 0.0)  # wrist on the bottom edge: label placed above it, inside the image
    out = annotate(canvas, [make_hand(odd, "Left")])
    assert out.shape == canvas.shape and (out != GRAY).any()


@pytest.mark.parametrize(
    ("image", "error"),
    [
        ([[0, 0, 0]], TypeError),
        (np.zeros((8, 8), np.uint8), ValueError),
        (np.zeros((8, 8, 4), np.uint8), ValueError),
        (np.zeros((8, 8, 3), np.float32), ValueError),
    ],
    ids=["list", "gray", "bgra", "float"],
)
def test_annotate_rejects_bad_images(image: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="H×W×3"):
        annotate(image, [])


# --- draw_detection, draw_axis, Tasks-style lists: pixel parity with MediaPipe 0.10.21 / 1.2.2 ------------------
# Expected images: tests/data/make_drawing_reference_extra.py (MediaPipe's own drawing code; extra_cases_*.json).

EXTRA_CLASSIC = json.loads((DATA / "extra_cases_classic.json").read_text())
EXTRA_TASKS = json.loads((DATA / "extra_cases_tasks.json").read_text())


@dataclass
class Connection:  # MediaPipe Tasks' HandLandmarksConnections.Connection: .start, .end
    start: int
    end: int


@dataclass
class TasksBox:
    origin_x: int
    origin_y: int
    width: int
    height: int


@dataclass
class TasksKeypoint:
    x: float
    y: float


@dataclass
class TasksDetection:
    bounding_box: TasksBox
    keypoints: list[TasksKeypoint] | None = None


def _spec(value: dict[str, Any] | None, default: DrawingSpec) -> DrawingSpec:
    return (
        default
        if value is None
        else DrawingSpec(tuple(value["color"]), value["thickness"], value["circle_radius"])
    )


def _rotation_about_x(degrees: float) -> np.ndarray:
    r = np.deg2rad(degrees)
    return np.array([[1.0, 0.0, 0.0], [0.0, np.cos(r), -np.sin(r)], [0.0, np.sin(r), np.cos(r)]])


@pytest.mark.parametrize("case", EXTRA_CLASSIC["cases"], ids=[c["name"] for c in EXTRA_CLASSIC["cases"]])
def test_draw_detection_and_axis_are_pixel_identical_to_mediapipe(case: dict[str, Any]) -> None:
    canvas = np.full((case["height"], case["width"], 3), EXTRA_CLASSIC["background"], np.uint8)
    if case["kind"] == "detection":
        detection = text_format.Parse(case["detection"], detection_pb2.Detection())
        drawing_utils.draw_detection(
            canvas,
            detection,
            _spec(case["keypoint_spec"], DrawingSpec(color=drawing_utils.RED_COLOR)),
            _spec(case["bbox_spec"], DrawingSpec()),
        )
    else:
        drawing_utils.draw_axis(
            canvas,
            _rotation_about_x(case["degrees"]),
            np.array(case["translation"]),
            tuple(case["focal_length"]),
            tuple(case["principal_point"]),
            case["axis_length"],
            DrawingSpec(thickness=case["thickness"]),
        )
    np.testing.assert_array_equal(canvas, expected_image(case))


def _tasks_hand_connections() -> list[Connection]:
    groups = [
        hands_connections.HAND_PALM_CONNECTIONS,
        hands_connections.HAND_THUMB_CONNECTIONS,
        hands_connections.HAND_INDEX_FINGER_CONNECTIONS,
        hands_connections.HAND_MIDDLE_FINGER_CONNECTIONS,
        hands_connections.HAND_RING_FINGER_CONNECTIONS,
        hands_connections.HAND_PINKY_FINGER_CONNECTIONS,
    ]
    return [Connection(a, b) for group in groups for a, b in group]  # Tasks' list order


@pytest.mark.parametrize("case", EXTRA_TASKS["cases"], ids=[c["name"] for c in EXTRA_TASKS["cases"]])
def test_tasks_style_inputs_are_pixel_identical_to_mediapipe_tasks(case: dict[str, Any]) -> None:
    canvas = np.full((case["height"], case["width"], 3), EXTRA_TASKS["background"], np.uint8)
    if case["kind"] == "tasks_landmarks":
        points = [TasksLandmark(**p) for p in case["landmarks"]]  # a plain list, as result.hand_landmarks[i]
        styles = (
            (
                drawing_styles.get_default_hand_landmarks_style(),
                drawing_styles.get_default_hand_connections_style(),
            )
            if case["styled"]
            else ()
        )
        draw_landmarks(canvas, points, _tasks_hand_connections(), *styles)
    else:
        detection = TasksDetection(
            TasksBox(**case["bounding_box"]), [TasksKeypoint(**k) for k in case["keypoints"]]
        )
        drawing_utils.draw_detection(canvas, detection)
    np.testing.assert_array_equal(canvas, expected_image(case))


@pytest.mark.parametrize("case", CASES[:4], ids=[c["name"] for c in CASES[:4]])
def test_real_protobuf_landmarks_draw_as_mediapipes(case: dict[str, Any]) -> None:
    canvas = np.full((case["height"], case["width"], 3), case["background"], np.uint8)
    for hand in case["hands"]:
        message = landmark_pb2.NormalizedLandmarkList()
        for point in hand:
            message.landmark.add(**point)
        draw_landmarks(
            canvas,
            message,
            HAND_CONNECTIONS if case["connections"] == "HAND_CONNECTIONS" else None,
            spec_for(case["landmark_spec"], "landmark"),
            spec_for(case["connection_spec"], "connection"),
            case["is_drawing_landmarks"],
        )
    np.testing.assert_array_equal(canvas, expected_image(case))


def test_mediapipes_exceptions() -> None:
    two_channel = np.zeros((3, 3, 2), np.uint8)
    with pytest.raises(ValueError, match="three channel bgr"):
        draw_landmarks(two_channel, landmark_pb2.NormalizedLandmarkList())  # an empty message still checks
    with pytest.raises(ValueError, match="three channel bgr"):
        drawing_utils.draw_detection(two_channel, detection_pb2.Detection())
    with pytest.raises(ValueError, match="three channel bgr"):
        drawing_utils.draw_axis(two_channel, np.eye(3), np.array([0.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="LocationData must be relative"):
        global_detection = text_format.Parse("location_data {format: GLOBAL}", detection_pb2.Detection())
        drawing_utils.draw_detection(np.zeros((3, 3, 3), np.uint8), global_detection)
    draw_landmarks(two_channel, [])  # Tasks: an empty list returns before the image is looked at
    with pytest.raises(ValueError, match="Invalid connection from landmark #0 to landmark #3"):
        draw_landmarks(np.zeros((9, 9, 3), np.uint8), [TasksLandmark(0.5, 0.5)] * 3, [Connection(0, 3)])


def test_face_and_pose_styles_say_hands_only() -> None:
    with pytest.raises(AttributeError, match="Hands only"):
        drawing_styles.get_default_pose_landmarks_style  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        drawing_styles.nothing  # noqa: B018


@pytest.mark.parametrize("kind", ["message", "tasks_list"])
def test_plot_landmarks_draws_points_and_lines(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [(0.1 * i, 0.5, -0.01 * i) for i in range(21)]
    if kind == "message":
        hand: Any = landmark_pb2.NormalizedLandmarkList()
        for x, y, z in points:
            hand.landmark.add(x=x, y=y, z=z)
        hand.landmark[3].visibility = 0.1  # hidden: no dot, no line to it
    else:
        hand = [TasksLandmark(x, y, z) for x, y, z in points]
        hand[3].visibility = 0.1
    monkeypatch.setattr(plt, "show", lambda: None)
    plt.close("all")
    drawing_utils.plot_landmarks(hand, HAND_CONNECTIONS)
    ax = plt.gcf().axes[0]
    assert len(ax.collections) == 20  # one scatter per drawn landmark
    assert len(ax.lines) == len([c for c in HAND_CONNECTIONS if 3 not in c])
    plt.close("all")
