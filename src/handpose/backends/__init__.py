"""Inference backends: ONNX Runtime (default, CPU and CUDA) and, optionally, LiteRT (XNNPACK) on the original
MediaPipe ``.tflite`` files.

Every backend's model object has the interface of :class:`handpose.runtime.OnnxModel`: called with a
(N, H, W, C) float32 batch it returns the outputs in the manifest's order, each with N rows; ``warm_up()``,
``reset_stats()``, ``calls``, ``seconds``, ``input_shape`` and ``path``. :func:`load_model` picks one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

BACKENDS = ("onnxruntime", "litert")


def load_model(
    name: str,
    path: str | Path | None = None,
    *,
    backend: str = "onnxruntime",
    threads: int = 0,
    device: str = "cpu",
    providers: Sequence[str] | None = None,
) -> Any:
    """The model ``name`` (e.g. ``"palm_detection_full"``) on ``backend``; ``path``: an explicit model file
    instead of the bundled one (an .onnx file for ONNX Runtime, a .tflite file for LiteRT)."""
    if backend == "onnxruntime":
        from ..models import model_path
        from ..runtime import OnnxModel

        return OnnxModel(path or model_path(name), threads=threads, device=device, providers=providers)
    if backend == "litert":
        from .litert import LiteRTModel, tflite_path

        if device not in ("cpu", "auto") or providers:
            raise ValueError("backend='litert' runs on the CPU only; use backend='onnxruntime' for CUDA")
        return LiteRTModel(path or tflite_path(name), threads=threads)
    raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
