"""Optional one-euro smoothing of landmarks over video frames (MediaPipe's hand graph has none: off by default).

The filter is MediaPipe's ``OneEuroFilter`` as used by its ``LandmarksSmoothingCalculator``
(mediapipe/util/filtering/one_euro_filter.cc, calculators/util/landmarks_smoothing_calculator_utils.cc),
vectorised over the 21 landmarks × 3 axes:

- the sampling frequency comes from the timestamps of consecutive frames;
- the speed estimate is scaled by ``1 / object_scale`` (the mean of the landmarks' bounding-box width and
  height, in pixels for image landmarks, metres for world landmarks), so the same parameters fit a hand
  of any size in the picture;
- cutoff = ``min_cutoff + beta * |filtered speed|``; alpha = ``1 / (1 + tau / te)`` with
  ``tau = 1 / (2π cutoff)`` and ``te`` the frame interval.

Image landmarks are filtered in pixels (x · width, y · height, z · width), as MediaPipe does, and mapped back.
Each tracked hand has its own filter state: hands are matched frame to frame by the mean distance of their
landmarks (relative to the hand's size); a hand that is not matched starts a fresh filter, and the state of a
hand that disappears is dropped (so it is reset when the hand is lost).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass

import numpy as np

from .results import Hand, HandLandmarkerResult

log = logging.getLogger(__name__)

MATCH_DISTANCE = 0.5
"""Largest mean landmark distance, as a fraction of the previous hand's size, for two hands in consecutive
frames to count as the same hand."""


@dataclass(frozen=True)
class OneEuro:
    """One-euro filter parameters. Defaults are MediaPipe's landmark one-euro settings (min_cutoff 0.05 Hz,
    beta 80, derivative cutoff 1 Hz) with speeds measured in hand sizes per second.

    Lower ``min_cutoff``: steadier when still, more lag. Higher ``beta``: less lag when moving fast.
    """

    min_cutoff: float = 0.05
    beta: float = 10.0
    d_cutoff: float = 1.0

    def __post_init__(self) -> None:
        for name in ("min_cutoff", "beta", "d_cutoff"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(f"OneEuro.{name} must be a finite number >= 0, got {value!r}")
        if self.min_cutoff == 0 or self.d_cutoff == 0:
            raise ValueError("OneEuro.min_cutoff and d_cutoff must be > 0")


def _alpha(cutoff: np.ndarray | float, interval_s: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / interval_s)


def object_scale(points: np.ndarray) -> float:
    """MediaPipe's GetObjectScale: mean of the x and y extents of the points (N, 2+)."""
    span = points[:, :2].max(axis=0) - points[:, :2].min(axis=0)
    return float((span[0] + span[1]) / 2.0)


class OneEuroArray:
    """A one-euro filter over an array of values that all share one timestamp (one hand's landmarks)."""

    def __init__(self, spec: OneEuro) -> None:
        self.spec = spec
        self.last_time_ms: int | None = None
        self.last_raw: np.ndarray | None = None
        self.value: np.ndarray | None = None
        self.speed: np.ndarray | None = None

    def __call__(self, values: np.ndarray, timestamp_ms: int, value_scale: float) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if self.last_time_ms is None or self.value is None or self.last_raw is None:
            self.last_time_ms, self.last_raw, self.value = timestamp_ms, values, values
            self.speed = np.zeros_like(values)
            return values
        if timestamp_ms <= self.last_time_ms:  # as MediaPipe: nothing sensible to do, pass the value through
            return values
        interval = (timestamp_ms - self.last_time_ms) / 1000.0
        speed = (values - self.last_raw) * value_scale / interval
        self.speed = self.speed + _alpha(self.spec.d_cutoff, interval) * (speed - self.speed)
        cutoff = self.spec.min_cutoff + self.spec.beta * np.abs(self.speed)
        self.value = self.value + _alpha(cutoff, interval) * (values - self.value)
        self.last_time_ms, self.last_raw = timestamp_ms, values
        return self.value


class _Track:
    """Filter state of one tracked hand."""

    def __init__(self, spec: OneEuro) -> None:
        self.image = OneEuroArray(spec)
        self.world = OneEuroArray(spec)
        self.last_px: np.ndarray | None = None


class HandSmoother:
    """Smooths the hands of consecutive video results: ``smoother(result, timestamp_ms) -> result``.

    Only ``landmarks`` and ``world_landmarks`` change; everything else is passed through. ``reset()`` forgets
    every hand (a new video).
    """

    def __init__(self, spec: OneEuro | None = None) -> None:
        if spec is None:
            spec = OneEuro()
        if not isinstance(spec, OneEuro):
            raise TypeError(f"smoothing must be a handpose.smoothing.OneEuro, got {type(spec).__name__}")
        self.spec = spec
        self._tracks: list[_Track] = []

    def reset(self) -> None:
        self._tracks = []

    def __call__(self, result: HandLandmarkerResult, timestamp_ms: int) -> HandLandmarkerResult:
        size = np.array([result.width, result.height, result.width], dtype=np.float64)
        pixels = [np.asarray(h.landmarks, dtype=np.float64) * size for h in result.hands]
        pairs = match_tracks([t.last_px for t in self._tracks], pixels)
        tracks: list[_Track] = []
        hands: list[Hand] = []
        for i, hand in enumerate(result.hands):
            j = pairs.get(i)
            track = self._tracks[j] if j is not None else _Track(self.spec)
            tracks.append(track)
            hands.append(_smooth_hand(track, hand, pixels[i], size, int(timestamp_ms)))
        self._tracks = tracks  # tracks without a hand in this frame are dropped: reset when a hand is lost
        return dataclasses.replace(result, hands=tuple(hands))


def _smooth_hand(track: _Track, hand: Hand, px: np.ndarray, size: np.ndarray, timestamp_ms: int) -> Hand:
    track.last_px = px
    scale = object_scale(px)
    world = np.asarray(hand.world_landmarks, dtype=np.float64)
    world_scale = object_scale(world)
    if scale < 1e-6 or world_scale < 1e-9:  # MediaPipe's min_allowed_object_scale: degenerate, leave as is
        return hand
    smoothed_px = track.image(px, timestamp_ms, 1.0 / scale)
    smoothed_world = track.world(world, timestamp_ms, 1.0 / world_scale)
    return dataclasses.replace(
        hand,
        landmarks=(smoothed_px / size).astype(np.float32),
        world_landmarks=smoothed_world.astype(np.float32),
    )


def match_tracks(previous: list[np.ndarray | None], current: list[np.ndarray]) -> dict[int, int]:
    """Greedy one-to-one matching of current hands to previous ones by mean landmark distance (pixels).

    Returns {current index: previous index} for pairs closer than :data:`MATCH_DISTANCE` × the previous hand's
    size; closest pairs are taken first.
    """
    candidates: list[tuple[float, int, int]] = []
    for j, prev in enumerate(previous):
        if prev is None:
            continue
        limit = MATCH_DISTANCE * max(object_scale(prev), 1e-6)
        for i, cur in enumerate(current):
            dist = float(np.linalg.norm(cur[:, :2] - prev[:, :2], axis=1).mean())
            if dist <= limit:
                candidates.append((dist, i, j))
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in sorted(candidates):
        if i not in pairs and j not in used:
            pairs[i] = j
            used.add(j)
    return pairs
