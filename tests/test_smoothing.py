"""One-euro smoothing: the filter itself (synthetic signals, hand-checkable), per-hand state, reset when a hand is
lost, and the jitter/lag trade-off on a real video (benchmarks/smoothing.py reports the same numbers).

The real-video check compares our own results with and without smoothing, so it needs no reference numbers:
mps_hand_reaching.mp4 (read in place) has the hand resting from frame ~100 on (MediaPipe 0.10.21's own
landmarks move < 0.2 % of the hand's size per frame there; frames 130-160 are the stillest) and reaching fast
in frames 5-55 (2-3 % per frame).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from conftest import TEST_VIDEO, handdata_path
from handpose import Hand, HandLandmarker, HandLandmarkerResult
from handpose.io.video import iter_frames
from handpose.smoothing import HandSmoother, OneEuro, OneEuroArray, match_tracks


def _hand(landmarks: np.ndarray, world: np.ndarray | None = None) -> Hand:
    return Hand(
        landmarks=landmarks,
        world_landmarks=world if world is not None else landmarks * 0.1,
        handedness="Left",
        handedness_score=0.9,
        presence=0.99,
        palm_box=(0.0, 0.0, 1.0, 1.0),
    )


def _base_hand(cx: float = 0.5, cy: float = 0.5, size: float = 0.2) -> np.ndarray:
    rng = np.random.default_rng(0)
    pts = rng.uniform(-0.5, 0.5, size=(21, 3)) * size
    pts[:, 0] += cx
    pts[:, 1] += cy
    return pts.astype(np.float32)


def _result(hands: list[Hand], ts: int, w: int = 640, h: int = 480) -> HandLandmarkerResult:
    return HandLandmarkerResult(tuple(hands), w, h, True, ts)


# -- the filter ---------------------------------------------------------------------------------------------


def test_one_euro_matches_hand_computed_steps():
    """Two steps worked out by hand from MediaPipe's OneEuroFilter formulas (one_euro_filter.cc)."""
    spec = OneEuro(min_cutoff=1.0, beta=0.5, d_cutoff=1.0)
    f = OneEuroArray(spec)
    assert f(np.array([0.0]), 0, 1.0)[0] == 0.0  # first value passes through
    out = f(np.array([1.0]), 100, 1.0)[0]  # te = 0.1 s
    alpha_d = 1.0 / (1.0 + (1.0 / (2 * math.pi * 1.0)) / 0.1)
    speed = alpha_d * 10.0  # raw speed 1.0 / 0.1 s, filtered from 0
    cutoff = 1.0 + 0.5 * speed
    alpha = 1.0 / (1.0 + (1.0 / (2 * math.pi * cutoff)) / 0.1)
    assert out == pytest.approx(alpha * 1.0)
    # Equal or older timestamps pass the value through unchanged, as MediaPipe does.
    assert f(np.array([5.0]), 100, 1.0)[0] == 5.0


def test_one_euro_reduces_noise_and_follows_a_step():
    rng = np.random.default_rng(1)
    f = OneEuroArray(OneEuro())
    noisy = 100.0 + rng.normal(0, 0.5, size=(200, 1))
    out = np.array([f(v, 40 * i, 1 / 50.0) for i, v in enumerate(noisy)])
    assert np.std(np.diff(out[50:, 0])) < 0.5 * np.std(np.diff(noisy[50:, 0]))
    g = OneEuroArray(OneEuro())
    values = [g(np.array([0.0 if i < 10 else 100.0]), 40 * i, 1 / 50.0)[0] for i in range(20)]
    assert values[9] == 0.0 and values[-1] == pytest.approx(100.0, abs=1.0)  # a big fast move is followed


@pytest.mark.parametrize(
    "kwargs",
    [{"min_cutoff": -1.0}, {"beta": float("nan")}, {"d_cutoff": 0.0}, {"min_cutoff": "1"}],
    ids=["negative", "nan", "zero-d-cutoff", "string"],
)
def test_one_euro_validates(kwargs):
    with pytest.raises(ValueError, match="OneEuro"):
        OneEuro(**kwargs)


def test_smoother_rejects_other_specs():
    with pytest.raises(TypeError, match="OneEuro"):
        HandSmoother({"min_cutoff": 1.0})  # type: ignore[arg-type]


# -- per-hand state -----------------------------------------------------------------------------------------


def test_hands_keep_their_own_filter_when_order_swaps():
    a, b = _base_hand(0.25, 0.5), _base_hand(0.75, 0.5)
    smoother = HandSmoother(OneEuro(min_cutoff=0.05, beta=0.0))
    smoother(_result([_hand(a), _hand(b)], 0), 0)
    moved_a = a + np.float32(0.01)
    out = smoother(_result([_hand(b), _hand(moved_a)], 40), 40)  # order swapped, hand a moved a little
    np.testing.assert_allclose(out.hands[0].landmarks, b, atol=1e-6)  # b unchanged: its filter saw b twice
    lag = out.hands[1].landmarks - a
    assert np.all(lag > 0) and np.all(lag < 0.01)  # a's filter: part of the way towards the new position


def test_state_resets_when_a_hand_is_lost():
    a = _base_hand()
    smoother = HandSmoother(OneEuro(min_cutoff=0.05, beta=0.0))
    smoother(_result([_hand(a)], 0), 0)
    smoother(_result([], 40), 40)  # hand lost
    moved = a + np.float32(0.01)
    out = smoother(_result([_hand(moved)], 80), 80)
    np.testing.assert_array_equal(out.hands[0].landmarks, moved)  # a fresh filter: first value passes through


def test_world_landmarks_smoothed_and_other_fields_kept():
    a = _base_hand()
    smoother = HandSmoother(OneEuro(min_cutoff=0.05, beta=0.0))
    smoother(_result([_hand(a, a * 0.1)], 0), 0)
    hand = _hand(a + np.float32(0.005), (a + np.float32(0.005)) * 0.1)
    out = smoother(_result([hand], 40), 40)
    got = out.hands[0]
    assert not np.allclose(got.world_landmarks, hand.world_landmarks)
    assert (got.handedness, got.handedness_score, got.presence, got.palm_box) == (
        hand.handedness,
        hand.handedness_score,
        hand.presence,
        hand.palm_box,
    )
    assert (out.width, out.height, out.timestamp_ms, out.palm_detector_ran) == (640, 480, 40, True)


def test_far_apart_hands_are_not_matched():
    a = _base_hand(0.2, 0.5) * np.array([640, 480, 640])
    b = _base_hand(0.8, 0.5) * np.array([640, 480, 640])
    assert match_tracks([a], [b]) == {}
    assert match_tracks([a, b], [b + 1.0, a + 1.0]) == {0: 1, 1: 0}


# -- real video -----------------------------------------------------------------------------------------------


def _track(start: int, stop: int) -> list[HandLandmarkerResult]:
    out = []
    with HandLandmarker(model="full", running_mode="video") as lm:
        for index, ts, rgb in iter_frames(handdata_path("videos", "mps_hand_reaching.mp4")):
            if index >= stop:
                break
            if index >= start:
                out.append(lm.detect_for_video(rgb, ts))
    return out


def _px(r: HandLandmarkerResult) -> np.ndarray:
    return r.hands[0].landmarks[:, :2].astype(np.float64) * [r.width, r.height]


def _jitter(results: list[HandLandmarkerResult]) -> float:
    """Mean frame-to-frame landmark displacement relative to the hand's bbox diagonal."""
    steps = []
    for a, b in itertools.pairwise(results):
        pa, pb = _px(a), _px(b)
        steps.append(np.linalg.norm(pb - pa, axis=1).mean() / np.hypot(*np.ptp(pa, axis=0)))
    return float(np.mean(steps))


@pytest.mark.slow
def test_smoothing_halves_jitter_when_still_and_stays_close_when_moving():
    still = _track(125, 161)[5:]  # frames 130-160, hand resting
    moving = _track(0, 56)[5:]  # frames 5-55, hand reaching
    assert all(len(r.hands) == 1 for r in still + moving)
    smoother = HandSmoother()
    smoothed_still = [smoother(r, r.timestamp_ms) for r in still]
    smoother = HandSmoother()
    smoothed_moving = [smoother(r, r.timestamp_ms) for r in moving]
    raw_jitter, smooth_jitter = _jitter(still), _jitter(smoothed_still)
    print(f"still jitter {raw_jitter:.3%} -> {smooth_jitter:.3%} ({smooth_jitter / raw_jitter:.2f}x)")
    assert smooth_jitter <= 0.5 * raw_jitter
    # Lag: while the hand moves, the smoothed landmarks stay within one frame's worth of motion of the raw ones.
    offsets = [
        np.linalg.norm(_px(s) - _px(r), axis=1).mean() / np.hypot(*np.ptp(_px(r), axis=0))
        for r, s in zip(moving, smoothed_moving, strict=True)
    ]
    motion = _jitter(moving)
    print(f"moving: offset {np.mean(offsets):.3%} of the hand's size, motion {motion:.3%} per frame")
    assert np.mean(offsets) <= motion


def test_smoothing_option_in_video_mode_equals_offline_smoother():
    frames = []
    for index, ts, rgb in iter_frames(TEST_VIDEO):  # one hand in frames 0-39
        if index >= 5:
            break
        frames.append((ts, rgb))
    spec = OneEuro()
    with (
        HandLandmarker(model="lite", running_mode="video") as raw_lm,
        HandLandmarker(model="lite", running_mode="video", smoothing=spec) as smooth_lm,
    ):
        smoother = HandSmoother(spec)
        for ts, rgb in frames:
            expected = smoother(raw_lm.detect_for_video(rgb, ts), ts)
            got = smooth_lm.detect_for_video(rgb, ts)
            assert len(got.hands) == len(expected.hands) == 1
            np.testing.assert_allclose(got.hands[0].landmarks, expected.hands[0].landmarks, atol=1e-7)
        smooth_lm.reset()  # a new video: the filter starts again
        first = smooth_lm.detect_for_video(frames[0][1], 0)
        raw_lm.reset()
        unsmoothed = raw_lm.detect_for_video(frames[0][1], 0)
        np.testing.assert_array_equal(first.hands[0].landmarks, unsmoothed.hands[0].landmarks)
