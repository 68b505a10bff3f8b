"""Tracking (VIDEO mode) parity with MediaPipe 0.10.21 on the committed test video and the three shared videos.

Reference: tests/data/reference/fingerpose_moves.mediapipe_0.10.21_video.json for tests/data/video/fingerpose_moves.avi
(made by tests/data/make_test_video.py, lossless, so both OpenCV versions decode it bit-identically), and
../shared/handdata/reference/<video>.mediapipe_0.10.21_video.json for the shared videos, all made by
../shared/tools/oracle_video_golden.py: legacy ``mp.solutions.hands.Hands(static_image_mode=False,
max_num_hands=2, model_complexity=1, min_detection_confidence=0.5, min_tracking_confidence=0.5)``, one instance
per video, every frame in order, decoded with cv2.VideoCapture (OpenCV 4.11) and converted BGR → RGB.
We decode with our own reader (OpenCV 5's FFmpeg, same container timestamps); on mps_woman_gestures.mp4 its
colour conversion differs from OpenCV 4.11's by up to 7 grey levels (mean 0.3), which is part of the error below.

Targets (issue 4): per-frame hand count equal on >= 97 % of frames; matched landmarks' median error <= 1.5 % of
the hand's bounding-box diagonal. The shared videos and their reference JSON are read in place (never copied).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import TEST_VIDEO, handdata_path, video_reference
from handpose import HandLandmarker
from handpose.evaluation import compare_hands, summarize
from handpose.geometry import landmarks_to_rect
from handpose.io.video import iter_frames

VIDEOS = ("fingerpose_moves", "mps_hand_reaching", "mps_woman_gestures", "tfjs_asl_hand_25fps")
MAX_HANDS = 2

pytestmark = pytest.mark.slow


def reference(name: str) -> dict:
    if name == TEST_VIDEO.stem:
        return video_reference()
    return json.loads(handdata_path("reference", f"{name}.mediapipe_0.10.21_video.json").read_text())


def video_path(name: str):
    return TEST_VIDEO if name == TEST_VIDEO.stem else handdata_path("videos", f"{name}.mp4")


@pytest.fixture(scope="module")
def tracker():
    with HandLandmarker(model="full", max_hands=MAX_HANDS, running_mode="video") as lm:
        yield lm


@pytest.mark.parametrize("name", VIDEOS)
def test_tracking_parity_whole_video(tracker, name):
    ref = reference(name)
    assert ref["settings"]["static_image_mode"] is False and ref["settings"]["max_num_hands"] == MAX_HANDS
    tracker.reset()
    per_frame, ran, counts = [], [], []
    for index, ts, rgb in iter_frames(video_path(name)):
        result = tracker.detect_for_video(rgb, ts)
        ours = [h.to_dict() for h in result.hands]
        refs = ref["frames"][index]["hands"]
        per_frame.append(
            (str(index), len(ours), len(refs), compare_hands(ours, refs, ref["width"], ref["height"]))
        )
        ran.append(result.palm_detector_ran)
        counts.append(len(result.hands))
    assert len(per_frame) == ref["frame_count"]
    summary = summarize(per_frame)
    print(f"{name}: {summary.as_text()}")
    assert summary.count_equal_fraction >= 0.97, summary.as_text()
    assert summary.median_rel_error <= 0.015, summary.as_text()
    assert summary.handedness_equal >= 0.97 * summary.matched, summary.as_text()
    # MediaPipe's gate (hand_landmark_tracking_cpu): the palm detector runs on a frame iff the previous frame
    # ended with fewer than max_num_hands tracked hands.
    expected_ran = [True] + [c < MAX_HANDS for c in counts[:-1]]
    assert ran == expected_ran


ONE_STEP = {
    # Lossless, decoded bit-identically: one hand, no hand, then two hands (the palm detector stops running).
    "fingerpose_moves": (1, 79, 0.0005, 0.005),
    # Decoded bit-identically by OpenCV 4.11 and 5: MediaPipe's crops are reproduced almost exactly.
    "mps_hand_reaching": (1, 100, 0.0005, 0.005),
    # Hands appear, two ROIs on one hand, fast motion, palm detector gated; decoding differs slightly (above).
    "mps_woman_gestures": (24, 80, 0.005, 0.015),
}


@pytest.mark.parametrize("name", sorted(ONE_STEP))
def test_landmarks_to_next_roi_one_step_matches_mediapipe(name):
    """Isolates the tracking step: ROIs built by our HandLandmarksToRect + RectTransformation from MediaPipe's
    own landmarks of frame i-1, then our palm-detector gate, association and landmark model, must give
    MediaPipe's hands of frame i (this keeps the drift that a feedback loop accumulates out of the comparison).
    Only hands whose ROI came from tracking are compared for the error (palm-detector differences are
    measured by the static parity tests)."""
    first, last, median_max, max_max = ONE_STEP[name]
    ref = reference(name)
    errors, count_equal, frames = [], 0, 0
    with HandLandmarker(model="full", max_hands=MAX_HANDS) as lm:
        for index, _, rgb in iter_frames(video_path(name)):
            if index > last:
                break
            if index < first:
                continue
            h, w = rgb.shape[:2]
            prev = ref["frames"][index - 1]["hands"]
            rects = [landmarks_to_rect(np.asarray(p["landmarks"]), w, h) for p in prev]
            out = lm.pipeline.process_batch(
                [rgb],
                max_hands=MAX_HANDS,
                min_detection_confidence=0.5,
                min_presence_confidence=0.5,
                tracked=[rects],
            )[0]
            assert out.palm_detector_ran == (len(rects) < MAX_HANDS)
            ours = [hand.to_dict() for hand in out.hands]
            refs = ref["frames"][index]["hands"]
            frames += 1
            count_equal += len(ours) == len(refs)
            for m in compare_hands(ours, refs, w, h):
                if out.hands[m.ours].palm_score == 0.0:  # ROI from the previous frame's landmarks
                    errors.append(m.rel_error)
    errors_arr = np.array(errors)
    text = (
        f"one-step {name} {first}-{last}: {len(errors)} tracked hands, median {np.median(errors_arr):.3%}, "
    )
    print(text + f"max {errors_arr.max():.3%}, count equal {count_equal}/{frames}")
    assert count_equal == frames
    assert len(errors) >= frames
    assert np.median(errors_arr) <= median_max and errors_arr.max() <= max_max
