"""int8 models (issue 13 item 6): ONNX Runtime static quantization of the four models, then parity and speed.

1. Calibration set, committable inputs only: the package-sourced photos (fingerpose_*, skimage_*, opencv_*, the
   negatives included) and variants of each (mirror, rotations, scale, brightness/contrast, blur). Palm model:
   their 192² letterboxed inputs. Landmark model: the 224² hand crops the fp32 pipeline makes on them (tracked
   ROIs), plus crops with the ROI shifted, scaled and turned a little.
2. ``quantize_static``: QDQ, per-channel int8 weights, uint8 activations, calibrated (MinMax / Percentile / Entropy),
   written to --out (nothing is written into the package).
3. Parity vs MediaPipe 0.10.21 on the reference photos (tests/data/reference: the 25 shared photos, 14 GT photos):
   hand count equal, landmark error / hand bbox diagonal (median, max), as in tests/test_parity_static.py. Images
   not in the calibration set are reported separately (held out).
4. Speed per core: CPU ms per call (1 thread), int8 vs fp32, interleaved rounds; and the whole pipeline.

usage: python benchmarks/int8.py [--out build/int8] [--method minmax] [--rounds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from handpose import HandLandmarker
from handpose.evaluation import compare_hands, summarize
from handpose.geometry import NormRect, crop_roi
from handpose.io.images import load_image
from handpose.models import model_path
from handpose.palm import palm_input
from handpose.pipeline import HandPipeline, to_tensor

REPO = Path(__file__).resolve().parents[1]
HANDDATA = REPO.parent / "shared" / "handdata"
CALIBRATION_PREFIXES = ("fingerpose_", "skimage_", "opencv_", "neg_skimage_", "neg_opencv_")
REFERENCES = (
    ("full", "mediapipe_0.10.21_static.json", "images"),
    ("lite", "mediapipe_0.10.21_static_lite.json", "images"),
    ("full", "mediapipe_0.10.21_static_gt_images.json", "gt/images"),
    ("lite", "mediapipe_0.10.21_static_gt_images_lite.json", "gt/images"),
)


def variants(rgb: np.ndarray) -> Iterator[np.ndarray]:
    """The photo and 9 deterministic variants of it."""
    h, w = rgb.shape[:2]
    yield rgb
    yield np.ascontiguousarray(rgb[:, ::-1])
    for angle in (-30, 30, 90):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        yield cv2.warpAffine(rgb, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    yield cv2.resize(rgb, (max(32, int(w * 0.5)), max(32, int(h * 0.5))), interpolation=cv2.INTER_AREA)
    for alpha, beta in ((0.6, 0), (1.3, 20)):
        yield cv2.convertScaleAbs(rgb, alpha=alpha, beta=beta)
    yield cv2.GaussianBlur(rgb, (5, 5), 1.5)
    pad = cv2.copyMakeBorder(rgb, h // 2, h // 2, w // 2, w // 2, cv2.BORDER_CONSTANT, value=(90, 90, 90))
    yield pad


def calibration_inputs(images: Path, model: str) -> tuple[np.ndarray, np.ndarray]:
    """(palm inputs, landmark inputs) as float32 NHWC batches in [0, 1]."""
    files = sorted(p for p in images.iterdir() if p.name.startswith(CALIBRATION_PREFIXES))
    pipe = HandPipeline(model, threads=1)
    rng = np.random.default_rng(0)
    palms, crops = [], []
    for path in files:
        for img in variants(load_image(path)):
            palms.append(palm_input(img)[0])
            out = pipe.process_batch(
                [img], max_hands=2, min_detection_confidence=0.5, min_presence_confidence=0.5
            )[0]
            for roi in out.rois:
                crops.append(crop_roi(img, roi, 224, border=cv2.BORDER_REPLICATE)[0])
                for _ in range(3):
                    j = NormRect(
                        roi.x_center + rng.normal(0, 0.05) * roi.width,
                        roi.y_center + rng.normal(0, 0.05) * roi.height,
                        roi.width * rng.uniform(0.85, 1.15),
                        roi.height * rng.uniform(0.85, 1.15),
                        roi.rotation + rng.normal(0, 0.2),
                    )
                    crops.append(crop_roi(img, j, 224, border=cv2.BORDER_REPLICATE)[0])
    pipe.close()
    print(
        f"calibration ({model}): {len(files)} photos, {len(palms)} palm inputs, {len(crops)} hand crops",
        file=sys.stderr,
    )
    return to_tensor(palms), to_tensor(crops)


class Reader:
    """onnxruntime.quantization CalibrationDataReader over a batch, one row at a time."""

    def __init__(self, name: str, data: np.ndarray) -> None:
        self.name = name
        self.rows = iter(data)

    def get_next(self) -> dict[str, np.ndarray] | None:
        row = next(self.rows, None)
        return None if row is None else {self.name: row[None]}


def quantize(src: Path, dst: Path, data: np.ndarray, method: str, op_types: list[str] | None = None) -> Path:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    pre = dst.with_suffix(".pre.onnx")
    quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
    calib = {
        "minmax": CalibrationMethod.MinMax,
        "percentile": CalibrationMethod.Percentile,
        "entropy": CalibrationMethod.Entropy,
    }[method]
    quantize_static(
        str(pre),
        str(dst),
        Reader("input_1", data),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=calib,
        extra_options={"CalibPercentile": 99.999} if method == "percentile" else {},
        op_types_to_quantize=op_types,
    )
    pre.unlink()
    return dst


def parity(model: str, paths: tuple[Path, Path] | None, held_out: bool) -> list[dict[str, Any]]:
    kw = {"palm_model_path": paths[0], "landmark_model_path": paths[1]} if paths else {}
    rows = []
    with HandLandmarker(model=model, threads=1, **kw) as lm:
        for m, reference, folder in REFERENCES:
            if m != model:
                continue
            ref = json.loads((REPO / "tests" / "data" / "reference" / reference).read_text())
            per = []
            for rec in ref["images"]:
                if held_out and rec["file"].startswith(CALIBRATION_PREFIXES):
                    continue
                res = lm.detect(load_image(HANDDATA / folder / rec["file"]))
                ours = [h.to_dict() for h in res.hands]
                per.append(
                    (
                        rec["file"],
                        len(ours),
                        len(rec["hands"]),
                        compare_hands(ours, rec["hands"], res.width, res.height),
                    )
                )
            s = summarize(per)
            rows.append(
                {
                    "set": folder + (" (held out)" if held_out else ""),
                    "images": len(per),
                    "count_equal": s.count_equal_fraction,
                    "matched": s.matched,
                    "median": s.median_rel_error,
                    "max": s.max_rel_error,
                }
            )
    return rows


def cpu_per_call(
    paths: dict[str, Path], size: int, rounds: int, calls: int = 30
) -> dict[str, tuple[float, float]]:
    """Per engine: median over rounds of (wall ms, CPU ms) per call, 1 thread, engines interleaved."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sessions = {
        k: ort.InferenceSession(str(p), opts, providers=["CPUExecutionProvider"]) for k, p in paths.items()
    }
    x = np.random.default_rng(0).random((1, size, size, 3), dtype=np.float32)
    per: dict[str, list[tuple[float, float]]] = {k: [] for k in sessions}
    for _ in range(rounds):
        for key, s in sessions.items():
            for _ in range(3):
                s.run(None, {"input_1": x})
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(calls):
                s.run(None, {"input_1": x})
            per[key].append(
                ((time.perf_counter() - t0) / calls * 1e3, (time.process_time() - c0) / calls * 1e3)
            )
    return {
        k: (statistics.median(v[0] for v in vals), statistics.median(v[1] for v in vals))
        for k, vals in per.items()
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "build" / "int8")
    ap.add_argument("--images", type=Path, default=HANDDATA / "images")
    ap.add_argument("--method", default="minmax", choices=["minmax", "percentile", "entropy"])
    ap.add_argument("--models", default="full,lite")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--landmark-only", action="store_true", help="keep the palm model in fp32")
    ap.add_argument("--op-types", default="", help="comma-separated ONNX op types to quantize (default: all)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"method": a.method, "op_types": a.op_types or "all", "models": {}}
    for model in a.models.split(","):
        palm_data, lm_data = calibration_inputs(a.images, model)
        q = {f"palm_detection_{model}": model_path(f"palm_detection_{model}")}
        todo = [(f"hand_landmark_{model}", lm_data)]
        if not a.landmark_only:
            todo.insert(0, (f"palm_detection_{model}", palm_data))
        for name, data in todo:
            ops = [t for t in a.op_types.split(",") if t] or None
            q[name] = quantize(model_path(name), a.out / f"{name}.int8-{a.method}.onnx", data, a.method, ops)
        int8 = (q[f"palm_detection_{model}"], q[f"hand_landmark_{model}"])
        entry: dict[str, Any] = {
            "parity_fp32": parity(model, None, False),
            "parity_int8": parity(model, int8, False),
            "parity_int8_held_out": parity(model, int8, True),
            "speed": {},
        }
        for name, size in ((f"palm_detection_{model}", 192), (f"hand_landmark_{model}", 224))[
            a.landmark_only :
        ]:
            entry["speed"][name] = cpu_per_call({"fp32": model_path(name), "int8": q[name]}, size, a.rounds)
        entry["size_bytes"] = {n: p.stat().st_size for n, p in q.items()}
        report["models"][model] = entry
        print(json.dumps(entry), file=sys.stderr, flush=True)
    if a.json:
        print(json.dumps(report, indent=1))
        return 0
    which = "landmark model only" if a.landmark_only else "both models"
    print(f"calibration: {a.method}; int8: {which}; quantized ops: {a.op_types or 'all'}")
    print("| model | weights | set | images | hand count equal | landmark error median | max |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for model, e in report["models"].items():
        for label, key in (
            ("fp32", "parity_fp32"),
            ("int8", "parity_int8"),
            ("int8", "parity_int8_held_out"),
        ):
            for r in e[key]:
                print(
                    f"| {model} | {label} | {r['set']} | {r['images']} | {r['count_equal']:.1%} | {r['median']:.2%} | {r['max']:.2%} |"
                )
    print("\n| model file | fp32 wall ms | int8 wall ms | fp32 CPU ms | int8 CPU ms | CPU speed-up |")
    print("| --- | --- | --- | --- | --- | --- |")
    for e in report["models"].values():
        for name, s in e["speed"].items():
            print(
                f"| {name} | {s['fp32'][0]:.2f} | {s['int8'][0]:.2f} | {s['fp32'][1]:.2f} | {s['int8'][1]:.2f} "
                f"| {s['fp32'][1] / s['int8'][1]:.2f}x |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
