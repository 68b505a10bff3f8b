"""Unit tests of the pure pipeline stages on synthetic inputs (no model). Expected values are derived by hand
from the MediaPipe calculators' definitions cited in handpose.constants."""

from __future__ import annotations

import math

import numpy as np
import pytest

from handpose import constants as C
from handpose.geometry import (
    NormRect,
    associate,
    crop_roi,
    iou,
    landmarks_to_rect,
    normalize_radians,
    palm_to_rect,
    project_landmarks,
    remove_letterbox,
    rotate_world,
)
from handpose.palm import PalmDetection, decode_palms, remove_palm_letterbox, ssd_anchors, weighted_nms


def test_anchor_layout():
    a = ssd_anchors()
    assert a.shape == (2016, 2)
    # layer 0: 24x24 cells, 2 anchors each; first cell centre (0.5/24, 0.5/24)
    np.testing.assert_allclose(a[0], [0.5 / 24, 0.5 / 24])
    np.testing.assert_allclose(a[1], a[0])
    np.testing.assert_allclose(a[2], [1.5 / 24, 0.5 / 24])
    # layers 1-3 share stride 16: 12x12 cells, 6 anchors each, starting after 24*24*2
    np.testing.assert_allclose(a[1152], [0.5 / 12, 0.5 / 12])
    np.testing.assert_allclose(a[1152 + 6], [1.5 / 12, 0.5 / 12])


def test_decode_palms_scales_and_thresholds():
    reg = np.zeros((2016, 18), np.float32)
    logits = np.full((2016, 1), -10.0, np.float32)
    reg[5, 0:4] = [19.2, -9.6, 38.4, 19.2]  # dx = 0.1, dy = -0.05, w = 0.2, h = 0.1 of 192
    reg[5, 4:6] = [0.0, 19.2]  # keypoint 0 at anchor + (0, 0.1)
    logits[5] = 2.0
    dets = decode_palms(reg, logits, min_score=0.5)
    assert len(dets) == 1
    d = dets[0]
    ax, ay = ssd_anchors()[5]
    np.testing.assert_allclose(
        d.box, [ax + 0.1 - 0.1, ay - 0.05 - 0.05, ax + 0.1 + 0.1, ay - 0.05 + 0.05], atol=1e-6
    )
    np.testing.assert_allclose(d.keypoints[0], [ax, ay + 0.1], atol=1e-6)
    assert d.score == pytest.approx(1 / (1 + math.exp(-2.0)))
    assert decode_palms(reg, logits, min_score=0.9) == []


def test_weighted_nms_averages_overlapping_boxes():
    kp = np.zeros((7, 2), np.float32)
    a = PalmDetection(np.array([0.0, 0.0, 1.0, 1.0], np.float32), kp, 0.9)
    b = PalmDetection(np.array([0.1, 0.0, 1.1, 1.0], np.float32), kp + 1, 0.6)
    far = PalmDetection(np.array([5.0, 5.0, 6.0, 6.0], np.float32), kp, 0.7)
    out = weighted_nms([b, far, a])
    assert [round(d.score, 2) for d in out] == [0.9, 0.7]
    np.testing.assert_allclose(
        out[0].box, [(0.9 * 0.0 + 0.6 * 0.1) / 1.5, 0, (0.9 * 1 + 0.6 * 1.1) / 1.5, 1], atol=1e-6
    )
    np.testing.assert_allclose(out[0].keypoints, np.full((7, 2), 0.6 / 1.5), atol=1e-6)


def test_letterbox_removal():
    det = PalmDetection(np.array([0.25, 0.25, 0.75, 0.75], np.float32), np.full((7, 2), 0.5, np.float32), 1.0)
    out = remove_palm_letterbox(det, (0.0, 0.25, 0.0, 0.25))
    np.testing.assert_allclose(out.box, [0.25, 0.0, 0.75, 1.0])
    np.testing.assert_allclose(
        remove_letterbox(np.array([[0.5, 0.25, 7.0]]), (0.0, 0.25, 0.0, 0.25)), [[0.5, 0.0, 7.0]]
    )


def test_normalize_radians():
    assert normalize_radians(3 * math.pi / 2) == pytest.approx(-math.pi / 2)
    assert normalize_radians(-math.pi) == pytest.approx(-math.pi)


def test_palm_to_rect_upright_hand():
    # wrist below middle MCP: hand points up, rotation 0; box 0.1x0.1 at centre (0.5, 0.5) of a square image.
    kps = np.zeros((7, 2), np.float32)
    kps[0] = [0.5, 0.6]
    kps[2] = [0.5, 0.4]
    rect = palm_to_rect(np.array([0.45, 0.45, 0.55, 0.55]), kps, 100, 100)
    assert rect.rotation == pytest.approx(0.0)
    assert rect.width == pytest.approx(0.1 * C.PALM_ROI_SCALE)
    assert rect.y_center == pytest.approx(0.5 - 0.5 * 0.1)  # shift_y -0.5 of the height
    # hand pointing right: rotation +90°, the shift moves the centre along +x
    kps[0] = [0.4, 0.5]
    kps[2] = [0.6, 0.5]
    rect = palm_to_rect(np.array([0.45, 0.45, 0.55, 0.55]), kps, 100, 100)
    assert rect.rotation == pytest.approx(math.pi / 2)
    assert rect.x_center == pytest.approx(0.5 + 0.05)


def test_square_long_in_pixels_on_wide_image():
    kps = np.zeros((7, 2), np.float32)
    kps[0], kps[2] = [0.5, 0.6], [0.5, 0.4]
    rect = palm_to_rect(np.array([0.45, 0.4, 0.55, 0.6]), kps, 200, 100)
    assert rect.width * 200 == pytest.approx(rect.height * 100)


def test_landmarks_to_rect_axis_aligned():
    lm = np.zeros((21, 3), np.float32)
    lm[:, 0] = np.linspace(0.4, 0.6, 21)
    lm[:, 1] = 0.5
    lm[0] = [0.5, 0.7, 0]  # wrist below
    for i in (5, 9, 13):
        lm[i] = [0.5, 0.3, 0]  # MCPs above: rotation 0
    rect = landmarks_to_rect(lm, 100, 100)
    assert rect.rotation == pytest.approx(0.0, abs=1e-6)
    subset = lm[list(C.ROI_LANDMARK_SUBSET), :2]
    span = subset.max(0) - subset.min(0)
    assert rect.height == pytest.approx(max(span) * C.LANDMARK_ROI_SCALE)


def test_associate_tracked_wins_over_overlapping_palm():
    palm = NormRect(0.5, 0.5, 0.2, 0.2)
    other = NormRect(0.1, 0.1, 0.1, 0.1)
    tracked = NormRect(0.51, 0.5, 0.2, 0.2)
    assert associate([palm, other], [tracked]) == [other, tracked]
    assert iou(palm.bounds(), tracked.bounds()) > C.ASSOCIATION_IOU


def test_projection_inverts_crop():
    """A pixel marked in the image lands, after crop + projection, where it was."""
    img = np.zeros((200, 300, 3), np.uint8)
    img[120:123, 180:183] = 255  # bright spot centred at (181, 121)
    rect = NormRect(0.6, 0.55, 100 / 300, 100 / 200, math.radians(30))
    crop, pad = crop_roi(img, rect, 224, border=0)
    ys, xs = np.nonzero(crop[..., 0] > 100)
    in_crop = np.array([[xs.mean() / 224, ys.mean() / 224, 0.0]], np.float32)
    out = project_landmarks(remove_letterbox(in_crop, pad), rect)
    assert out[0, 0] * 300 == pytest.approx(181.5, abs=1.0)
    assert out[0, 1] * 200 == pytest.approx(121.5, abs=1.0)


def test_rotate_world_about_z():
    w = np.array([[1.0, 0.0, 0.3]] * 21, np.float32)
    out = rotate_world(w, math.pi / 2)
    np.testing.assert_allclose(out[0], [0.0, 1.0, 0.3], atol=1e-6)
