"""Make tests/data/drawing/extra_*.png: MediaPipe's draw_detection, draw_axis and Tasks draw_landmarks.

Where the expected images come from: MediaPipe's own drawing code, never handpose, in two reference venvs:

    .mp-venv/bin/python tests/data/make_drawing_reference_extra.py classic   # mediapipe 0.10.21 solutions
    /path/to/mp12/bin/python tests/data/make_drawing_reference_extra.py tasks  # mediapipe 1.2.2 Tasks

classic: ``mediapipe.solutions.drawing_utils.draw_detection`` on ``detection_pb2.Detection`` messages and
``draw_axis`` on a few poses. tasks: ``mediapipe.tasks.python.vision.drawing_utils.draw_landmarks`` on plain
lists of Tasks ``NormalizedLandmark`` (the fingerpose_nocurl hand of tests/data/drawing/cases.json, some points
given visibility/presence) with ``HandLandmarksConnections.HAND_CONNECTIONS`` and the Tasks hand styles, and
Tasks ``draw_detection``. Each case is drawn on a gray canvas; extra_cases_<api>.json holds every input and the
versions used. tests/test_drawing.py draws the same inputs with handpose and compares pixel for pixel.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any

import cv2
import mediapipe
import numpy as np

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "drawing"
GRAY = 96

DETECTIONS = [  # classic: (name, width, height, text format of a Detection, keypoint spec, bbox spec)
    ("extra_detection_default", 160, 120,
     "location_data {format: RELATIVE_BOUNDING_BOX relative_bounding_box {xmin: 0.2 ymin: 0.25 width: 0.5"
     " height: 0.6} relative_keypoints {x: 0.3 y: 0.4} relative_keypoints {x: 0.61 y: 0.77}"
     " relative_keypoints {x: 0 y: 1}}", None, None),
    ("extra_detection_specs", 200, 150,
     "location_data {format: RELATIVE_BOUNDING_BOX relative_bounding_box {xmin: 0.05 ymin: 0.1 width: 0.9"
     " height: 0.85} relative_keypoints {x: 0.5 y: 0.5}}",
     {"color": [10, 200, 30], "thickness": -1, "circle_radius": 6},
     {"color": [250, 20, 120], "thickness": 3, "circle_radius": 2}),
    ("extra_detection_keypoints_only", 90, 70,
     "location_data {format: RELATIVE_BOUNDING_BOX relative_keypoints {x: 0.25 y: 0.75}}", None, None),
]  # fmt: skip
AXES = [  # classic: (name, width, height, rotation about x in degrees, translation, focal, principal, length, thickness)
    ("extra_axis_tilted", 120, 100, 45.0, [0.0, 0.0, -0.2], [1.0, 1.0], [0.0, 0.0], 0.1, 2),
    ("extra_axis_focal", 160, 120, -30.0, [0.05, -0.02, -0.5], [2.5, 2.0], [0.1, -0.05], 0.2, 3),
    ("extra_axis_identity", 100, 100, 0.0, [0.0, 0.0, 0.0], [1.0, 1.0], [0.0, 0.0], 0.1, 1),
]


def spec(module: Any, value: dict[str, Any] | None, default: Any) -> Any:
    return (
        default
        if value is None
        else module.DrawingSpec(tuple(value["color"]), value["thickness"], value["circle_radius"])
    )


def rotation_about_x(degrees: float) -> np.ndarray:
    r = np.deg2rad(degrees)
    return np.array([[1.0, 0.0, 0.0], [0.0, np.cos(r), -np.sin(r)], [0.0, np.sin(r), np.cos(r)]])


def classic() -> list[dict[str, Any]]:
    from google.protobuf import text_format
    from mediapipe.framework.formats import detection_pb2
    from mediapipe.python.solutions import drawing_utils as du

    cases = []
    for name, width, height, text, kp, bb in DETECTIONS:
        canvas = np.full((height, width, 3), GRAY, np.uint8)
        detection = text_format.Parse(text, detection_pb2.Detection())
        du.draw_detection(
            canvas,
            detection,
            spec(du, kp, du.DrawingSpec(color=du.RED_COLOR)),
            spec(du, bb, du.DrawingSpec()),
        )
        cv2.imwrite(str(OUT_DIR / f"{name}.png"), canvas)
        cases.append(
            {
                "name": name,
                "kind": "detection",
                "width": width,
                "height": height,
                "detection": text,
                "keypoint_spec": kp,
                "bbox_spec": bb,
                "png": f"{name}.png",
            }
        )
    for name, width, height, degrees, translation, focal, principal, length, thickness in AXES:
        canvas = np.full((height, width, 3), GRAY, np.uint8)
        du.draw_axis(
            canvas,
            rotation_about_x(degrees),
            np.array(translation),
            tuple(focal),
            tuple(principal),
            length,
            du.DrawingSpec(thickness=thickness),
        )
        cv2.imwrite(str(OUT_DIR / f"{name}.png"), canvas)
        cases.append(
            {
                "name": name,
                "kind": "axis",
                "width": width,
                "height": height,
                "degrees": degrees,
                "translation": translation,
                "focal_length": focal,
                "principal_point": principal,
                "axis_length": length,
                "thickness": thickness,
                "png": f"{name}.png",
            }
        )
    return cases  # fmt: skip


def tasks() -> list[dict[str, Any]]:
    from mediapipe.tasks.python.components.containers import (
        bounding_box,
        category,
        detections,
        keypoint,
        landmark,
    )
    from mediapipe.tasks.python.vision import drawing_styles, drawing_utils, hand_landmarker

    source = next(c for c in json.loads((OUT_DIR / "cases.json").read_text())["cases"]
                  if c["name"] == "fingerpose_nocurl_styled")  # fmt: skip
    hand = [{"x": p["x"], "y": p["y"], "z": p["z"]} for p in source["hands"][0]]
    hand[8]["visibility"], hand[12]["presence"], hand[4]["visibility"] = (
        0.3,
        0.4,
        0.9,
    )  # 8, 12 hidden; 4 drawn
    width, height = source["width"], source["height"]
    cases = []
    for name, styled in (("extra_tasks_landmarks_styled", True), ("extra_tasks_landmarks_default", False)):
        canvas = np.full((height, width, 3), GRAY, np.uint8)
        points = [landmark.NormalizedLandmark(**p) for p in hand]
        args = (
            drawing_styles.get_default_hand_landmarks_style(),
            drawing_styles.get_default_hand_connections_style(),
        )
        drawing_utils.draw_landmarks(
            canvas,
            points,
            hand_landmarker.HandLandmarksConnections.HAND_CONNECTIONS,
            *(args if styled else ()),
        )
        cv2.imwrite(str(OUT_DIR / f"{name}.png"), canvas)
        cases.append(
            {
                "name": name,
                "kind": "tasks_landmarks",
                "width": width,
                "height": height,
                "styled": styled,
                "landmarks": hand,
                "png": f"{name}.png",
            }
        )
    box = {"origin_x": 30, "origin_y": 20, "width": 90, "height": 70}
    keypoints = [{"x": 0.4, "y": 0.5}, {"x": 0.75, "y": 0.25}]
    canvas = np.full((120, 160, 3), GRAY, np.uint8)
    detection = detections.Detection(
        bounding_box=bounding_box.BoundingBox(**box),
        categories=[category.Category(index=0, score=0.9)],
        keypoints=[keypoint.NormalizedKeypoint(**k) for k in keypoints],
    )
    drawing_utils.draw_detection(canvas, detection)
    cv2.imwrite(str(OUT_DIR / "extra_tasks_detection.png"), canvas)
    cases.append(
        {
            "name": "extra_tasks_detection",
            "kind": "tasks_detection",
            "width": 160,
            "height": 120,
            "bounding_box": box,
            "keypoints": keypoints,
            "png": "extra_tasks_detection.png",
        }
    )
    return cases  # fmt: skip


def main() -> None:
    api = sys.argv[1]
    cases = {"classic": classic, "tasks": tasks}[api]()
    meta = {
        "made_by": f"tests/data/make_drawing_reference_extra.py {api} (MediaPipe's own drawing code)",
        "versions": {"mediapipe": mediapipe.__version__, "opencv": cv2.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "background": GRAY,
        "cases": cases,
    }  # fmt: skip
    (OUT_DIR / f"extra_cases_{api}.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
