"""Annotated videos that browsers play: with PyAV (extra ``[video]``) ``.mp4`` is H.264 yuv420p and ``.webm`` is
VP9; without it, OpenCV's mp4v with a one-time note. Every output is decoded back (PyAV, and OpenCV through
handpose's VideoReader) and its codec checked.

Inputs: synthetic frames (a bar moving across a gradient) made here; the end-to-end test moves the example image
bundled in the package (fingerpose, MIT) across 12 frames.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from handpose.io.video import VideoReader, VideoWriter

av = pytest.importorskip("av", reason="PyAV (extra [video]) is needed to decode and check the codec")


def frames(n: int, size: tuple[int, int]) -> list[np.ndarray]:
    w, h = size
    out = []
    for i in range(n):
        img = np.tile(np.linspace(0, 200, w, dtype=np.uint8)[None, :, None], (h, 1, 3))
        img[:, (i * 7) % w : (i * 7) % w + 8] = (0, 0, 255)
        out.append(img)
    return out


def probe(path: Path) -> dict[str, object]:
    """Codec, pixel format, size and decoded frame count of the first video stream, read with PyAV."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        info = {
            "codec": stream.codec_context.name,
            "pix_fmt": stream.codec_context.pix_fmt,
            "size": (stream.codec_context.width, stream.codec_context.height),
            "format": container.format.name,
        }
        decoded = list(container.decode(video=0))
        info["frames"] = len(decoded)
        info["first"] = decoded[0].to_ndarray(format="bgr24")
    return info


@pytest.mark.parametrize(
    ("suffix", "codec", "container"),
    [
        (".mp4", "h264", "mp4"),
        (".mov", "h264", "mov"),
        (".mkv", "h264", "matroska"),
        (".webm", "vp9", "webm"),
    ],
    ids=["mp4-h264", "mov-h264", "mkv-h264", "webm-vp9"],
)
def test_pyav_writes_browser_codecs(tmp_path: Path, suffix: str, codec: str, container: str) -> None:
    out = tmp_path / f"clip{suffix}"
    src = frames(15, (96, 64))
    with VideoWriter(out, fps=25, size=(96, 64)) as writer:
        for f in src:
            writer.write(f)
    info = probe(out)
    assert info["codec"] == codec
    assert info["pix_fmt"] == "yuv420p"  # what browsers decode
    assert container in str(info["format"]).split(",")
    assert info["size"] == (96, 64) and info["frames"] == 15
    assert np.abs(info["first"].astype(int) - src[0].astype(int)).mean() < 6  # lossy, but the same picture
    with VideoReader(out) as reader:  # and OpenCV (handpose's reader) reads it back
        assert sum(1 for _ in reader) == 15
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_mp4_is_faststart_h264_high(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    with VideoWriter(out, fps=30000 / 1001, size=(64, 48)) as writer:
        for f in frames(5, (64, 48)):
            writer.write(f)
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart: playable while downloading
    with av.open(str(out)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.profile == "High"
        assert stream.average_rate == Fraction(30000, 1001)
    assert writer.codec == "libx264"


def test_odd_sizes_are_padded_to_even(tmp_path: Path) -> None:
    out = tmp_path / "odd.mp4"
    with VideoWriter(out, fps=10, size=(63, 47)) as writer:
        for f in frames(3, (63, 47)):
            writer.write(f)
    info = probe(out)
    assert info["codec"] == "h264" and info["size"] == (64, 48) and info["frames"] == 3


def test_opencv_backend_is_mp4v(tmp_path: Path) -> None:
    out = tmp_path / "cv.mp4"
    with VideoWriter(out, fps=25, size=(64, 48), backend="opencv") as writer:
        for f in frames(4, (64, 48)):
            writer.write(f)
    assert writer.codec == "mp4v" and probe(out)["codec"] == "mpeg4"


def test_without_pyav_mp4_falls_back_to_mp4v_with_one_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import handpose.io.video as video

    monkeypatch.setitem(sys.modules, "av", None)  # what an install without the [video] extra has
    monkeypatch.setattr(video, "_notes_given", set())
    caplog.set_level(logging.WARNING, logger="handpose.io.video")
    for k in range(2):
        with VideoWriter(tmp_path / f"f{k}.mp4", fps=25, size=(64, 48)) as writer:
            writer.write(frames(1, (64, 48))[0])
        assert writer.codec == "mp4v"
    notes = [r.getMessage() for r in caplog.records if "browsers do not play" in r.getMessage()]
    assert len(notes) == 1 and "handpose[video]" in notes[0]
    monkeypatch.undo()
    assert probe(tmp_path / "f0.mp4")["codec"] == "mpeg4"


def test_webm_without_pyav_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from handpose.errors import HandposeError

    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(HandposeError, match=r"handpose\[video\]"):
        VideoWriter(tmp_path / "x.webm", fps=25, size=(64, 48))
    assert list(tmp_path.iterdir()) == []


def test_handpose_video_command_writes_h264(tmp_path: Path) -> None:
    import cv2

    import handpose

    photo = cv2.imread(str(Path(handpose.__file__).parent / "data" / "example_hand.jpg"))
    photo = cv2.resize(photo, (160, 120))
    clip = tmp_path / "clip.avi"
    with VideoWriter(clip, fps=10, size=(200, 150)) as writer:  # the photo moving right, on grey
        for i in range(12):
            canvas = np.full((150, 200, 3), 128, np.uint8)
            canvas[15:135, 2 * i : 2 * i + 160] = photo
            writer.write(canvas)
    out = tmp_path / "annotated.mp4"
    run = subprocess.run(
        [sys.executable, "-m", "handpose.cli", "video", str(clip), "-o", str(out), "--model", "lite"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    info = probe(out)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p" and info["frames"] == 12
    assert "mp4v" not in run.stderr
