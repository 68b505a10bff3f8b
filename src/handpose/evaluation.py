"""Compare hands with a reference (MediaPipe JSON or ground truth): matching and parity metrics.

Distances are in pixels of the image; a hand's scale is the diagonal of its reference landmarks' bounding box.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class HandMatch:
    """One matched pair: landmark error relative to the hand's bbox diagonal, world error in metres."""

    ours: int
    ref: int
    mean_px: float
    rel_error: float
    world_mae_m: float | None
    handedness_equal: bool


def bbox_diagonal(points_px: np.ndarray) -> float:
    """Diagonal of the axis-aligned bounding box of (N, 2) pixel points."""
    span = points_px.max(axis=0) - points_px.min(axis=0)
    return float(np.hypot(span[0], span[1]))


def match_hands(ours_px: Sequence[np.ndarray], ref_px: Sequence[np.ndarray]) -> list[tuple[int, int, float]]:
    """Pair hands by the assignment with the least total mean landmark distance (pixels).

    Returns (our index, reference index, mean distance px); unmatched hands are left out. Hand counts are
    tiny (≤ a few), so every assignment is tried.
    """
    if not ours_px or not ref_px:
        return []
    cost = np.array([[float(np.linalg.norm(o - r, axis=1).mean()) for r in ref_px] for o in ours_px])
    n_o, n_r = cost.shape
    best: tuple[float, list[tuple[int, int]]] = (np.inf, [])
    if n_o <= n_r:
        for perm in itertools.permutations(range(n_r), n_o):
            pairs = list(zip(range(n_o), perm, strict=True))
            total = sum(cost[i, j] for i, j in pairs)
            if total < best[0]:
                best = (total, pairs)
    else:
        for perm in itertools.permutations(range(n_o), n_r):
            pairs = list(zip(perm, range(n_r), strict=True))
            total = sum(cost[i, j] for i, j in pairs)
            if total < best[0]:
                best = (total, pairs)
    return [(i, j, float(cost[i, j])) for i, j in best[1]]


def compare_hands(ours: Sequence[dict], refs: Sequence[dict], width: int, height: int) -> list[HandMatch]:
    """Match our hands (``Hand.to_dict()`` shape) with reference hands (oracle JSON shape) in one image."""
    size = np.array([width, height], dtype=np.float64)
    ours_px = [np.asarray(h["landmarks"], dtype=np.float64)[:, :2] * size for h in ours]
    ref_px = [np.asarray(h["landmarks"], dtype=np.float64)[:, :2] * size for h in refs]
    matches = []
    for i, j, dist in match_hands(ours_px, ref_px):
        ref = refs[j]
        ref_label = ref["handedness"]["label"] if isinstance(ref["handedness"], dict) else ref["handedness"]
        world = None
        if ref.get("world_landmarks") is not None:
            diff = np.asarray(ours[i]["world_landmarks"]) - np.asarray(ref["world_landmarks"])
            world = float(np.abs(diff).mean())
        matches.append(
            HandMatch(
                i,
                j,
                dist,
                dist / max(bbox_diagonal(ref_px[j]), 1e-9),
                world,
                ours[i]["handedness"] == ref_label,
            )
        )
    return matches


@dataclass(frozen=True)
class ParitySummary:
    """Aggregate parity over a set of images."""

    images: int
    count_equal: int
    matched: int
    median_rel_error: float
    max_rel_error: float
    handedness_equal: int
    world_mae_mean_m: float
    world_mae_max_m: float
    count_mismatches: tuple[str, ...]

    @property
    def count_equal_fraction(self) -> float:
        return self.count_equal / self.images if self.images else 1.0

    def as_text(self) -> str:
        return (
            f"{self.images} images, hand count equal on {self.count_equal} ({self.count_equal_fraction:.1%}); "
            f"{self.matched} matched hands: landmark error / bbox diagonal median {self.median_rel_error:.3%}, "
            f"max {self.max_rel_error:.3%}; handedness equal {self.handedness_equal}/{self.matched}; "
            f"world MAE mean {self.world_mae_mean_m * 1000:.2f} mm, max {self.world_mae_max_m * 1000:.2f} mm"
            + (f"; count mismatches: {', '.join(self.count_mismatches)}" if self.count_mismatches else "")
        )


def summarize(per_image: Sequence[tuple[str, int, int, list[HandMatch]]]) -> ParitySummary:
    """``per_image``: (name, our hand count, reference hand count, matches)."""
    matches = [m for _, _, _, ms in per_image for m in ms]
    rel = np.array([m.rel_error for m in matches]) if matches else np.zeros(1)
    world = np.array([m.world_mae_m for m in matches if m.world_mae_m is not None] or [0.0])
    mismatches = tuple(f"{name} ({n_o} vs {n_r})" for name, n_o, n_r, _ in per_image if n_o != n_r)
    return ParitySummary(
        images=len(per_image),
        count_equal=len(per_image) - len(mismatches),
        matched=len(matches),
        median_rel_error=float(np.median(rel)),
        max_rel_error=float(rel.max()),
        handedness_equal=sum(m.handedness_equal for m in matches),
        world_mae_mean_m=float(world.mean()),
        world_mae_max_m=float(world.max()),
        count_mismatches=mismatches,
    )
