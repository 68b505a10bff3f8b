"""Palm interval (``palm_interval=N``): parity with MediaPipe 0.10.21 and how long a new hand takes to be found.

1. Parity: tracking with N on each shared video vs its MediaPipe 0.10.21 video reference (hand count equal,
   median / max landmark error as a share of the hand's bounding-box diagonal), palm detector runs counted.
2. Pick-up latency of a second hand: a two-panel video made from one-hand video ``tfjs_asl_hand_25fps.mp4``:
   the left panel plays the video, the right panel is grey until frame K and then plays the same video
   mirrored (a second hand appears at once, fully visible). For K over N consecutive frames (every phase of the
   interval), the frames from K until both hands are reported; compared with N=1 (MediaPipe's rule).

usage: python benchmarks/palm_interval.py [--interval 10] [--videos DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from handpose import HandLandmarker
from handpose.evaluation import compare_hands, summarize
from handpose.io.video import iter_frames

HANDDATA = Path(__file__).resolve().parents[2] / "shared" / "handdata"
VIDEOS = ("mps_hand_reaching", "mps_woman_gestures", "tfjs_asl_hand_25fps")


def parity(handdata: Path, name: str, interval: int | None) -> dict[str, Any]:
    ref = json.loads((handdata / "reference" / f"{name}.mediapipe_0.10.21_video.json").read_text())
    per_frame, runs = [], 0
    with HandLandmarker(model="full", max_hands=2, running_mode="video", palm_interval=interval) as lm:
        for index, ts, rgb in iter_frames(handdata / "videos" / f"{name}.mp4"):
            result = lm.detect_for_video(rgb, ts)
            ours = [h.to_dict() for h in result.hands]
            refs = ref["frames"][index]["hands"]
            per_frame.append(
                (str(index), len(ours), len(refs), compare_hands(ours, refs, ref["width"], ref["height"]))
            )
            runs += result.palm_detector_ran
    s = summarize(per_frame)
    return {
        "video": name,
        "interval": interval or 1,
        "frames": len(per_frame),
        "palm_runs": runs,
        "count_equal": s.count_equal_fraction,
        "median_error": s.median_rel_error,
        "max_error": s.max_rel_error,
    }


def two_panel_frames(video: Path, appear: int, stop: int) -> Iterator[tuple[int, np.ndarray]]:
    """Frames 0 .. stop-1 of the two-panel video whose second hand appears at frame ``appear``."""
    for index, ts, rgb in iter_frames(video):
        if index >= stop:
            return
        right = rgb[:, ::-1] if index >= appear else np.full_like(rgb, 128)
        yield ts, np.ascontiguousarray(np.concatenate([rgb, right], axis=1))


def pickup(video: Path, interval: int, first: int, last: int) -> list[dict[str, Any]]:
    """Frames from the second hand's appearance until two hands are reported, for appearance frames
    ``first`` .. ``last`` and palm intervals 1 and ``interval`` (None: not within 3 intervals)."""
    out = []
    for appear in range(first, last + 1):
        row: dict[str, Any] = {"appear": appear}
        for n in (1, interval):
            found = None
            with HandLandmarker(model="full", max_hands=2, running_mode="video", palm_interval=n) as lm:
                for k, (ts, rgb) in enumerate(two_panel_frames(video, appear, appear + 3 * interval)):
                    hands = len(lm.detect_for_video(rgb, ts).hands)
                    if k >= appear and hands == 2:
                        found = k - appear
                        break
            row[f"n{n}"] = found
        out.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--handdata", type=Path, default=HANDDATA)
    ap.add_argument("--appear", type=int, default=60, help="first frame at which the second hand appears")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rows = [parity(a.handdata, name, n) for name in VIDEOS for n in (None, a.interval)]
    video = a.handdata / "videos" / "tfjs_asl_hand_25fps.mp4"
    lat = pickup(video, a.interval, a.appear, a.appear + a.interval - 1)
    if a.json:
        print(json.dumps({"parity": rows, "pickup": lat}, indent=1))
        return 0
    print("| video | N | palm runs / frames | hand count equal | landmark error median | max |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['video']} | {r['interval']} | {r['palm_runs']} / {r['frames']} | {r['count_equal']:.1%} "
            f"| {r['median_error']:.3%} | {r['max_error']:.3%} |"
        )
    for n in (1, a.interval):
        delays = [r[f"n{n}"] for r in lat]
        print(
            f"N={n}: second hand reported after {delays} frames (mean {np.mean(delays):.1f}, max {max(delays)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
