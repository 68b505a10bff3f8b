"""``handpose bench``: per-image latency of handpose (full, lite) and, when available, MediaPipe 0.10.21 on the
same images in the same run. MediaPipe 0.10.21 needs numpy<2, so it runs in its own interpreter as a subprocess
(``--mediapipe-python``, or $HANDPOSE_MEDIAPIPE_PYTHON).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MP_HINT = (
    "python3.11 -m venv .mp && .mp/bin/pip install mediapipe==0.10.21 'numpy<2' 'protobuf<5' "
    "opencv-python-headless; then pass --mediapipe-python .mp/bin/python"
)


def find_mediapipe_python(explicit: str | None) -> str | None:
    """An interpreter that can ``import mediapipe.solutions.hands``, or None."""
    candidates = [explicit, os.environ.get("HANDPOSE_MEDIAPIPE_PYTHON"), sys.executable]
    for cand in candidates:
        if not cand:
            continue
        exe = shutil.which(cand) or cand
        if not Path(exe).exists():
            continue
        try:
            probe = subprocess.run(
                [exe, "-c", "import mediapipe as mp; mp.solutions.hands"], capture_output=True, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return exe
    return None


def time_handpose(paths: list[Path], model: str, passes: int, threads: int) -> dict[str, Any]:
    """Median latency per image (warm), and the share of it spent inside ONNX Runtime."""
    from .api import HandLandmarker
    from .io.images import load_image

    images = [load_image(p) for p in paths]
    with HandLandmarker(model=model, threads=threads) as lm:
        pipe = lm.pipeline
        pipe.warm_up()
        per_image, infer, hands = [], [], []
        for img in images:
            hands.append(len(lm.detect(img).hands))  # warm-up with this image's shapes
            times, inf = [], []
            for _ in range(passes):
                pipe.palm_model.reset_stats()
                pipe.landmark_model.reset_stats()
                t0 = time.perf_counter()
                lm.detect(img)
                times.append(time.perf_counter() - t0)
                inf.append(pipe.palm_model.seconds + pipe.landmark_model.seconds)
            per_image.append(statistics.median(times))
            infer.append(statistics.median(inf))
    mean = statistics.fmean(per_image)
    mean_inf = statistics.fmean(infer)
    return {
        "engine": "handpose",
        "model": model,
        "mean_ms": mean * 1e3,
        "median_ms": statistics.median(per_image) * 1e3,
        "inference_ms": mean_inf * 1e3,
        "overhead_pct": 100.0 * (mean - mean_inf) / mean if mean else 0.0,
        "hands": hands,
    }


def run_mediapipe_script(python: str, script: str, args: list[str], model: str) -> dict[str, Any]:
    """Run one of the package's ``_mediapipe_*.py`` scripts under the MediaPipe interpreter; its JSON output.

    Raises RuntimeError with the script's last output line when it fails."""
    cmd = [python, str(Path(__file__).with_name(script)), *args]
    cmd += ["--model-complexity", "1" if model == "full" else "0"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        tail = (out.stderr.strip() or out.stdout.strip()).splitlines()[-1:]
        raise RuntimeError(f"MediaPipe benchmark failed: {tail}")
    return json.loads(out.stdout)


def time_mediapipe(python: str, paths: list[Path], model: str, passes: int) -> dict[str, Any]:
    args = ["static", *map(str, paths), "--passes", str(passes)]
    data = run_mediapipe_script(python, "_mediapipe_bench.py", args, model)
    per_image = [data["per_image_s"][str(p)] for p in paths if str(p) in data["per_image_s"]]
    return {
        "engine": f"mediapipe {data['mediapipe']}",
        "model": model,
        "mean_ms": statistics.fmean(per_image) * 1e3,
        "median_ms": statistics.median(per_image) * 1e3,
        "inference_ms": None,
        "overhead_pct": None,
        "hands": [data["hands"][str(p)] for p in paths if str(p) in data["hands"]],
    }


def collect_images(folder: str | None, limit: int) -> list[Path]:
    from .cli import example_image
    from .io.images import iter_image_paths

    if folder is None:
        return [example_image()]
    paths = [p for _, p, err in iter_image_paths([folder]) if p is not None and err is None]
    return paths[:limit] if limit > 0 else paths


def merge_rounds(per_round: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per (engine, model): the median over rounds of each figure, plus the median over rounds of the
    ratio to MediaPipe measured in the same round (a host whose speed drifts affects both sides alike)."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for rows in per_round:
        mp = {r["model"]: r for r in rows if r["engine"].startswith("mediapipe")}
        for r in rows:
            m = merged.setdefault(
                (r["engine"], r["model"]), {"engine": r["engine"], "model": r["model"], "rounds": []}
            )
            ratio = (
                r["mean_ms"] / mp[r["model"]]["mean_ms"]
                if r["model"] in mp and r is not mp[r["model"]]
                else None
            )
            m["rounds"].append({**r, "ratio_vs_mediapipe": ratio})
    out = []
    for m in merged.values():
        rounds = m["rounds"]
        row = {"engine": m["engine"], "model": m["model"], "rounds": len(rounds)}
        for key in ("mean_ms", "median_ms", "inference_ms", "overhead_pct", "ratio_vs_mediapipe"):
            values = [r[key] for r in rounds if r.get(key) is not None]
            row[key] = statistics.median(values) if values else None
        row["hands"] = rounds[0]["hands"]
        row["per_round_mean_ms"] = [r["mean_ms"] for r in rounds]
        out.append(row)
    return out


def format_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'engine':<20}{'model':<7}{'mean ms':>9}{'median ms':>11}{'infer ms':>10}{'overhead':>10}{'vs MP':>8}"
    ]
    for r in rows:
        ratio = f"{r['ratio_vs_mediapipe']:.2f}x" if r.get("ratio_vs_mediapipe") is not None else ""
        inf = f"{r['inference_ms']:.2f}" if r["inference_ms"] is not None else "-"
        ovh = f"{r['overhead_pct']:.1f}%" if r["overhead_pct"] is not None else "-"
        lines.append(
            f"{r['engine']:<20}{r['model']:<7}{r['mean_ms']:>9.2f}{r['median_ms']:>11.2f}{inf:>10}{ovh:>10}{ratio:>8}"
        )
    return "\n".join(lines)


def cmd_bench(args: argparse.Namespace) -> int:
    from .cli import error_line

    if args.video:
        from .video_bench import run_video_bench_cli

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


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "bench",
        help="measure latency, optionally against MediaPipe 0.10.21",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--images", help="folder of images (default: the bundled example image)")
    p.add_argument("--limit", type=int, default=0, help="use at most N images (0: all)")
    p.add_argument("--models", default="full,lite", help="comma-separated: full,lite")
    p.add_argument("--passes", type=int, default=10, help="timed passes per image")
    p.add_argument("--rounds", type=int, default=3, help="rounds alternating handpose and MediaPipe")
    p.add_argument("--threads", type=int, default=0, help="ONNX Runtime threads (0: all cores)")
    p.add_argument("--compare-mediapipe", action="store_true", help="also time MediaPipe 0.10.21")
    p.add_argument("--mediapipe-python", help="interpreter with mediapipe==0.10.21 installed")
    p.add_argument("--video", help="benchmark tracking mode on this video instead (frames/s)")
    p.add_argument("--frames", type=int, default=0, help="with --video: use at most N frames")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.set_defaults(func=cmd_bench, shared_pool=True)  # not with --video: see cli.console_main
