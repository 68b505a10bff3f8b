"""Run a webcam example without a camera or a display: a video file plays camera 0, shown frames go to files.

    python examples/run_headless.py SCRIPT [--video VIDEO] [--max-frames N] [--display-dir DIR] [-- ARGS...]

Inside SCRIPT, for this run only:
- ``cv2.VideoCapture(<any camera index>)`` opens VIDEO instead (real decoding by OpenCV). The capture reports
  ``isOpened() == False`` once VIDEO ends or after N frames, so ``while cap.isOpened():`` loops finish.
- ``cv2.imshow(name, image)`` writes ``DIR/<name>_<frame>.png`` (lossless) instead of opening a window;
  ``cv2.waitKey`` returns -1 (no key pressed); ``cv2.destroyAllWindows`` / ``cv2.namedWindow`` do nothing.
- matplotlib (if the script plots) uses the non-interactive Agg backend.

The script itself runs unchanged (``runpy``, as ``__main__``, with ``sys.argv = [SCRIPT, *ARGS]``). This lets
the tests run the classic webcam tutorials on a video file, and you run them on a server.
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import sys
from pathlib import Path
from typing import Any

import cv2


class VideoFileCamera:
    """A ``cv2.VideoCapture`` on a video file that closes itself after its last frame or ``max_frames`` frames.

    It reads one frame ahead, so ``isOpened()`` turns False *before* a ``read()`` would fail: a loop like
    ``while cap.isOpened(): ok, frame = cap.read(); cv2.cvtColor(frame, ...)`` ends cleanly, as with a camera
    that is unplugged between frames.
    """

    def __init__(self, path: str, max_frames: int | None) -> None:
        self._cap = cv2.VideoCapture(path)
        if not self._cap.isOpened():
            raise SystemExit(f"{path}: cannot open video")
        self._left = max_frames
        self._next = self._fetch()

    def _fetch(self) -> Any:
        if self._left is not None:
            if self._left <= 0:
                return None
            self._left -= 1
        ok, frame = self._cap.read()
        return frame if ok else None

    def isOpened(self) -> bool:
        return self._next is not None

    def read(self, *args: Any) -> tuple[bool, Any]:
        frame, self._next = self._next, (self._fetch() if self._next is not None else None)
        return frame is not None, frame

    def release(self) -> None:
        self._next = None
        self._cap.release()

    def __getattr__(self, name: str) -> Any:  # get/set and the rest go to the real capture
        return getattr(self._cap, name)


def install(video: str | None, max_frames: int | None, display_dir: Path) -> None:
    """Patch ``cv2`` for this process as described in the module docstring."""
    real_capture = cv2.VideoCapture
    shown: dict[str, int] = {}

    def video_capture(source: Any = None, *args: Any) -> Any:
        if isinstance(source, int) and video is not None:
            return VideoFileCamera(video, max_frames)
        return real_capture(source, *args)

    def imshow(name: str, image: Any) -> None:
        display_dir.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "window"
        index = shown.get(stem, 0)
        shown[stem] = index + 1
        if not cv2.imwrite(str(display_dir / f"{stem}_{index:05d}.png"), image):
            raise OSError(f"cannot write {display_dir / f'{stem}_{index:05d}.png'}")

    cv2.VideoCapture = video_capture  # type: ignore[assignment, misc]
    cv2.imshow = imshow  # type: ignore[assignment]
    cv2.waitKey = lambda delay=0: -1  # type: ignore[assignment]
    cv2.destroyAllWindows = lambda: None  # type: ignore[assignment]
    cv2.namedWindow = lambda *a, **k: None  # type: ignore[assignment]
    os.environ.setdefault("MPLBACKEND", "Agg")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("script", help="the example to run")
    parser.add_argument("--video", help="video file that plays camera 0")
    parser.add_argument("--max-frames", type=int, default=None, help="stop the camera after N frames")
    parser.add_argument("--display-dir", default="shown", help="where cv2.imshow frames go (default: shown/)")
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    ns = parser.parse_args(argv[:split])
    script_args = argv[split + 1 :]
    install(ns.video, ns.max_frames, Path(ns.display_dir))
    sys.argv = [ns.script, *script_args]
    runpy.run_path(ns.script, run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
