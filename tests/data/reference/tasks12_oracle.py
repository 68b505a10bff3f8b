#!/usr/bin/env python3
"""Reference output of MediaPipe 1.2.x's Tasks HandLandmarker with MediaPipe 0.10.21's *full* weights, for
tests/data/reference/mediapipe_1.2_tasks_{static,video}.json (read by tests/test_tasks_parity.py).

Not part of the handpose package or its test run. Run it in a venv with ``pip install mediapipe==1.2.2``
(numpy 2, opencv-contrib-python come with it), pointing at the 0.10.21 wheel's unpacked ``mediapipe/modules``:

    /work/venvs/mp12/bin/python tests/data/reference/tasks12_oracle.py MODULES IMAGE_DIR OUT_PREFIX \
        [--images NAME ...] [--clip-photos NAME ...] [--video FILE]

MediaPipe 1.2.x's wheel lacks the metadata writer's native part (``mediapipe.tasks.cc``), so the bundle is built
first with MediaPipe 0.10.21 (the project's .mp-venv) and then run with 1.2.x:

    .mp-venv/bin/python tests/data/reference/tasks12_oracle.py MODULES --build-bundle /tmp/hand_landmarker.task
    /work/venvs/mp12/bin/python tests/data/reference/tasks12_oracle.py MODULES IMAGE_DIR OUT_PREFIX \
        --bundle /tmp/hand_landmarker.task --images ... --clip-photos ...

The ``hand_landmarker.task`` holds hand_detector.tflite + hand_landmarks_detector.tflite = the wheel's
palm_detection_full / hand_landmark_full with input-normalisation metadata mean 0 / std 255 (MediaPipe's own
metadata writer and bundler, as tasks_oracle.py). The 1.2.x run then does:

- IMAGE mode (num_hands=2, all confidences 0.5) on every image and its variants (see ``variants``: rotations by
  90/180/270 degrees, mirror, half size by 2x2 block mean, zero-padded canvas); pixels are decoded with
  cv2.imread (BGR → RGB) and the variants are made with numpy only, so the test can rebuild them bit-exactly.
  Each record holds a CRC32 of the RGB pixels the landmarker saw.
- VIDEO mode (num_hands=2, timestamps 40 ms apart) on ``synthetic_clip`` frames (numpy crops that pan across
  the padded package photos, then switch photo), or on a video file's frames (``--video``; measurement only).

Output JSON: ``{"tool", "versions", "settings", "images": [{"file", "variant", "width", "height", "crc32",
"hands": [{"handedness": {"label", "display_name", "score", "index"}, "landmarks": [[x, y, z] x21],
"world_landmarks": [[x, y, z] x21]}]}]}``; the video file has ``"frames"`` with the same per-frame records.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import zlib
from pathlib import Path

import cv2
import numpy as np

VARIANTS = ("orig", "rot90", "rot180", "rot270", "mirror", "half", "pad")


def variant(rgb: np.ndarray, name: str) -> np.ndarray:
    """The named variant of an RGB uint8 image, with numpy only (bit-exact everywhere)."""
    if name == "orig":
        return rgb
    if name.startswith("rot"):
        return np.ascontiguousarray(np.rot90(rgb, k=int(name[3:]) // 90))
    if name == "mirror":
        return np.ascontiguousarray(rgb[:, ::-1])
    if name == "half":
        h, w = (rgb.shape[0] // 2) * 2, (rgb.shape[1] // 2) * 2
        blocks = rgb[:h, :w].astype(np.uint16).reshape(h // 2, 2, w // 2, 2, 3)
        return ((blocks.sum(axis=(1, 3)) + 2) // 4).astype(np.uint8)
    if name == "pad":  # the photo in the top-left part of a canvas 1.6x its size: smaller hands, letterbox
        h, w = rgb.shape[:2]
        return np.pad(rgb, ((h // 5, h * 2 // 5), (w * 2 // 5, w // 5), (0, 0)))
    raise ValueError(name)


def synthetic_clip(photos: list[np.ndarray], per_photo: int = 12, step: int = 6) -> list[np.ndarray]:
    """Frames 360x480 (HxW) panning across each photo (edge-padded to fit), ``per_photo`` frames each."""
    frames = []
    out_h, out_w = 360, 480
    for rgb in photos:
        h, w = rgb.shape[:2]
        scale = max(1, int(np.ceil(max(h / out_h, w / out_w))))
        small = rgb[::scale, ::scale]
        pad_y, pad_x = out_h - small.shape[0] + per_photo * step, out_w - small.shape[1] + per_photo * step
        canvas = np.pad(small, ((pad_y // 2, pad_y - pad_y // 2), (pad_x // 2, pad_x - pad_x // 2), (0, 0)))
        for i in range(per_photo):
            y0, x0 = i * step // 2, i * step
            frames.append(np.ascontiguousarray(canvas[y0 : y0 + out_h, x0 : x0 + out_w]))
    return frames


def read_rgb(path: str) -> np.ndarray:
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"cannot read {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def crc(rgb: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(rgb).tobytes())


def build_bundle(modules: str, folder: str) -> str:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, model_asset_bundle_utils

    def with_metadata(path: str, name: str) -> bytes:
        writer = metadata_writer.MetadataWriter.create(bytearray(Path(path).read_bytes()))
        writer.add_general_info(name).add_image_input(norm_mean=[0.0], norm_std=[255.0])
        return bytes(writer.populate()[0])

    bundle = os.path.join(folder, "hand_landmarker.task")
    model_asset_bundle_utils.create_model_asset_bundle(
        {
            "hand_detector.tflite": with_metadata(
                os.path.join(modules, "palm_detection/palm_detection_full.tflite"), "palm_detection_full"
            ),
            "hand_landmarks_detector.tflite": with_metadata(
                os.path.join(modules, "hand_landmark/hand_landmark_full.tflite"), "hand_landmark_full"
            ),
        },
        bundle,
    )
    return bundle


def hands_of(res) -> list[dict]:
    hands = []
    for cats, lms, wl in zip(res.handedness, res.hand_landmarks, res.hand_world_landmarks, strict=True):
        c = cats[0]
        hands.append(
            {
                "handedness": {
                    "label": c.category_name,
                    "display_name": c.display_name,
                    "score": float(c.score),
                    "index": int(c.index),
                },
                "landmarks": [[p.x, p.y, p.z] for p in lms],
                "world_landmarks": [[p.x, p.y, p.z] for p in wl],
            }
        )
    return hands


def record(rgb: np.ndarray, res, **extra) -> dict:
    h, w = rgb.shape[:2]
    return {**extra, "width": w, "height": h, "crc32": crc(rgb), "hands": hands_of(res)}


def main() -> None:
    if "--build-bundle" in sys.argv:
        modules, out = sys.argv[1], sys.argv[sys.argv.index("--build-bundle") + 1]
        folder = tempfile.mkdtemp()
        Path(out).write_bytes(Path(build_bundle(modules, folder)).read_bytes())
        print(f"wrote {out}", file=sys.stderr)
        return
    import mediapipe as mp
    from mediapipe.tasks import python as mp_tasks
    from mediapipe.tasks.python import vision

    ap = argparse.ArgumentParser()
    ap.add_argument("modules")
    ap.add_argument("image_dir")
    ap.add_argument("out_prefix")
    ap.add_argument("--bundle", required=True, help="hand_landmarker.task made with --build-bundle")
    ap.add_argument("--images", nargs="*", help="file names in IMAGE_DIR (default: all)")
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS))
    ap.add_argument("--clip-photos", nargs="*", default=[], help="photos for the synthetic VIDEO clip")
    ap.add_argument("--video", help="a video file for VIDEO mode instead of the synthetic clip")
    args = ap.parse_args()
    bundle = args.bundle
    settings = {
        "num_hands": 2,
        "min_hand_detection_confidence": 0.5,
        "min_hand_presence_confidence": 0.5,
        "min_tracking_confidence": 0.5,
        "model": "mediapipe 0.10.21 wheel full models as .task (metadata mean 0, std 255)",
    }
    head = {
        "tool": "mediapipe.tasks.python.vision.HandLandmarker",
        "versions": {"mediapipe": mp.__version__, "numpy": np.__version__, "opencv": cv2.__version__},
        "producer": "tests/data/reference/tasks12_oracle.py",
        "color": "cv2.imread BGR -> RGB via cv2.cvtColor; variants with numpy",
    }

    def options(mode):
        return vision.HandLandmarkerOptions(
            base_options=mp_tasks.BaseOptions(model_asset_path=bundle), running_mode=mode, num_hands=2
        )

    names = args.images or sorted(
        f for f in os.listdir(args.image_dir) if f.lower().endswith((".jpg", ".jpeg", ".png"))
    )
    if names and args.variants:
        records = []
        with vision.HandLandmarker.create_from_options(options(vision.RunningMode.IMAGE)) as lm:
            for name in names:
                rgb = read_rgb(os.path.join(args.image_dir, name))
                for v in args.variants:
                    img = variant(rgb, v)
                    res = lm.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=img))
                    records.append(record(img, res, file=name, variant=v))
        out = {**head, "settings": {**settings, "running_mode": "IMAGE"}, "images": records}
        Path(f"{args.out_prefix}_static.json").write_text(json.dumps(out, indent=0))
        print(f"wrote {args.out_prefix}_static.json: {len(records)} images", file=sys.stderr)
    if args.clip_photos or args.video:
        if args.video:
            cap = cv2.VideoCapture(args.video)
            frames = []
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            source = os.path.basename(args.video)
        else:
            frames = synthetic_clip([read_rgb(os.path.join(args.image_dir, p)) for p in args.clip_photos])
            source = {"synthetic_clip": args.clip_photos}
        records = []
        with vision.HandLandmarker.create_from_options(options(vision.RunningMode.VIDEO)) as lm:
            for i, img in enumerate(frames):
                res = lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=img), i * 40)
                records.append(record(img, res, frame=i, timestamp_ms=i * 40))
        out = {
            **head,
            "settings": {**settings, "running_mode": "VIDEO", "timestamp_step_ms": 40},
            "source": source,
            "frames": records,
        }
        Path(f"{args.out_prefix}_video.json").write_text(json.dumps(out, indent=0))
        print(f"wrote {args.out_prefix}_video.json: {len(records)} frames", file=sys.stderr)


if __name__ == "__main__":
    main()
