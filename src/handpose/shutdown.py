"""Clean stops: SIGINT, SIGTERM and SIGHUP as one exception; worker processes that die with their parent.

``kill`` (SIGTERM, also what docker and systemd send) and a closed terminal (SIGHUP) stop a long-running
command the way Ctrl-C does: :func:`stop_on_signals` turns each of them into :class:`Interrupted` (a
``KeyboardInterrupt``) in the main thread, so the same ``except KeyboardInterrupt``/``finally`` blocks stop the
workers and keep partial outputs. The command exits with the shell's code for the signal (128 + its number).

Worker processes call :func:`die_with_parent` first thing, so that they end even when the parent cannot clean
up (SIGKILL, a crash): on Linux the kernel sends them SIGKILL when their parent dies (``PR_SET_PDEATHSIG``);
elsewhere a daemon thread polls the parent's pid.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

STOP_SIGNALS: tuple[str, ...] = ("SIGINT", "SIGTERM", "SIGHUP")
"""Signals that stop a command cleanly (those the platform has; Windows has no SIGHUP)."""

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class Interrupted(KeyboardInterrupt):
    """A stop request (Ctrl-C, SIGTERM, SIGHUP). ``hint`` says what the user can do next (e.g. ``--resume``)."""

    def __init__(self, signum: int = signal.SIGINT, hint: str = "") -> None:
        super().__init__(signal_name(signum))
        self.signum = int(signum)
        self.hint = hint

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP)."""
        return 128 + self.signum

    def message(self) -> str:
        text = f"interrupted ({signal_name(self.signum)})"
        return f"{text}; {self.hint}" if self.hint else text

    @classmethod
    def wrap(cls, exc: BaseException, hint: str) -> Interrupted:
        """``exc`` (an Interrupted, or a plain KeyboardInterrupt from Python's SIGINT handler) with ``hint``."""
        if isinstance(exc, Interrupted):
            exc.hint = hint
            return exc
        return cls(signal.SIGINT, hint)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _signals(names: Iterable[str]) -> list[signal.Signals]:
    return [getattr(signal, n) for n in names if hasattr(signal, n)]


@contextlib.contextmanager
def stop_on_signals(names: Iterable[str] = STOP_SIGNALS) -> Iterator[None]:
    """Within this block, each of the signals ``names`` raises :class:`Interrupted` in the main thread.

    After the first one the previous handlers are back, so a second signal acts as it would have (a second
    SIGTERM ends the process at once; workers still die with it, see :func:`die_with_parent`). Outside the
    main thread (where Python cannot install handlers) this does nothing. Previous handlers are restored on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Any] = {}

    def restore() -> None:
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, handler)

    def handler(signum: int, frame: FrameType | None) -> None:
        restore()
        raise Interrupted(signum)

    for sig in _signals(names):
        previous[sig] = signal.getsignal(sig)
        signal.signal(sig, handler)
    try:
        yield
    finally:
        restore()


@contextlib.contextmanager
def keep_signal_handlers(names: Iterable[str] = STOP_SIGNALS) -> Iterator[None]:
    """Python handlers for ``names`` (e.g. :func:`stop_on_signals`') are back in place after the block, at
    the C level too, whatever a library installed meanwhile.

    ``ray.init`` replaces the driver's SIGTERM handler twice: in Python (``sys.exit(15)``) and in C (Abseil's
    failure signal handler: a stack dump, then abort, exit 134, behind Python's back). Only signals whose
    handler was a Python function are put back; defaults stay as the library set them. Main thread only.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.getsignal(sig) for sig in _signals(names)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            if callable(handler):
                with contextlib.suppress(ValueError, OSError):
                    signal.signal(sig, handler)


def die_with_parent(parent_pid: int | None = None, poll_seconds: float = 1.0) -> None:
    """Make this (worker) process end when its parent does, even if the parent is killed with SIGKILL.

    ``parent_pid``: the parent's pid as the parent knew it (default: ``os.getppid()`` now); if the parent is
    already gone the process exits at once. Also ignores SIGINT: a Ctrl-C reaches the whole process group,
    and the parent, not each worker, decides how to stop (it terminates its workers).
    """
    expected = parent_pid if parent_pid is not None else os.getppid()
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux") and _set_pdeathsig(signal.SIGKILL):
        if os.getppid() != expected:  # the parent died before the request was in place
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == expected:
            time.sleep(poll_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="handpose-parent-watch", daemon=True).start()


def _set_pdeathsig(sig: int) -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)) == 0
    except (OSError, AttributeError) as exc:
        log.debug("PR_SET_PDEATHSIG unavailable: %s", exc)
        return False
