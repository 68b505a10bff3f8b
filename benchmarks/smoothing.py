"""Jitter and lag of one-euro smoothing (``--smooth``) on real video.

Runs the tracker once over a video (no smoothing: MediaPipe's output), then applies
:class:`handpose.smoothing.HandSmoother` to those results (the same thing ``smoothing=OneEuro()`` does inside
``detect_for_video``), and reports, for frames with exactly one hand:

- jitter on a still segment: mean frame-to-frame landmark displacement, % of the hand's bbox diagonal,
  with and without smoothing (and the ratio);
- lag on a moving segment: mean distance between smoothed and raw landmarks (% of the diagonal), and the
  delay in frames that best aligns the smoothed trajectory with the raw one.

Default segments (mps_hand_reaching.mp4, 25 fps): still = frames 130-159 (the hand rests: MediaPipe's own
landmarks move ~0.1 % of the hand's size per frame there, with no steady drift), moving = frames 5-54 (the hand
reaches: 2-3 % per frame). ``lag_frames_equiv`` is the mean offset divided by the raw motion per frame.

usage: python benchmarks/smoothing.py [VIDEO] [--still A:B] [--moving A:B] [--min-cutoff X --beta X ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from handpose import HandLandmarker
from handpose.io.video import iter_frames
from handpose.smoothing import HandSmoother, OneEuro

DEFAULT_VIDEO = (
    Path(__file__).resolve().parents[2] / "shared" / "handdata" / "videos" / "mps_hand_reaching.mp4"
)


def track(video: str | Path, last_frame: int, model: str = "full") -> list:
    """Unsmoothed VIDEO-mode results for frames 0..last_frame."""
    out = []
    with HandLandmarker(model=model, running_mode="video") as lm:
        for index, ts, rgb in iter_frames(video):
            if index > last_frame:
                break
            out.append(lm.detect_for_video(rgb, ts))
    return out


def smooth(results: list, spec: OneEuro) -> list:
    smoother = HandSmoother(spec)
    return [smoother(r, r.timestamp_ms) for r in results]


def _pixels(result) -> np.ndarray | None:
    if len(result.hands) != 1:
        return None
    return result.hands[0].landmarks[:, :2].astype(np.float64) * [result.width, result.height]


def _diag(p: np.ndarray) -> float:
    return float(np.hypot(*(p.max(0) - p.min(0))))


def jitter(results: list, start: int, stop: int) -> float:
    """Mean frame-to-frame landmark displacement over frames [start, stop), % of the hand's bbox diagonal."""
    steps = []
    for a, b in zip(results[start : stop - 1], results[start + 1 : stop], strict=True):
        pa, pb = _pixels(a), _pixels(b)
        if pa is not None and pb is not None:
            steps.append(np.linalg.norm(pb - pa, axis=1).mean() / _diag(pa) * 100)
    return float(np.mean(steps))


def lag(raw: list, smoothed: list, start: int, stop: int, max_shift: int = 5) -> tuple[float, int]:
    """(mean smoothed-to-raw distance in % of the diagonal, best-aligning delay in frames) over [start, stop)."""
    dist = []
    for r, s in zip(raw[start:stop], smoothed[start:stop], strict=True):
        pr, ps = _pixels(r), _pixels(s)
        if pr is not None and ps is not None:
            dist.append(np.linalg.norm(ps - pr, axis=1).mean() / _diag(pr) * 100)
    best = (np.inf, 0)
    for shift in range(max_shift + 1):
        errs = []
        for t in range(start + shift, stop):
            pr, ps = _pixels(raw[t - shift]), _pixels(smoothed[t])
            if pr is not None and ps is not None:
                errs.append(np.linalg.norm(ps - pr, axis=1).mean())
        if errs and np.mean(errs) < best[0]:
            best = (float(np.mean(errs)), shift)
    return float(np.mean(dist)), best[1]


def measure(results: list, spec: OneEuro, still: tuple[int, int], moving: tuple[int, int]) -> dict:
    smoothed = smooth(results, spec)
    raw_j, smooth_j = jitter(results, *still), jitter(smoothed, *still)
    dist, delay = lag(results, smoothed, *moving)
    return {
        "params": vars(spec) if hasattr(spec, "__dict__") else str(spec),
        "still_frames": list(still),
        "moving_frames": list(moving),
        "jitter_raw_pct": raw_j,
        "jitter_smoothed_pct": smooth_j,
        "jitter_ratio": smooth_j / raw_j,
        "moving_jitter_raw_pct": jitter(results, *moving),
        "moving_jitter_smoothed_pct": jitter(smoothed, *moving),
        "lag_mean_offset_pct": dist,
        "lag_frames": delay,
        "lag_frames_equiv": dist / jitter(results, *moving),
    }


def _span(text: str) -> tuple[int, int]:
    a, b = text.split(":")
    return int(a), int(b)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("video", nargs="?", default=str(DEFAULT_VIDEO))
    ap.add_argument("--still", type=_span, default=(130, 160))
    ap.add_argument("--moving", type=_span, default=(5, 55))
    ap.add_argument("--min-cutoff", type=float, default=OneEuro.min_cutoff)
    ap.add_argument("--beta", type=float, default=OneEuro.beta)
    ap.add_argument("--d-cutoff", type=float, default=OneEuro.d_cutoff)
    ap.add_argument("--model", default="full")
    a = ap.parse_args()
    results = track(a.video, max(a.still[1], a.moving[1]), a.model)
    spec = OneEuro(a.min_cutoff, a.beta, a.d_cutoff)
    print(json.dumps(measure(results, spec, a.still, a.moving), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
