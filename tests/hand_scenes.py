"""Synthetic "small, far and many hands" scenes for the thorough search (issue 12): hand patches pasted into photos.

A hand source is a package-sourced photo where the default pipeline finds one hand (fingerpose's three photos and
their mirror images). Its truth landmarks are handpose's landmarks of the full-size photo (= MediaPipe 0.10.21's,
the parity suite proves it). A patch is the square around the hand's landmark box (side: ``PATCH_MARGIN`` x its
longer side), resized to S px (the *hand size*, 48-320) and pasted into a background (a negative photo resized to
1280x720 or 1920x1080); the truth landmarks move and scale with the patch. Everything is deterministic for a seed.

Used by tests/test_thorough.py (seed 12) and benchmarks/thorough.py (another seed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

DATA_IMAGES = Path(__file__).resolve().parent / "data" / "images"
HAND_SOURCES = ("fingerpose_fullcurl.jpg", "fingerpose_halfcurl.jpg", "fingerpose_nocurl.jpg")
BACKGROUNDS = (
    "neg_opencv_baboon.jpg",
    "neg_opencv_building.jpg",
    "neg_opencv_fruits.jpg",
    "neg_opencv_smarties.png",
    "neg_skimage_chelsea.png",
    "neg_skimage_coffee.png",
    "neg_skimage_rocket.jpg",
)
SIZES = (48, 64, 96, 128, 192, 320)
FRAMES = ((1280, 720), (1920, 1080))
PATCH_MARGIN = 1.2


@dataclass(frozen=True)
class HandSource:
    """An RGB photo and its one hand's truth landmarks (21, 2) in pixels."""

    name: str
    rgb: np.ndarray
    landmarks_px: np.ndarray


@dataclass
class Scene:
    """An RGB frame, its pasted hands' truth landmarks (pixels, (21, 2) each) and their sizes (px)."""

    name: str
    rgb: np.ndarray
    hands: list[np.ndarray] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)


def read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(path)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def load_sources(folder: Path = DATA_IMAGES) -> list[HandSource]:
    """The hand sources and their mirror images, truth landmarks from handpose's default pipeline."""
    from handpose import HandLandmarker

    sources: list[HandSource] = []
    with HandLandmarker(model="full", max_hands=1) as landmarker:
        for name in HAND_SOURCES:
            rgb = read_rgb(folder / name)
            for mirrored in (False, True):
                image = np.ascontiguousarray(rgb[:, ::-1]) if mirrored else rgb
                result = landmarker.detect(image)
                if len(result.hands) != 1:
                    raise RuntimeError(f"{name}: expected one hand, found {len(result.hands)}")
                px = result.hands[0].landmarks[:, :2] * np.array([result.width, result.height])
                sources.append(HandSource(name + (":mirrored" if mirrored else ""), image, px))
    return sources


def background(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize-and-centre-crop a photo to cover width x height."""
    h, w = rgb.shape[:2]
    scale = max(width / w, height / h)
    big = cv2.resize(rgb, (round(w * scale + 0.5), round(h * scale + 0.5)), interpolation=cv2.INTER_LINEAR)
    y0, x0 = (big.shape[0] - height) // 2, (big.shape[1] - width) // 2
    return np.ascontiguousarray(big[y0 : y0 + height, x0 : x0 + width])


def patch(source: HandSource, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The size x size patch of the source's hand and its landmarks in patch pixels."""
    lo, hi = source.landmarks_px.min(axis=0), source.landmarks_px.max(axis=0)
    side = float((hi - lo).max()) * PATCH_MARGIN
    x0, y0 = (lo + hi) / 2 - side / 2
    s = size / side
    matrix = np.array([[s, 0.0, -x0 * s], [0.0, s, -y0 * s]])
    out = cv2.warpAffine(
        source.rgb, matrix, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )
    return out, (source.landmarks_px - [x0, y0]) * s


def make_scene(
    rng: np.random.Generator,
    sources: list[HandSource],
    backgrounds: list[np.ndarray],
    frame: tuple[int, int],
    name: str,
    sizes: tuple[int, ...] = SIZES,
    max_hands: int = 4,
) -> Scene:
    """1..max_hands non-overlapping patches of random sources and sizes on a random background."""
    width, height = frame
    rgb = background(backgrounds[int(rng.integers(len(backgrounds)))], width, height)
    scene = Scene(name, rgb)
    boxes: list[tuple[int, int, int, int]] = []
    for _ in range(int(rng.integers(1, max_hands + 1))):
        size = int(sizes[int(rng.integers(len(sizes)))])
        for _attempt in range(50):
            x, y = int(rng.integers(0, width - size)), int(rng.integers(0, height - size))
            gap = 8
            if all(
                x + size + gap <= bx or bx + bs + gap <= x or y + size + gap <= by or by + bs + gap <= y
                for bx, by, bs, _ in boxes
            ):
                break
        else:
            continue
        src = sources[int(rng.integers(len(sources)))]
        pixels, lm = patch(src, size)
        rgb[y : y + size, x : x + size] = pixels
        boxes.append((x, y, size, 0))
        scene.hands.append(lm + np.array([x, y], dtype=np.float64))
        scene.sizes.append(size)
    return scene


def make_scenes(count: int, seed: int, folder: Path = DATA_IMAGES) -> list[Scene]:
    """``count`` scenes, alternating 1280x720 and 1920x1080."""
    rng = np.random.default_rng(seed)
    sources = load_sources(folder)
    backs = [read_rgb(folder / name) for name in BACKGROUNDS]
    return [make_scene(rng, sources, backs, FRAMES[k % 2], f"scene{seed}-{k:02d}") for k in range(count)]


def match(
    found: list[np.ndarray], truth: list[np.ndarray], sizes: list[int]
) -> tuple[list[float | None], int]:
    """Match found hands (21, 2) pixels to truth hands greedily by mean landmark distance (< 0.5 x size).

    Returns the error of each truth hand (median landmark distance / size, None: not found) and the count of
    found hands matched to no truth hand (false positives)."""
    pairs = sorted(
        (float(np.linalg.norm(f - t, axis=1).mean()) / s, i, j)
        for j, f in enumerate(found)
        for i, (t, s) in enumerate(zip(truth, sizes, strict=True))
    )
    errors: list[float | None] = [None] * len(truth)
    used: set[int] = set()
    for mean_rel, i, j in pairs:
        if mean_rel >= 0.5 or errors[i] is not None or j in used:
            continue
        errors[i] = float(np.median(np.linalg.norm(found[j] - truth[i], axis=1))) / sizes[i]
        used.add(j)
    return errors, len(found) - len(used)
