"""Benchmarks: handpose's latency and tracking frames/s, side by side with MediaPipe 0.10.21 in the same run.

- :mod:`handpose.bench.static`: still images, wall and CPU time per image (``handpose bench``).
- :mod:`handpose.bench.load`: a competing busy process.
- :mod:`handpose.bench.video`: tracking-mode frames/s on a video (``handpose bench --video``).
- :mod:`handpose.bench.mediapipe_runner`: finds an interpreter with mediapipe 0.10.21 and runs the
  ``_mediapipe_*.py`` scripts next to it under that interpreter (they import nothing from handpose).

The command line is :mod:`handpose.cli.bench`.
"""

from __future__ import annotations

from .load import LOADS, competing_load
from .mediapipe_runner import MP_HINT, find_mediapipe_python, run_mediapipe_script
from .static import (
    collect_images,
    format_table,
    merge_rounds,
    run_static_bench,
    time_handpose,
    time_handpose_all,
    time_mediapipe,
)
from .video import format_video_bench, run_video_bench, time_handpose_video, time_mediapipe_video

__all__ = [
    "LOADS",
    "MP_HINT",
    "collect_images",
    "competing_load",
    "find_mediapipe_python",
    "format_table",
    "format_video_bench",
    "merge_rounds",
    "run_mediapipe_script",
    "run_static_bench",
    "run_video_bench",
    "time_handpose",
    "time_handpose_all",
    "time_handpose_video",
    "time_mediapipe",
    "time_mediapipe_video",
]
