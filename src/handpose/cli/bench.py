"""``handpose bench``: the command line of :mod:`handpose.bench` (latency and tracking frames/s, optionally
side by side with MediaPipe 0.10.21)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from typing import Any

from ..errors import HandposeError
from .common import HelpFormatter, error_line, positive_int

DESCRIPTION = """\
Per-image latency of handpose (full, lite) and, with --compare-mediapipe, of MediaPipe 0.10.21 on the same
images in the same run; with --video, tracking-mode frames/s on a video instead. MediaPipe 0.10.21 needs
numpy<2, so it runs in its own interpreter as a subprocess (--mediapipe-python, or $HANDPOSE_MEDIAPIPE_PYTHON).
"""

EPILOG = """\
examples:
  handpose bench                                       the bundled example image, full and lite
  handpose bench --images photos/ --limit 20 --compare-mediapipe --mediapipe-python .mp/bin/python
  handpose bench --video clip.mp4 --frames 300 --models full --json
"""


def thread_settings(text: str) -> list[int]:
    """``--threads`` of bench: one or more settings, e.g. ``1,0``."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 0:
        raise argparse.ArgumentTypeError(f"expected thread counts >= 0 separated by commas, got {text!r}")
    return values


def load_settings(text: str) -> list[str]:
    """``--load`` of bench: one or more of none, busy, pinned."""
    from ..bench.load import LOADS

    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values or any(v not in LOADS for v in values):
        raise argparse.ArgumentTypeError(f"expected {', '.join(LOADS)} separated by commas, got {text!r}")
    return values


def add_parser(sub: Any) -> None:
    """Register ``bench`` on the ``handpose`` subcommand parser."""
    p = sub.add_parser(
        "bench",
        help="measure latency, optionally against MediaPipe 0.10.21",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    p.add_argument("--images", help="folder of images (default: the bundled example image)")
    p.add_argument("--limit", type=int, default=0, help="use at most N images (0: all)")
    p.add_argument("--models", default="full,lite", help="comma-separated: full,lite")
    p.add_argument("--passes", type=int, default=10, help="timed passes per image")
    p.add_argument("--rounds", type=int, default=3, help="rounds alternating handpose and MediaPipe")
    p.add_argument(
        "--threads",
        type=thread_settings,
        default="1,0",
        metavar="N[,N...]",
        help="handpose thread settings to measure, comma-separated; 0: every core (default: 1,0)",
    )
    p.add_argument(
        "--load",
        type=load_settings,
        default="none",
        metavar="L[,L...]",
        help="competing process while timing: none, busy (a busy loop) or pinned (a busy loop pinned to one "
        "core); comma-separated (default: none)",
    )
    p.add_argument("--compare-mediapipe", action="store_true", help="also time MediaPipe 0.10.21")
    p.add_argument(
        "--mediapipe-python",
        help="interpreter with mediapipe==0.10.21 installed (default: $HANDPOSE_MEDIAPIPE_PYTHON, else this one)",
    )
    p.add_argument(
        "--mediapipe1-python",
        help="also time MediaPipe 1.x Tasks (full model) under this interpreter; needs --mediapipe1-task "
        "(default: $HANDPOSE_MEDIAPIPE1_PYTHON)",
    )
    p.add_argument(
        "--mediapipe1-task",
        help="hand_landmarker.task bundle for MediaPipe 1.x (default: $HANDPOSE_MEDIAPIPE1_TASK)",
    )
    p.add_argument(
        "--video",
        help="benchmark tracking mode on this video instead, frames/s (default: none, still images)",
    )
    p.add_argument("--frames", type=int, default=0, help="with --video: use at most N frames (0: all)")
    p.add_argument(
        "--palm-interval",
        type=positive_int,
        metavar="N",
        help="with --video: handpose runs the palm detector at most every N frames while a hand is tracked "
        "(default: every frame, as MediaPipe)",
    )
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    from ..bench import (
        MP_HINT,
        collect_images,
        find_mediapipe_python,
        format_table,
        run_static_bench,
    )

    if args.video:
        return run_video_bench_cli(args)
    paths = collect_images(args.images, args.limit)
    if not paths:
        error_line(f"{args.images}: no images found")
        return 1
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    mp_python = find_mediapipe_python(args.mediapipe_python) if args.compare_mediapipe else None
    if args.compare_mediapipe and mp_python is None:
        error_line(f"MediaPipe 0.10.21 not importable; to compare: {MP_HINT}")
        return 1
    try:
        rows = run_static_bench(
            paths,
            models,
            passes=args.passes,
            rounds=args.rounds,
            thread_settings=args.threads,
            loads=args.load,
            mediapipe_python=mp_python,
            mediapipe1_python=args.mediapipe1_python or os.environ.get("HANDPOSE_MEDIAPIPE1_PYTHON"),
            mediapipe1_task=args.mediapipe1_task or os.environ.get("HANDPOSE_MEDIAPIPE1_TASK"),
        )
    except (RuntimeError, ValueError, OSError, subprocess.TimeoutExpired) as exc:
        error_line(str(exc))
        return 2
    from ..runtime import available_cores

    header = (
        f"{len(paths)} image(s) x {args.passes} timed passes (after one warm-up pass), "
        f"{max(1, args.rounds)} round(s) alternating engines (median over rounds; ratios taken within a round); "
        f"{available_cores()} CPU core(s), load average {os.getloadavg()[0]:.2f} at the end; wall and CPU ms per "
        "image over the timed loop, CPU = every thread of the process, cores = CPU / wall"
    )
    if args.json:
        print(json.dumps({"header": header, "rows": rows}, indent=1))
    else:
        print(header)
        print(format_table(rows))
    return 0


def run_video_bench_cli(args: argparse.Namespace) -> int:
    """``handpose bench --video FILE [--frames N] [--models full,lite] [--threads N] [--compare-mediapipe]``."""
    from ..bench import MP_HINT, format_video_bench, run_video_bench

    models = [m.strip() for m in getattr(args, "models", "full").split(",") if m.strip()]
    mp_python = getattr(args, "mediapipe_python", None)
    # --video measures one setting: the last of --threads (default 1,0: every core)
    threads = args.threads[-1] if isinstance(args.threads, list) else args.threads
    results = []
    try:
        for model in models:
            result = run_video_bench(
                args.video,
                model,
                getattr(args, "frames", 0) or None,
                threads=threads,
                mediapipe_python=mp_python,
                compare=bool(getattr(args, "compare_mediapipe", False) or mp_python),
                palm_interval=getattr(args, "palm_interval", None),
            )
            if getattr(args, "compare_mediapipe", False) and result["mediapipe"] is None:
                error_line(f"MediaPipe 0.10.21 not importable; to compare: {MP_HINT}")
                return 1
            results.append(result)
    except (HandposeError, ValueError, RuntimeError) as exc:
        error_line(str(exc))
        return 2
    if getattr(args, "json", False):
        print(json.dumps(results, indent=1))
    else:
        print("\n\n".join(format_video_bench(r) for r in results))
    return 0
