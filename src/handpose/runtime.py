"""Thin ONNX Runtime wrapper: providers, threads, dynamic batch, warm-up."""

from __future__ import annotations

import logging
import os
import threading
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


_SHARED_POOL_THREADS = 0  # size of ONNX Runtime's process-wide intra-op pool; 0: none
_POOL_LOCK = threading.Lock()


def use_shared_thread_pool(threads: int = 0) -> bool:
    """Opt in to one process-wide ONNX Runtime thread pool (``threads`` 0: every core); True when in use.

    Why: each session's own pool spins its threads for a while after a run, and the palm and landmark sessions
    run one after the other, so one session's idle spinners steal the cores from the other (up to 3x slower,
    measured in benchmarks/README.md); without spinning, the palm model's many small ops run slower on two
    threads than on one. One shared, spinning pool is the fastest. The catch: once it exists, ONNX Runtime
    requires every later session of the process — handpose's or your own — to use it. So the Python API leaves
    it off; the ``handpose`` command line turns it on. HANDPOSE_ORT_SHARED_POOL=0 keeps it off.
    """
    global _SHARED_POOL_THREADS
    with _POOL_LOCK:
        if _SHARED_POOL_THREADS:
            return True
        if os.environ.get("HANDPOSE_ORT_SHARED_POOL", "1") == "0":
            return False
        size = threads if threads > 0 else (os.cpu_count() or 1)
        try:
            from onnxruntime.capi import onnxruntime_pybind11_state as ort_state

            ort_state.set_global_thread_pool_sizes(size, 1)
        except Exception as exc:  # an onnxruntime without the call
            log.debug("no shared ONNX Runtime thread pool: %s", exc)
            return False
        _SHARED_POOL_THREADS = size
        return True


def shared_pool_threads() -> int:
    """Size of the shared pool made by :func:`use_shared_thread_pool`, 0 when there is none."""
    return _SHARED_POOL_THREADS


def session_options(threads: int, shared: bool):  # type: ignore[no-untyped-def]
    """ONNX Runtime session options: full graph optimisation, sequential execution, ``threads`` threads."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    if shared:
        opts.use_per_session_threads = False
    else:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # A session's own spinning pool slows the other session down (see use_shared_thread_pool).
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
        threads = threads if threads > 0 else (os.cpu_count() or 1)
        shared = _SHARED_POOL_THREADS > 0
        try:
            self.session = ort.InferenceSession(
                str(self.path), sess_options=session_options(threads, shared), providers=self.providers
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
