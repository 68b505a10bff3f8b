"""Palm detection stages: letterbox input, SSD anchors, box decoding, weighted NMS, letterbox removal.

Coordinates: decoded boxes and keypoints are normalized to the letterboxed 192x192 tensor until
:func:`remove_palm_letterbox` maps them to the normalized image (x by width, y by height).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from . import constants as C
from .geometry import crop_roi, iou


@dataclass(frozen=True)
class PalmDetection:
    """One palm: box (x_min, y_min, x_max, y_max) and 7 keypoints (7, 2), normalized; sigmoid score."""

    box: np.ndarray
    keypoints: np.ndarray
    score: float


@lru_cache(maxsize=1)
def ssd_anchors() -> np.ndarray:
    """Anchor centres (2016, 2) of SsdAnchorsCalculator for the palm model (fixed_anchor_size: w = h = 1)."""
    centers: list[np.ndarray] = []
    layer = 0
    strides = C.ANCHOR_STRIDES
    while layer < C.ANCHOR_NUM_LAYERS:
        per_cell = 0
        last = layer
        while last < C.ANCHOR_NUM_LAYERS and strides[last] == strides[layer]:
            per_cell += len(C.ANCHOR_ASPECT_RATIOS) + (C.ANCHOR_INTERPOLATED_SCALE_ASPECT_RATIO > 0)
            last += 1
        fm = math.ceil(C.PALM_INPUT_SIZE / strides[layer])
        ys, xs = np.meshgrid(np.arange(fm), np.arange(fm), indexing="ij")
        cell = np.stack([(xs + C.ANCHOR_OFFSET) / fm, (ys + C.ANCHOR_OFFSET) / fm], axis=-1).reshape(-1, 2)
        centers.append(np.repeat(cell, per_cell, axis=0))
        layer = last
    anchors = np.concatenate(centers).astype(np.float32)
    if anchors.shape[0] != C.NUM_ANCHORS:
        raise RuntimeError(f"expected {C.NUM_ANCHORS} anchors, built {anchors.shape[0]}")
    return anchors


def palm_input(image: np.ndarray) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Letterbox an RGB uint8 image to the palm model's 192x192 input (uint8) and return the padding."""
    return crop_roi(image, None, C.PALM_INPUT_SIZE, border=cv2.BORDER_CONSTANT)


def decode_palms(regressors: np.ndarray, logits: np.ndarray, min_score: float) -> list[PalmDetection]:
    """TensorsToDetectionsCalculator for one image: (2016, 18) regressors, (2016,) or (2016, 1) logits.

    Returns detections above ``min_score`` in letterboxed-tensor normalized coordinates, unsorted.
    """
    logits = np.clip(logits.reshape(-1), -C.PALM_SCORE_CLIP, C.PALM_SCORE_CLIP)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = np.nonzero(scores >= min_score)[0]
    if keep.size == 0:
        return []
    anchors = ssd_anchors()[keep]
    raw = regressors[keep].astype(np.float32) / C.PALM_BOX_SCALE
    centers = raw[:, 0:2] + anchors
    half = raw[:, 2:4] / 2
    boxes = np.concatenate([centers - half, centers + half], axis=1)
    keypoints = raw[:, 4:].reshape(-1, C.PALM_NUM_KEYPOINTS, 2) + anchors[:, None, :]
    return [PalmDetection(boxes[i], keypoints[i], float(scores[k])) for i, k in enumerate(keep)]


def weighted_nms(
    detections: list[PalmDetection], iou_threshold: float = C.PALM_NMS_IOU
) -> list[PalmDetection]:
    """NonMaxSuppressionCalculator, WEIGHTED algorithm, IoU overlap; output sorted by score, descending.

    Each kept detection's box and keypoints are the score-weighted mean of all remaining detections that
    overlap it by more than ``iou_threshold`` (itself included); its score stays the top score.
    """
    remaining = sorted(detections, key=lambda d: -d.score)
    out: list[PalmDetection] = []
    while remaining:
        top = remaining[0]
        group = [d for d in remaining if iou(d.box, top.box) > iou_threshold]
        remaining = [d for d in remaining if iou(d.box, top.box) <= iou_threshold]
        if not group:  # cannot happen (IoU with itself is 1) unless the box is degenerate
            group = [top]
            remaining = remaining[1:] if remaining and remaining[0] is top else remaining
        weights = np.array([d.score for d in group], dtype=np.float32)
        total = float(weights.sum())
        box = np.tensordot(weights, np.stack([d.box for d in group]), axes=1) / total
        kps = np.tensordot(weights, np.stack([d.keypoints for d in group]), axes=1) / total
        out.append(PalmDetection(box.astype(np.float32), kps.astype(np.float32), top.score))
    return out


def remove_palm_letterbox(det: PalmDetection, padding: tuple[float, float, float, float]) -> PalmDetection:
    """DetectionLetterboxRemovalCalculator: tensor-normalized → image-normalized coordinates."""
    left, top, right, bottom = padding
    sx, sy = 1.0 - left - right, 1.0 - top - bottom
    box = (det.box - np.array([left, top, left, top], dtype=np.float32)) / np.array([sx, sy, sx, sy])
    kps = (det.keypoints - np.array([left, top], dtype=np.float32)) / np.array([sx, sy])
    return PalmDetection(box.astype(np.float32), kps.astype(np.float32), det.score)


def detect_palms(
    regressors: np.ndarray,
    logits: np.ndarray,
    padding: tuple[float, float, float, float],
    min_score: float,
    max_palms: int,
) -> list[PalmDetection]:
    """Decode + weighted NMS + letterbox removal + ClipDetectionVectorSize for one image's model outputs."""
    dets = weighted_nms(decode_palms(regressors, logits, min_score))[:max_palms]
    return [remove_palm_letterbox(d, padding) for d in dets]
