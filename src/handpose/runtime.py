"""Thin ONNX Runtime wrapper: providers, threads, dynamic batch, warm-up."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import HandposeError, ModelError

log = logging.getLogger(__name__)

DEVICES = ("cpu", "cuda", "auto")


_WARNED: set[str] = set()
_WARNED_LOCK = threading.Lock()


def _warn_once(message: str) -> None:
    """Log ``message`` as a warning the first time only (each model session resolves its providers)."""
    with _WARNED_LOCK:
        if message in _WARNED:
            return
        _WARNED.add(message)
    log.warning(message)


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
            _warn_once(
                "CUDA requested but onnxruntime has no CUDAExecutionProvider "
                "(install 'handpose[gpu]' on a CUDA machine); running on the CPU"
            )
    return ["CPUExecutionProvider"]


def available_cores() -> int:
    """CPU cores this process may use (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class ThreadPlan:
    """How a landmarker uses a budget of cores: ``per_model`` ONNX Runtime threads for each of the palm and
    landmark models, and whether the two models may run at the same time (``overlap``: the palm model of one
    image while the landmark model of another image, or of the tracked hands, runs on a second thread)."""

    budget: int
    per_model: int
    overlap: bool


def thread_plan(threads: int = 0) -> ThreadPlan:
    """The one thread rule of the API and every command: ``threads`` cores at most (0: every core).

    One core: one thread, the models one after the other. Two or more: the models overlap, each with half the
    cores. Every pool is per session and does not spin: spinning threads burn a core while they wait, which
    cost CPU time and, when another process held a core, made the old shared spinning pool 1.5-2.7x slower
    than MediaPipe (issue 13; benchmarks/README.md has the measurements).
    """
    budget = threads if threads > 0 else available_cores()
    if budget < 2:
        return ThreadPlan(1, 1, False)
    return ThreadPlan(budget, max(1, budget // 2), True)


def use_shared_thread_pool(threads: int = 0) -> bool:
    """Deprecated, does nothing and returns False: handpose no longer uses ONNX Runtime's process-wide
    spinning pool (see :func:`thread_plan`)."""
    log.warning("handpose.runtime.use_shared_thread_pool() is deprecated and does nothing (see thread_plan)")
    return False


def shared_pool_threads() -> int:
    """Deprecated: always 0 (no shared pool; see :func:`thread_plan`)."""
    return 0


def session_options(threads: int):  # type: ignore[no-untyped-def]
    """ONNX Runtime session options: full graph optimisation, sequential execution, its own pool of
    ``threads`` threads that do not spin."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    # Spinning threads keep a core busy between runs (and between the palm and landmark runs): see thread_plan.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


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
        self.providers = resolve_providers(device, providers)
        threads = threads if threads > 0 else available_cores()
        try:
            self.session = ort.InferenceSession(
                str(self.path), sess_options=session_options(threads), providers=self.providers
            )
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
