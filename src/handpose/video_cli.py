"""``handpose video`` (annotated video + JSONL from a file, with tracking) and ``handpose webcam`` (live view).

Both write their outputs atomically (a temporary name in the target folder, renamed at the end): an error or
Ctrl-C leaves no half-written file behind.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections import deque
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any, TextIO

PREFETCH_FRAMES = 2  # frames decoded ahead on a background thread while the current one is processed

EPILOG_VIDEO = """\
examples:
  handpose video clip.mp4                                   writes clip.handpose.mp4 here
  handpose video clip.mp4 -o annotated.mp4 --jsonl clip.jsonl --smooth
  handpose video clip.mp4 --jsonl clip.jsonl --no-video --model lite
"""

EPILOG_WEBCAM = """\
examples:
  handpose webcam                          camera 0, window with FPS; 'c' saves a picture, 'q' quits
  handpose webcam --camera 1 --mirror --save-dir shots
  handpose webcam --headless --max-frames 300 --jsonl live.jsonl
  handpose webcam --camera clip.mp4 --headless --jsonl out.jsonl   (a file stands in for a camera)
"""


def add_parsers(sub: Any) -> None:
    """Register ``video`` and ``webcam`` on the CLI's subparsers."""
    from .cli import add_model_options

    p = sub.add_parser(
        "video",
        help="track hands through a video file: annotated video and/or JSONL",
        description="Track hands through a video (MediaPipe's tracking mode): annotated video with the same "
        "size and frame rate, and/or one JSON line per frame.",
        epilog=EPILOG_VIDEO,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", help="video file (anything FFmpeg reads: mp4, mov, avi, mkv, webm, ...)")
    p.add_argument(
        "-o", "--output", help="annotated video (.mp4, .mov, .m4v, .mkv, .avi); default IN.handpose.mp4"
    )
    p.add_argument("--jsonl", help="write one JSON object per frame to this file")
    p.add_argument("--no-video", action="store_true", help="do not write an annotated video")
    p.add_argument(
        "--smooth", action="store_true", help="one-euro smoothing of landmarks (off: MediaPipe parity)"
    )
    p.add_argument("--max-frames", type=int, default=0, metavar="N", help="stop after the first N frames")
    p.add_argument("--no-progress", action="store_true", help="no progress output on stderr")
    add_model_options(p)
    p.set_defaults(func=cmd_video)

    w = sub.add_parser(
        "webcam",
        help="live hand tracking from a camera",
        description="Live hand tracking from a camera with an FPS overlay. Keys: 'c' saves the annotated frame "
        "as <uuid>.jpg in --save-dir, 'q' (or Esc) quits. --headless runs without a window.",
        epilog=EPILOG_WEBCAM,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    w.add_argument(
        "--camera", default="0", help="camera index (default 0), or a video file standing in for one"
    )
    w.add_argument("--mirror", action="store_true", help="flip frames horizontally (selfie view)")
    w.add_argument("--save-dir", default="handpose-captures", help="where 'c' (or --headless) saves pictures")
    w.add_argument(
        "--headless", action="store_true", help="no window: process frames, write --jsonl/--save-dir"
    )
    w.add_argument("--save-frames", action="store_true", help="with --headless: save every annotated frame")
    w.add_argument(
        "--max-frames", type=int, default=0, metavar="N", help="stop after N camera frames (or Ctrl-C)"
    )
    w.add_argument("--jsonl", help="write one JSON object per processed frame to this file")
    w.add_argument("--smooth", action="store_true", help="one-euro smoothing of landmarks")
    add_model_options(w)
    w.set_defaults(func=cmd_webcam)


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


def _open_landmarker(args: argparse.Namespace, mode: str, **extra: Any) -> Any:
    from .api import HandLandmarker
    from .cli import landmarker_kwargs
    from .smoothing import OneEuro

    kwargs = landmarker_kwargs(args)
    return HandLandmarker(running_mode=mode, smoothing=OneEuro() if args.smooth else None, **kwargs, **extra)


def cmd_video(args: argparse.Namespace) -> int:
    import cv2

    from .cli import error_line
    from .drawing import annotate
    from .errors import HandposeError
    from .io.atomic import atomic_open
    from .io.video import VideoReader, VideoWriter, prefetch

    out_path = None if args.no_video else Path(args.output or f"{Path(args.input).stem}.handpose.mp4")
    if out_path is None and not args.jsonl:
        error_line("nothing to write: --no-video needs --jsonl")
        return 2
    try:
        landmarker = _open_landmarker(args, "video")
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
        error_line(_os_error_line(exc))
        return 2
    outputs = [str(p) for p in (out_path, args.jsonl) if p]
    print(
        f"{args.input}: {stats['frames']} frames, hands in {stats['with_hands']}, palm detector ran on "
        f"{stats['palm_runs']}, {rate:.1f} frames/s -> {', '.join(outputs)}"
    )
    return 0


def _os_error_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, ValueError):
        where = exc.filename or ""
        return f"{where}: {exc.strerror or exc}" if where else str(exc)
    return str(exc)


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

        from .drawing import annotate

        bgr = annotate(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), result, copy=False)
        index = -1
        while self.submitted and self.submitted[0][0] <= timestamp_ms:  # older entries: dropped frames
            _, index = self.submitted.popleft()
        if self.jsonl is not None:
            self.jsonl.write(json.dumps(frame_record(index, result)) + "\n")
        if self.save_dir is not None:
            save_jpeg(bgr, self.save_dir)
        self.t_first = self.t_first or time.perf_counter()
        self.processed += 1
        self.frame = bgr

    @property
    def fps(self) -> float:
        if self.t_first is None or self.processed < 2:
            return 0.0
        return (self.processed - 1) / max(time.perf_counter() - self.t_first, 1e-9)


def save_jpeg(bgr: Any, folder: Path) -> Path:
    """Save an annotated BGR frame as ``<uuid>.jpg`` in ``folder`` (atomically), as the classic tutorial does."""
    from .io.atomic import atomic_write_bytes
    from .io.images import encode_jpeg

    data = encode_jpeg(bgr, name=str(folder))
    path = folder / f"{uuid.uuid4()}.jpg"
    atomic_write_bytes(path, data)
    return path


def cmd_webcam(args: argparse.Namespace) -> int:
    from .cli import error_line
    from .errors import HandposeError
    from .io.atomic import atomic_open
    from .io.video import VideoReader, parse_camera

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
            landmarker = stack.enter_context(_open_landmarker(args, "live_stream", result_callback=latest))
            loop = _headless_loop if args.headless else _window_loop
            read = loop(reader, landmarker, latest, args, save_dir)
    except (HandposeError, OSError) as exc:
        error_line(_os_error_line(exc))
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
