#!/usr/bin/env python3
"""Reference output of MediaPipe 0.10.21's *Tasks* HandLandmarker (mediapipe.tasks.python.vision), for
tests/data/reference/mediapipe_0.10.21_tasks_static.json.

Not part of the handpose package or its tests' run: run it with the MediaPipe oracle venv (numpy<2,
mediapipe==0.10.21; see ../shared/tools/README.md):

    /work/oracle/bin/python tests/data/reference/tasks_oracle.py WHEEL_MODULES_DIR IMAGE_DIR OUT.json

WHEEL_MODULES_DIR is the unpacked wheel's ``mediapipe/modules`` folder. The script builds a
``hand_landmarker.task`` bundle (hand_detector.tflite + hand_landmarks_detector.tflite, the wheel's *full*
models with input-normalisation metadata mean 0 / std 255 written by MediaPipe's own metadata writer) in a
temporary folder, then runs ``HandLandmarker.detect`` (IMAGE mode, num_hands=2, all confidences 0.5) on every
image (cv2.imread → RGB → mp.Image). Output has the same shape as oracle_golden.py's JSON; ``handedness``
holds the Tasks Category (``label`` = category_name, ``index``, ``score``).
"""

import json
import os
import sys
import tempfile
from pathlib import Path

import cv2
import mediapipe as mp
from mediapipe.tasks import python as mp_tasks
from mediapipe.tasks.python import vision
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, model_asset_bundle_utils

EXTS = (".jpg", ".jpeg", ".png")


def with_metadata(path, name):
    writer = metadata_writer.MetadataWriter.create(bytearray(Path(path).read_bytes()))
    writer.add_general_info(name).add_image_input(norm_mean=[0.0], norm_std=[255.0])
    return bytes(writer.populate()[0])


def main():
    modules, image_dir, out_json = sys.argv[1:4]
    tmp = tempfile.mkdtemp()
    bundle = os.path.join(tmp, "hand_landmarker.task")
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
    settings = dict(
        num_hands=2,
        min_hand_detection_confidence=0.5,
        min_hand_presence_confidence=0.5,
        min_tracking_confidence=0.5,
        running_mode="IMAGE",
        model="wheel full models as .task",
    )
    options = vision.HandLandmarkerOptions(
        base_options=mp_tasks.BaseOptions(model_asset_path=bundle), num_hands=2
    )
    records = []
    with vision.HandLandmarker.create_from_options(options) as landmarker:
        for name in sorted(f for f in os.listdir(image_dir) if f.lower().endswith(EXTS)):
            bgr = cv2.imread(os.path.join(image_dir, name), cv2.IMREAD_COLOR)
            h, w = bgr.shape[:2]
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            res = landmarker.detect(image)
            hands = []
            for cats, lms, wl in zip(
                res.handedness, res.hand_landmarks, res.hand_world_landmarks, strict=True
            ):
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
            records.append({"file": name, "width": w, "height": h, "hands": hands})
    out = {
        "tool": "mediapipe.tasks.python.vision.HandLandmarker",
        "versions": {"mediapipe": mp.__version__},
        "settings": settings,
        "color": "BGR->RGB via cv2.cvtColor",
        "images": records,
    }
    with open(out_json, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {out_json}: {len(records)} images", file=sys.stderr)


if __name__ == "__main__":
    main()
