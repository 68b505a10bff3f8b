"""cvzone's ``HandDetector`` runs unmodified on handpose through ``python -m handpose.mediapipe_alias``.

cvzone is not committed: .ci/run downloads the PyPI archives (``pip download --no-deps cvzone==1.6.1
cvzone==2.0.0``) into .cvzone-cache/ (or ``$HANDPOSE_CVZONE_DIR``); this test unpacks them into a temporary
folder and skips when they are absent. cvzone needs only cv2 and numpy at import (its opencv-python dependency
is not installed: the project's headless OpenCV serves). cvzone 2.0.0 downloads Google's float16
``hand_landmarker.task`` into the current folder unless one is there: the test puts one built from MediaPipe
0.10.21's .tflite files (the weights handpose ships) there, so nothing is downloaded.

Expected hands: tests/data/reference/cvzone_mediapipe.json, the same driver (tests/data/reference/cvzone_driver.py)
run on Google's MediaPipe (0.10.21 for cvzone 1.6.1, 1.2.2 for cvzone 2.0.0, same weights). Bounds: the same
number of hands and the same ``type`` on every call; cvzone's integer pixel landmarks within a mean of 1% and a
max of 3% of the hand's box diagonal (the parity bounds of the library itself).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, REPO, tflite_path

CVZONE_DIR = Path(os.environ.get("HANDPOSE_CVZONE_DIR") or REPO / ".cvzone-cache")
DRIVER = DATA / "reference" / "cvzone_driver.py"
REFERENCE = json.loads((DATA / "reference" / "cvzone_mediapipe.json").read_text())["runs"]


def _unpack(version: str, into: Path) -> Path:
    """Unpack cvzone ``version``'s wheel or sdist from CVZONE_DIR; returns the folder to put on sys.path."""
    wheels = sorted(CVZONE_DIR.glob(f"cvzone-{version}-*.whl"))
    sdists = sorted(CVZONE_DIR.glob(f"cvzone-{version}.tar.gz"))
    if wheels:
        with zipfile.ZipFile(wheels[0]) as zf:
            zf.extractall(into)
        return into
    if sdists:
        with tarfile.open(sdists[0]) as tf:
            tf.extractall(into, filter="data")
        return into / f"cvzone-{version}"
    pytest.skip(
        f"cvzone {version} not downloaded: run `pip download --no-deps cvzone=={version} -d {CVZONE_DIR}` "
        "(.ci/run does) or set HANDPOSE_CVZONE_DIR"
    )


def _bundle(folder: Path) -> None:
    with zipfile.ZipFile(folder / "hand_landmarker.task", "w") as zf:
        zf.writestr("hand_detector.tflite", tflite_path("palm_detection_full").read_bytes())
        zf.writestr("hand_landmarks_detector.tflite", tflite_path("hand_landmark_full").read_bytes())


@pytest.mark.slow
@pytest.mark.parametrize("version", ["1.6.1", "2.0.0"])
def test_cvzone_hand_detector_runs_unmodified_with_mediapipe_hands(version, tmp_path):
    pytest.importorskip("tflite")
    pytest.importorskip("onnx")
    path = _unpack(version, tmp_path / "cvzone")
    work = tmp_path / "work"
    work.mkdir()
    if version == "2.0.0":
        _bundle(work)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(path), os.environ.get("PYTHONPATH", "")]))
    env["HANDPOSE_CACHE_DIR"] = str(tmp_path / "cache")
    proc = subprocess.run(
        [sys.executable, "-m", "handpose.mediapipe_alias", str(DRIVER), str(DATA / "images"), version],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    ours = json.loads(proc.stdout.strip().splitlines()[-1])
    assert ours["mediapipe"].startswith("handpose")
    assert sorted(p.name for p in work.iterdir()) == (["hand_landmarker.task"] if version == "2.0.0" else [])
    ref = REFERENCE[version]
    assert ours["cvzone"] == ref["cvzone"] == version
    assert ours["images"].keys() == ref["images"].keys()
    errors = []
    for name, calls in ref["images"].items():
        for call, (got, expected) in enumerate(zip(ours["images"][name], calls, strict=True)):
            assert len(got) == len(expected) >= 1, (name, call)
            for exp in expected:  # pair each reference hand with our nearest hand
                exp_pts = np.array(exp["lmList"], dtype=float)[:, :2]
                diag = float(np.hypot(*(exp_pts.max(axis=0) - exp_pts.min(axis=0))))
                dist = [
                    np.linalg.norm(np.array(h["lmList"], float)[:, :2] - exp_pts, axis=1).mean() for h in got
                ]
                best = int(np.argmin(dist))
                assert got[best]["type"] == exp["type"], (name, call)
                errors.append(dist[best] / diag)
    print(f"cvzone {version}: {len(errors)} hands, error / hand diagonal median {np.median(errors):.3%}, "
          f"max {max(errors):.3%}")  # fmt: skip
    assert np.median(errors) <= 0.01 and max(errors) <= 0.03
