"""The classic MediaPipe tutorials in examples/ run on handpose with only their import changed.

Each runs in a subprocess through examples/run_headless.py: camera 0 is tests/data/video/fingerpose_moves.avi
(real decoding), ``cv2.imshow`` frames are saved as PNG. Expected: one output image per frame, with hands drawn on
every frame (MediaPipe 0.10.21 finds one hand in each of the first 24 frames of that video:
tests/data/reference/fingerpose_moves.mediapipe_0.10.21_video.json).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import REPO, TEST_VIDEO, handdata_path, video_reference

EXAMPLES = REPO / "examples"
FRAMES = 24


def run_example(script: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "run_headless.py"), str(EXAMPLES / script), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def video_frames(n: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(TEST_VIDEO))
    frames = [cap.read()[1] for _ in range(n)]
    cap.release()
    return frames


@pytest.fixture(scope="module")
def reference_hands() -> list[int]:
    ref = video_reference()
    counts = [len(f["hands"]) for f in ref["frames"][:FRAMES]]
    assert counts == [1] * FRAMES
    return counts


def test_seed_tutorial(tmp_path, reference_hands):
    video = TEST_VIDEO
    run_example("tutorial_seed.py", tmp_path, "--video", str(video), "--max-frames", str(FRAMES))
    outputs = sorted((tmp_path / "Output Images").glob("*.jpg"))
    assert len(outputs) == FRAMES
    # The tutorial draws connections in (250, 44, 250) BGR: each output has far more such pixels than any input
    # frame (file names are uuid1s, whose order need not be the frames' order).
    magenta = np.array([250, 44, 250])

    def near_magenta(img: np.ndarray) -> int:
        return int((np.abs(img.astype(int) - magenta).max(axis=2) < 60).sum())

    background = max(near_magenta(frame) for frame in video_frames(FRAMES))
    for out_path in outputs:
        assert near_magenta(cv2.imread(str(out_path))) > background + 100, out_path.name


def test_official_webcam_example(tmp_path, reference_hands):
    video = TEST_VIDEO
    shown_dir = tmp_path / "shown"
    run_example(
        "mediapipe_webcam.py", tmp_path, "--video", str(video), "--max-frames", str(FRAMES),
        "--display-dir", str(shown_dir),
    )  # fmt: skip
    shown = sorted(shown_dir.glob("MediaPipe_Hands_*.png"))
    assert len(shown) == FRAMES
    for path, frame in zip(shown, video_frames(FRAMES), strict=True):
        image = cv2.imread(str(path))
        changed = np.any(image != cv2.flip(frame, 1), axis=2)  # PNG is lossless: only the drawing differs
        assert changed.sum() > 100, path.name
        _, xs = np.nonzero(changed)
        assert xs.max() - xs.min() < image.shape[1] / 2  # drawn around one hand, not all over the frame


def test_official_static_images_example(tmp_path):
    pytest.importorskip("matplotlib", reason="the example plots world landmarks (extra 'plot')")
    files = [
        handdata_path("images", f)
        for f in ("fingerpose_nocurl.jpg", "neg_opencv_fruits.jpg", "fingerpose_pair.jpg")
    ]
    outputs = [Path(f"/tmp/annotated_image{i}.png") for i in range(3)]  # the example's own output paths
    for path in outputs:
        path.unlink(missing_ok=True)
    try:
        proc = run_example("mediapipe_static_images.py", tmp_path, "--", *map(str, files))
        assert proc.stdout.count("Index finger tip coordinates") == 3  # 1 + 0 + 2 hands
        assert "Handedness: None" in proc.stdout and proc.stdout.count("classification {") == 3
        assert not outputs[1].exists()  # no hand in the fruit picture: the example skips it
        for path, source in ((outputs[0], files[0]), (outputs[2], files[2])):
            drawn, original = cv2.imread(str(path)), cv2.imread(str(source))
            assert drawn.shape == original.shape
            assert np.any(drawn != original, axis=2).sum() > 1000
    finally:
        for path in outputs:
            path.unlink(missing_ok=True)
