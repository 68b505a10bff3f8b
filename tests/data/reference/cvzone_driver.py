#!/usr/bin/env python3
"""Run cvzone's ``HandDetector`` (unmodified) on a few committable photos and print the hands as JSON.

Used twice, with the same code:
- by tests/test_cvzone.py, through ``python -m handpose.mediapipe_alias cvzone_driver.py IMAGE_DIR`` (cvzone's
  ``import mediapipe`` gets handpose);
- to make tests/data/reference/cvzone_mediapipe.json, with Google's mediapipe importable: 0.10.21 (.mp-venv)
  for cvzone 1.6.1 (classic ``mp.solutions.hands``), 1.2.2 for cvzone 2.0.0 (Tasks, VIDEO mode). cvzone must
  be on ``sys.path`` (e.g. ``PYTHONPATH`` = an unpacked cvzone sdist/wheel), and for cvzone 2.0.0 the current
  folder must hold ``hand_landmarker.task`` (cvzone downloads Google's float16 bundle there otherwise; we give
  it one made of MediaPipe 0.10.21's full weights, the weights handpose ships).

Per photo: a new ``HandDetector()`` (default arguments: maxHands 2, confidences 0.5), ``findHands`` twice on
the same BGR frame (the first finds palms, the second tracks), ``draw=True``. Photos: two fingerpose photos and
a side-by-side of one with the other mirrored (two hands), all from tests/data/images.
Output: ``{"cvzone": version, "mediapipe": what "import mediapipe" gave, "images": {name: [call1, call2]}}``,
each call a list of hands ``{"lmList": [[x, y, z] x21], "bbox": [x, y, w, h], "center": [x, y], "type"}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np


def photos(image_dir: Path) -> dict[str, np.ndarray]:
    nocurl = cv2.imread(str(image_dir / "fingerpose_nocurl.jpg"))
    halfcurl = cv2.imread(str(image_dir / "fingerpose_halfcurl.jpg"))
    return {
        "fingerpose_nocurl.jpg": nocurl,
        "fingerpose_halfcurl.jpg": halfcurl,
        "nocurl+mirrored_halfcurl": np.ascontiguousarray(np.hstack([nocurl, halfcurl[:, ::-1]])),
    }


def main() -> None:
    import cvzone
    import mediapipe
    from cvzone.HandTrackingModule import HandDetector

    out: dict[str, object] = {
        "cvzone": getattr(cvzone, "__version__", None) or sys.argv[2],
        "mediapipe": f"{mediapipe.__name__} {getattr(mediapipe, '__version__', '?')}",
        "images": {},
    }
    for name, bgr in photos(Path(sys.argv[1])).items():
        detector = HandDetector()
        calls = []
        for _ in range(2):
            hands, _img = detector.findHands(bgr.copy(), draw=True)
            calls.append(
                [
                    {
                        "lmList": [[int(v) for v in p] for p in h["lmList"]],
                        "bbox": [int(v) for v in h["bbox"]],
                        "center": [int(v) for v in h["center"]],
                        "type": h["type"],
                    }
                    for h in hands
                ]
            )
        out["images"][name] = calls  # type: ignore[index]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
