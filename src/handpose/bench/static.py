"""Still images (``handpose bench``): wall time, CPU time (every thread) and cores used per image, for handpose
(full, lite; one thread and every core; one image per call and all images in one call) and, when available,
MediaPipe 0.10.21 and MediaPipe 1.x Tasks on the same images in the same run, with or without a competing
process. MediaPipe runs in its own interpreter: see :mod:`handpose.bench.mediapipe_runner`.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

from ..runtime import thread_plan
from .load import competing_load
from .mediapipe_runner import run_mediapipe_script

REFERENCE = "mediapipe 0.10.21"
# ratio name -> the figure compared: latency of one call (mean over images), loop wall time, loop CPU time
RATIOS = {
    "ratio_vs_mediapipe": "mean_ms",
    "wall_ratio_vs_mediapipe": "wall_ms",
    "cpu_ratio_vs_mediapipe": "cpu_ms",
}


def _cpu_seconds() -> float:
    """CPU time of this process, every thread (user + system)."""
    return time.process_time()


def time_handpose(paths: list[Path], model: str, passes: int, threads: int) -> dict[str, Any]:
    """One image per ``detect`` call, as a MediaPipe loop does: each image's median latency (warm), the timed
    loop's wall and CPU time per image (all threads), and the share of the time inside the models."""
    from ..api import HandLandmarker
    from ..io.images import load_image

    images = [load_image(p) for p in paths]
    with HandLandmarker(model=model, threads=threads) as lm:
        pipe = lm.pipeline
        pipe.warm_up()
        hands = [len(lm.detect(img).hands) for img in images]  # warm-up with each image's shapes
        pipe.palm_model.reset_stats()
        pipe.landmark_model.reset_stats()
        times: list[list[float]] = [[] for _ in images]
        wall0, cpu0 = time.perf_counter(), _cpu_seconds()
        for _ in range(passes):
            for k, img in enumerate(images):
                t0 = time.perf_counter()
                lm.detect(img)
                times[k].append(time.perf_counter() - t0)
        wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
        infer = pipe.palm_model.seconds + pipe.landmark_model.seconds
    count = passes * len(images)
    mean = statistics.fmean(statistics.median(t) for t in times)
    mean_inf = infer / count
    return {
        "engine": "handpose",
        "call": "one image per call",
        "model": model,
        "threads": threads,
        "mean_ms": mean * 1e3,
        "median_ms": statistics.median(statistics.median(t) for t in times) * 1e3,
        "wall_ms": wall / count * 1e3,
        "cpu_ms": cpu / count * 1e3,
        "inference_ms": mean_inf * 1e3,
        "overhead_pct": max(0.0, 100.0 * (mean - mean_inf) / mean) if mean else 0.0,
        "hands": hands,
    }


def time_handpose_all(paths: list[Path], model: str, passes: int, threads: int) -> dict[str, Any]:
    """All images in one ``detect_batch`` call (what ``handpose detect`` does with many files): with two or
    more cores the palm model of image k+1 runs while the landmark model of image k does."""
    from ..api import HandLandmarker
    from ..io.images import load_image

    images = [load_image(p) for p in paths]
    with HandLandmarker(model=model, threads=threads) as lm:
        lm.pipeline.warm_up()
        hands = [len(r.hands) for r in lm.detect_batch(images)]
        walls, cpus = [], []
        for _ in range(passes):
            wall0, cpu0 = time.perf_counter(), _cpu_seconds()
            lm.detect_batch(images)
            walls.append(time.perf_counter() - wall0)
            cpus.append(_cpu_seconds() - cpu0)
    wall_ms = sum(walls) / (passes * len(images)) * 1e3
    return {
        "engine": "handpose",
        "call": "all images in one call",
        "model": model,
        "threads": threads,
        "mean_ms": wall_ms,
        "median_ms": statistics.median(walls) / len(images) * 1e3,
        "wall_ms": wall_ms,
        "cpu_ms": sum(cpus) / (passes * len(images)) * 1e3,
        "inference_ms": None,
        "overhead_pct": None,
        "hands": hands,
    }


def time_mediapipe(
    python: str, paths: list[Path], model: str, passes: int, *, task: str | None = None
) -> dict[str, Any]:
    """MediaPipe's loop over the images under ``python``: legacy ``solutions.hands`` (0.10.21), or with
    ``task`` (a hand_landmarker.task bundle) the Tasks HandLandmarker (MediaPipe 1.x)."""
    mode = ["tasks", "--task", task] if task else ["static"]
    args = [mode[0], *map(str, paths), "--passes", str(passes), *mode[1:]]
    data = run_mediapipe_script(python, "_mediapipe_bench.py", args, model)
    per_image = [data["per_image_s"][str(p)] for p in paths if str(p) in data["per_image_s"]]
    count = data["loop_images"]
    return {
        "engine": f"mediapipe {data['mediapipe']}" + (" tasks" if task else ""),
        "call": "one image per call",
        "model": model,
        "threads": None,
        "mean_ms": statistics.fmean(per_image) * 1e3,
        "median_ms": statistics.median(per_image) * 1e3,
        "wall_ms": data["loop_wall_s"] / count * 1e3,
        "cpu_ms": data["loop_cpu_s"] / count * 1e3,
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


def _key(r: dict[str, Any]) -> tuple[Any, ...]:
    return (r["engine"], r.get("call"), r["model"], r.get("threads"), r.get("load", "none"))


def merge_rounds(per_round: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per (engine, call, model, threads, load): the median over rounds of each figure, plus the median
    over rounds of the ratios to MediaPipe 0.10.21 (same model, same load) measured in the same round (a host
    whose speed drifts affects both sides alike). ``cores`` is CPU time / wall time."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rows in per_round:
        mp = {(r["model"], r.get("load", "none")): r for r in rows if r["engine"] == REFERENCE}
        for r in rows:
            ref = mp.get((r["model"], r.get("load", "none")))
            ratios: dict[str, float | None] = dict.fromkeys(RATIOS)
            if ref is not None and r is not ref:
                ratios = {name: r[a] / ref[a] if ref[a] else None for name, a in RATIOS.items()}
            merged.setdefault(_key(r), {"rounds": []})["rounds"].append({**r, **ratios})
    out = []
    for m in merged.values():
        rounds = m["rounds"]
        first = rounds[0]
        row = {k: first.get(k) for k in ("engine", "call", "model", "threads")}
        row.update(load=first.get("load", "none"), rounds=len(rounds))
        for key in ("mean_ms", "median_ms", "wall_ms", "cpu_ms", "inference_ms", "overhead_pct", *RATIOS):
            values = [r[key] for r in rounds if r.get(key) is not None]
            row[key] = statistics.median(values) if values else None
        row["cores"] = row["cpu_ms"] / row["wall_ms"] if row.get("wall_ms") else None
        row["load_average"] = [r.get("load_average") for r in rounds]
        row["hands"] = first["hands"]
        row["per_round_mean_ms"] = [r["mean_ms"] for r in rounds]
        out.append(row)
    return out


def format_table(rows: list[dict[str, Any]]) -> str:
    """Wall ms and CPU ms per image (timed loop), cores used, and the ratios to MediaPipe 0.10.21."""
    head = f"{'engine':<24}{'call':<12}{'model':<6}{'threads':>8}{'load':>8}{'wall ms':>9}{'CPU ms':>8}"
    lines = [head + f"{'cores':>7}{'wall/MP':>9}{'CPU/MP':>8}{'latency ms':>12}"]
    for r in rows:
        call = "all-in-one" if r.get("call") == "all images in one call" else "per-image"
        threads = "-" if r.get("threads") is None else str(r["threads"] or "all")
        wall_ratio = f"{r['wall_ratio_vs_mediapipe']:.2f}x" if r.get("wall_ratio_vs_mediapipe") else ""
        cpu_ratio = f"{r['cpu_ratio_vs_mediapipe']:.2f}x" if r.get("cpu_ratio_vs_mediapipe") else ""
        latency = f"{r['mean_ms']:.2f}" if call == "per-image" else "-"
        lines.append(
            f"{r['engine']:<24}{call:<12}{r['model']:<6}{threads:>8}{r.get('load', 'none'):>8}"
            f"{r['wall_ms']:>9.2f}{r['cpu_ms']:>8.2f}{r['cores']:>7.2f}{wall_ratio:>9}{cpu_ratio:>8}{latency:>12}"
        )
    return "\n".join(lines)


def run_static_bench(
    paths: list[Path],
    models: list[str],
    *,
    passes: int,
    rounds: int,
    thread_settings: list[int],
    loads: list[str],
    mediapipe_python: str | None = None,
    mediapipe1_python: str | None = None,
    mediapipe1_task: str | None = None,
) -> list[dict[str, Any]]:
    """Every engine and setting, interleaved within each round (load, then model, then engine), merged over
    rounds. Each row records the 1-minute load average seen when it was measured."""
    per_round = []
    for _ in range(max(1, rounds)):
        rows: list[dict[str, Any]] = []
        for load in loads:
            with competing_load(load):
                for model in models:
                    measured = []
                    for threads in thread_settings:
                        measured.append(time_handpose(paths, model, passes, threads))
                        if len(paths) > 1 and thread_plan(threads).overlap:
                            measured.append(time_handpose_all(paths, model, passes, threads))
                    if mediapipe_python:
                        measured.append(time_mediapipe(mediapipe_python, paths, model, passes))
                    if mediapipe1_python and mediapipe1_task and model == "full":
                        measured.append(
                            time_mediapipe(mediapipe1_python, paths, model, passes, task=mediapipe1_task)
                        )
                    for r in measured:
                        r.update(load=load, load_average=os.getloadavg()[0])
                    rows.extend(measured)
        per_round.append(rows)
    return merge_rounds(per_round)
