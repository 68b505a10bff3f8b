"""Keep OpenCV, and the codec libraries inside it, off stderr while handpose reads images and videos.

Handpose turns every bad input into one error line of its own, so the decoders' own diagnostics are noise:

- OpenCV's own log (``[ WARN:0@0.16] global grfmt_png.cpp ...``, ``[ERROR:0@0.16] ... readHeader``) is turned
  off with OpenCV's log control, ``cv2.utils.logging.setLogLevel(LOG_LEVEL_SILENT)``, for the duration of a
  decode, then put back, so an application that uses OpenCV itself keeps its own setting.
- FFmpeg's messages ("moov atom not found") are set by ``OPENCV_FFMPEG_LOGLEVEL``, which OpenCV reads when its
  FFmpeg backend starts (:mod:`handpose.io.video` sets it before importing cv2 unless the user did).
- libjpeg and libpng, compiled into OpenCV, print some messages themselves, with ``fprintf(stderr, ...)``
  ("Corrupt JPEG data: 1222 extraneous bytes before marker 0xd4", "libpng error: PNG input buffer is
  incomplete"): OpenCV installs no message handler for them and offers no switch, so no log control reaches
  them. Only for these, and only around the decode call, file descriptor 2 is pointed at a temporary file; what
  the codecs wrote goes to this module's logger at DEBUG level (``handpose -v`` shows it), and anything else
  written there meanwhile (another thread's output) is written back to stderr. Set ``HANDPOSE_CODEC_STDERR=1``
  to leave file descriptor 2 alone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from typing import IO

import cv2

log = logging.getLogger(__name__)

# Lines the codec libraries inside OpenCV print themselves (libjpeg's output_message, libpng's default
# error/warning handlers, libtiff's and libwebp's), and OpenCV's own log format in case a build bypasses the
# log level.
_CODEC_LINE = re.compile(
    r"^(libpng (error|warning)|Corrupt JPEG data|Premature end of JPEG|Invalid JPEG|Unsupported JPEG|"
    r"Bogus |Warning: unknown JFIF|JPEG datastream|Not a JPEG|Improper call|Quantization table|Huffman table|"
    r"Suspension|TIFF|\S+: (Warning|Error),|\[ ?(WARN|ERROR|INFO|DEBUG|FATAL):)"
)

_lock = threading.Lock()
_depth = 0
_saved_level: int | None = None
_saved_fd: int | None = None
_capture: IO[bytes] | None = None


def _redirect_allowed() -> bool:
    return os.environ.get("HANDPOSE_CODEC_STDERR", "0") != "1"


def _enter() -> None:
    global _depth, _saved_level, _saved_fd, _capture
    with _lock:
        _depth += 1
        if _depth > 1:
            return
        _saved_level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        if not _redirect_allowed():
            return
        try:
            sys.stderr.flush()
            if _capture is None:
                _capture = tempfile.TemporaryFile(prefix="handpose-codec-")  # noqa: SIM115 (kept for the process)
            _saved_fd = os.dup(2)
            os.dup2(_capture.fileno(), 2)
        except (OSError, ValueError, AttributeError) as exc:  # no fd 2 (a daemon), or no temp dir
            log.debug("codec messages not captured: %s", exc)
            if _saved_fd is not None:  # dup() worked, dup2() did not: fd 2 is untouched, free the copy
                os.close(_saved_fd)
            _saved_fd = None


def _leave() -> None:
    global _depth, _saved_level, _saved_fd
    with _lock:
        _depth -= 1
        if _depth > 0:
            return
        text = b""
        if _saved_fd is not None:
            os.dup2(_saved_fd, 2)
            os.close(_saved_fd)
            _saved_fd = None
            if _capture is not None:
                _capture.seek(0)
                text = _capture.read()
                _capture.seek(0)
                _capture.truncate()
        if _saved_level is not None:
            cv2.utils.logging.setLogLevel(_saved_level)
            _saved_level = None
    if text:
        _dispatch(text.decode("utf-8", "replace"))


def _dispatch(text: str) -> None:
    """Codec lines to the DEBUG log; anything else (not ours to hide) back to stderr."""
    other = []
    for line in text.splitlines():
        if _CODEC_LINE.match(line.strip()):
            log.debug("decoder: %s", line.strip())
        elif line.strip():
            other.append(line)
    if other:
        with contextlib.suppress(OSError):
            os.write(2, ("\n".join(other) + "\n").encode())


@contextlib.contextmanager
def quiet_opencv() -> Iterator[None]:
    """Within this block OpenCV and its codec libraries print nothing on stderr (see the module docstring).
    Re-entrant and thread-safe: OpenCV's level and file descriptor 2 are put back when the last block ends."""
    _enter()
    try:
        yield
    finally:
        _leave()
