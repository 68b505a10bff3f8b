"""LiteRT (ai-edge-litert, XNNPACK, original .tflite) vs ONNX Runtime (converted .onnx): speed and parity.

Per model (one 192²/224² input, warm), at 1 and 2 threads: wall ms and CPU ms (all threads of the process) per
call, engines interleaved in each round (median per round, median over rounds), ONNX Runtime with its threads
spinning and not spinning. Then the whole pipeline (``HandLandmarker.detect``) on the shared photos with each
backend. Needs the .tflite files: $HANDPOSE_TFLITE_DIR or .tflite-cache/ (see README, Tests).

usage: python benchmarks/litert.py [--rounds 5] [--calls 30] [--images DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("HANDPOSE_TFLITE_DIR", str(REPO / ".tflite-cache"))

from handpose import HandLandmarker  # noqa: E402
from handpose.backends.litert import LiteRTModel, tflite_path  # noqa: E402
from handpose.io.images import load_image  # noqa: E402
from handpose.models import model_path  # noqa: E402

MODELS = ("palm_detection_full", "hand_landmark_full", "palm_detection_lite", "hand_landmark_lite")
IMAGES = REPO.parent / "shared" / "handdata" / "images"


def ort_model(name: str, threads: int, spinning: bool) -> Callable[[np.ndarray], Any]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    sess = ort.InferenceSession(str(model_path(name)), opts, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0].name
    return lambda x: sess.run(None, {inp: x})


def engines(name: str, threads: int) -> dict[str, Callable[[np.ndarray], Any]]:
    return {
        "litert": LiteRTModel(tflite_path(name), threads=threads),
        "ort": ort_model(name, threads, spinning=False),
        "ort-spin": ort_model(name, threads, spinning=True),
    }


def time_calls(fn: Callable[[np.ndarray], Any], x: np.ndarray, calls: int) -> tuple[float, float]:
    """Median wall ms and mean CPU ms (process, all threads) per call."""
    for _ in range(3):
        fn(x)
    walls = []
    c0 = time.process_time()
    for _ in range(calls):
        t0 = time.perf_counter()
        fn(x)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls) * 1e3, (time.process_time() - c0) / calls * 1e3


def bench_models(rounds: int, calls: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    rows = []
    for name in MODELS:
        size = 192 if name.startswith("palm") else 224
        x = rng.random((1, size, size, 3), dtype=np.float32)
        for threads in (1, 2):
            eng = engines(name, threads)
            per: dict[str, list[tuple[float, float]]] = {k: [] for k in eng}
            for _ in range(rounds):
                for key, fn in eng.items():
                    per[key].append(time_calls(fn, x, calls))
            for key, vals in per.items():
                rows.append(
                    {
                        "model": name,
                        "threads": threads,
                        "engine": key,
                        "wall_ms": statistics.median(v[0] for v in vals),
                        "cpu_ms": statistics.median(v[1] for v in vals),
                    }
                )
            print(json.dumps(rows[-3:]), file=sys.stderr, flush=True)
    return rows


def bench_pipeline(images: Path, rounds: int) -> list[dict[str, Any]]:
    rgbs = [load_image(p) for p in sorted(images.iterdir()) if p.suffix.lower() in (".jpg", ".png")]
    rows = []
    for model in ("full", "lite"):
        for threads in (1, 2):
            lms = {
                b: HandLandmarker(model=model, threads=threads, backend=b) for b in ("litert", "onnxruntime")
            }
            per: dict[str, list[tuple[float, float]]] = {k: [] for k in lms}
            for _ in range(rounds):
                for key, lm in lms.items():
                    lm.detect(rgbs[0])
                    c0, t0 = time.process_time(), time.perf_counter()
                    for rgb in rgbs:
                        lm.detect(rgb)
                    n = len(rgbs)
                    per[key].append(
                        ((time.perf_counter() - t0) / n * 1e3, (time.process_time() - c0) / n * 1e3)
                    )
            for key, vals in per.items():
                rows.append(
                    {
                        "model": f"pipeline {model}",
                        "threads": threads,
                        "engine": key,
                        "wall_ms": statistics.median(v[0] for v in vals),
                        "cpu_ms": statistics.median(v[1] for v in vals),
                    }
                )
            for lm in lms.values():
                lm.close()
            print(json.dumps(rows[-2:]), file=sys.stderr, flush=True)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--calls", type=int, default=30)
    ap.add_argument("--images", type=Path, default=IMAGES)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rows = bench_models(a.rounds, a.calls) + bench_pipeline(a.images, max(1, a.rounds // 2))
    if a.json:
        print(json.dumps(rows, indent=1))
        return 0
    print("| model | threads | engine | wall ms | CPU ms | wall vs ort | CPU vs ort |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    base = {(r["model"], r["threads"]): r for r in rows if r["engine"] in ("ort", "onnxruntime")}
    for r in rows:
        b = base[(r["model"], r["threads"])]
        print(
            f"| {r['model']} | {r['threads']} | {r['engine']} | {r['wall_ms']:.2f} | {r['cpu_ms']:.2f} "
            f"| {r['wall_ms'] / b['wall_ms']:.2f}x | {r['cpu_ms'] / b['cpu_ms']:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
