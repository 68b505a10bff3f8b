#!/usr/bin/env python3
"""Reproduce the bundled ONNX models from the mediapipe 0.10.21 wheel.

    pip download --no-deps mediapipe==0.10.21
    python tools/convert_models.py mediapipe-0.10.21-*.whl

Checks the wheel's and every extracted file's sha256 against the values pinned below, converts the four hand
models with handpose.models.convert, copies handedness.txt and writes manifest.json into
src/handpose/models/ (or --out-dir). ``--check`` converts without writing and compares with the committed
files instead. Any platform's 0.10.21 wheel carries the same .tflite files: pass --allow-unpinned-wheel to use
a wheel other than the pinned one (the extracted files are still checked against their pinned sha256).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

MEDIAPIPE_VERSION = "0.10.21"
WHEEL_SHA256 = {  # wheel file name -> sha256
    "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl": (
        "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"
    ),
}
# model name -> (path inside the wheel, sha256)
SOURCES = {
    "palm_detection_full": (
        "mediapipe/modules/palm_detection/palm_detection_full.tflite",
        "1b14e9422c6ad006cde6581a46c8b90dd573c07ab7f3934b5589e7cea3f89a54",
    ),
    "palm_detection_lite": (
        "mediapipe/modules/palm_detection/palm_detection_lite.tflite",
        "e9a4aaddf90dda56a87235303cf00e4c2d3fb28725f68fd88772997dac905c18",
    ),
    "hand_landmark_full": (
        "mediapipe/modules/hand_landmark/hand_landmark_full.tflite",
        "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3",
    ),
    "hand_landmark_lite": (
        "mediapipe/modules/hand_landmark/hand_landmark_lite.tflite",
        "048edd3645c9bf7397d19a9f6e3a42957d6e414c9bea6598030a2e9b624156e6",
    ),
}
HANDEDNESS = (
    "mediapipe/modules/hand_landmark/handedness.txt",
    "3b82f0246870fec456c8632d455a4e1d5648d2836a7a513a271781144f525916",
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fail(message: str) -> None:
    print(f"convert_models: error: {message}", file=sys.stderr)
    sys.exit(1)


def read_member(whl: zipfile.ZipFile, member: str, expected: str) -> bytes:
    try:
        data = whl.read(member)
    except KeyError:
        fail(f"{member} not found in the wheel")
    if sha256(data) != expected:
        fail(f"{member}: sha256 {sha256(data)} differs from the pinned {expected}")
    return data


def io_info(onnx_bytes: bytes) -> dict[str, Any]:
    import onnx

    graph = onnx.load_from_string(onnx_bytes).graph

    def describe(v: Any) -> dict[str, Any]:
        dims = [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
        return {"name": v.name, "shape": dims}

    return {"input": describe(graph.input[0]), "outputs": [describe(o) for o in graph.output]}


def write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "wheel", type=Path, help="mediapipe-0.10.21-*.whl (pip download --no-deps mediapipe==0.10.21)"
    )
    parser.add_argument("--out-dir", type=Path, default=ROOT / "src" / "handpose" / "models")
    parser.add_argument(
        "--allow-unpinned-wheel",
        action="store_true",
        help="accept a 0.10.21 wheel whose own sha256 is not pinned (file hashes still checked)",
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with the files in --out-dir, write nothing"
    )
    args = parser.parse_args(argv)

    from handpose.models.convert import IR_VERSION, OPSET, convert_bytes

    try:
        wheel_bytes = args.wheel.read_bytes()
    except OSError as e:
        fail(f"cannot read {args.wheel}: {e.strerror or e}")
    wheel_sha = sha256(wheel_bytes)
    pinned = WHEEL_SHA256.get(args.wheel.name)
    if pinned != wheel_sha and wheel_sha not in WHEEL_SHA256.values():
        if not args.allow_unpinned_wheel:
            fail(
                f"{args.wheel.name}: sha256 {wheel_sha} is not a pinned mediapipe {MEDIAPIPE_VERSION} wheel "
                "(use --allow-unpinned-wheel to rely on the per-file hashes only)"
            )
        if f"-{MEDIAPIPE_VERSION}-" not in args.wheel.name:
            fail(f"{args.wheel.name} is not a mediapipe {MEDIAPIPE_VERSION} wheel")

    outputs: dict[str, bytes] = {}
    files: list[dict[str, Any]] = []
    with zipfile.ZipFile(args.wheel) as whl:
        for name, (member, expected) in SOURCES.items():
            tflite = read_member(whl, member, expected)
            onnx_bytes = convert_bytes(tflite)
            outputs[f"{name}.onnx"] = onnx_bytes
            files.append(
                {
                    "file": f"{name}.onnx",
                    "model": name,
                    "sha256": sha256(onnx_bytes),
                    "size": len(onnx_bytes),
                    "source": {
                        "file": Path(member).name,
                        "path_in_wheel": member,
                        "sha256": expected,
                        "size": len(tflite),
                    },
                    "mediapipe_version": MEDIAPIPE_VERSION,
                    **io_info(onnx_bytes),
                }
            )
            print(f"converted {member} -> {name}.onnx ({len(onnx_bytes)} bytes)")
        handedness = read_member(whl, *HANDEDNESS)
    outputs["handedness.txt"] = handedness
    files.append(
        {
            "file": "handedness.txt",
            "sha256": sha256(handedness),
            "size": len(handedness),
            "source": {
                "file": "handedness.txt",
                "path_in_wheel": HANDEDNESS[0],
                "sha256": HANDEDNESS[1],
                "size": len(handedness),
            },
            "mediapipe_version": MEDIAPIPE_VERSION,
        }
    )
    manifest = {
        "mediapipe_version": MEDIAPIPE_VERSION,
        "license": "Apache-2.0 (model weights: Copyright Google LLC; see NOTICE)",
        "converter": "handpose.models.convert",
        "onnx_opset": OPSET,
        "onnx_ir_version": IR_VERSION,
        "source_wheel": {"file": args.wheel.name, "sha256": wheel_sha},
        "files": files,
    }
    outputs["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()

    if args.check:
        differ = [
            n
            for n, data in outputs.items()
            if n != "manifest.json"
            and (not (args.out_dir / n).is_file() or sha256((args.out_dir / n).read_bytes()) != sha256(data))
        ]
        if differ:
            fail(f"conversion differs from the files in {args.out_dir}: {', '.join(differ)}")
        print(f"OK: conversion reproduces the files in {args.out_dir}")
        return 0
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in outputs.items():
        write_atomic(args.out_dir / name, data)
    print(f"wrote {len(outputs)} files to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
