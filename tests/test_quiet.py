"""One line per bad file: a corrupt PNG, JPEG or WebP through ``handpose detect`` gives exactly one stderr line
(handpose's own), none of OpenCV's log lines (``[ERROR:0@0.16] ... readHeader``) nor the codec libraries' own
messages (libpng's "PNG input buffer is incomplete", libjpeg's "Corrupt JPEG data"); a JPEG that decodes despite
damage gives none; warnings are given once. Run on OpenCV 5.x (the main venv) and 4.x (.ci/run's second venv).

Inputs: corrupted in ways seen in the wild from the example image bundled in the package (fingerpose, MIT).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from handpose.errors import ImageReadError
from handpose.io.images import decode_image


def example_bytes() -> bytes:
    import handpose

    return (Path(handpose.__file__).parent / "data" / "example_hand.jpg").read_bytes()


def encoded(ext: str) -> bytes:
    bgr = cv2.imdecode(np.frombuffer(example_bytes(), np.uint8), cv2.IMREAD_COLOR)
    return cv2.imencode(ext, bgr)[1].tobytes()


def overwrite(data: bytes, start: int, length: int, value: int) -> bytes:
    out = bytearray(data)
    out[start : start + length] = bytes([value]) * length
    return bytes(out)


# name -> (make the bytes, substring of handpose's one error line)
BROKEN: dict[str, tuple[Callable[[], bytes], str]] = {
    # IHDR renamed: OpenCV logs "[ERROR:...] readHeader IHDR chunk shall be first"
    "bad_ihdr.png": (lambda: encoded(".png")[:12] + b"XHDR" + encoded(".png")[16:], "cannot decode PNG"),
    # cut in the image data: libpng prints "libpng error: PNG input buffer is incomplete" itself
    "truncated.png": (lambda: encoded(".png")[: len(encoded(".png")) // 2], "cannot decode PNG"),
    "truncated.jpg": (lambda: example_bytes()[: len(example_bytes()) // 2], "truncated or corrupt JPEG"),
    "truncated.webp": (lambda: encoded(".webp")[: len(encoded(".webp")) // 2], "cannot decode WebP"),
    "garbled.webp": (lambda: overwrite(encoded(".webp"), 40, 360, 0xAB), "cannot decode WebP"),
}


@pytest.fixture(scope="module")
def broken_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("broken")
    for name, (make, _) in BROKEN.items():
        (folder / name).write_bytes(make())
    # Zeros over part of the entropy-coded data: libjpeg warns "Corrupt JPEG data: N extraneous bytes before
    # marker" on stderr and still decodes the image (as cv2.imread does).
    jpeg = example_bytes()
    (folder / "damaged_but_decodable.jpg").write_bytes(overwrite(jpeg, len(jpeg) // 2, 2000, 0x00))
    return folder


def detect(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "handpose.cli", "detect", str(path), "--no-annotate", "--model", "lite"],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_corrupt_image_gives_exactly_one_stderr_line(broken_dir: Path, name: str) -> None:
    run = detect(broken_dir / name)
    lines = run.stderr.splitlines()
    assert run.returncode == 1
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"handpose: error: {broken_dir / name}: ")
    assert BROKEN[name][1] in lines[0]


def test_damaged_jpeg_that_decodes_prints_nothing_on_stderr(broken_dir: Path) -> None:
    run = detect(broken_dir / "damaged_but_decodable.jpg")
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert "hand(s)" in run.stdout


def test_decoding_keeps_fd2_quiet_and_restores_opencv_log_level(
    broken_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    before = cv2.utils.logging.getLogLevel()
    for name in sorted(BROKEN):
        with pytest.raises(ImageReadError):
            decode_image((broken_dir / name).read_bytes(), name)
    rgb = decode_image((broken_dir / "damaged_but_decodable.jpg").read_bytes())
    assert rgb.ndim == 3
    out, err = capfd.readouterr()
    assert err == "" and out == ""
    assert cv2.utils.logging.getLogLevel() == before


def test_other_writes_to_stderr_during_a_decode_are_not_lost(capfd: pytest.CaptureFixture[str]) -> None:
    """Only the codecs' lines are taken off stderr; anything else written meanwhile comes back."""
    from handpose.io.quiet import quiet_opencv

    with quiet_opencv():
        sys.stderr.write("a line of someone else's\n")
        sys.stderr.flush()
    assert capfd.readouterr().err == "a line of someone else's\n"


@pytest.mark.parametrize("cut", [0.5, 0.03], ids=["half", "header-only"])
def test_corrupt_video_gives_exactly_one_stderr_line(tmp_path: Path, cut: float) -> None:
    """FFmpeg ("moov atom not found") and OpenCV ("[ WARN:0] ... cap.cpp ... can't be used to capture by name")
    stay quiet; handpose's line is the only one."""
    good = tmp_path / "good.mp4"
    writer = cv2.VideoWriter(str(good), cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*"mp4v"), 25, (64, 48))
    for i in range(50):
        writer.write(np.full((48, 64, 3), i * 4, np.uint8))
    writer.release()
    data = good.read_bytes()
    bad = tmp_path / "cut.mp4"
    bad.write_bytes(data[: max(32, int(len(data) * cut))])
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "handpose.cli",
            "video",
            str(bad),
            "--no-video",
            "--jsonl",
            str(tmp_path / "x"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"handpose: error: {bad}: "), run.stderr


def test_device_cuda_without_cuda_warns_once() -> None:
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this machine has CUDA: nothing to warn about")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "handpose.cli",
            "detect",
            "--device",
            "cuda",
            "--no-annotate",
            "--model",
            "lite",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if "CUDA" in line]
    assert len(warnings) == 1, run.stderr
