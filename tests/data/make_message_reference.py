"""Make tests/data/reference/mediapipe_0.10.21_messages.json: MediaPipe's own protobuf messages, as bytes and text.

Where the expected values come from: this script runs MediaPipe 0.10.21 (protobuf 4.25.9, numpy 1.26, CPython
3.11) in the reference venv, never handpose:

    .mp-venv/bin/python tests/data/make_message_reference.py [path/to/handdata]

It records, for tests/test_protos.py and tests/test_solutions_hands.py:

- ``descriptors``: sha256 of each file descriptor MediaPipe registers (``DESCRIPTOR.serialized_pb``) for
  landmark, classification, detection, location_data, rect and annotation/rasterization.
- ``messages``: a few messages built with ``text_format.Parse`` (every field type used: floats, optional fields
  set or not, strings, enums, nested and repeated messages, packed repeated scalars, int64), each as
  serialized bytes (base64), ``str()`` (text format), ``MessageToDict`` and ``MessageToJson`` output.
- ``hands``: ``mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=1)`` on
  handdata/images/tfjs_hands.jpg (the photo MediaPipe's hands_test.py reads as hands.jpg): the type name and
  fields of the result, and per hand the three messages as bytes, text and ``MessageToDict``; also the result
  on a blank white 100×100 image (no hand).
"""

from __future__ import annotations

import base64
import hashlib
import json
import platform
import sys
from pathlib import Path
from typing import Any

import cv2
import google.protobuf
import mediapipe as mp
import numpy as np
from google.protobuf import json_format, text_format
from mediapipe.framework.formats import (
    classification_pb2,
    detection_pb2,
    landmark_pb2,
    location_data_pb2,
    rect_pb2,
)
from mediapipe.framework.formats.annotation import rasterization_pb2

HERE = Path(__file__).resolve().parent
OUT = HERE / "reference" / "mediapipe_0.10.21_messages.json"
DEFAULT_HANDDATA = HERE.parents[2] / "shared" / "handdata"

MODULES = {
    "landmark": landmark_pb2,
    "classification": classification_pb2,
    "detection": detection_pb2,
    "location_data": location_data_pb2,
    "rect": rect_pb2,
    "annotation/rasterization": rasterization_pb2,
}

# (name, module key, message type, text format input)
MESSAGES = [
    ("normalized_landmark_list", "landmark", "NormalizedLandmarkList",
     "landmark {x: 0.5 y: 0.25 z: -0.0125} landmark {x: 0.1 y: 1.0 z: 0 visibility: 0.9 presence: 0.25}"
     " landmark {x: 0.333333333 y: 1e-07 z: 123.456}"),
    ("landmark_list", "landmark", "LandmarkList",
     "landmark {x: -0.0123 y: 0.0456 z: 0.789} landmark {}"),
    ("normalized_landmark_collection", "landmark", "NormalizedLandmarkListCollection",
     "landmark_list {landmark {x: 0.5 y: 0.5}} landmark_list {}"),
    ("classification_list", "classification", "ClassificationList",
     'classification {index: 1 score: 0.97654321 label: "Right"}'
     ' classification {index: 0 score: 0 label: "Left" display_name: "left hand"}'),
    ("detection", "detection", "Detection",
     'label: "palm" label_id: 0 label_id: 7 score: 0.875 score: 0.5 feature_tag: "t" track_id: "id-1"'
     " detection_id: 1234567890123 timestamp_usec: -5"
     " associated_detections {id: 3 confidence: 0.25}"
     ' display_name: "Palm"'
     " location_data {format: RELATIVE_BOUNDING_BOX"
     "  relative_bounding_box {xmin: 0.1 ymin: 0.2 width: 0.3 height: 0.4}"
     '  relative_keypoints {x: 0.5 y: 0.6 keypoint_label: "wrist" score: 0.9}'
     "  relative_keypoints {x: 0 y: 1}}"),
    ("location_data_mask", "location_data", "LocationData",
     "format: MASK bounding_box {xmin: -3 ymin: 4 width: 50 height: 60}"
     " mask {width: 8 height: 9 rasterization {interval {y: 1 left_x: 2 right_x: 5}}}"),
    ("rect", "rect", "Rect", "x_center: 10 y_center: 20 height: 30 width: 40 rotation: 0.5 rect_id: 99"),
    ("normalized_rect", "rect", "NormalizedRect", "x_center: 0.5 y_center: 0.5 height: 0.25 width: 0.125"),
]  # fmt: skip


def describe(message: Any) -> dict[str, Any]:
    return {
        "bytes_b64": base64.b64encode(message.SerializeToString()).decode(),
        "text": str(message),
        "dict": json_format.MessageToDict(message),
        "json": json_format.MessageToJson(message),
        "fields": [field.name for field, _ in message.ListFields()],
    }


def hands_reference(handdata: Path) -> dict[str, Any]:
    image = cv2.imread(str(handdata / "images" / "tfjs_hands.jpg"), cv2.IMREAD_COLOR)
    with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=1) as hands:
        results = hands.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        blank = hands.process(np.full((100, 100, 3), 255, np.uint8))
    per_hand = []
    for lm, world, cls in zip(
        results.multi_hand_landmarks,
        results.multi_hand_world_landmarks,
        results.multi_handedness,
        strict=True,
    ):
        per_hand.append(
            {
                "multi_hand_landmarks": describe(lm),
                "multi_hand_world_landmarks": describe(world),
                "multi_handedness": describe(cls),
                "types": [type(m).__name__ for m in (lm, world, cls)],
            }
        )
    return {
        "image": "tfjs_hands.jpg",
        "settings": {"static_image_mode": True, "max_num_hands": 2, "model_complexity": 1},
        "result_type": type(results).__name__,
        "result_fields": list(results._fields),
        "list_types": [type(getattr(results, f)).__name__ for f in results._fields],
        "hands": per_hand,
        "blank_fields": {f: getattr(blank, f) for f in blank._fields},
    }


def main() -> None:
    handdata = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_HANDDATA
    messages = {}
    for name, key, type_name, text in MESSAGES:
        message = text_format.Parse(text, getattr(MODULES[key], type_name)())
        messages[name] = {"module": key, "type": type_name, "input": text, **describe(message)}
    out = {
        "producer": "tests/data/make_message_reference.py (MediaPipe's own messages; see its docstring)",
        "versions": {
            "mediapipe": mp.__version__,
            "protobuf": google.protobuf.__version__,
            "python": platform.python_version(),
        },
        "descriptors": {
            key: {
                "name": module.DESCRIPTOR.name,
                "sha256": hashlib.sha256(module.DESCRIPTOR.serialized_pb).hexdigest(),
            }
            for key, module in MODULES.items()
        },
        "messages": messages,
        "hands": hands_reference(handdata),
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
