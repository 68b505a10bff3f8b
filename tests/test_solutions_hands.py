"""The legacy MediaPipe API ``handpose.solutions.hands``: parity with MediaPipe 0.10.21, result shapes, misuse.

Expected numbers come from MediaPipe 0.10.21 run by ../shared/tools/oracle_golden.py and oracle_video_golden.py
(legacy ``mp.solutions.hands``, settings in each JSON's header): tests/data/reference/mediapipe_0.10.21_static.json
(full model), ..._static_lite.json (model_complexity=0), and
tests/data/reference/fingerpose_moves.mediapipe_0.10.21_video.json (tracking mode). Parity bounds are the
foundation issue's: hand count equal on >= 98% of images, landmark error / hand bbox diagonal median <= 1% and
max <= 3%, handedness equal, world landmarks within 5 mm (mean absolute error per hand).
"""

from __future__ import annotations

import base64
import json
import re

import cv2
import numpy as np
import pytest
from google.protobuf import json_format, text_format

import handpose as mp
from conftest import DATA, TEST_VIDEO, find_image, handdata_path, video_reference
from handpose import results as core_results
from handpose.evaluation import compare_hands, summarize
from handpose.framework.formats import classification_pb2, landmark_pb2
from handpose.solutions import drawing_utils
from handpose.solutions import hands as mp_hands

# MediaPipe 0.10.21's own result messages for tfjs_hands.jpg (tests/data/make_message_reference.py).
MESSAGES = json.loads((DATA / "reference" / "mediapipe_0.10.21_messages.json").read_text())["hands"]


def outputs_to_dicts(res: mp_hands.SolutionOutputs) -> list[dict]:
    """Our legacy outputs in the shape evaluation.compare_hands reads."""
    if not res.multi_hand_landmarks:
        return []
    return [
        {
            "handedness": c.classification[0].label,
            "landmarks": [[p.x, p.y, p.z] for p in lm.landmark],
            "world_landmarks": [[p.x, p.y, p.z] for p in wl.landmark],
        }
        for lm, wl, c in zip(
            res.multi_hand_landmarks, res.multi_hand_world_landmarks, res.multi_handedness, strict=True
        )
    ]


def read_rgb(path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def assert_parity(summary) -> None:
    assert summary.count_equal_fraction >= 0.98, summary.as_text()
    assert summary.median_rel_error <= 0.01, summary.as_text()
    assert summary.max_rel_error <= 0.03, summary.as_text()
    assert summary.handedness_equal == summary.matched, summary.as_text()
    assert summary.world_mae_max_m <= 0.005, summary.as_text()


# -- module surface ---------------------------------------------------------------------------------------------


def test_import_handpose_as_mp_gives_the_solutions_modules():
    assert mp.solutions.hands is mp_hands
    assert mp.solutions.drawing_utils is drawing_utils
    assert callable(mp.solutions.drawing_styles.get_default_hand_landmarks_style)
    assert mp.solutions.hands.HandLandmark.INDEX_FINGER_TIP == 8
    assert len(mp.solutions.hands.HandLandmark) == 21


def test_mediapipe_import_paths_give_the_same_modules():
    """mediapipe.python.solutions.* and solutions.hands_connections, as MediaPipe 0.10.21 lays them out."""
    import handpose.python.solutions.hands as python_hands

    from handpose.python import solutions as python_solutions
    from handpose.solutions import hands_connections

    assert python_hands is mp_hands
    assert python_solutions.drawing_utils is drawing_utils
    assert python_solutions.drawing_styles is mp.solutions.drawing_styles
    assert python_solutions.hands_connections is hands_connections is mp.solutions.hands_connections
    assert hands_connections.HAND_CONNECTIONS is mp_hands.HAND_CONNECTIONS
    for solutions_module in (mp.solutions, python_solutions):
        with pytest.raises(AttributeError, match="handpose covers MediaPipe Hands only"):
            solutions_module.pose  # noqa: B018


def test_connection_sets_are_mediapipes():
    # google/mediapipe python/solutions/hands_connections.py: 21 connections in six groups.
    assert mp_hands.HAND_CONNECTIONS == core_results.HAND_CONNECTIONS
    assert len(mp_hands.HAND_CONNECTIONS) == 21
    assert mp_hands.HAND_PALM_CONNECTIONS == ((0, 1), (0, 5), (9, 13), (13, 17), (5, 9), (0, 17))
    assert mp_hands.HAND_THUMB_CONNECTIONS == ((1, 2), (2, 3), (3, 4))
    groups = [
        mp_hands.HAND_PALM_CONNECTIONS,
        mp_hands.HAND_THUMB_CONNECTIONS,
        mp_hands.HAND_INDEX_FINGER_CONNECTIONS,
        mp_hands.HAND_MIDDLE_FINGER_CONNECTIONS,
        mp_hands.HAND_RING_FINGER_CONNECTIONS,
        mp_hands.HAND_PINKY_FINGER_CONNECTIONS,
    ]
    assert frozenset().union(*groups) == mp_hands.HAND_CONNECTIONS


# -- parity -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_complexity", "reference"),
    [(1, "mediapipe_0.10.21_static.json"), (0, "mediapipe_0.10.21_static_lite.json")],
    ids=["full", "lite"],
)
def test_static_mode_matches_mediapipe(model_complexity, reference):
    ref = json.loads((DATA / "reference" / reference).read_text())
    assert ref["settings"]["model_complexity"] == model_complexity
    per_image = []
    # All 25 shared images, or the 12 committed ones (tests/data/images) without ../shared/handdata.
    images = [image for image in ref["images"] if find_image(image["file"]) is not None]
    assert len(images) in (25, 12)
    with mp_hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=model_complexity) as hands:
        for image in images:
            rgb = read_rgb(find_image(image["file"]))
            ours = outputs_to_dicts(hands.process(rgb))
            matches = compare_hands(ours, image["hands"], image["width"], image["height"])
            per_image.append((image["file"], len(ours), len(image["hands"]), matches))
    summary = summarize(per_image)
    assert summary.images == len(images) and summary.matched >= (12 if len(images) == 25 else 3)
    assert_parity(summary)


def test_tracking_mode_matches_mediapipe_on_a_video():
    """Non-static mode carries hands from frame to frame, lets go when the hand leaves and finds two hands
    (tests/data/video/fingerpose_moves.avi, its MediaPipe 0.10.21 tracking reference)."""
    ref = video_reference()
    cap = cv2.VideoCapture(str(TEST_VIDEO))
    per_frame = []
    with mp_hands.Hands(static_image_mode=False, max_num_hands=2, model_complexity=1) as hands:
        for frame in ref["frames"][:75]:
            ok, bgr = cap.read()
            assert ok
            ours = outputs_to_dicts(hands.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
            matches = compare_hands(ours, frame["hands"], ref["width"], ref["height"])
            per_frame.append((str(frame["frame"]), len(ours), len(frame["hands"]), matches))
    cap.release()
    summary = summarize(per_frame)
    assert summary.matched == sum(len(f["hands"]) for f in ref["frames"][:75]) == 94
    assert_parity(summary)


def test_drawn_output_matches_mediapipes_drawing_of_its_own_landmarks():
    """Our process() output drawn by drawing_utils vs MediaPipe 0.10.21 drawing *its* landmarks of the same photo
    (tests/data/drawing/fingerpose_nocurl_default.png, gray canvas, default specs; see test_drawing.py). The
    landmarks differ by ~0.1% of the hand size, so a few pixels along the edges may differ."""
    expected = cv2.imread(str(DATA / "drawing" / "fingerpose_nocurl_default.png"), cv2.IMREAD_COLOR)
    with mp_hands.Hands(static_image_mode=True) as hands:
        res = hands.process(read_rgb(handdata_path("images", "fingerpose_nocurl.jpg")))
    canvas = np.full_like(expected, 96)
    for hand in res.multi_hand_landmarks:
        drawing_utils.draw_landmarks(canvas, hand, mp_hands.HAND_CONNECTIONS)
    drawn_ours, drawn_ref = np.any(canvas != 96, axis=2), np.any(expected != 96, axis=2)
    assert (
        drawn_ref.sum() > 2000 and abs(int(drawn_ours.sum()) - int(drawn_ref.sum())) < 0.05 * drawn_ref.sum()
    )
    near = np.ones((3, 3), np.uint8)  # every drawn pixel lies within 1 px of a pixel the other one drew
    assert not (drawn_ours & ~cv2.dilate(drawn_ref.astype(np.uint8), near).astype(bool)).any()
    assert not (drawn_ref & ~cv2.dilate(drawn_ours.astype(np.uint8), near).astype(bool)).any()
    assert np.mean(np.any(canvas != expected, axis=2)) <= 0.01


# -- result objects -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def static_hands():
    with mp_hands.Hands(static_image_mode=True, max_num_hands=2) as hands:
        yield hands


def test_no_hand_gives_none_fields(static_hands):
    res = static_hands.process(read_rgb(handdata_path("images", "neg_opencv_fruits.jpg")))
    assert res.multi_hand_landmarks is None
    assert res.multi_hand_world_landmarks is None
    assert res.multi_handedness is None
    assert res._fields == ("multi_hand_landmarks", "multi_hand_world_landmarks", "multi_handedness")


def test_result_objects_look_like_mediapipes_protobufs(static_hands, static_reference):
    res = static_hands.process(read_rgb(handdata_path("images", "fingerpose_pair.jpg")))
    assert (
        len(res.multi_hand_landmarks) == len(res.multi_hand_world_landmarks) == len(res.multi_handedness) == 2
    )
    hand, world, cls = res.multi_hand_landmarks[0], res.multi_hand_world_landmarks[0], res.multi_handedness[0]
    assert len(hand.landmark) == len(world.landmark) == 21
    tip = hand.landmark[mp_hands.HandLandmark.INDEX_FINGER_TIP]
    assert 0.0 <= tip.x <= 1.0 and 0.0 <= tip.y <= 1.0 and isinstance(tip.z, float)
    # MediaPipe leaves visibility/presence unset on hand landmarks: 0.0 and HasField False.
    assert tip.visibility == 0.0 and tip.presence == 0.0
    assert not tip.HasField("visibility") and not tip.HasField("presence") and tip.HasField("x")
    c = cls.classification[0]
    assert (c.label, c.index) in {("Left", 0), ("Right", 1)} and 0.5 <= c.score <= 1.0
    ref = next(i for i in static_reference["images"] if i["file"] == "fingerpose_pair.jpg")
    assert [h.classification[0].label for h in res.multi_handedness] == [
        h["handedness"]["label"] for h in ref["hands"]
    ]
    assert [h.classification[0].index for h in res.multi_handedness] == [
        h["handedness"]["index"] for h in ref["hands"]
    ]
    # print() shows protobuf text format, as MediaPipe's examples expect.
    assert str(hand).startswith("landmark {\n  x: ")
    assert str(hand).count("landmark {") == 21
    assert str(cls).startswith("classification {\n  index: ") and f'label: "{c.label}"' in str(cls)
    assert isinstance(hand, landmark_pb2.NormalizedLandmarkList)
    assert isinstance(world, landmark_pb2.LandmarkList)
    assert isinstance(cls, classification_pb2.ClassificationList)


NUMBER = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?")


def test_results_are_mediapipes_messages(static_hands):
    """Same photo, same settings as MediaPipe's reference run: same fields, same message types, same text and
    JSON layout; the numbers agree within the parity bounds (0.5% of the image here); each side's bytes parse
    with the other's classes."""
    rgb = read_rgb(handdata_path("images", MESSAGES["image"]))
    res = static_hands.process(rgb)
    assert list(res._fields) == MESSAGES["result_fields"]
    assert [type(getattr(res, f)).__name__ for f in res._fields] == MESSAGES["list_types"]
    assert len(res.multi_hand_landmarks) == len(MESSAGES["hands"])
    for index, expected in enumerate(MESSAGES["hands"]):
        for field, type_name in zip(res._fields, expected["types"], strict=True):
            ours, ref = getattr(res, field)[index], expected[field]
            assert type(ours).__name__ == type_name
            theirs = type(ours).FromString(base64.b64decode(ref["bytes_b64"]))
            assert [f.name for f, _ in ours.ListFields()] == ref["fields"]
            assert NUMBER.sub("#", str(ours)) == NUMBER.sub("#", ref["text"])
            assert NUMBER.sub("#", json_format.MessageToJson(ours)) == NUMBER.sub("#", ref["json"])
            assert text_format.Parse(ref["text"], type(ours)()) == theirs
            assert type(ours).FromString(ours.SerializeToString()) == ours
            assert json_format.ParseDict(json_format.MessageToDict(ours), type(ours)()) == ours
            if field == "multi_handedness":
                ours_c, ref_c = ours.classification[0], theirs.classification[0]
                assert (ours_c.index, ours_c.label) == (ref_c.index, ref_c.label)
                assert ours_c.score == pytest.approx(ref_c.score, abs=0.02)
            else:
                ours_xyz = np.array([[p.x, p.y, p.z] for p in ours.landmark])
                ref_xyz = np.array([[p.x, p.y, p.z] for p in theirs.landmark])
                # 0.005: a fraction of the image for landmarks, metres (5 mm) for world landmarks
                np.testing.assert_allclose(ours_xyz[:, :2], ref_xyz[:, :2], atol=0.005)
                assert not any(p.HasField("visibility") or p.HasField("presence") for p in ours.landmark)


def test_no_hand_fields_are_none_as_mediapipes(static_hands):
    res = static_hands.process(np.full((100, 100, 3), 255, np.uint8))
    assert dict(zip(res._fields, res, strict=True)) == MESSAGES["blank_fields"]


def test_landmark_lists_can_be_built_like_protobufs():
    """Tasks-API examples build NormalizedLandmarkList() then .landmark.extend([...]) before drawing."""
    lst = mp_hands.NormalizedLandmarkList()
    lst.landmark.extend([mp_hands.NormalizedLandmark(x=0.5, y=0.5, z=0.0) for _ in range(21)])
    lst.landmark.add(x=0.1, y=0.2)
    assert len(lst.landmark) == 22 and lst.landmark[21].y == pytest.approx(0.2)
    point = mp_hands.NormalizedLandmark(x=0.1, y=0.2, z=0.3, visibility=0.9)
    assert point.HasField("visibility") and not point.HasField("presence")
    with pytest.raises(ValueError, match='no "speed" field'):
        point.HasField("speed")


def test_read_only_and_non_contiguous_input(static_hands):
    rgb = read_rgb(handdata_path("images", "fingerpose_nocurl.jpg"))
    expected = outputs_to_dicts(static_hands.process(rgb))
    frozen = rgb.copy()
    frozen.flags.writeable = False
    assert outputs_to_dicts(static_hands.process(frozen)) == expected
    wide = np.zeros((rgb.shape[0], rgb.shape[1] * 2, 3), np.uint8)
    wide[:, ::2] = rgb
    assert outputs_to_dicts(static_hands.process(wide[:, ::2])) == expected


# -- misuse ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "error", "message"),
    [
        (np.zeros((32, 32), np.uint8), ValueError, "Input image must contain three channel rgb data"),
        (np.zeros((32, 32, 4), np.uint8), ValueError, "Input image must contain three channel rgb data"),
        (np.zeros((32, 32, 1), np.uint8), ValueError, "shape \\(32, 32, 1\\)"),
        (np.zeros((32, 32, 3), np.float32), TypeError, "must be uint8 RGB data, got dtype float32"),
        (np.zeros((32, 32, 3), np.uint16), TypeError, "got dtype uint16"),
        (np.zeros((0, 32, 3), np.uint8), ValueError, "empty"),
        ([[0, 0, 0]], TypeError, "numpy.ndarray"),
    ],
    ids=["gray-2d", "rgba", "one-channel", "float32", "uint16", "empty", "list"],
)
def test_bad_input_errors(static_hands, image, error, message):
    with pytest.raises(error, match=message):
        static_hands.process(image)


def test_process_after_close_is_a_clear_error():
    hands = mp_hands.Hands(static_image_mode=True)
    hands.close()
    with pytest.raises(ValueError, match="after close"):
        hands.process(np.zeros((32, 32, 3), np.uint8))
    hands.close()  # closing twice is harmless


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model_complexity": 2},
        {"model_complexity": True},
        {"max_num_hands": 0},
        {"min_detection_confidence": 1.5},
        {"min_tracking_confidence": -0.1},
    ],
    ids=["complexity-2", "complexity-bool", "zero-hands", "detection-1.5", "tracking-negative"],
)
def test_bad_options_are_value_errors(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        mp_hands.Hands(**kwargs)


def test_options_map_to_the_pipeline():
    with mp_hands.Hands(
        static_image_mode=False,
        max_num_hands=1,
        model_complexity=0,
        min_detection_confidence=0.8,
        min_tracking_confidence=0.3,
    ) as hands:
        options = hands._landmarker.options
        assert (options.model, options.max_hands) == ("lite", 1)
        assert (options.min_detection_confidence, options.min_presence_confidence) == (0.8, 0.3)
        assert options.running_mode.name == "VIDEO"
