"""``handpose bench``: the command line of :mod:`handpose.bench` (latency and tracking frames/s, optionally
side by side with MediaPipe 0.10.21)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from typing import Any

from ..errors import HandposeError
from .common import HelpFormatter, error_line

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
    p.add_argument("--threads", type=int, default=0, help="ONNX Runtime threads (0: all cores)")
    p.add_argument("--compare-mediapipe", action="store_true", help="also time MediaPipe 0.10.21")
    p.add_argument(
        "--mediapipe-python",
        help="interpreter with mediapipe==0.10.21 installed (default: $HANDPOSE_MEDIAPIPE_PYTHON, else this one)",
    )
    p.add_argument(
        "--video",
        help="benchmark tracking mode on this video instead, frames/s (default: none, still images)",
    )
    p.add_argument("--frames", type=int, default=0, help="with --video: use at most N frames (0: all)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    from ..bench import (
        MP_HINT,
        collect_images,
        find_mediapipe_python,
        format_table,
        merge_rounds,
        time_handpose,
        time_mediapipe,
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
    per_round = []
    try:
        for _ in range(max(1, args.rounds)):
            rows = []
            for model in models:
                rows.append(time_handpose(paths, model, args.passes, args.threads))
                if mp_python:
                    rows.append(time_mediapipe(mp_python, paths, model, args.passes))
            per_round.append(rows)
    except (RuntimeError, ValueError, OSError, subprocess.TimeoutExpired) as exc:
        error_line(str(exc))
        return 2
    rows = merge_rounds(per_round)
    header = (
        f"{len(paths)} image(s), {args.passes} warm passes each (median per image, mean over images), "
        f"{max(1, args.rounds)} round(s) alternating engines (median over rounds); "
        f"{os.cpu_count()} CPU core(s); handpose threads={args.threads or 'all'}"
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
    results = []
    try:
        for model in models:
            result = run_video_bench(
                args.video,
                model,
                getattr(args, "frames", 0) or None,
                threads=args.threads,
                mediapipe_python=mp_python,
                compare=bool(getattr(args, "compare_mediapipe", False) or mp_python),
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
