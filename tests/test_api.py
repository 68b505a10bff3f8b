"""HandLandmarker API: options validation, input validation, running-mode misuse, result types."""

from __future__ import annotations

import json

import numpy as np
import pytest

from handpose import (
    Hand,
    HandLandmarker,
    HandLandmarkerOptions,
    HandLandmarkerResult,
    ImageReadError,
    RunningMode,
)
from handpose.cli import example_image
from handpose.io.images import load_image


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "huge"},
        {"max_hands": 0},
        {"min_detection_confidence": 1.5},
        {"min_presence_confidence": -0.1},
        {"running_mode": "sideways"},
        {"running_mode": RunningMode.LIVE_STREAM},  # needs a callback
    ],
    ids=lambda kw: next(iter(kw)),
)
def test_bad_options_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        HandLandmarkerOptions(**kwargs)


@pytest.mark.parametrize(
    ("array", "words"),
    [
        (np.zeros((64, 64, 3), np.float32), "uint8"),
        (np.zeros((64, 64, 4), np.uint8), "4"),
        (np.zeros((64, 64, 2), np.uint8), "2"),
        (np.zeros((0, 64, 3), np.uint8), "empty"),
        ("not an array at all", "no such file"),
    ],
    ids=["float32", "rgba", "two-channel", "empty", "string-path-missing"],
)
def test_bad_arrays_give_clear_errors(landmarker_full, array, words):
    with pytest.raises(ImageReadError) as exc:
        landmarker_full.detect(array)
    assert words in str(exc.value).lower()
    assert "\n" not in str(exc.value)


def test_grayscale_and_readonly_arrays_work(landmarker_full):
    rgb = load_image(example_image())
    gray = rgb.mean(axis=2).astype(np.uint8)
    from_gray = landmarker_full.detect(gray)
    from_stacked = landmarker_full.detect(np.dstack([gray] * 3))
    assert (from_gray.width, from_gray.height) == (480, 640)
    assert len(from_gray.hands) == len(from_stacked.hands)
    rgb.flags.writeable = False
    assert len(landmarker_full.detect(rgb).hands) == 1


def test_path_and_array_give_same_result(landmarker_full):
    a = landmarker_full.detect(example_image())
    b = landmarker_full.detect(load_image(example_image()))
    assert len(a.hands) == len(b.hands) == 1
    np.testing.assert_array_equal(a.hands[0].landmarks, b.hands[0].landmarks)


def test_result_types_and_json_round_trip(landmarker_full):
    result = landmarker_full.detect(example_image())
    assert isinstance(result, HandLandmarkerResult)
    hand = result.hands[0]
    assert isinstance(hand, Hand)
    assert hand.landmarks.shape == (21, 3) and hand.world_landmarks.shape == (21, 3)
    assert not hand.landmarks.flags.writeable
    assert hand.handedness in ("Left", "Right") and 0.5 <= hand.handedness_score <= 1.0
    assert 0.5 <= hand.presence <= 1.0
    x0, y0, x1, y1 = hand.palm_box
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
    # the palm box lies around the palm landmarks
    palm = hand.landmarks[[0, 5, 9, 13, 17], :2].mean(axis=0)
    assert x0 <= palm[0] <= x1 and y0 <= palm[1] <= y1
    again = HandLandmarkerResult.from_dict(json.loads(json.dumps(result.to_dict())))
    np.testing.assert_allclose(again.hands[0].landmarks, hand.landmarks, atol=1e-7)
    assert again.hands[0].handedness == hand.handedness


def test_no_hand_gives_empty_result(landmarker_full):
    result = landmarker_full.detect(np.full((240, 320, 3), 127, np.uint8))
    assert result.hands == () and len(result) == 0 and (result.width, result.height) == (320, 240)


def test_one_pixel_image(landmarker_full):
    assert landmarker_full.detect(np.zeros((1, 1, 3), np.uint8)).hands == ()


def test_max_hands_limits_output():
    with HandLandmarker(model="lite", max_hands=1) as lm:
        from conftest import handdata_path

        result = lm.detect(handdata_path("images", "fingerpose_pair.jpg"))  # two hands
    assert len(result.hands) == 1


def test_mode_misuse_names_the_mode(landmarker_full):
    frame = load_image(example_image())
    with pytest.raises(ValueError, match="IMAGE mode"):
        landmarker_full.detect_for_video(frame, 0)
    with HandLandmarker(model="lite", running_mode=RunningMode.VIDEO) as video:
        with pytest.raises(ValueError, match="VIDEO mode"):
            video.detect(frame)
        video.detect_for_video(frame, 10)
        with pytest.raises(ValueError, match="increase"):
            video.detect_for_video(frame, 10)


def test_closed_landmarker_refuses_work():
    lm = HandLandmarker(model="lite")
    lm.close()
    with pytest.raises(ValueError, match="closed"):
        lm.detect(np.zeros((8, 8, 3), np.uint8))


def test_options_object_or_kwargs_not_both():
    with pytest.raises(TypeError):
        HandLandmarker(HandLandmarkerOptions(), model="lite")


def test_landmarkers_with_different_thread_counts_coexist():
    """Landmarkers with other thread counts (and modes) in one process give the same hands: every session has
    its own pool (runtime.thread_plan). Runs in a fresh interpreter, so no other test's sessions share it."""
    import subprocess
    import sys

    code = (
        "from handpose import HandLandmarker, runtime\n"
        "from handpose.cli import example_image\n"
        "a = HandLandmarker(model='lite', threads=1)\n"
        "b = HandLandmarker(model='lite', threads=2)\n"
        "c = HandLandmarker(model='lite', running_mode='video')\n"
        "img = str(example_image())\n"
        "ra, rb = a.detect(img), b.detect(img)\n"
        "assert len(ra.hands) == len(rb.hands) == 1\n"
        "assert abs(ra.hands[0].landmarks - rb.hands[0].landmarks).max() < 1e-5\n"
        "from handpose.io.images import load_image\n"
        "rc = c.detect_for_video(load_image(img), 1)\n"
        "assert len(rc.hands) == 1\n"
        "assert runtime.shared_pool_threads() == 0\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


@pytest.mark.parametrize(
    "kwargs",
    [{"threads": -1}, {"threads": 1.5}, {"max_hands": True}],
    ids=["negative-threads", "float-threads", "bool-hands"],
)
def test_options_reject_more_bad_values(kwargs):
    """Found in review: these were accepted silently (negative threads meant 'every core', True meant 1 hand)."""
    with pytest.raises(ValueError):
        HandLandmarkerOptions(**kwargs)
