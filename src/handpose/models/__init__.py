"""The bundled ONNX models: MediaPipe 0.10.21 hand models converted by :mod:`handpose.models.converter`.

``manifest.json`` records, for every file, its sha256 and size, the source ``.tflite`` and its sha256, and
the model's input/output names and shapes. ``tools/convert_models.py`` regenerates everything from the
mediapipe wheel. Weights: Copyright Google LLC, Apache License 2.0 (see ``NOTICE`` in this folder).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from handpose.errors import ModelError

MODELS_DIR = Path(__file__).resolve().parent
MODEL_NAMES = ("palm_detection_full", "palm_detection_lite", "hand_landmark_full", "hand_landmark_lite")
MANIFEST = MODELS_DIR / "manifest.json"
HANDEDNESS = MODELS_DIR / "handedness.txt"

__all__ = ["MODEL_NAMES", "handedness_labels", "load_manifest", "model_path", "verify_models"]


def model_path(name: str) -> Path:
    """Path of the bundled ONNX model ``name`` (one of :data:`MODEL_NAMES`).

    Raises ModelError if the name is unknown or the file is missing.
    """
    if name not in MODEL_NAMES:
        raise ModelError(f"unknown model {name!r}; expected one of {', '.join(MODEL_NAMES)}")
    path = MODELS_DIR / f"{name}.onnx"
    if not path.is_file():
        raise ModelError(
            f"model file missing: {path} (reinstall handpose, or regenerate it with tools/convert_models.py)"
        )
    return path


def handedness_labels() -> list[str]:
    """Class labels of the landmark model's handedness output (``["Left", "Right"]``)."""
    try:
        return [line.strip() for line in HANDEDNESS.read_text().splitlines() if line.strip()]
    except OSError as e:
        raise ModelError(f"cannot read {HANDEDNESS}: {e.strerror or e}") from None


def load_manifest() -> dict[str, Any]:
    """The parsed ``manifest.json``."""
    try:
        return json.loads(MANIFEST.read_text())
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot read model manifest {MANIFEST}: {e}") from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_models(strict: bool = False) -> dict[str, bool]:
    """Check every file listed in manifest.json against its sha256.

    Returns ``{file name: ok}`` (a missing file is not ok). With ``strict=True``, raises ModelError naming
    the files that are missing or differ.
    """
    result: dict[str, bool] = {}
    for entry in load_manifest()["files"]:
        path = MODELS_DIR / entry["file"]
        result[entry["file"]] = path.is_file() and _sha256(path) == entry["sha256"]
    bad = sorted(name for name, ok in result.items() if not ok)
    if strict and bad:
        raise ModelError(
            f"model files missing or modified (sha256 mismatch with manifest.json): {', '.join(bad)}"
        )
    return result
