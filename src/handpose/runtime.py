"""Thin ONNX Runtime wrapper: providers, threads, dynamic batch, warm-up."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import HandposeError, ModelError

log = logging.getLogger(__name__)

DEVICES = ("cpu", "cuda", "auto")


def resolve_providers(device: str = "cpu", providers: Sequence[str] | None = None) -> list[str]:
    """ONNX Runtime execution providers for ``device`` ('cpu', 'cuda' or 'auto').

    'cuda' and 'auto' fall back to the CPU with a warning when CUDA is not available.
    Explicit ``providers`` win over ``device``.
    """
    import onnxruntime as ort

    available = ort.get_available_providers()
    if providers:
        missing = [p for p in providers if p not in available]
        if missing:
            raise HandposeError(f"ONNX Runtime providers not available: {missing}; available: {available}")
        return list(providers)
    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {device!r}")
    if device in ("cuda", "auto"):
        if "CUDAExecutionProvider" in available:
            return ["CUDAExecutionProvider", "CPUExecutionProvider"]
        if device == "cuda":
            log.warning(
                "CUDA requested but onnxruntime has no CUDAExecutionProvider "
                "(install 'handpose[gpu]' on a CUDA machine); running on the CPU"
            )
    return ["CPUExecutionProvider"]


class OnnxModel:
    """One ONNX Runtime session with an NHWC float32 input and a dynamic batch dimension."""

    def __init__(
        self,
        path: str | Path,
        *,
        threads: int = 0,
        device: str = "cpu",
        providers: Sequence[str] | None = None,
    ) -> None:
        import onnxruntime as ort

        self.path = Path(path)
        if not self.path.is_file():
            raise ModelError(f"{self.path}: model file not found")
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads if threads > 0 else (os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        # Idle intra-op threads sleep instead of spinning: spinning wins a little on an idle machine but loses
        # 2x when anything else wants the cores (measured with `handpose bench`, see benchmarks/README.md).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.providers = resolve_providers(device, providers)
        try:
            self.session = ort.InferenceSession(str(self.path), sess_options=opts, providers=self.providers)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"{self.path}: cannot load model ({exc})") from exc
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        self.input_shape = tuple(inp.shape)
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.calls = 0
        self.seconds = 0.0  # time spent inside session.run, for benchmarks (pre/post-processing excluded)

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        """Run a (N, H, W, C) float32 batch; returns the outputs in the model's order, each with N rows."""
        start = time.perf_counter()
        outputs = self.session.run(self.output_names, {self.input_name: batch})
        self.seconds += time.perf_counter() - start
        self.calls += 1
        return outputs

    def reset_stats(self) -> None:
        self.calls = 0
        self.seconds = 0.0

    def warm_up(self) -> None:
        """One inference on zeros so the first real call does not pay for lazy initialisation."""
        _, h, w, c = self.input_shape
        self(np.zeros((1, int(h), int(w), int(c)), dtype=np.float32))
