"""Browser-playable video through PyAV (extra ``[video]``: ``pip install 'handpose[video]'``).

OpenCV's writer in the opencv-python wheels has no software H.264 encoder, so its ``.mp4`` files are MPEG-4
Part 2 ('mp4v'), which Chrome, Firefox and Safari do not play. PyAV (FFmpeg's libraries in a maintained
binding) encodes what browsers play:

- ``.mp4`` / ``.m4v`` / ``.mov`` / ``.mkv``: H.264 (High profile, yuv420p, ``+faststart`` so playback starts
  before the download ends), played everywhere.
- ``.webm``: VP9 (yuv420p), played by Chrome, Firefox, Edge and Safari 14.1+.

Licences (why H.264 by default, and why it is an extra): PyAV is BSD-3-Clause and FFmpeg as built in its PyPI
wheels reports "LGPL version 3 or later", but the wheels also bundle the encoders libx264 and libx265, which
are GPL-2.0-or-later (there is no OpenH264 in them). handpose does not ship or link any of it: it imports PyAV
at run time when the user has installed it, so handpose stays Apache-2.0. Whoever redistributes PyAV's wheel
with their product (a container image, an installer) takes on the GPL's terms for those libraries, and H.264
is patent-encumbered in some countries (x264 comes with no patent licence). VP9 (libvpx, BSD-3-Clause,
royalty-free) avoids both: write ``.webm``. See docs/video.md.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import HandposeError

log = logging.getLogger(__name__)

# Output suffix -> (codec names to try, in order; FFmpeg container format or None to take it from the suffix).
PYAV_CODECS: dict[str, tuple[tuple[str, ...], str | None]] = {
    ".mp4": (("libx264", "libopenh264", "h264"), None),
    ".m4v": (("libx264", "libopenh264", "h264"), "mp4"),
    ".mov": (("libx264", "libopenh264", "h264"), None),
    ".mkv": (("libx264", "libopenh264", "h264"), "matroska"),
    ".webm": (("libvpx-vp9",), "webm"),
}

# Codec options by encoder: quality-targeted rate control, fast presets (annotation videos are watched, not
# archived).
_OPTIONS: dict[str, dict[str, str]] = {
    "libx264": {"crf": "20", "preset": "veryfast", "profile": "high"},
    "libvpx-vp9": {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"},
}


def import_av() -> Any | None:
    """The ``av`` module, or None when PyAV is not installed."""
    try:
        import av
    except ImportError:
        return None
    return av


def pyav_encoder_for(suffix: str) -> str | None:
    """The first encoder PyAV has for ``suffix`` (see :data:`PYAV_CODECS`), or None (no PyAV, no encoder)."""
    av = import_av()
    if av is None or suffix not in PYAV_CODECS:
        return None
    for name in PYAV_CODECS[suffix][0]:
        try:
            av.codec.Codec(name, "w")
        except Exception:  # av.codec.codec.UnknownCodecError and friends: not in this build
            continue
        return name
    return None


def _rate(fps: float) -> Fraction:
    """The frame rate as a fraction FFmpeg accepts (29.97 -> 30000/1001, 25.0 -> 25)."""
    ntsc = round(fps * 1.001)
    if abs(fps - ntsc / 1.001) < 1e-3 and abs(fps - round(fps)) > 1e-3:
        return Fraction(ntsc * 1000, 1001)
    return Fraction(fps).limit_denominator(1001)


class PyAVEncoder:
    """Encodes BGR uint8 frames of one size into ``path`` with PyAV. Odd widths/heights are padded by one
    pixel (edge replicated): yuv420p, which browsers need, has chroma at half resolution."""

    def __init__(self, path: Path, *, fps: float, size: tuple[int, int], codec: str, suffix: str) -> None:
        av = import_av()
        if av is None:
            raise HandposeError("PyAV is not installed (pip install 'handpose[video]')")
        self.codec = codec
        self.size = size
        self._pad = (size[0] % 2, size[1] % 2)
        self._frames = 0
        fmt = PYAV_CODECS.get(suffix, ((), None))[1]
        try:
            self._container = av.open(str(path), mode="w", format=fmt)
            options = {"movflags": "+faststart"} if suffix in (".mp4", ".m4v", ".mov") else {}
            self._container.options.update(options)
            stream = self._container.add_stream(codec, rate=_rate(fps), options=_OPTIONS.get(codec, {}))
            stream.width = size[0] + self._pad[0]
            stream.height = size[1] + self._pad[1]
            stream.pix_fmt = "yuv420p"
            self._stream = stream
        except Exception as exc:
            raise HandposeError(f"{path}: cannot start a {codec} video ({exc})".splitlines()[0]) from exc
        self._av = av

    def write(self, bgr: np.ndarray) -> None:
        if any(self._pad):
            bgr = np.pad(bgr, ((0, self._pad[1]), (0, self._pad[0]), (0, 0)), mode="edge")
        frame = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(bgr), format="bgr24")
        frame.pts = self._frames
        frame.time_base = 1 / self._stream.average_rate if self._stream.average_rate else None
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self._frames += 1

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        finally:
            self._container.close()

    def abort(self) -> None:
        try:
            self._container.close()
        except Exception as exc:  # the file is deleted next; nothing to keep
            log.debug("closing an aborted video: %s", exc)
