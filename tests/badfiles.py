"""The foundation issue's bad-input list, made on disk for a test. Each entry says whether handpose must read the
file (a correct result) or reject it with a one-line error.

The one real photo used (to corrupt or convert) is the example image bundled in the package (fingerpose, MIT).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from handpose.cli import example_image

# name -> must it load?
EXPECT_OK = {
    "zero_bytes.jpg": False,
    "truncated.jpg": False,
    "text_named.jpg": False,
    "random_bytes.png": False,
    "rgba.png": True,
    "gray.png": True,
    "sixteen_bit.png": True,
    "one_pixel.png": True,
    "huge_10000x10000.png": True,
}


def make_bad_files(folder: Path, *, huge: bool = True) -> dict[str, Path]:
    """Write the bad/unusual inputs into ``folder``; returns name -> path (``huge`` adds the 10000² PNG)."""
    folder.mkdir(parents=True, exist_ok=True)
    jpeg = example_image().read_bytes()
    bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    files: dict[str, bytes] = {
        "zero_bytes.jpg": b"",
        "truncated.jpg": jpeg[: len(jpeg) // 3],
        "text_named.jpg": b"this is not an image\n" * 10,
        "random_bytes.png": np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "rgba.png": cv2.imencode(".png", cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA))[1].tobytes(),
        "gray.png": cv2.imencode(".png", cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))[1].tobytes(),
        "sixteen_bit.png": cv2.imencode(".png", bgr.astype(np.uint16) * 257)[1].tobytes(),
        "one_pixel.png": cv2.imencode(".png", bgr[:1, :1])[1].tobytes(),
    }
    if huge:
        files["huge_10000x10000.png"] = cv2.imencode(".png", np.zeros((10000, 10000, 3), np.uint8))[
            1
        ].tobytes()
    paths = {}
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths[name] = path
    return paths
