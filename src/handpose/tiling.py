"""Multi-scale tiles for the thorough palm search (:mod:`handpose.thorough`) and cross-tile merging of palms.

The palm detector is fully convolutional: its SSD heads have one cell per 8 and per 16 input pixels, whatever the
input size (the bundled ONNX graph reshapes with -1 and upsamples by scale; :class:`handpose.thorough.DynamicPalmModel`
frees its input height and width). But it scores palms far lower in a large input than in its own 192 x 192 one
(measured on the pasted hands of tests/hand_scenes.py: 0.6-0.9 in a 192-px window around a 96-px hand, 0.00-0.2 in
640-px or whole-frame inputs at the same scale; it was trained on 192-px inputs and its deep features see the
input's borders). So by default (``max_tile`` <= 192) every tile is a 192 x 192 window, zero-padded past the scaled
frame's edge, and runs through the pipeline's own palm model; larger ``max_tile`` values give W x H tiles (sides
multiples of :data:`TILE_ALIGN`) for the free-size model. The anchors of a tile are those of
:func:`handpose.palm.ssd_anchors` laid over its grid.

A *level* is one scale of the frame; palms are found best when their box spans about
:data:`handpose.constants.ANCHOR_MIN_SCALE` .. ANCHOR_MAX_SCALE of 192 input pixels (28-144 px), so the levels'
scales are chosen to bring the smallest wanted palm to about :data:`MIN_PALM_INPUT` input pixels, each next level
covering the sizes the previous one no longer reaches. A level whose scaled frame is larger than ``max_tile`` is
split into overlapping tiles (all of one size, so they batch); the overlap (:data:`OVERLAP_PER_PALM`) is
larger than the biggest palm that level looks for, so every such palm lies whole inside at least one tile. A palm
that touches a tile's inner border (one that is not the frame's border) is dropped when another tile of the
level contains it whole (:func:`drop_cut_palms`): the palm cut by a tile edge is replaced by its uncut copy.

Coordinates: tiles in pixels of the scaled frame; :func:`decode_tile` returns palms in scaled-frame pixels and
:func:`to_frame` maps them to the frame's normalized coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import constants as C
from .palm import PalmDetection, weighted_nms

TILE_ALIGN = 32  # input sides: multiples of the network's total stride (keeps its SAME paddings as at 192)
MIN_PALM_INPUT = 26.0  # px: smallest palm box found reliably enough (anchor min scale x 192 ~ 28)
LEVEL_RATIO = 1.5  # scale ratio of consecutive levels
OVERLAP_PER_PALM = 1.5  # tile overlap / the biggest palm a level looks for (input px)
EDGE_MARGIN = 2.0  # px (scaled frame): a palm this close to an inner tile border counts as cut


@dataclass(frozen=True)
class Tile:
    """A ``width`` x ``height`` window at (x, y) of the frame scaled by ``scale`` (all in scaled pixels).

    ``inner``: which sides (left, top, right, bottom) are inside the frame (not at its border)."""

    level: int
    scale: float
    x: int
    y: int
    width: int
    height: int
    inner: tuple[bool, bool, bool, bool]

    def contains(self, box: np.ndarray, margin: float = 0.0) -> bool:
        """Whether a (x0, y0, x1, y1) box in scaled pixels lies inside the tile, ``margin`` px from its inner sides."""
        left, top, right, bottom = (margin if side else -math.inf for side in self.inner)
        return bool(
            box[0] >= self.x + left
            and box[1] >= self.y + top
            and box[2] <= self.x + self.width - right
            and box[3] <= self.y + self.height - bottom
        )


@dataclass(frozen=True)
class Level:
    """One scale of the frame: the scaled frame's size and its tiles (all the same size)."""

    index: int
    scale: float
    width: int
    height: int
    tiles: tuple[Tile, ...]

    @property
    def tile_size(self) -> tuple[int, int]:
        return self.tiles[0].width, self.tiles[0].height


def _align(value: float) -> int:
    return max(TILE_ALIGN, math.ceil(value / TILE_ALIGN) * TILE_ALIGN)


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile origins along one axis: first at 0, last flush with the end, spaced at most tile - overlap."""
    if length <= tile:
        return [0]
    count = math.ceil((length - overlap) / max(1, tile - overlap))
    count = max(2, count)
    step = (length - tile) / (count - 1)
    return [round(k * step) for k in range(count)]


def level_scales(width: int, height: int, min_palm: float, max_scale: float = 1.0) -> list[float]:
    """Scales (input px per frame px) for palms of ``min_palm`` frame pixels and up, finest first.

    The finest level brings ``min_palm`` to :data:`MIN_PALM_INPUT`; each next one is :data:`LEVEL_RATIO` times
    coarser, until the whole frame fits the palm detector's own 192-px letterbox (the default pipeline's level,
    which the thorough search runs anyway)."""
    full = C.PALM_INPUT_SIZE / max(width, height)
    scales: list[float] = []
    scale = min(max_scale, MIN_PALM_INPUT / max(min_palm, 1.0))
    while scale > full * 1.4:
        scales.append(scale)
        scale /= LEVEL_RATIO
    return scales


def plan_levels(
    width: int, height: int, *, min_palm: float = 24.0, max_tile: int = 1024, max_scale: float = 1.0
) -> list[Level]:
    """The tiles of a ``width`` x ``height`` frame for palms of ``min_palm`` frame pixels and larger."""
    levels: list[Level] = []
    for index, scale in enumerate(level_scales(width, height, min_palm, max_scale)):
        sw, sh = max(1, round(width * scale)), max(1, round(height * scale))
        # Biggest palm this level looks for (input px), with the room its hand ROI needs around it.
        overlap = _align(MIN_PALM_INPUT * LEVEL_RATIO * OVERLAP_PER_PALM)
        if max_tile <= C.PALM_INPUT_SIZE:  # the model's own input, zero-padded past the frame's edge
            tw = th = C.PALM_INPUT_SIZE
        else:
            tw = _align(sw) if _align(sw) <= max_tile else _align(max(max_tile, 2 * overlap))
            th = _align(sh) if _align(sh) <= max_tile else _align(max(max_tile, 2 * overlap))
        xs, ys = _starts(sw, tw, overlap), _starts(sh, th, overlap)
        tiles = tuple(
            Tile(index, scale, x, y, tw, th, (x > 0, y > 0, x + tw < sw, y + th < sh)) for y in ys for x in xs
        )
        levels.append(Level(index, scale, sw, sh, tiles))
    return levels


@lru_cache(maxsize=32)
def tile_anchors(width: int, height: int) -> np.ndarray:
    """Anchor centres (N, 2) in input pixels of a width x height palm-model input, in the model's output order
    (the stride-8 cells with 2 anchors each, then the stride-16 cells with 6 each; row-major)."""
    centers: list[np.ndarray] = []
    layer = 0
    strides = C.ANCHOR_STRIDES
    while layer < C.ANCHOR_NUM_LAYERS:
        per_cell, last = 0, layer
        while last < C.ANCHOR_NUM_LAYERS and strides[last] == strides[layer]:
            per_cell += len(C.ANCHOR_ASPECT_RATIOS) + (C.ANCHOR_INTERPOLATED_SCALE_ASPECT_RATIO > 0)
            last += 1
        stride = strides[layer]
        fw, fh = math.ceil(width / stride), math.ceil(height / stride)
        ys, xs = np.meshgrid(np.arange(fh), np.arange(fw), indexing="ij")
        cell = np.stack([(xs + C.ANCHOR_OFFSET) * stride, (ys + C.ANCHOR_OFFSET) * stride], axis=-1)
        centers.append(np.repeat(cell.reshape(-1, 2), per_cell, axis=0))
        layer = last
    return np.concatenate(centers).astype(np.float32)


def decode_tile(
    regressors: np.ndarray, logits: np.ndarray, tile: Tile, min_score: float
) -> list[PalmDetection]:
    """One tile's model outputs → palms (weighted NMS within the tile) in *scaled-frame* pixels."""
    anchors = tile_anchors(tile.width, tile.height)
    logits = np.clip(logits.reshape(-1), -C.PALM_SCORE_CLIP, C.PALM_SCORE_CLIP)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = np.nonzero(scores >= min_score)[0]
    if keep.size == 0:
        return []
    # Regressors are in input pixels (PALM_BOX_SCALE = the 192-px input the model was trained on).
    raw = regressors.reshape(-1, C.PALM_NUM_COORDS)[keep].astype(np.float32) * (
        C.PALM_INPUT_SIZE / C.PALM_BOX_SCALE
    )
    origin = np.array([tile.x, tile.y], dtype=np.float32)
    centers = raw[:, 0:2] + anchors[keep] + origin
    half = raw[:, 2:4] / 2
    boxes = np.concatenate([centers - half, centers + half], axis=1)
    kps = raw[:, 4:].reshape(-1, C.PALM_NUM_KEYPOINTS, 2) + (anchors[keep] + origin)[:, None, :]
    dets = [PalmDetection(boxes[i], kps[i], float(scores[k])) for i, k in enumerate(keep)]
    return weighted_nms(dets)


def drop_cut_palms(palms: list[tuple[Tile, PalmDetection]], level: Level) -> list[PalmDetection]:
    """Palms of one level (scaled pixels) without those cut by an inner tile border and found whole elsewhere.

    A palm whose box comes within :data:`EDGE_MARGIN` of an inner side of its tile is kept only when no other tile
    of the level contains its box whole (then that tile has the uncut palm, or nothing is there to find)."""
    out: list[PalmDetection] = []
    for tile, det in palms:
        if not tile.contains(det.box, EDGE_MARGIN) and any(
            other is not tile and other.contains(det.box, EDGE_MARGIN) for other in level.tiles
        ):
            continue
        out.append(det)
    return out


def to_frame(det: PalmDetection, level: Level) -> PalmDetection:
    """A palm in scaled-frame pixels → image-normalized coordinates of the original frame."""
    sx, sy = level.width, level.height
    box = det.box / np.array([sx, sy, sx, sy], dtype=np.float32)
    kps = det.keypoints / np.array([sx, sy], dtype=np.float32)
    return PalmDetection(box.astype(np.float32), kps.astype(np.float32), det.score)
