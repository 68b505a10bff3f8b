"""``handpose webcam``: live hand tracking from a camera (or a video file standing in for one).

Its JSONL output is written atomically (a temporary name in the target folder, renamed at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections import deque
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from .common import (
    HelpFormatter,
    add_model_options,
    add_palm_interval_option,
    add_thorough_option,
    error_line,
    os_error_line,
)
from .video import Progress, frame_record, open_landmarker

EPILOG_WEBCAM = """\
examples:
  handpose webcam                          camera 0, window with FPS; 'c' saves a picture, 'q' quits
  handpose webcam --camera 1 --mirror --save-dir shots
  handpose webcam --headless --max-frames 300 --jsonl live.jsonl
  handpose webcam --camera clip.mp4 --headless --jsonl out.jsonl   (a file stands in for a camera)
"""


def add_parser(sub: Any) -> None:
    """Register ``webcam`` on the ``handpose`` subcommand parser."""
    w = sub.add_parser(
        "webcam",
        help="live hand tracking from a camera",
        description="Live hand tracking from a camera with an FPS overlay. Keys: 'c' saves the annotated frame "
        "as <uuid>.jpg in --save-dir, 'q' (or Esc) quits. --headless runs without a window.",
        epilog=EPILOG_WEBCAM,
        formatter_class=HelpFormatter,
    )
    w.add_argument("--camera", default="0", help="camera index, or a video file standing in for one")
    w.add_argument("--mirror", action="store_true", help="flip frames horizontally (selfie view)")
    w.add_argument("--save-dir", default="handpose-captures", help="where 'c' (or --headless) saves pictures")
    w.add_argument(
        "--headless", action="store_true", help="no window: process frames, write --jsonl/--save-dir"
    )
    w.add_argument(
        "--save-frames",
        action="store_true",
        help="with --headless: save every processed frame, annotated, as frame-INDEX-tMSms.jpg in --save-dir",
    )
    w.add_argument(
        "--max-frames", type=int, default=0, metavar="N", help="stop after N camera frames (0: at Ctrl-C)"
    )
    w.add_argument("--jsonl", help="write one JSON object per processed frame to this file (default: none)")
    w.add_argument("--smooth", action="store_true", help="one-euro smoothing of landmarks")
    add_model_options(w)
    add_palm_interval_option(w)
    add_thorough_option(w, video=True)
    w.set_defaults(func=cmd_webcam)


def has_display() -> tuple[bool, str]:
    """Whether cv2.imshow can open a window here, and if not, why (one line)."""
    import cv2

    if "GUI: NONE" in " ".join(cv2.getBuildInformation().split()):
        return False, (
            "this OpenCV build has no GUI (opencv-python-headless); use --headless, "
            "or install opencv-python to get a window"
        )
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False, "no display found (DISPLAY is not set); use --headless"
    return True, ""


class _Latest:
    """What the live callback hands to the main loop (latest annotated frame) and to the JSONL file."""

    def __init__(self, jsonl: TextIO | None, save_dir: Path | None) -> None:
        self.jsonl, self.save_dir = jsonl, save_dir
        self.submitted: deque[tuple[int, int]] = (
            deque()
        )  # (timestamp_ms, frame index), appended by the reader
        self.frame: Any = None
        self.processed = 0
        self.t_first: float | None = None

    def __call__(self, result: Any, rgb: Any, timestamp_ms: int) -> None:
        import cv2

        from ..drawing import annotate

        bgr = annotate(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), result, copy=False)
        index = -1
        while self.submitted and self.submitted[0][0] <= timestamp_ms:  # older entries: dropped frames
            _, index = self.submitted.popleft()
        if self.jsonl is not None:
            self.jsonl.write(json.dumps(frame_record(index, result)) + "\n")
        if self.save_dir is not None:
            save_jpeg(bgr, self.save_dir, frame_file_name(index, timestamp_ms))
        self.t_first = self.t_first or time.perf_counter()
        self.processed += 1
        self.frame = bgr

    @property
    def fps(self) -> float:
        if self.t_first is None or self.processed < 2:
            return 0.0
        return (self.processed - 1) / max(time.perf_counter() - self.t_first, 1e-9)


def frame_file_name(index: int, timestamp_ms: int) -> str:
    """The ``--save-frames`` file name of a frame: ``frame-000123-t004100ms.jpg`` (frame index, timestamp in ms),
    zero-padded so that names sort in frame order."""
    return f"frame-{index:06d}-t{timestamp_ms:06d}ms.jpg"


def save_jpeg(bgr: Any, folder: Path, name: str | None = None) -> Path:
    """Save an annotated BGR frame in ``folder`` (atomically) as ``name``, by default ``<uuid>.jpg`` as the
    classic tutorial does."""
    from ..io.atomic import atomic_write_bytes
    from ..io.images import encode_jpeg

    data = encode_jpeg(bgr, name=str(folder))
    path = folder / (name or f"{uuid.uuid4()}.jpg")
    atomic_write_bytes(path, data)
    return path


def cmd_webcam(args: argparse.Namespace) -> int:
    from ..errors import HandposeError
    from ..io.atomic import atomic_open
    from ..io.video import VideoReader, parse_camera

    if not args.headless:
        ok, why = has_display()
        if not ok:
            error_line(why)
            return 2
    source = parse_camera(args.camera)
    save_dir = Path(args.save_dir)
    try:
        with ExitStack() as stack:
            reader = stack.enter_context(VideoReader(source))
            jsonl = stack.enter_context(atomic_open(args.jsonl)) if args.jsonl else None
            latest = _Latest(jsonl, save_dir if args.headless and args.save_frames else None)
            # Entered last, so closed first: the frame in work is finished before the JSONL file is closed.
            landmarker = stack.enter_context(open_landmarker(args, "live_stream", result_callback=latest))
            loop = _headless_loop if args.headless else _window_loop
            read = loop(reader, landmarker, latest, args, save_dir)
    except (HandposeError, OSError) as exc:
        error_line(os_error_line(exc))
        return 2
    print(
        f"{reader.name}: {read} frames read, {latest.processed} processed, {read - latest.processed} dropped "
        f"(newest frame wins), {latest.fps:.1f} frames/s" + (f" -> {args.jsonl}" if args.jsonl else "")
    )
    return 0


def _frames(reader: Any, args: argparse.Namespace, latest: _Latest) -> Any:
    """Camera frames (mirrored if asked); a video file standing in for a camera is paced at its frame rate."""
    import numpy as np

    t0 = time.perf_counter()
    for index, timestamp_ms, rgb in reader:
        if args.max_frames and index >= args.max_frames:
            return
        if not reader.is_camera:
            delay = timestamp_ms / 1000.0 - (time.perf_counter() - t0)
            if delay > 0:
                time.sleep(delay)
        if args.mirror:
            rgb = np.ascontiguousarray(rgb[:, ::-1])
        latest.submitted.append((timestamp_ms, index))
        yield index, timestamp_ms, rgb


def _headless_loop(reader: Any, landmarker: Any, latest: _Latest, args: Any, save_dir: Path) -> int:
    read = 0
    progress = Progress(args.max_frames or reader.frame_count, reader.name, enabled=True, every_s=5.0)
    try:
        for _, timestamp_ms, rgb in _frames(reader, args, latest):
            landmarker.detect_async(rgb, timestamp_ms)
            read += 1
            progress.update()
    except KeyboardInterrupt:  # the usual way to stop a camera: finish normally, keep the outputs
        print("stopped", file=sys.stderr)
    finally:
        progress.close()
    return read


def _window_loop(reader: Any, landmarker: Any, latest: _Latest, args: Any, save_dir: Path) -> int:
    import cv2

    title = f"handpose - {reader.name} (c: save, q: quit)"
    cv2.namedWindow(title, cv2.WINDOW_NORMAL)
    read = 0
    try:
        for _, timestamp_ms, rgb in _frames(reader, args, latest):
            landmarker.detect_async(rgb, timestamp_ms)
            read += 1
            shown = latest.frame if latest.frame is not None else cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
            shown = shown.copy()
            cv2.putText(
                shown, f"FPS {latest.fps:.1f}", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 255, 0), 2
            )
            cv2.imshow(title, shown)
            key = cv2.waitKey(1) & 0xFF
            if key in (ord("q"), 27):
                break
            if key == ord("c") and latest.frame is not None:
                print(f"saved {save_jpeg(latest.frame, save_dir)}", flush=True)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        cv2.destroyWindow(title)
    return read
