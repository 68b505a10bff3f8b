"""Shared fixtures. Test media: the package-sourced images (fingerpose, scikit-image, opencv-doc) are committed in
tests/data/images/ under their ../shared/handdata names, with the test video tests/data/video/fingerpose_moves.avi
made from them and MediaPipe 0.10.21 references in tests/data/reference/ (see tests/data/ATTRIBUTION.md), so the
suite runs on a fresh clone. The GitHub-sourced media of ../shared/handdata (tfjs_*, mps_*, gt/, videos/) are read
in place; tests that need them skip with a clear reason when that folder is absent."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
HANDDATA = Path(os.environ.get("HANDPOSE_HANDDATA", REPO.parent / "shared" / "handdata"))


TFLITE_DIRS = (os.environ.get("HANDPOSE_TFLITE_DIR"), str(REPO / ".tflite-cache"))
NO_TFLITE = (
    "original .tflite not available: extract mediapipe/modules/*/*.tflite from the mediapipe==0.10.21 wheel "
    "(`pip download --no-deps mediapipe==0.10.21`) into .tflite-cache/ or set HANDPOSE_TFLITE_DIR (.ci/run does)"
)


def tflite_path(name: str) -> Path:
    """The original MediaPipe .tflite ``name`` (e.g. 'palm_detection_full'), checked against the sha256 pinned in
    the models' manifest.json, or skip the test."""
    import hashlib

    from handpose.models import load_manifest

    pinned = next(e for e in load_manifest()["files"] if e.get("model") == name)["source"]["sha256"]
    for root in filter(None, TFLITE_DIRS):
        for path in (Path(root) / f"{name}.tflite", *sorted(Path(root).glob(f"**/{name}.tflite"))):
            if path.is_file():
                if hashlib.sha256(path.read_bytes()).hexdigest() != pinned:
                    raise AssertionError(f"{path} is not the pinned MediaPipe 0.10.21 file")
                return path
    pytest.skip(NO_TFLITE)


IMAGES = DATA / "images"  # committed copies of handdata/images' package-sourced files, same names
MADE = DATA / "made"  # fingerpose_pair.jpg: two hands, made by tests/data/make_test_video.py
TEST_VIDEO = DATA / "video" / "fingerpose_moves.avi"  # made by tests/data/make_test_video.py: 256x192, 25 fps
TEST_VIDEO_REFERENCE = DATA / "reference" / "fingerpose_moves.mediapipe_0.10.21_video.json"
# Hands per frame of TEST_VIDEO: the script's storyboard, and MediaPipe's reference count.
TEST_VIDEO_HANDS = [1] * 40 + [0] * 8 + [2] * 32


def find_image(name: str) -> Path | None:
    """A test image by its handdata name: the committed copy (tests/data/images, tests/data/made), else the one in
    ../shared/handdata/images, else None."""
    for folder in (IMAGES, MADE, HANDDATA / "images"):
        if (folder / name).is_file():
            return folder / name
    return None


def handdata_path(*parts: str) -> Path:
    """Path inside ../shared/handdata, or skip the test when it is not there. ``handdata_path("images", NAME)``
    prefers the committed copy in tests/data (same bytes, see tests/data/ATTRIBUTION.md)."""
    if len(parts) == 2 and parts[0] == "images" and (found := find_image(parts[1])) is not None:
        return found
    path = HANDDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data not available: {path} (set HANDPOSE_HANDDATA to the handdata folder)")
    return path


@pytest.fixture(scope="session")
def handdata() -> Path:
    return handdata_path()


def images_folder() -> Path:
    """All test images: ../shared/handdata/images when present (25 files), else the 12 committed ones."""
    shared = HANDDATA / "images"
    return shared if shared.is_dir() else IMAGES


def video_reference() -> dict:
    """MediaPipe 0.10.21 tracking reference of TEST_VIDEO (oracle_video_golden.py, model_complexity=1)."""
    return json.loads(TEST_VIDEO_REFERENCE.read_text())


@pytest.fixture(scope="session")
def static_reference() -> dict:
    """MediaPipe 0.10.21 static-mode reference (oracle_golden.py, model_complexity=1): the file copied from
    shared/handdata/reference plus the made still's entry (mediapipe_0.10.21_static_made.json)."""
    ref = json.loads((DATA / "reference" / "mediapipe_0.10.21_static.json").read_text())
    made = json.loads((DATA / "reference" / "mediapipe_0.10.21_static_made.json").read_text())
    assert made["settings"] == ref["settings"]
    return {**ref, "images": ref["images"] + made["images"]}


@pytest.fixture(scope="session")
def landmarker_full():
    from handpose import HandLandmarker

    with HandLandmarker(model="full") as lm:
        yield lm


@pytest.fixture(scope="session")
def landmarker_lite():
    from handpose import HandLandmarker

    with HandLandmarker(model="lite") as lm:
        yield lm
