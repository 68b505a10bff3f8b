"""Make tests/data/video/fingerpose_moves.avi, the short test video that ships with the repository, and
tests/data/made/fingerpose_pair.jpg, a still with two hands (no package-sourced photo shows two).

    python tests/data/make_test_video.py [OUT.avi] [--pair OUT.jpg]

Input: the three fingerpose photos in tests/data/images (npm package fingerpose@0.1.0, MIT; see
tests/data/ATTRIBUTION.md). Every frame is made from them with OpenCV affine warps (no randomness), so the file
is reproducible:

- frames 0-39: one hand (nocurl, then halfcurl, then fullcurl) moves left to right, turns from -25 to +25
  degrees and shrinks;
- frames 40-47: the bare wall (no hand: trackers must let go, the palm detector must find the hand again);
- frames 48-79: two hands (nocurl and halfcurl) side by side move towards each other and turn.

The photos are used mirrored: MediaPipe's full model then calls every hand "Left" with scores of 0.8-0.96 (on
the unmirrored photos its handedness scores sit near 0.5, where a tiny difference flips the label).

256x192, 25 fps, 80 frames (3.2 s), encoded losslessly (FFV1, RGB) in AVI by OpenCV's bundled FFmpeg, so every
decoder gives back exactly the pixels written here (no codec or colour-conversion differences between OpenCV
versions). The photos' JPEG noise is removed first (``cv2.fastNlMeansDenoisingColored``, like a camera's noise
reduction), which keeps the lossless file at about 1.5 MB. Made with OpenCV 5.1 (the warps and the denoiser may
round differently in other versions: regenerate the reference if you regenerate the video).

The still (512x384, JPEG quality 95) puts the mirrored nocurl and fullcurl photos side by side.

Its MediaPipe 0.10.21 tracking reference, tests/data/reference/fingerpose_moves.mediapipe_0.10.21_video.json, was
computed once from this file with ../shared/tools/oracle_video_golden.py in the MediaPipe environment:

    .mp-venv/bin/python ../shared/tools/oracle_video_golden.py tests/data/video/fingerpose_moves.avi \\
        tests/data/reference/fingerpose_moves.mediapipe_0.10.21_video.json

and the still's static references (tests/data/reference/mediapipe_0.10.21_static_made.json, ``_made_lite.json``)
with ../shared/tools/oracle_golden.py on tests/data/made (``--model-complexity 0`` for the lite one).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
IMAGES = HERE / "images"
DEFAULT_OUT = HERE / "video" / "fingerpose_moves.avi"
DEFAULT_PAIR = HERE / "made" / "fingerpose_pair.jpg"
PAIR_SIZE = (512, 384)
SIZE = (256, 192)  # width, height
FPS = 25.0
POSES = ("nocurl", "halfcurl", "fullcurl")


def _warp(
    photo: np.ndarray, center: tuple[float, float], scale: float, angle: float, size: tuple[int, int] = SIZE
) -> np.ndarray:
    """``photo`` rotated by ``angle`` degrees and scaled about its centre, which lands at ``center`` (pixels of the
    output frame); the photo's border pixels are repeated to fill the frame (the wall and the arm go on)."""
    h, w = photo.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    matrix[0, 2] += center[0] - w / 2
    matrix[1, 2] += center[1] - h / 2
    return cv2.warpAffine(photo, matrix, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def _photos(images: Path) -> dict[str, np.ndarray]:
    """The three fingerpose photos, denoised and mirrored (BGR)."""
    photos = {p: cv2.imread(str(images / f"fingerpose_{p}.jpg"), cv2.IMREAD_COLOR) for p in POSES}
    if any(img is None for img in photos.values()):
        raise FileNotFoundError(f"fingerpose_*.jpg not found in {images}")
    return {
        p: cv2.flip(cv2.fastNlMeansDenoisingColored(img, None, 3, 3, 7, 21), 1) for p, img in photos.items()
    }


def make_pair(images: Path = IMAGES) -> np.ndarray:
    """The two-hand still (BGR): nocurl on the left, fullcurl on the right."""
    photos = _photos(images)
    frame = _warp(photos["nocurl"], (128, 200), 0.5, 5, PAIR_SIZE)
    other = _warp(photos["fullcurl"], (384, 210), 0.5, -10, PAIR_SIZE)
    frame[:, PAIR_SIZE[0] // 2 :] = other[:, PAIR_SIZE[0] // 2 :]
    return frame


def make_frames(images: Path = IMAGES) -> list[np.ndarray]:
    """The 80 BGR frames of the test video."""
    photos = _photos(images)
    width, height = SIZE
    wall = np.empty((height, width, 3), np.uint8)
    wall[:] = np.median(photos["nocurl"][:40, :40].reshape(-1, 3), axis=0)  # the photo's wall colour
    frames = []
    for i in range(40):  # one hand moves, turns and shrinks
        t = i / 39
        photo = photos[POSES[min(2, i * 3 // 40)]]
        center = (76 + 104 * t, 100 + 10 * math.sin(2 * math.pi * t))
        frames.append(_warp(photo, center, 0.37 - 0.1 * t, -25 + 50 * t))
    frames += [wall.copy() for _ in range(8)]  # no hand
    left, right = photos["nocurl"], photos["halfcurl"]
    for i in range(32):  # two hands come closer and turn
        t = i / 31
        frame = _warp(left, (60 + 16 * t, 104), 0.24, 10 - 20 * t)
        other = _warp(right, (196 - 16 * t, 104 - 8 * t), 0.24 + 0.03 * t, -10 + 25 * t)
        half = width // 2
        frame[:, half:] = other[:, half:]
        frames.append(frame)
    return frames


def write_video(out: Path, frames: list[np.ndarray]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(out), cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*"FFV1"), FPS, SIZE)
    if not writer.isOpened():
        raise RuntimeError("this OpenCV build cannot write FFV1 video")
    for frame in frames:
        writer.write(frame)
    writer.release()
    capture = cv2.VideoCapture(str(out))  # check: lossless round trip
    for index, frame in enumerate(frames):
        ok, back = capture.read()
        if not ok or not np.array_equal(back, frame):
            raise RuntimeError(f"{out}: frame {index} does not decode to the pixels written")
    capture.release()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--pair", type=Path, default=DEFAULT_PAIR, help="where to write the two-hand still")
    args = parser.parse_args(argv)
    frames = make_frames()
    write_video(args.out, frames)
    print(f"wrote {args.out}: {len(frames)} frames, {args.out.stat().st_size} bytes", file=sys.stderr)
    args.pair.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(args.pair), make_pair(), [cv2.IMWRITE_JPEG_QUALITY, 95]):
        raise RuntimeError(f"cannot write {args.pair}")
    print(f"wrote {args.pair}: {args.pair.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
