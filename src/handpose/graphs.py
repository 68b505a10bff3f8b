"""The two MediaPipe hand graphs handpose reproduces, as data: the legacy solution's and MediaPipe Tasks'.

:class:`HandPipeline` runs either one; they share every stage and differ only in the rules here, each derived
from google/mediapipe's sources (paths below are in that repository):

================================  ============================================  =========================================
rule                              legacy (mediapipe/modules/hand_landmark,       Tasks (mediapipe/tasks/cc/vision/
                                  palm_detection; ``solutions.hands``)           hand_landmarker, hand_detector)
================================  ============================================  =========================================
palm → hand ROI rotation target   ``rotation_vector_target_angle_degrees: 90``  hand_detector_graph.cc sets
                                  (π/2 rad)                                     ``rotation_vector_target_angle(90)``, the
                                                                                *radians* field: 90 rad ≡ 2.0354 rad
                                                                                (116.6°) — crops start 26.6° off upright
landmark crop aspect              ``keep_aspect_ratio: true``                   ImagePreprocessingGraph default: false
                                                                                (the ROI is square in pixels, so only
                                                                                rounding differs)
tracked vs new ROIs (VIDEO,       AssociationNormRectCalculator: palm ROIs,     HandAssociationCalculator: tracked ROIs
LIVE_STREAM)                      then tracked ROIs; each removes earlier ones  first, all kept; a palm ROI is added
                                  with IoU > 0.5 (tracked wins)                 only if its IoU with every kept ROI is
                                                                                <= ``min_tracking_confidence``; then
                                                                                clipped to ``num_hands``
duplicate hands                   none                                          HandLandmarksDeduplicationCalculator
                                                                                (every mode, see :func:`duplicate_hands`)
handedness labels                 class 0 = "Left"                              class 0 = "Right" (label map swapped;
                                                                                same index and score) — applied by
                                                                                :mod:`handpose.tasks`
================================  ============================================  =========================================

Shared: palm letterbox 192 with zero border, anchors, decoding, weighted NMS 0.3, ROI scale 2.6 / shift −0.5,
landmark crop 224 with replicated border, presence threshold, landmarks → next ROI (scale 2.0, shift −0.1),
the palm detector running only while fewer than ``num_hands`` hands are tracked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import constants as C
from .geometry import NormRect, iou


@dataclass(frozen=True)
class GraphRules:
    """The rules that differ between MediaPipe's legacy hand graph and its Tasks hand landmarker graph."""

    name: str
    palm_target_angle: float  # radians, DetectionsToRectsCalculator target angle
    landmark_keep_aspect_ratio: bool
    tasks_association: bool  # HandAssociationCalculator (True) or AssociationNormRectCalculator (False)
    association_iou: float
    deduplicate: bool


LEGACY = GraphRules(
    name="legacy",
    palm_target_angle=C.TARGET_ANGLE,
    landmark_keep_aspect_ratio=True,
    tasks_association=False,
    association_iou=C.ASSOCIATION_IOU,
    deduplicate=False,
)

# hand_detector_graph.cc: options->set_rotation_vector_target_angle(90) (radians field; see module docstring).
TASKS_PALM_TARGET_ANGLE = 90.0
# hand_landmarks_deduplication_calculator.cc constants.
DEDUP_BASELINE_RATIO = 0.2
DEDUP_MIN_MATCHED_LANDMARKS = 10
DEDUP_MIN_IOU = 0.2


def tasks_rules(min_tracking_confidence: float = 0.5) -> GraphRules:
    """The Tasks hand landmarker graph's rules; ``min_tracking_confidence`` is its association IoU threshold."""
    return GraphRules(
        name="tasks",
        palm_target_angle=TASKS_PALM_TARGET_ANGLE,
        landmark_keep_aspect_ratio=False,
        tasks_association=True,
        association_iou=float(min_tracking_confidence),
        deduplicate=True,
    )


def associate_tasks(
    tracked_rects: Sequence[NormRect], palm_rects: Sequence[NormRect], threshold: float
) -> list[NormRect]:
    """HandAssociationCalculator: every tracked ROI, then each palm ROI whose axis-aligned IoU with all ROIs
    kept so far is <= ``threshold`` (normalized coordinates, rotation ignored as in MediaPipe)."""
    result = list(tracked_rects)
    for rect in palm_rects:
        bounds = rect.bounds()
        if all(iou(r.bounds(), bounds) <= threshold for r in result):
            result.append(rect)
    return result


def _baseline(px: np.ndarray) -> float:
    """Largest side of the wrist / index MCP / pinky MCP triangle (pixels)."""
    wrist, index_mcp, pinky_mcp = px[0], px[5], px[17]
    return float(
        max(
            np.linalg.norm(wrist - index_mcp),
            np.linalg.norm(index_mcp - pinky_mcp),
            np.linalg.norm(pinky_mcp - wrist),
        )
    )


def duplicate_hands(landmarks: Sequence[np.ndarray], image_width: int, image_height: int) -> set[int]:
    """HandLandmarksDeduplicationCalculator: indices of hands that duplicate an earlier kept hand.

    ``landmarks``: per hand (21, 2+) image-normalized. Hand i is a duplicate of kept hand j when at least 10 of
    its 21 landmarks lie closer than 0.2 x max(baseline_i, baseline_j) pixels to j's and the IoU of the two
    landmark bounding boxes (normalized) exceeds 0.2.
    """
    size = np.array([image_width, image_height], dtype=np.float64)
    pts = [np.asarray(lm, dtype=np.float64)[:, :2] for lm in landmarks]
    px = [p * size for p in pts]
    baselines = [_baseline(p) for p in px]
    bounds = [(*p.min(axis=0), *p.max(axis=0)) for p in pts]
    kept: list[int] = []
    removed: set[int] = set()
    for i in range(len(pts)):
        for j in kept:
            limit = max(baselines[i], baselines[j]) * DEDUP_BASELINE_RATIO
            matched = int((np.linalg.norm(px[i] - px[j], axis=1) < limit).sum())
            if matched >= DEDUP_MIN_MATCHED_LANDMARKS and _box_iou(bounds[i], bounds[j]) > DEDUP_MIN_IOU:
                removed.add(i)
                break
        else:
            kept.append(i)
    return removed


def _box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """landmarks_utils CalculateIOU: 0 for empty boxes, else intersection / union (touching boxes: 0)."""
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    if area_a <= 0 or area_b <= 0:
        return 0.0
    inter = max(min(a[3], b[3]) - max(a[1], b[1]), 0.0) * max(min(a[2], b[2]) - max(a[0], b[0]), 0.0)
    return float(inter / (area_a + area_b - inter))
