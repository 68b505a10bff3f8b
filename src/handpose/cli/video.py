"""``handpose video``: annotated video + JSONL from a video file, with tracking.

It writes its outputs atomically (a temporary name in the target folder, renamed at the end): an error or
Ctrl-C leaves no half-written file behind.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any, TextIO

from .common import (
    HelpFormatter,
    add_model_options,
    add_palm_interval_option,
    add_thorough_option,
    error_line,
    landmarker_kwargs,
    os_error_line,
)

EPILOG_VIDEO = """\
examples:
  handpose video clip.mp4                                   writes clip.handpose.mp4 here
  handpose video clip.mp4 -o annotated.mp4 --jsonl clip.jsonl --smooth
  handpose video clip.mp4 --jsonl clip.jsonl --no-video --model lite
"""


def add_parser(sub: Any) -> None:
    """Register ``video`` on the ``handpose`` subcommand parser."""
    p = sub.add_parser(
        "video",
        help="track hands through a video file: annotated video and/or JSONL",
        description="Track hands through a video (MediaPipe's tracking mode): annotated video with the same "
        "size and frame rate, and/or one JSON line per frame.",
        epilog=EPILOG_VIDEO,
        formatter_class=HelpFormatter,
    )
    p.add_argument("input", help="video file (anything FFmpeg reads: mp4, mov, avi, mkv, webm, ...)")
    p.add_argument(
        "-o",
        "--output",
        help="annotated video: .mp4/.mov/.m4v/.mkv (H.264 with the [video] extra, else mp4v), .webm (VP9, "
        "[video] extra), .avi (MJPG) (default: IN.handpose.mp4 here)",
    )
    p.add_argument("--jsonl", help="write one JSON object per frame to this file (default: none)")
    p.add_argument("--no-video", action="store_true", help="do not write an annotated video")
    p.add_argument(
        "--smooth", action="store_true", help="one-euro smoothing of landmarks (off: MediaPipe parity)"
    )
    p.add_argument(
        "--max-frames", type=int, default=0, metavar="N", help="stop after the first N frames (0: all)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress output on stderr")
    add_model_options(p)
    add_palm_interval_option(p)
    add_thorough_option(p, video=True)
    p.set_defaults(func=cmd_video)


def frame_record(index: int, result: Any) -> dict[str, Any]:
    """The JSONL line of one frame: the frame index + :meth:`HandLandmarkerResult.to_dict` (width, height,
    hands, palm_detector_ran, timestamp_ms)."""
    return {"frame": index, **result.to_dict()}


class Progress:
    """Frames/s on stderr: a tqdm bar when tqdm is installed, else a line every few seconds."""

    def __init__(self, total: int | None, label: str, enabled: bool = True, every_s: float = 2.0) -> None:
        self.total, self.label, self.enabled, self.every_s = total, label, enabled, every_s
        self.count = 0
        self.t0 = self.last = time.perf_counter()
        self._bar = None
        if enabled and sys.stderr.isatty():  # a bar on a terminal; periodic lines in logs and pipes
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=total, desc=label, unit="frame", file=sys.stderr, dynamic_ncols=True)

    @property
    def rate(self) -> float:
        elapsed = time.perf_counter() - self.t0
        return self.count / elapsed if elapsed > 0 else 0.0

    def update(self, n: int = 1) -> None:
        self.count += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.enabled and time.perf_counter() - self.last >= self.every_s:
            self.last = time.perf_counter()
            of = f"/{self.total}" if self.total else ""
            print(
                f"{self.label}: frame {self.count}{of} ({self.rate:.1f} frames/s)",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def open_landmarker(args: argparse.Namespace, mode: str, **extra: Any) -> Any:
    from ..api import HandLandmarker
    from ..smoothing import OneEuro

    kwargs = landmarker_kwargs(args)
    return HandLandmarker(running_mode=mode, smoothing=OneEuro() if args.smooth else None, **kwargs, **extra)


def cmd_video(args: argparse.Namespace) -> int:
    import cv2

    from ..drawing import annotate
    from ..errors import HandposeError
    from ..io.atomic import atomic_open
    from ..io.video import PREFETCH_FRAMES, VideoReader, VideoWriter, prefetch

    out_path = None if args.no_video else Path(args.output or f"{Path(args.input).stem}.handpose.mp4")
    if out_path is None and not args.jsonl:
        error_line("nothing to write: --no-video needs --jsonl")
        return 2
    try:
        landmarker = open_landmarker(args, "video")
    except (HandposeError, ValueError) as exc:
        error_line(str(exc))
        return 2
    stats = {"frames": 0, "with_hands": 0, "palm_runs": 0}
    try:
        with ExitStack() as stack, landmarker:
            reader = stack.enter_context(VideoReader(args.input))
            writer = None
            if out_path is not None:
                size = (reader.width, reader.height)
                writer = stack.enter_context(VideoWriter(out_path, fps=reader.nominal_fps, size=size))
            jsonl: TextIO | None = stack.enter_context(atomic_open(args.jsonl)) if args.jsonl else None
            total = min(filter(None, (reader.frame_count, args.max_frames)), default=None)
            progress = Progress(total, Path(args.input).name, enabled=not args.no_progress)
            stack.callback(progress.close)
            frames = stack.enter_context(closing(prefetch(reader, PREFETCH_FRAMES)))
            for index, timestamp_ms, rgb in frames:
                if args.max_frames and index >= args.max_frames:
                    break
                result = landmarker.detect_for_video(rgb, timestamp_ms)
                stats["frames"] += 1
                stats["with_hands"] += bool(result.hands)
                stats["palm_runs"] += bool(result.palm_detector_ran)
                if writer is not None:
                    writer.write(annotate(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), result, copy=False))
                if jsonl is not None:
                    jsonl.write(json.dumps(frame_record(index, result)) + "\n")
                progress.update()
            rate = progress.rate
    except (HandposeError, OSError) as exc:
        error_line(os_error_line(exc))
        return 2
    outputs = [str(p) for p in (out_path, args.jsonl) if p]
    print(
        f"{args.input}: {stats['frames']} frames, hands in {stats['with_hands']}, palm detector ran on "
        f"{stats['palm_runs']}, {rate:.1f} frames/s -> {', '.join(outputs)}"
    )
    return 0
