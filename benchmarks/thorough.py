"""Thorough search (issue 12): recall by hand size, false positives, landmark error and cost, on synthetic scenes.

Scenes: tests/hand_scenes.py (fingerpose hands pasted at 48/64/96/128/192/320 px into package-sourced photos
resized to 1280x720 and 1920x1080, 1-4 hands each; truth = the full-size photo's landmarks moved with the patch),
built with a seed other than the test's. Engines: handpose default, handpose ``thorough=True``, and MediaPipe
0.10.21 (``mediapipe.solutions.hands``, static_image_mode, model_complexity 1) run in its own interpreter as a
subprocess on the same frames (saved losslessly as PNG). All with ``max_hands`` (default 4).

Cost: ms per frame of handpose default and thorough, timed on the same frame one after the other (interleaved, so
a loaded machine disturbs both alike); reported per frame size as the median of the per-frame ratios.

usage: python benchmarks/thorough.py [--scenes 24] [--seed 2026] [--max-hands 4] [--mediapipe PYTHON] [--json F]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import hand_scenes as hs  # noqa: E402
from handpose import HandLandmarker  # noqa: E402
from handpose.bench import find_mediapipe_python  # noqa: E402

MP_SCRIPT = r"""
import json, sys, time
import cv2, mediapipe as mp
out = {}
with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=int(sys.argv[1]), model_complexity=1,
                              min_detection_confidence=0.5) as hands:
    for path in sys.argv[2:]:
        bgr = cv2.imread(path)
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        t = time.perf_counter()
        res = hands.process(rgb)
        ms = (time.perf_counter() - t) * 1000
        lms = [[[p.x * w, p.y * h] for p in hand.landmark] for hand in (res.multi_hand_landmarks or [])]
        out[path] = {"hands": lms, "ms": ms}
print(json.dumps(out))
"""


def run_mediapipe(python: str, scenes: list[hs.Scene], max_hands: int) -> list[list[np.ndarray]] | None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for scene in scenes:
            path = Path(tmp) / f"{scene.name}.png"
            cv2.imwrite(str(path), cv2.cvtColor(scene.rgb, cv2.COLOR_RGB2BGR))
            paths.append(str(path))
        proc = subprocess.run(
            [python, "-c", MP_SCRIPT, str(max_hands), *paths], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            print(f"MediaPipe run failed: {proc.stderr.strip()[-500:]}", file=sys.stderr)
            return None
        data = json.loads(proc.stdout.strip().splitlines()[-1])
    return [[np.array(h) for h in data[p]["hands"]] for p in paths]


def pixels(result: Any) -> list[np.ndarray]:
    return [h.landmarks[:, :2] * np.array([result.width, result.height]) for h in result.hands]


def score(name: str, scenes: list[hs.Scene], found: list[list[np.ndarray]]) -> dict[str, Any]:
    per_size: dict[int, list[int]] = {s: [0, 0] for s in hs.SIZES}
    false_pos, errors = 0, []
    for scene, hands in zip(scenes, found, strict=True):
        errs, fp = hs.match(hands, scene.hands, scene.sizes)
        false_pos += fp
        for size, err in zip(scene.sizes, errs, strict=True):
            per_size[size][1] += 1
            per_size[size][0] += err is not None
            if err is not None:
                errors.append(err)
    big = [per_size[s] for s in hs.SIZES if s >= 64]
    return {
        "engine": name,
        "recall_by_size": {s: f"{f}/{t}" for s, (f, t) in per_size.items()},
        "recall_64_up": sum(f for f, _ in big) / max(1, sum(t for _, t in big)),
        "false_positives": false_pos,
        "false_positives_per_image": false_pos / len(scenes),
        "median_error": float(np.median(errors)) if errors else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=24)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--max-hands", type=int, default=4)
    ap.add_argument(
        "--mediapipe", help="MediaPipe 0.10.21 interpreter (default: .mp-venv or $HANDPOSE_MP_PYTHON)"
    )
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)
    scenes = hs.make_scenes(args.scenes, args.seed)
    found: dict[str, list[list[np.ndarray]]] = {"handpose default": [], "handpose thorough": []}
    ratios: dict[str, list[float]] = {}
    times: dict[str, list[tuple[float, float]]] = {}
    with (
        HandLandmarker(model="full", max_hands=args.max_hands) as default,
        HandLandmarker(model="full", max_hands=args.max_hands, thorough=True) as thorough,
    ):
        default.detect(scenes[0].rgb)
        thorough.detect(scenes[0].rgb)  # warm-up (first-call allocations of each input size)
        for scene in scenes:
            t0 = time.perf_counter()
            d = default.detect(scene.rgb)
            t1 = time.perf_counter()
            t = thorough.detect(scene.rgb)
            t2 = time.perf_counter()
            found["handpose default"].append(pixels(d))
            found["handpose thorough"].append(pixels(t))
            key = f"{scene.rgb.shape[1]}x{scene.rgb.shape[0]}"
            ratios.setdefault(key, []).append((t2 - t1) / (t1 - t0))
            times.setdefault(key, []).append(((t1 - t0) * 1000, (t2 - t1) * 1000))
    python = find_mediapipe_python(args.mediapipe or str(REPO / ".mp-venv" / "bin" / "python"))
    if python:
        mp_found = run_mediapipe(python, scenes, args.max_hands)
        if mp_found is not None:
            found["MediaPipe 0.10.21"] = mp_found
    else:
        print("MediaPipe 0.10.21 not found: skipping it", file=sys.stderr)
    rows = [score(name, scenes, hands) for name, hands in found.items()]
    cost = {
        key: {
            "default_ms_median": float(np.median([a for a, _ in times[key]])),
            "thorough_ms_median": float(np.median([b for _, b in times[key]])),
            "ratio_median": float(np.median(r)),
            "frames": len(r),
        }
        for key, r in ratios.items()
    }
    total = sum(len(s.hands) for s in scenes)
    print(f"{len(scenes)} scenes (seed {args.seed}), {total} hands, max_hands={args.max_hands}")
    print(
        "| engine | "
        + " | ".join(f"{s} px" for s in hs.SIZES)
        + " | >=64 px | FP (per image) | median error |"
    )
    print("|---" * (len(hs.SIZES) + 4) + "|")
    for r in rows:
        sizes = " | ".join(r["recall_by_size"][s] for s in hs.SIZES)
        err = f"{r['median_error'] * 100:.1f}%" if r["median_error"] is not None else "-"
        print(
            f"| {r['engine']} | {sizes} | {r['recall_64_up'] * 100:.0f}% | "
            f"{r['false_positives']} ({r['false_positives_per_image']:.2f}) | {err} |"
        )
    for key, c in cost.items():
        print(
            f"cost {key}: default {c['default_ms_median']:.0f} ms, thorough {c['thorough_ms_median']:.0f} ms, "
            f"ratio {c['ratio_median']:.1f}x (median of {c['frames']} interleaved frames)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"seed": args.seed, "engines": rows, "cost": cost}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
