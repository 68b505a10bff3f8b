"""Shared fixtures. Test media from ../shared/handdata are read in place (never copied into the repo for the
GitHub-sourced files); tests that need them skip with a clear reason when that folder is absent."""

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


def handdata_path(*parts: str) -> Path:
    """Path inside ../shared/handdata, or skip the test when it is not there."""
    path = HANDDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data not available: {path} (set HANDPOSE_HANDDATA to the handdata folder)")
    return path


@pytest.fixture(scope="session")
def handdata() -> Path:
    return handdata_path()


@pytest.fixture(scope="session")
def static_reference() -> dict:
    """MediaPipe 0.10.21 static-mode reference (copied from shared/handdata/reference; see tests/data/README)."""
    return json.loads((DATA / "reference" / "mediapipe_0.10.21_static.json").read_text())


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
