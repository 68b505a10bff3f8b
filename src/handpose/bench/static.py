"""Per-image latency of handpose (full, lite) and, when available, MediaPipe 0.10.21 on the same images in the
same run (``handpose bench``). MediaPipe runs in its own interpreter: see :mod:`handpose.bench.mediapipe`.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from .mediapipe_runner import run_mediapipe_script


def time_handpose(paths: list[Path], model: str, passes: int, threads: int) -> dict[str, Any]:
    """Median latency per image (warm), and the share of it spent inside ONNX Runtime."""
    from ..api import HandLandmarker
    from ..io.images import load_image

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
    from ..data import example_image
    from ..io.images import iter_image_paths

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
