"""MediaPipe's own Python tests for Hands run on handpose: all 20 of hands_test.py and drawing_utils_test.py.

The two files are MediaPipe's code (Apache-2.0) and are not in this repository: they are taken at test time from
the mediapipe 0.10.21 wheel that .ci/run keeps in .mediapipe-wheel/ (or $HANDPOSE_MEDIAPIPE_WHEEL), written into
a temporary folder with only their ``mediapipe`` import lines pointed at handpose, and run there by pytest in a
subprocess (absl-py, a dev dependency, provides their absltest/parameterized base classes).

Their test data, looked up next to the test file in testdata/, comes from ../shared/handdata:
- ``hands.jpg``: images/tfjs_hands.jpg, the same photo (tfjs-models carries a copy of MediaPipe's test image).
- ``asl_hand.25fps.mp4``: videos/tfjs_asl_hand_25fps.mp4, the same video (tfjs-models' asl_hand.25fps.mp4).
- ``asl_hand.full.npz``: MediaPipe's expected landmarks for that video are not in the wheel; the same numbers
  are in reference/tfjs_asl_hand.json (tfjs-models' asl_hand.full.json / asl_hand_3d.full.json, MediaPipe Hands
  with max_num_hands=1). It is rebuilt from them in the layout hands_test.py reads: ``predictions`` of shape
  (frames, 1, 21, 3) holding x, y in pixels and z * image width, and ``w_predictions`` (frames, 1, 21, 3) in
  metres — exactly what hands_test.py's own _process_video dumps.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, handdata_path

pytestmark = pytest.mark.slow

UPSTREAM_TESTS = ("hands_test.py", "drawing_utils_test.py")
WHEEL_DIR = REPO / ".mediapipe-wheel"
EXPECTED_TESTS = 20  # 7 in hands_test.py (4 multi-hand variants, video, blank, bad shape), 13 drawing tests
IMPORT_LINE = re.compile(r"^(from|import) mediapipe(\.| )", re.MULTILINE)


def find_wheel() -> Path:
    explicit = os.environ.get("HANDPOSE_MEDIAPIPE_WHEEL")
    candidates = [Path(explicit)] if explicit else sorted(WHEEL_DIR.glob("mediapipe-0.10.21-*.whl"))
    for wheel in candidates:
        if wheel.is_file():
            return wheel
    pytest.skip(
        "mediapipe 0.10.21 wheel not found: .ci/run keeps it in .mediapipe-wheel/ "
        "(pip download --no-deps mediapipe==0.10.21 -d .mediapipe-wheel) or set HANDPOSE_MEDIAPIPE_WHEEL"
    )


def point_imports_at_handpose(source: str) -> str:
    """Rewrite only the ``from mediapipe...`` / ``import mediapipe...`` lines; everything else stays MediaPipe's."""
    lines = source.splitlines(keepends=True)
    out = [line.replace("mediapipe", "handpose", 1) if IMPORT_LINE.match(line) else line for line in lines]
    return "".join(out)


def write_asl_reference(path: Path) -> int:
    """asl_hand.full.npz from reference/tfjs_asl_hand.json (see the module docstring); returns the frame count."""
    ref = json.loads(handdata_path("reference", "tfjs_asl_hand.json").read_text())
    frames = ref["frames"]
    predictions = np.full((len(frames), 1, 21, 3), np.nan)
    world = np.full((len(frames), 1, 21, 3), np.nan)
    for i, frame in enumerate(frames):
        assert int(frame["index"]) == i
        predictions[i, 0, :, :2] = frame["keypoints"]
        predictions[i, 0, :, 2] = frame["keypoints_z"]
        world[i, 0] = frame["world_landmarks"]
    np.savez(path, predictions=predictions, w_predictions=world)
    return len(frames)


@pytest.fixture(scope="module")
def upstream_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheel = find_wheel()
    root = tmp_path_factory.mktemp("mediapipe_upstream")
    with zipfile.ZipFile(wheel) as zf:
        for name in UPSTREAM_TESTS:
            source = zf.read(f"mediapipe/python/solutions/{name}").decode()
            rewritten = point_imports_at_handpose(source)
            assert "mediapipe." not in "".join(IMPORT_LINE.findall(rewritten))
            (root / name).write_text(rewritten)
    testdata = root / "testdata"
    testdata.mkdir()
    (testdata / "hands.jpg").symlink_to(handdata_path("images", "tfjs_hands.jpg"))
    (testdata / "asl_hand.25fps.mp4").symlink_to(handdata_path("videos", "tfjs_asl_hand_25fps.mp4"))
    assert write_asl_reference(testdata / "asl_hand.full.npz") == 325
    return root


def test_only_import_lines_change(upstream_dir: Path) -> None:
    wheel = find_wheel()
    with zipfile.ZipFile(wheel) as zf:
        for name in UPSTREAM_TESTS:
            original = zf.read(f"mediapipe/python/solutions/{name}").decode().splitlines()
            ours = (upstream_dir / name).read_text().splitlines()
            changed = [(a, b) for a, b in zip(original, ours, strict=True) if a != b]
            assert changed and all(IMPORT_LINE.match(a) and b.startswith(("from handpose", "import handpose"))
                                   for a, b in changed)  # fmt: skip


def test_mediapipe_hands_and_drawing_tests_pass(upstream_dir: Path) -> None:
    report = upstream_dir / "report.xml"
    env = {**os.environ, "TMPDIR": str(upstream_dir), "MPLBACKEND": "Agg", "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(upstream_dir),
         f"--junitxml={report}", *UPSTREAM_TESTS],
        cwd=upstream_dir, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert report.is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    suite = ET.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert suite is not None
    counts = {key: int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": EXPECTED_TESTS, "failures": 0, "errors": 0, "skipped": 0}, proc.stdout[-4000:]
    assert proc.returncode == 0
