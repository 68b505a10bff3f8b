"""What each speed lever of issue 13 is worth: wall and CPU time per image on the shared photos, configurations
interleaved round by round, each in a fresh interpreter (ONNX Runtime's shared pool is process-wide).

    .venv/bin/python benchmarks/levers.py [--rounds 3] [--passes 2] [--model full] [--load none,busy]
        [--base-commit e21f8ba] [--json levers.json]

Configurations (the ONNX sessions are built here with the options each one used, on the models of
``--base-commit`` (before the converter's Pad fold) or on the current ones):

- ``old-cli``: the old command line: one process-wide spinning ONNX Runtime pool of every core, old palm model.
- ``old-api``: the old Python API default: own pools without spinning, palm 1 thread, landmark every core.
- ``one-thread-old-model``: 1 thread per model, models in sequence, old palm model.
- ``one-thread``: the same with the current models (channel Pad folded into a 1x1 Conv).
- ``one-thread-cv1``: the same with OpenCV's pool off (``cv2.setNumThreads(1)``, as the commands do).
- ``landmark-2-threads``: ``one-thread-cv1`` but the landmark model on 2 threads (no spinning).
- ``both-2-threads``: ``one-thread-cv1`` but both models on 2 threads (no spinning).
- ``two-stage``: the palm model of image k+1 on this thread while a worker runs the landmark model of
  image k (1 thread per model; the pipelining the issue proposed; palm and landmark-only post-processing).
- ``overlap``: the current default for several images (``detect_batch`` / ``handpose detect`` on many
  files): two images at once, each whole on its own thread with 1 thread per model; OpenCV's pool off, as
  in the commands.
- ``mediapipe``: MediaPipe 0.10.21 ``solutions.hands`` loop (``--mediapipe-python``), the reference.

Every figure is the timed loop's wall and process CPU time (all threads) divided by the images; each line also
records the load average. Ratios to MediaPipe are taken within a round.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IMAGES = Path(os.environ.get("HANDPOSE_HANDDATA", REPO.parent / "shared" / "handdata")) / "images"
CONFIGS = (
    "old-cli",
    "old-api",
    "one-thread-old-model",
    "one-thread",
    "one-thread-cv1",
    "landmark-2-threads",
    "both-2-threads",
    "two-stage",
    "overlap",
    "mediapipe",
)

# Runs in a fresh interpreter: argv[1] is a JSON object {config, model, passes, old_palm}.
WORKER = r"""
import json, os, sys, time
from pathlib import Path
cfg = json.loads(sys.argv[1])
paths = sorted(p for p in Path(cfg["images"]).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
name = cfg["config"]
if name == "mediapipe":
    import cv2, mediapipe as mp
    imgs = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in paths]
    hands = mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2,
                                     model_complexity=1 if cfg["model"] == "full" else 0)
    run_all = lambda: [len(hands.process(im).multi_hand_landmarks or []) for im in imgs]
else:
    import cv2
    import onnxruntime as ort
    from handpose import runtime
    from handpose.io.images import load_image
    from handpose.pipeline import HandPipeline
    if name in ("one-thread-cv1", "landmark-2-threads", "both-2-threads", "two-stage", "overlap"):
        cv2.setNumThreads(1)
    if name == "old-cli":
        from onnxruntime.capi import onnxruntime_pybind11_state as state
        state.set_global_thread_pool_sizes(os.cpu_count(), 1)
        shared_options = runtime.session_options

        def on_shared_pool(threads, shared=False):
            o = shared_options(threads)
            o.use_per_session_threads = False
            return o

        runtime.session_options = on_shared_pool
    pipe = HandPipeline(cfg["model"], threads=2 if name == "overlap" else 1)  # two-stage: 1 thread/model

    def session(path, threads):
        o = ort.SessionOptions()
        o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        o.log_severity_level = 3
        if name == "old-cli":
            o.use_per_session_threads = False
        else:
            o.intra_op_num_threads = threads
            o.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(str(path), o, providers=["CPUExecutionProvider"])

    if name not in ("overlap", "two-stage"):
        palm = cfg["old_palm"] if name in ("old-cli", "old-api", "one-thread-old-model") else pipe.palm_model.path
        pipe.palm_model.session = session(palm, 2 if name == "both-2-threads" else 1)
        lm_threads = 2 if name in ("landmark-2-threads", "both-2-threads") else os.cpu_count() if name == "old-api" else 1
        pipe.landmark_model.session = session(pipe.landmark_model.path, lm_threads)
    imgs = [load_image(p) for p in paths]
    kw = dict(max_hands=2, min_detection_confidence=0.5, min_presence_confidence=0.5)
    if name == "overlap":
        run_all = lambda: [len(o.hands) for o in pipe.process_batch(imgs, **kw)]
    elif name == "two-stage":
        from concurrent.futures import ThreadPoolExecutor
        from handpose.geometry import palm_to_rect
        worker = ThreadPoolExecutor(1)

        def landmarks(im, dets):
            h, w = im.shape[:2]
            rois = [palm_to_rect(d.box, d.keypoints, w, h) for d in dets]
            return sum(1 for r in pipe.run_landmarks([(im, roi) for roi in rois]) if r["presence"] >= 0.5)

        def run_all():
            found, pending = [], None
            for im in imgs:
                dets = pipe.detect_palms([im], min_score=0.5, max_palms=2)[0]
                if pending is not None:
                    found.append(pending.result())
                pending = worker.submit(landmarks, im, dets)
            return found + [pending.result()]
    else:
        run_all = lambda: [len(pipe.process_batch([im], **kw)[0].hands) for im in imgs]
found = run_all()  # warm-up
t0, c0 = time.perf_counter(), time.process_time()
for _ in range(cfg["passes"]):
    run_all()
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
n = cfg["passes"] * len(imgs)
print(json.dumps({"wall_ms": wall / n * 1e3, "cpu_ms": cpu / n * 1e3, "hands": sum(found),
                  "load_average": os.getloadavg()[0]}))
"""


def old_palm_model(commit: str, model: str, folder: Path) -> Path:
    """The palm model as committed at ``commit`` (before the Pad fold), extracted with git."""
    rel = f"src/handpose/models/palm_detection_{model}.onnx"
    data = subprocess.run(
        ["git", "show", f"{commit}:{rel}"], cwd=REPO, capture_output=True, check=True
    ).stdout
    path = folder / f"old_palm_{model}.onnx"
    path.write_bytes(data)
    return path


def measure(config: str, args: argparse.Namespace, old_palm: Path, load: str) -> dict:
    sys.path.insert(0, str(REPO / "src"))
    from handpose.bench.load import competing_load

    python = args.mediapipe_python if config == "mediapipe" else sys.executable
    payload = {"config": config, "model": args.model, "passes": args.passes, "old_palm": str(old_palm),
               "images": str(IMAGES)}  # fmt: skip
    with competing_load(load):
        out = subprocess.run([python, "-c", WORKER, json.dumps(payload)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{config} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--model", choices=("full", "lite"), default="full")
    ap.add_argument("--load", default="none", help="comma-separated: none, busy, pinned")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--base-commit", default="e21f8ba", help="commit with the models before the Pad fold")
    ap.add_argument(
        "--mediapipe-python",
        default=os.environ.get("HANDPOSE_MEDIAPIPE_PYTHON", str(REPO / ".mp-venv" / "bin" / "python")),
    )
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    configs = [c for c in args.configs.split(",") if c]
    results: dict[str, dict[str, list[dict]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        old_palm = old_palm_model(args.base_commit, args.model, Path(tmp))
        for r in range(args.rounds):
            for load in args.load.split(","):
                row = {c: measure(c, args, old_palm, load) for c in configs}
                ref = row.get("mediapipe")
                for c, m in row.items():
                    if ref:
                        m["wall_vs_mp"] = m["wall_ms"] / ref["wall_ms"]
                        m["cpu_vs_mp"] = m["cpu_ms"] / ref["cpu_ms"]
                    results.setdefault(load, {}).setdefault(c, []).append(m)
                    print(f"round {r} load={load:6s} {c:22s} wall {m['wall_ms']:6.2f} ms  CPU {m['cpu_ms']:6.2f} ms  "
                          f"cores {m['cpu_ms'] / m['wall_ms']:.2f}  load avg {m['load_average']:.1f}", flush=True)  # fmt: skip
    print(f"\nmedian over {args.rounds} rounds, model {args.model}, {len(os.sched_getaffinity(0))} cores")
    print(
        f"{'load':<8}{'config':<24}{'wall ms':>9}{'CPU ms':>9}{'cores':>7}{'wall/MP':>9}{'CPU/MP':>8}{'load avg':>10}"
    )
    summary = {}
    for load, by_config in results.items():
        for c, ms in by_config.items():
            med = {k: statistics.median(m[k] for m in ms) for k in ms[0] if isinstance(ms[0][k], float)}
            summary[f"{load}/{c}"] = med
            ratio = f"{med['wall_vs_mp']:.2f}x{med['cpu_vs_mp']:>7.2f}x" if "wall_vs_mp" in med else ""
            print(f"{load:<8}{c:<24}{med['wall_ms']:>9.2f}{med['cpu_ms']:>9.2f}{med['cpu_ms'] / med['wall_ms']:>7.2f}"
                  f"{ratio:>17}{med['load_average']:>10.1f}")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps({"rounds": results, "median": summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
