"""Tracking-mode frames/s of handpose and MediaPipe 0.10.21 on the same video, in the same run
(``handpose bench --video``), with decoding excluded (frames decoded beforehand) and included (decode + RGB
conversion timed too).

MediaPipe runs in its own interpreter (it needs numpy<2) through ``_mediapipe_video_bench.py``. Both sides use
the same settings (max 2 hands, detection and presence/tracking confidence 0.5) and the same protocol: a fresh
tracker per pass, its first frame processed as a warm-up outside the timing, the rest timed in order.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from .mediapipe_runner import find_mediapipe_python, run_mediapipe_script

MP_SCRIPT = "_mediapipe_video_bench.py"  # run by path under the MediaPipe interpreter, see .mediapipe_runner


def _decode(video_path: str | Path, frames: int | None) -> tuple[list[tuple[int, Any]], float]:
    from ..io.video import iter_frames

    t0 = time.perf_counter()
    out = []
    for index, ts, rgb in iter_frames(video_path):
        if frames and index >= frames:
            break
        out.append((ts, rgb))
    return out, time.perf_counter() - t0


def time_handpose_video(
    video_path: str | Path, model: str, frames: int | None, threads: int, palm_interval: int | None = None
) -> dict[str, Any]:
    """handpose frames/s in VIDEO mode, decode excluded and included. ``threads`` 0: as ``handpose video``
    (half the cores per model, see :func:`handpose.runtime.thread_plan`). ``palm_interval``: the opt-in palm
    interval (None: MediaPipe's rule)."""
    from ..api import HandLandmarker
    from ..io.video import PREFETCH_FRAMES, iter_frames
    from ..runtime import thread_plan

    threads = thread_plan(threads).budget
    decoded, decode_s = _decode(video_path, frames)
    if len(decoded) < 2:
        raise ValueError(f"{video_path}: need at least 2 frames to benchmark")
    with HandLandmarker(
        model=model, running_mode="video", threads=threads, palm_interval=palm_interval
    ) as lm:
        lm.detect_for_video(decoded[0][1], decoded[0][0])  # warm-up, not timed
        hands, palm_runs = [], 0
        c0, t0 = time.process_time(), time.perf_counter()
        for ts, rgb in decoded[1:]:
            result = lm.detect_for_video(rgb, ts)
            hands.append(len(result.hands))
            palm_runs += result.palm_detector_ran
        excluded_s = time.perf_counter() - t0
        cpu_s = time.process_time() - c0
        lm.reset()
        it = iter_frames(video_path, prefetch_frames=PREFETCH_FRAMES)  # decoding overlaps inference
        _, ts, rgb = next(it)
        lm.detect_for_video(rgb, ts)  # warm-up, not timed
        n = 0
        t0 = time.perf_counter()
        for index, ts, rgb in it:
            if frames and index >= frames:
                break
            lm.detect_for_video(rgb, ts)
            n += 1
        included_s = time.perf_counter() - t0
    timed = len(decoded) - 1
    return {
        "engine": "handpose",
        "model": model,
        "threads": threads,
        "frames": timed,
        "decode_fps": len(decoded) / decode_s,
        "fps_decode_excluded": timed / excluded_s,
        "fps_decode_included": n / included_s,
        "cpu_ms_per_frame": cpu_s / timed * 1000.0,
        "palm_interval": palm_interval or 1,
        "palm_detector_runs": palm_runs,
        "hands_per_frame": hands,
    }


def time_mediapipe_video(
    python: str, video_path: str | Path, model: str, frames: int | None
) -> dict[str, Any]:
    """MediaPipe 0.10.21 frames/s on the same video (subprocess under ``python``)."""
    args = [str(video_path), *(["--frames", str(frames)] if frames else [])]
    data = run_mediapipe_script(python, MP_SCRIPT, args, model)
    data["model"] = model
    return data


def run_video_bench(
    video_path: str | Path,
    model: str = "full",
    frames: int | None = None,
    *,
    threads: int = 0,
    mediapipe_python: str | None = None,
    compare: bool = True,
    palm_interval: int | None = None,
) -> dict[str, Any]:
    """Tracking-mode frames/s of handpose and (when an interpreter with mediapipe 0.10.21 is found, see
    :func:`handpose.bench.find_mediapipe_python`) MediaPipe on ``video_path``, same run. ``compare=False`` skips
    MediaPipe.

    Returns ``{"video", "model", "frames", "handpose": {...}, "mediapipe": {...} | None,
    "speedup_decode_excluded", "speedup_decode_included", "hand_count_agreement"}``; speedups are
    handpose / MediaPipe frames/s (None without MediaPipe).
    """
    ours = time_handpose_video(video_path, model, frames, threads, palm_interval)
    python = find_mediapipe_python(mediapipe_python) if compare else None
    theirs = time_mediapipe_video(python, video_path, model, frames) if python else None
    out: dict[str, Any] = {
        "video": str(video_path),
        "model": model,
        "frames": ours["frames"],
        "cpu_count": os.cpu_count(),
        "handpose": ours,
        "mediapipe": theirs,
        "speedup_decode_excluded": None,
        "speedup_decode_included": None,
        "hand_count_agreement": None,
    }
    if theirs:
        out["speedup_decode_excluded"] = ours["fps_decode_excluded"] / theirs["fps_decode_excluded"]
        out["speedup_decode_included"] = ours["fps_decode_included"] / theirs["fps_decode_included"]
        pairs = list(zip(ours["hands_per_frame"], theirs["hands_per_frame"], strict=False))
        out["hand_count_agreement"] = sum(a == b for a, b in pairs) / max(len(pairs), 1)
    return out


def format_video_bench(result: dict[str, Any]) -> str:
    """A small text table of :func:`run_video_bench`'s result."""
    hp, mp = result["handpose"], result["mediapipe"]
    lines = [
        f"{result['video']}: {result['frames']} timed frames, model {result['model']}, "
        f"{result['cpu_count']} CPU core(s), handpose threads={hp['threads']}, "
        f"palm interval {hp.get('palm_interval', 1)} ({hp['palm_detector_runs']} palm detector runs)",
        f"{'engine':<20}{'fps (decode excl.)':>20}{'fps (decode incl.)':>20}",
        f"{'handpose':<20}{hp['fps_decode_excluded']:>20.1f}{hp['fps_decode_included']:>20.1f}",
    ]
    if mp:
        lines.append(
            f"{mp['engine']:<20}{mp['fps_decode_excluded']:>20.1f}{mp['fps_decode_included']:>20.1f}"
        )
        lines.append(
            f"{'speed-up':<20}{result['speedup_decode_excluded']:>19.2f}x{result['speedup_decode_included']:>19.2f}x"
        )
        lines.append(f"hand count equal on {result['hand_count_agreement']:.1%} of frames")
        if mp.get("cpu_ms_per_frame"):
            lines.append(
                f"CPU ms per frame (decode excluded, all threads): handpose {hp['cpu_ms_per_frame']:.1f}, "
                f"MediaPipe {mp['cpu_ms_per_frame']:.1f}"
            )
    else:
        lines.append(
            "MediaPipe 0.10.21 not found (--mediapipe-python or $HANDPOSE_MEDIAPIPE_PYTHON): not compared"
        )
    return "\n".join(lines)
