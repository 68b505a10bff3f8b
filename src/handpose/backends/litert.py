"""LiteRT (``ai-edge-litert``, XNNPACK) running MediaPipe's original ``.tflite`` hand models (extra ``[litert]``).

The package ships the ONNX files only. The ``.tflite`` files are looked up, in order, in ``$HANDPOSE_TFLITE_DIR``
and in ``handpose/models/tflite/``; nothing is downloaded. Get them from the mediapipe 0.10.21 wheel
(``tools/convert_models.py`` documents the pinned wheel) or from a Tasks ``hand_landmarker.task`` bundle.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from pathlib import Path

import numpy as np

from ..errors import MissingExtraError, ModelError

log = logging.getLogger(__name__)
BUNDLED_DIR = Path(__file__).resolve().parents[1] / "models" / "tflite"


def tflite_path(name: str) -> Path:
    """The ``.tflite`` file of model ``name`` (e.g. ``"hand_landmark_full"``); ModelError when absent."""
    dirs = [Path(d) for d in (os.environ.get("HANDPOSE_TFLITE_DIR"), BUNDLED_DIR) if d]
    for d in dirs:
        path = d / f"{name}.tflite"
        if path.is_file():
            _check_source(name, path)
            return path
    raise ModelError(
        f"{name}.tflite not found in {', '.join(str(d) for d in dirs)}: backend='litert' needs MediaPipe's "
        "original .tflite files (set HANDPOSE_TFLITE_DIR to a folder holding them)"
    )


def _check_source(name: str, path: Path) -> None:
    """Warn when ``path`` is not the .tflite file the bundled ONNX model was converted from (manifest.json):
    results may then differ from MediaPipe 0.10.21's."""
    from ..models import load_manifest

    entry = next((e for e in load_manifest()["files"] if e.get("model") == name), None)
    pinned = entry["source"]["sha256"] if entry else None
    if pinned and hashlib.sha256(path.read_bytes()).hexdigest() != pinned:
        log.warning("%s is not MediaPipe 0.10.21's %s.tflite (sha256 differs from manifest.json)", path, name)


def _interpreter_class() -> type:
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        raise MissingExtraError("ai-edge-litert", "litert") from None
    return Interpreter  # type: ignore[no-any-return]


class LiteRTModel:
    """One LiteRT interpreter (XNNPACK, ``threads`` threads, 0: every core) with the OnnxModel interface.

    The .tflite models have a fixed batch of 1: a batch of N runs the interpreter N times. An interpreter is
    not thread-safe (unlike an ONNX Runtime session): concurrent calls are serialised on a lock.
    """

    def __init__(self, path: str | Path, *, threads: int = 0) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelError(f"{self.path}: model file not found")
        threads = threads if threads > 0 else (os.cpu_count() or 1)
        try:
            self.interpreter = _interpreter_class()(model_path=str(self.path), num_threads=threads)
            self.interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"{self.path}: cannot load model ({exc})") from exc
        inp = self.interpreter.get_input_details()[0]
        self._input_index = inp["index"]
        self.input_shape = tuple(int(v) for v in inp["shape"])
        # Output order of the converted ONNX models (and of manifest.json): by tensor name.
        outs = sorted(self.interpreter.get_output_details(), key=lambda d: _name_key(d["name"]))
        self.output_names = [d["name"] for d in outs]
        self._output_indices = [d["index"] for d in outs]
        self.threads = threads
        self.calls = 0
        self.seconds = 0.0
        self._lock = threading.Lock()

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        """Run a (N, H, W, C) float32 batch; returns the outputs in the ONNX models' order, each with N rows."""
        it = self.interpreter
        rows: list[list[np.ndarray]] = [[] for _ in self._output_indices]
        with self._lock:
            start = time.perf_counter()
            for item in np.ascontiguousarray(batch, dtype=np.float32):
                it.set_tensor(self._input_index, item[None])
                it.invoke()
                for k, index in enumerate(self._output_indices):
                    rows[k].append(it.get_tensor(index))  # get_tensor returns a copy
            self.seconds += time.perf_counter() - start
            self.calls += 1
        return [np.concatenate(r) for r in rows]

    def reset_stats(self) -> None:
        self.calls = 0
        self.seconds = 0.0

    def warm_up(self) -> None:
        """One inference on zeros so the first real call does not pay for lazy initialisation."""
        self(np.zeros(self.input_shape, dtype=np.float32))


def _name_key(name: str) -> tuple[str, int]:
    """``Identity_2`` → ("Identity", 2); ``Identity`` → ("Identity", 0)."""
    base, _, suffix = name.rpartition("_")
    return (base, int(suffix)) if suffix.isdigit() and base else (name, 0)
