"""ROI geometry: palm detections and landmarks to rotated hand rectangles, crops, projections.

Conventions: a :class:`NormRect` is MediaPipe's ``NormalizedRect``: centre and size normalized by the image width
(x, width) and height (y, height), rotation in radians, clockwise in image coordinates (y down).
Pixel coordinates are OpenCV's (x right, y down, pixel centres at integers).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from . import constants as C


@dataclass(frozen=True)
class NormRect:
    """A rotated rectangle in normalized image coordinates (MediaPipe ``NormalizedRect``)."""

    x_center: float
    y_center: float
    width: float
    height: float
    rotation: float = 0.0

    def to_pixels(self, image_width: int, image_height: int) -> tuple[float, float, float, float, float]:
        """(cx, cy, w, h, rotation) in pixels of an image of the given size."""
        return (
            self.x_center * image_width,
            self.y_center * image_height,
            self.width * image_width,
            self.height * image_height,
            self.rotation,
        )

    def bounds(self) -> tuple[float, float, float, float]:
        """Axis-aligned (x_min, y_min, x_max, y_max) of the unrotated rect, normalized (as MediaPipe's IoU)."""
        return (
            self.x_center - self.width / 2,
            self.y_center - self.height / 2,
            self.x_center + self.width / 2,
            self.y_center + self.height / 2,
        )


def normalize_radians(angle: float) -> float:
    """Wrap an angle to [-pi, pi) like MediaPipe's NormalizeRadians."""
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two (x_min, y_min, x_max, y_max) boxes; 0 when they do not overlap."""
    ix0, iy0 = max(a[0], b[0]), max(a[1], b[1])
    ix1, iy1 = min(a[2], b[2]), min(a[3], b[3])
    if ix1 <= ix0 or iy1 <= iy0:
        return 0.0
    inter = (ix1 - ix0) * (iy1 - iy0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def transform_rect(
    rect: NormRect, image_width: int, image_height: int, *, scale: float, shift_y: float
) -> NormRect:
    """RectTransformationCalculator with scale_x = scale_y = ``scale``, shift_x 0 and square_long."""
    width, height, rotation = rect.width, rect.height, rect.rotation
    if rotation == 0.0:
        x_center, y_center = rect.x_center, rect.y_center + height * shift_y
    else:
        x_shift = -(image_height * height * shift_y * math.sin(rotation)) / image_width
        y_shift = (image_height * height * shift_y * math.cos(rotation)) / image_height
        x_center, y_center = rect.x_center + x_shift, rect.y_center + y_shift
    long_side = max(width * image_width, height * image_height)
    return NormRect(
        x_center,
        y_center,
        long_side / image_width * scale,
        long_side / image_height * scale,
        rotation,
    )


def palm_to_rect(
    box: np.ndarray,
    keypoints: np.ndarray,
    image_width: int,
    image_height: int,
    *,
    target_angle: float = C.TARGET_ANGLE,
) -> NormRect:
    """Palm detection → hand ROI (DetectionsToRectsCalculator + RectTransformationCalculator).

    ``box``: (x_min, y_min, x_max, y_max) normalized; ``keypoints``: (7, 2) normalized x, y. ``target_angle``
    (radians): π/2 in the legacy graph, 90 in the Tasks graph (see :mod:`handpose.graphs`).
    """
    x0 = keypoints[C.PALM_ROTATION_START_KEYPOINT, 0] * image_width
    y0 = keypoints[C.PALM_ROTATION_START_KEYPOINT, 1] * image_height
    x1 = keypoints[C.PALM_ROTATION_END_KEYPOINT, 0] * image_width
    y1 = keypoints[C.PALM_ROTATION_END_KEYPOINT, 1] * image_height
    rotation = normalize_radians(target_angle - math.atan2(-(y1 - y0), x1 - x0))
    w, h = float(box[2] - box[0]), float(box[3] - box[1])
    raw = NormRect(float(box[0]) + w / 2, float(box[1]) + h / 2, w, h, rotation)
    return transform_rect(raw, image_width, image_height, scale=C.PALM_ROI_SCALE, shift_y=C.PALM_ROI_SHIFT_Y)


def landmarks_to_rect(landmarks: np.ndarray, image_width: int, image_height: int) -> NormRect:
    """Next-frame hand ROI from landmarks (HandLandmarksToRectCalculator + RectTransformationCalculator).

    ``landmarks``: (21, 2+) normalized image coordinates.
    """
    pts = np.asarray(landmarks, dtype=np.float64)[list(C.ROI_LANDMARK_SUBSET), :2]
    size = np.array([image_width, image_height], dtype=np.float64)
    wrist = pts[C.ROI_SUBSET_WRIST] * size
    mid = (pts[C.ROI_SUBSET_INDEX_MCP] + pts[C.ROI_SUBSET_RING_MCP]) / 2
    mid = (mid + pts[C.ROI_SUBSET_MIDDLE_MCP]) / 2 * size
    rotation = normalize_radians(C.TARGET_ANGLE - math.atan2(-(mid[1] - wrist[1]), mid[0] - wrist[0]))
    reverse = normalize_radians(-rotation)
    center = (pts.max(axis=0) + pts.min(axis=0)) / 2
    rel = (pts - center) * size
    cos_r, sin_r = math.cos(reverse), math.sin(reverse)
    proj = np.stack([rel[:, 0] * cos_r - rel[:, 1] * sin_r, rel[:, 0] * sin_r + rel[:, 1] * cos_r], axis=1)
    pmax, pmin = proj.max(axis=0), proj.min(axis=0)
    pc = (pmax + pmin) / 2
    cos_a, sin_a = math.cos(rotation), math.sin(rotation)
    cx = pc[0] * cos_a - pc[1] * sin_a + image_width * center[0]
    cy = pc[0] * sin_a + pc[1] * cos_a + image_height * center[1]
    raw = NormRect(
        float(cx / image_width),
        float(cy / image_height),
        float((pmax[0] - pmin[0]) / image_width),
        float((pmax[1] - pmin[1]) / image_height),
        rotation,
    )
    return transform_rect(
        raw, image_width, image_height, scale=C.LANDMARK_ROI_SCALE, shift_y=C.LANDMARK_ROI_SHIFT_Y
    )


def associate(palm_rects: Sequence[NormRect], tracked_rects: Sequence[NormRect]) -> list[NormRect]:
    """AssociationNormRectCalculator: merge new palm ROIs with tracked ROIs.

    Elements are added in order (palm ROIs, then tracked ROIs); each new element removes earlier ones whose
    axis-aligned IoU exceeds the threshold, so a tracked hand wins over a new palm box on the same hand.
    """
    result: list[NormRect] = []
    for rect in [*palm_rects, *tracked_rects]:
        bounds = rect.bounds()
        result = [r for r in result if iou(r.bounds(), bounds) <= C.ASSOCIATION_IOU]
        result.append(rect)
    return result


def pad_rect_to_aspect(
    cx: float, cy: float, w: float, h: float, out_w: int, out_h: int
) -> tuple[float, float, tuple[float, float, float, float]]:
    """ImageToTensor's PadRoi (keep_aspect_ratio): grow the ROI (pixels) to the tensor's aspect ratio.

    Returns the new width, height and the normalized letterbox padding (left, top, right, bottom).
    """
    tensor_aspect = out_h / out_w
    roi_aspect = h / w
    if tensor_aspect > roi_aspect:
        pad_v = (1.0 - roi_aspect / tensor_aspect) / 2.0
        return w, w * tensor_aspect, (0.0, pad_v, 0.0, pad_v)
    pad_h = (1.0 - tensor_aspect / roi_aspect) / 2.0
    return h / tensor_aspect, h, (pad_h, 0.0, pad_h, 0.0)


def crop_matrix(
    cx: float, cy: float, w: float, h: float, rotation: float, out_w: int, out_h: int
) -> np.ndarray:
    """3x3 perspective matrix mapping the rotated ROI (pixels) onto an out_w x out_h tensor.

    Same construction as MediaPipe's OpenCV ImageToTensor converter: the ROI's corners (cv2.boxPoints) go to
    the tensor's corners.
    """
    src = cv2.boxPoints(((cx, cy), (w, h), rotation * 180.0 / math.pi)).astype(np.float32)
    dst = np.array([[0, out_h], [0, 0], [out_w, 0], [out_w, out_h]], dtype=np.float32)
    return cv2.getPerspectiveTransform(src, dst)


def crop_roi(
    image: np.ndarray,
    rect: NormRect | None,
    out_size: int,
    *,
    border: int,
    keep_aspect_ratio: bool = True,
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Crop a rotated ROI of an RGB uint8 image into an out_size² uint8 tensor, keeping the aspect ratio
    (letterbox) unless ``keep_aspect_ratio`` is False (stretch, zero padding).

    ``rect`` None means the whole image (letterbox). Returns the crop (uint8, HxWx3) and the normalized
    letterbox padding (left, top, right, bottom) to remove from outputs.
    """
    ih, iw = image.shape[:2]
    if rect is None:
        rect = NormRect(0.5, 0.5, 1.0, 1.0, 0.0)
    cx, cy, w, h, rotation = rect.to_pixels(iw, ih)
    padding = (0.0, 0.0, 0.0, 0.0)
    if keep_aspect_ratio:
        w, h, padding = pad_rect_to_aspect(cx, cy, w, h, out_size, out_size)
    matrix = crop_matrix(cx, cy, w, h, rotation, out_size, out_size)
    crop = cv2.warpPerspective(
        image, matrix, (out_size, out_size), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=0
    )
    return crop, padding


def remove_letterbox(points: np.ndarray, padding: Sequence[float]) -> np.ndarray:
    """Map normalized x, y (last axis, first two columns) from a letterboxed tensor back to the ROI."""
    left, top, right, bottom = padding
    out = np.array(points, dtype=np.float32, copy=True)
    out[..., 0] = (out[..., 0] - left) / (1.0 - left - right)
    out[..., 1] = (out[..., 1] - top) / (1.0 - top - bottom)
    return out


def project_landmarks(landmarks: np.ndarray, rect: NormRect) -> np.ndarray:
    """LandmarkProjectionCalculator (NORM_RECT mode): ROI-normalized (21, 3) → image-normalized (21, 3).

    As MediaPipe, the rotation is applied in normalized coordinates and z is scaled by the ROI's width.
    """
    x = landmarks[:, 0] - 0.5
    y = landmarks[:, 1] - 0.5
    cos_a, sin_a = math.cos(rect.rotation), math.sin(rect.rotation)
    out = np.empty_like(landmarks, dtype=np.float32)
    out[:, 0] = (cos_a * x - sin_a * y) * rect.width + rect.x_center
    out[:, 1] = (sin_a * x + cos_a * y) * rect.height + rect.y_center
    out[:, 2] = landmarks[:, 2] * rect.width
    return out


def rotate_world(world: np.ndarray, rotation: float) -> np.ndarray:
    """WorldLandmarkProjectionCalculator: rotate (21, 3) world landmarks by the ROI rotation about z."""
    cos_a, sin_a = math.cos(rotation), math.sin(rotation)
    out = np.array(world, dtype=np.float32, copy=True)
    out[:, 0] = cos_a * world[:, 0] - sin_a * world[:, 1]
    out[:, 1] = sin_a * world[:, 0] + cos_a * world[:, 1]
    return out
