"""Tracking-mode frames/s: handpose vs MediaPipe 0.10.21 on the same video, same run (decode excluded and
included). A thin wrapper around
:func:`handpose.bench.run_video_bench` (also ``handpose bench --video FILE --compare-mediapipe``).

usage: python benchmarks/video_bench.py [VIDEO ...] [--frames N] [--model full] [--mediapipe-python PY] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from handpose.bench import format_video_bench, run_video_bench

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "handdata" / "videos"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("videos", nargs="*", default=[str(p) for p in sorted(VIDEOS.glob("*.mp4"))])
    ap.add_argument("--frames", type=int, default=0)
    ap.add_argument("--model", default="full")
    ap.add_argument(
        "--threads", default="1,0", help="comma-separated ONNX Runtime thread counts (0: all cores)"
    )
    ap.add_argument("--mediapipe-python", default=None)
    ap.add_argument("--palm-interval", type=int, default=None, help="handpose's opt-in palm interval N")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    results = []
    for video in a.videos:
        for threads in (int(t) for t in a.threads.split(",")):
            r = run_video_bench(
                video,
                a.model,
                a.frames or None,
                threads=threads,
                mediapipe_python=a.mediapipe_python,
                palm_interval=a.palm_interval,
            )
            results.append(r)
            if not a.json:
                print(format_video_bench(r), end="\n\n", flush=True)
    if a.json:
        for r in results:
            r["handpose"].pop("hands_per_frame")
            if r["mediapipe"]:
                r["mediapipe"].pop("hands_per_frame")
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
