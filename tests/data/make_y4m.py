"""Convert the first seconds of a video to a .y4m file (Chromium's fake camera input), downscaled.

    python tests/data/make_y4m.py ../shared/handdata/videos/mps_hand_reaching.mp4 /tmp/hand.y4m --seconds 3

Y4M (YUV4MPEG2) is a text header line, then per frame the line ``FRAME`` and the raw I420 planes (Y at full
size, then U and V at half width and height), which is exactly the layout of OpenCV's
``cv2.COLOR_BGR2YUV_I420``. Chromium loops the file when it ends.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2


def write_y4m(
    video: str | Path, out: str | Path, *, seconds: float = 3.0, size: tuple[int, int] = (640, 360)
) -> int:
    """Write the first ``seconds`` of ``video`` to ``out`` as 4:2:0 Y4M at ``size`` (even width, height).

    Returns the number of frames written; raises ValueError when the video cannot be read.
    """
    width, height = size
    if width % 2 or height % 2:
        raise ValueError(f"Y4M 4:2:0 needs an even width and height, got {width}x{height}")
    capture = cv2.VideoCapture(str(video))
    if not capture.isOpened():
        raise ValueError(f"{video}: cannot open video")
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    fps_num = round(fps * 1000)
    frames = 0
    try:
        with open(out, "wb") as fh:
            fh.write(f"YUV4MPEG2 W{width} H{height} F{fps_num}:1000 Ip A1:1 C420jpeg\n".encode("ascii"))
            while frames < round(seconds * fps):
                ok, bgr = capture.read()
                if not ok:
                    break
                if bgr.shape[1] != width or bgr.shape[0] != height:
                    bgr = cv2.resize(bgr, (width, height), interpolation=cv2.INTER_AREA)
                fh.write(b"FRAME\n")
                fh.write(cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420).tobytes())
                frames += 1
    finally:
        capture.release()
    if frames == 0:
        raise ValueError(f"{video}: no frames decoded")
    return frames


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("video")
    p.add_argument("out")
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    args = p.parse_args(argv)
    try:
        n = write_y4m(args.video, args.out, seconds=args.seconds, size=(args.width, args.height))
    except ValueError as exc:
        print(f"make_y4m: error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.out}: {n} frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
