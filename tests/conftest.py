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
