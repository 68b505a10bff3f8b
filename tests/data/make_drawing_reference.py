"""Make the expected images of tests/test_drawing.py with MediaPipe 0.10.21's own drawing code.

Where the expected images come from: this script draws with ``mediapipe.solutions.drawing_utils`` and
``drawing_styles`` of mediapipe 0.10.21 (opencv-python 4.11, numpy 1.26, CPython 3.11), in the reference
environment, never with handpose:

    /work/oracle/bin/python tests/data/make_drawing_reference.py [path/to/handdata]

Input: the landmarks MediaPipe's legacy Hands found on fingerpose_{fullcurl,halfcurl,nocurl}.jpg and
tfjs_hands.jpg, taken from handdata/reference/mediapipe_0.10.21_static.json (default: the shared handdata
folder next to this repository). They are drawn on plain gray canvases of each photo's size, not on the
photos, so the PNGs stay small. A few extra cases change some landmarks to exercise the edge rules (x or y
exactly 0 or 1, outside [0, 1], visibility/presence below 0.5) and other drawing specs.

Output, in tests/data/drawing/: one PNG per case (BGR as drawn, lossless) and cases.json with every input of
every case: landmarks as float values read back from MediaPipe's protobuf (float32 precision), which fields
were set, the specs, and the iteration order of MediaPipe's HAND_CONNECTIONS.
"""

from __future__ import annotations

import json
import logging
import platform
import sys
from pathlib import Path
from typing import Any

import cv2
import mediapipe
import numpy as np
from mediapipe.framework.formats import landmark_pb2
from mediapipe.python.solutions import drawing_styles, drawing_utils
from mediapipe.python.solutions.hands_connections import HAND_CONNECTIONS

logger = logging.getLogger("make_drawing_reference")

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "drawing"
DEFAULT_HANDDATA = HERE.parents[2] / "shared" / "handdata"
IMAGES = ("fingerpose_fullcurl.jpg", "fingerpose_halfcurl.jpg", "fingerpose_nocurl.jpg", "tfjs_hands.jpg")
BACKGROUND = 96  # gray canvas value, all three channels


def to_proto(landmarks: list[dict[str, float]]) -> landmark_pb2.NormalizedLandmarkList:
    """Landmark dicts (x, y, z and optionally visibility, presence) → MediaPipe's protobuf list."""
    out = landmark_pb2.NormalizedLandmarkList()
    for item in landmarks:
        out.landmark.add(**item)
    return out


def from_proto(proto: landmark_pb2.NormalizedLandmarkList) -> list[dict[str, float]]:
    """Back to dicts with the float32-rounded values MediaPipe draws with; only fields that are set."""
    items = []
    for lm in proto.landmark:
        item = {"x": lm.x, "y": lm.y, "z": lm.z}
        for name in ("visibility", "presence"):
            if lm.HasField(name):
                item[name] = getattr(lm, name)
        items.append(item)
    return items


def spec_from_name(name: Any, kind: str) -> Any:
    """A case's spec ("default", "hand_style", a dict of DrawingSpec fields, or None) → MediaPipe's object."""
    if name == "default":
        return drawing_utils.DrawingSpec(color=drawing_utils.RED_COLOR) if kind == "landmark" else None
    if name == "hand_style":
        if kind == "landmark":
            return drawing_styles.get_default_hand_landmarks_style()
        return drawing_styles.get_default_hand_connections_style()
    if isinstance(name, dict):
        return drawing_utils.DrawingSpec(tuple(name["color"]), name["thickness"], name["circle_radius"])
    return name


def edge_case_landmarks(landmarks: list[list[float]]) -> list[dict[str, float]]:
    """A copy of one hand with landmarks moved onto/over the image border, hidden by visibility/presence."""
    items = [{"x": x, "y": y, "z": z} for x, y, z in landmarks]
    items[4]["x"] = 1.0  # exactly on the right border: clamped to width - 1
    items[8]["y"] = 0.0  # exactly on the top border
    items[0]["y"] = 1.0  # bottom border
    items[12]["x"] = 1.05  # outside: dropped, with its connections
    items[16]["y"] = -0.01  # outside
    items[20]["visibility"] = 0.3  # set and < 0.5: dropped
    items[3]["presence"] = 0.4  # set and < 0.5: dropped
    items[2]["visibility"] = 0.9  # set and >= 0.5: drawn
    items[6]["presence"] = 0.5  # exactly the threshold: drawn
    items[10]["x"] = 0.9999999  # float32 rounds it to just below 1
    return items


def build_cases(reference: dict[str, Any]) -> list[dict[str, Any]]:
    by_file = {entry["file"]: entry for entry in reference["images"]}
    cases: list[dict[str, Any]] = []
    for file in IMAGES:
        entry = by_file[file]
        hands = [[{"x": x, "y": y, "z": z} for x, y, z in hand["landmarks"]] for hand in entry["hands"]]
        stem = Path(file).stem
        common = {"width": entry["width"], "height": entry["height"], "hands": hands, "source": file}
        cases.append(
            {
                "name": f"{stem}_default",
                **common,
                "connections": "HAND_CONNECTIONS",
                "landmark_spec": "default",
                "connection_spec": "default",
                "is_drawing_landmarks": True,
            }
        )
        cases.append(
            {
                "name": f"{stem}_styled",
                **common,
                "connections": "HAND_CONNECTIONS",
                "landmark_spec": "hand_style",
                "connection_spec": "hand_style",
                "is_drawing_landmarks": True,
            }
        )
    tfjs = by_file["tfjs_hands.jpg"]
    nocurl = by_file["fingerpose_nocurl.jpg"]
    edge_hand = edge_case_landmarks(nocurl["hands"][0]["landmarks"])
    size = {"width": nocurl["width"], "height": nocurl["height"], "source": "fingerpose_nocurl.jpg (edited)"}
    custom_dot = {"color": [10, 200, 30], "thickness": 3, "circle_radius": 6}
    custom_line = {"color": [200, 10, 90], "thickness": 5, "circle_radius": 2}
    small = {"width": 41, "height": 29, "source": "fingerpose_nocurl.jpg (edited) on a 41x29 canvas"}
    cases += [
        {"name": "edge_styled", **size, "hands": [edge_hand], "connections": "HAND_CONNECTIONS",
         "landmark_spec": "hand_style", "connection_spec": "hand_style", "is_drawing_landmarks": True},
        {"name": "edge_custom_specs", **size, "hands": [edge_hand], "connections": "HAND_CONNECTIONS",
         "landmark_spec": custom_dot, "connection_spec": custom_line, "is_drawing_landmarks": True},
        {"name": "tfjs_lines_only", "width": tfjs["width"], "height": tfjs["height"],
         "source": "tfjs_hands.jpg",
         "hands": [[{"x": x, "y": y, "z": z} for x, y, z in h["landmarks"]] for h in tfjs["hands"]],
         "connections": "HAND_CONNECTIONS", "landmark_spec": "hand_style", "connection_spec": "hand_style",
         "is_drawing_landmarks": False},
        {"name": "small_dots_only", **small,
         "hands": [edge_hand], "connections": None, "landmark_spec": "default", "connection_spec": "default",
         "is_drawing_landmarks": True},
        {"name": "small_default", **small,
         "hands": [edge_hand], "connections": "HAND_CONNECTIONS", "landmark_spec": "default",
         "connection_spec": "default", "is_drawing_landmarks": True},
    ]  # fmt: skip
    return cases


def draw_case(case: dict[str, Any]) -> tuple[np.ndarray, list[list[dict[str, float]]]]:
    canvas = np.full((case["height"], case["width"], 3), BACKGROUND, dtype=np.uint8)
    connections = HAND_CONNECTIONS if case["connections"] == "HAND_CONNECTIONS" else case["connections"]
    kwargs: dict[str, Any] = {"is_drawing_landmarks": case["is_drawing_landmarks"]}
    landmark_spec = spec_from_name(case["landmark_spec"], "landmark")
    connection_spec = spec_from_name(case["connection_spec"], "connection")
    kwargs["landmark_drawing_spec"] = landmark_spec
    if connection_spec is not None:
        kwargs["connection_drawing_spec"] = connection_spec
    drawn_hands = []
    for hand in case["hands"]:
        proto = to_proto(hand)
        drawing_utils.draw_landmarks(canvas, proto, connections, **kwargs)
        drawn_hands.append(from_proto(proto))
    return canvas, drawn_hands


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    handdata = Path(argv[1]) if len(argv) > 1 else DEFAULT_HANDDATA
    reference_path = handdata / "reference" / "mediapipe_0.10.21_static.json"
    reference = json.loads(reference_path.read_text())
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    records = []
    for case in build_cases(reference):
        canvas, drawn_hands = draw_case(case)
        png = f"{case['name']}.png"
        if not cv2.imwrite(str(OUT_DIR / png), canvas, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
            raise OSError(f"cannot write {OUT_DIR / png}")
        record = {key: value for key, value in case.items() if key != "hands"}
        record.update(png=png, background=BACKGROUND, hands=drawn_hands)
        records.append(record)
        logger.info(
            "%s: %d hand(s), %d pixels changed",
            png,
            len(drawn_hands),
            int((canvas != BACKGROUND).any(-1).sum()),
        )
    meta = {
        "made_by": "tests/data/make_drawing_reference.py",
        "landmarks_from": str(reference_path.relative_to(handdata.parent)),
        "versions": {"mediapipe": mediapipe.__version__, "opencv": cv2.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "mediapipe_hand_connections_order": [list(pair) for pair in HAND_CONNECTIONS],
        "cases": records,
    }  # fmt: skip
    (OUT_DIR / "cases.json").write_text(json.dumps(meta, indent=1) + "\n")
    logger.info("wrote %d cases to %s", len(records), OUT_DIR)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
