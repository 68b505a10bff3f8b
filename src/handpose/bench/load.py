"""A competing process for benchmarks: one busy loop that keeps a core busy while an engine is timed."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator

LOADS = ("none", "busy", "pinned")


@contextlib.contextmanager
def competing_load(kind: str) -> Iterator[None]:
    """``none``: nothing. ``busy``: a Python busy loop in another process, placed by the OS scheduler (as any
    other program on a laptop or server). ``pinned``: the same loop pinned to the last core this process may use,
    so one core is taken for certain."""
    if kind not in LOADS:
        raise ValueError(f"load must be one of {LOADS}, got {kind!r}")
    if kind == "none":
        yield
        return
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        if kind == "pinned" and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(proc.pid, {max(os.sched_getaffinity(0))})
        yield
    finally:
        proc.kill()
        proc.wait()
