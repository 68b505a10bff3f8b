"""Video reading and writing (real FFmpeg decoding through OpenCV), bad video inputs, VIDEO-mode misuse, and the
``handpose video`` command end to end.

The real video is the committed tests/data/video/fingerpose_moves.avi (tests/data/make_test_video.py: 256x192,
25 fps, 80 frames, lossless FFV1 in AVI; hands per frame from its MediaPipe 0.10.21 reference); the other videos
are made from it or synthesized in tmp folders.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import TEST_VIDEO
from handpose import HandLandmarker, VideoReadError
from handpose.cli import main
from handpose.errors import HandposeError
from handpose.io.video import VideoReader, VideoWriter, iter_frames, parse_camera

# -- helpers that make real (small) video files ------------------------------------------------------------


def write_video(path: Path, frames: int, size=(64, 48), fps: float = 25.0, fourcc: str = "mp4v") -> Path:
    """A small synthetic video written with OpenCV's FFmpeg backend (frame i is grey level 20*i, numbered)."""
    writer = cv2.VideoWriter(str(path), cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        frame = np.full((size[1], size[0], 3), (20 * i) % 256, np.uint8)
        cv2.putText(frame, str(i), (5, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
        writer.write(frame)
    writer.release()
    return path


def _find_box(
    data: bytes, start: int, end: int, path: list[bytes], parents: list[int]
) -> tuple[int, int, list[int]]:
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size < 8:
            break
        if kind == path[0]:
            if len(path) == 1:
                return pos, size, parents
            return _find_box(data, pos + 8, pos + size, path[1:], [*parents, pos])
        pos += size
    raise ValueError(f"MP4 box {path[0]!r} not found")


def make_vfr_mp4(path: Path, durations_ms: list[int]) -> list[int]:
    """A variable-frame-rate MP4: a 25 fps mp4v file whose sample-duration table (moov/.../stbl/stts) is
    rewritten with one entry per frame. Durations must add up to 40 ms per frame (the edit list keeps the
    original total). Returns the expected presentation times in ms."""
    assert sum(durations_ms) == 40 * len(durations_ms)
    write_video(path, len(durations_ms))
    data = bytearray(path.read_bytes())
    mdhd, _, _ = _find_box(data, 0, len(data), [b"moov", b"trak", b"mdia", b"mdhd"], [])
    timescale = struct.unpack(">I", data[mdhd + 20 : mdhd + 24])[0]  # version-0 mdhd
    stbl_path = [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stts"]
    stts, old_size, parents = _find_box(data, 0, len(data), stbl_path, [])
    entries = b"".join(struct.pack(">II", 1, d * timescale // 1000) for d in durations_ms)
    body = struct.pack(">4sII", b"stts", 0, len(durations_ms)) + entries
    new = struct.pack(">I", 4 + len(body)) + body
    for p in parents:  # moov comes after mdat in OpenCV's files, so no chunk offsets move
        struct.pack_into(">I", data, p, struct.unpack(">I", data[p : p + 4])[0] + len(new) - old_size)
    data[stts : stts + old_size] = new
    path.write_bytes(bytes(data))
    return [int(t) for t in np.cumsum([0, *durations_ms[:-1]])]


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".") and ".tmp" in p.name]


# -- reading ----------------------------------------------------------------------------------------------


def test_reader_real_video_frames_timestamps_and_colour():
    path = TEST_VIDEO
    with VideoReader(path) as video:
        assert (video.width, video.height, video.fps, video.frame_count) == (256, 192, 25.0, 80)
        frames = list(video)
    assert [f.index for f in frames] == list(range(80))
    assert [f.timestamp_ms for f in frames] == [40 * i for i in range(80)]
    first = frames[0].rgb
    assert first.shape == (192, 256, 3) and first.dtype == np.uint8 and first.flags.c_contiguous
    ok, bgr = cv2.VideoCapture(str(path)).read()
    assert ok and np.array_equal(first, bgr[:, :, ::-1])  # RGB, decoded as MediaPipe's reference script does


def test_variable_frame_rate_uses_container_timestamps(tmp_path):
    expected = make_vfr_mp4(tmp_path / "vfr.mp4", [40, 40, 100, 20, 20, 60, 40, 30, 10, 40])
    stamps = [f.timestamp_ms for f in iter_frames(tmp_path / "vfr.mp4")]
    assert stamps == expected == [0, 40, 80, 180, 200, 220, 280, 320, 350, 360]
    assert all(b > a for a, b in itertools.pairwise(stamps))


def test_reader_iterates_once(tmp_path):
    with VideoReader(write_video(tmp_path / "a.mp4", 3)) as video:
        assert len(list(video)) == 3
        with pytest.raises(VideoReadError, match="only once"):
            list(video)


def faststart_mp4(path: Path) -> Path:
    """TEST_VIDEO as an MP4 whose moov box comes before mdat (as cameras and web encoders write them), muxed by
    PyAV (the [video] extra; OpenCV's writer always puts moov last)."""
    av = pytest.importorskip("av", reason="PyAV (extra [video]) writes the moov-first MP4")
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 256, 192, "yuv420p"
        for frame in iter_frames(TEST_VIDEO):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame.rgb, format="rgb24")))
        container.mux(stream.encode())
    data = path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    return path


def _truncated(tmp_path: Path, src: Path) -> Path:
    data = src.read_bytes()
    out = tmp_path / f"trunc_{src.name}"
    out.write_bytes(data[: int(len(data) * 0.3)])  # first 30% of a real MP4, in tmp only
    return out


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


BAD_VIDEOS = {
    "missing": (lambda d: d / "nope.mp4", "no such file"),
    "zero-byte": (lambda d: _file(d / "empty.mp4", b""), "empty file"),
    "directory": (lambda d: _folder(d / "dir.mp4"), "is a directory"),
    "text": (lambda d: _file(d / "text.mp4", b"not a video\n" * 40), "not a video"),
    "zero-frames-mp4": (lambda d: write_video(d / "zero.mp4", 0), "not a video"),
    "zero-frames-avi": (lambda d: write_video(d / "zero.avi", 0, fourcc="MJPG"), "no video frame"),
    "truncated-moov-first": (
        lambda d: _truncated(d, faststart_mp4(d / "fs.mp4")),
        "truncated or corrupt: decoded",
    ),
    "truncated-moov-last": (lambda d: _truncated(d, write_video(d / "w.mp4", 30)), "not a video"),
    "truncated-avi": (lambda d: _truncated(d, TEST_VIDEO), "truncated or corrupt: decoded 25 of 80"),
}


@pytest.mark.parametrize("case", sorted(BAD_VIDEOS))
def test_bad_videos_raise_one_line_error(tmp_path, case):
    make, reason = BAD_VIDEOS[case]
    path = make(tmp_path)
    with pytest.raises(VideoReadError) as info:
        for _ in iter_frames(path):
            pass
    message = str(info.value)
    assert message.startswith(f"{path}: ") and reason in message
    assert "\n" not in message


def test_missing_camera_is_a_clear_error():
    with pytest.raises(VideoReadError, match=r"^camera 97: cannot open \(no such camera"):
        VideoReader(97)


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("12", 12), (3, 3), ("clip.mp4", "clip.mp4")])
def test_parse_camera(value, expected):
    assert parse_camera(value) == expected


# -- writing ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".mp4", ".avi", ".mov"])
def test_writer_round_trip_same_size_and_fps(tmp_path, suffix):
    out = tmp_path / f"out{suffix}"
    frames = [np.full((48, 64, 3), 10 * i, np.uint8) for i in range(12)]
    with VideoWriter(out, fps=12.5, size=(64, 48)) as writer:
        for f in frames:
            writer.write(f)
    assert no_temp_files(tmp_path)
    with VideoReader(out) as video:
        assert (video.width, video.height, video.fps) == (64, 48, 12.5)
        back = list(video)
    assert len(back) == 12
    means = [float(f.rgb.mean()) for f in back]
    assert means == pytest.approx([10.0 * i for i in range(12)], abs=6.0)  # lossy codecs


def test_writer_interrupted_leaves_no_file_and_keeps_existing_target(tmp_path):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"previous result")
    with pytest.raises(KeyboardInterrupt), VideoWriter(out, fps=25, size=(64, 48)) as writer:
        writer.write(np.zeros((48, 64, 3), np.uint8))
        raise KeyboardInterrupt
    assert out.read_bytes() == b"previous result"
    assert no_temp_files(tmp_path)


def test_writer_rejects_bad_suffix_and_wrong_frame_size(tmp_path):
    with pytest.raises(HandposeError, match=r"unsupported output video type '\.gif'"):
        VideoWriter(tmp_path / "x.gif", fps=25, size=(64, 48))
    with (
        pytest.raises(ValueError, match="does not match the video size"),
        VideoWriter(tmp_path / "x.mp4", fps=25, size=(64, 48)) as writer,
    ):
        writer.write(np.zeros((10, 10, 3), np.uint8))
    assert not (tmp_path / "x.mp4").exists() and no_temp_files(tmp_path)


# -- VIDEO mode misuse --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def video_landmarker():
    with HandLandmarker(model="lite", running_mode="video") as lm:
        yield lm


def test_non_increasing_timestamps_rejected(video_landmarker):
    frame = np.zeros((48, 64, 3), np.uint8)
    video_landmarker.reset()
    video_landmarker.detect_for_video(frame, 100)
    for bad in (100, 99):
        with pytest.raises(ValueError, match=f"timestamps must increase: got {bad} ms after 100 ms"):
            video_landmarker.detect_for_video(frame, bad)
    video_landmarker.detect_for_video(frame, 101)  # still usable


def test_mode_misuse_names_the_mode(video_landmarker, landmarker_lite):
    frame = np.zeros((48, 64, 3), np.uint8)
    with pytest.raises(ValueError, match="IMAGE mode"):
        landmarker_lite.detect_for_video(frame, 0)
    with pytest.raises(ValueError, match="VIDEO mode"):
        video_landmarker.detect(frame)
    with pytest.raises(ValueError, match="VIDEO mode"):
        video_landmarker.detect_async(frame, 0)


# -- handpose video ---------------------------------------------------------------------------------------


def test_cli_video_writes_annotated_video_and_jsonl(tmp_path, capsys):
    src = TEST_VIDEO
    out, jsonl = tmp_path / "out.mp4", tmp_path / "out.jsonl"
    code = main(
        ["video", str(src), "-o", str(out), "--jsonl", str(jsonl), "--max-frames", "20", "--model", "lite"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"-> {out}, {jsonl}" in captured.out
    with VideoReader(out) as video:
        assert (video.width, video.height, video.fps) == (256, 192, 25.0)
        assert sum(1 for _ in video) == 20
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [r["frame"] for r in records] == list(range(20))
    assert [r["timestamp_ms"] for r in records] == [40 * i for i in range(20)]
    assert records[0]["palm_detector_ran"] is True
    # Same numbers as the API in VIDEO mode on the same frames.
    with HandLandmarker(model="lite", running_mode="video") as lm:
        for rec, (_, ts, rgb) in zip(records, iter_frames(src), strict=False):
            api = lm.detect_for_video(rgb, ts)
            assert rec["palm_detector_ran"] == api.palm_detector_ran
            assert len(rec["hands"]) == len(api.hands)
            for got, want in zip(rec["hands"], api.hands, strict=True):
                np.testing.assert_allclose(got["landmarks"], want.landmarks, atol=1e-6)
    assert no_temp_files(tmp_path)


def test_cli_video_smooth_changes_landmarks_but_not_counts(tmp_path, capsys):
    src = TEST_VIDEO
    runs = {}
    for flag in ([], ["--smooth"]):
        jsonl = tmp_path / f"run{len(flag)}.jsonl"
        args = [
            "video",
            str(src),
            "--no-video",
            "--jsonl",
            str(jsonl),
            "--max-frames",
            "8",
            "--model",
            "lite",
        ]
        assert main(args + flag) == 0
        runs[len(flag)] = [json.loads(line) for line in jsonl.read_text().splitlines()]
    capsys.readouterr()
    raw, smooth = runs[0], runs[1]
    assert [len(r["hands"]) for r in raw] == [len(r["hands"]) for r in smooth]
    assert raw[0]["hands"][0]["landmarks"] == smooth[0]["hands"][0]["landmarks"]  # first frame: filter starts
    assert raw[-1]["hands"][0]["landmarks"] != smooth[-1]["hands"][0]["landmarks"]


@pytest.mark.parametrize("case", ["missing", "zero-byte", "text", "truncated-avi"])
def test_cli_video_bad_input_one_line_no_output(tmp_path, capsys, case):
    make, reason = BAD_VIDEOS[case]
    src = make(tmp_path)
    outdir = tmp_path / "out"
    outdir.mkdir()
    code = main(
        [
            "video",
            str(src),
            "-o",
            str(outdir / "o.mp4"),
            "--jsonl",
            str(outdir / "o.jsonl"),
            "--model",
            "lite",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[-1].startswith(f"handpose: error: {src}: ") and reason in lines[-1]
    assert "Traceback" not in err
    assert list(outdir.iterdir()) == []  # nothing written, no temporary file left


def long_clip(folder: Path, repeats: int = 4) -> Path:
    """TEST_VIDEO's frames ``repeats`` times over (MJPG .avi, 320 frames): long enough to interrupt midway."""
    frames = [cv2.cvtColor(f.rgb, cv2.COLOR_RGB2BGR) for f in iter_frames(TEST_VIDEO)]
    path = folder / "long.avi"
    writer = cv2.VideoWriter(str(path), cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (256, 192))
    for frame in frames * repeats:
        writer.write(frame)
    writer.release()
    return path


def test_cli_video_interrupted_leaves_no_output(tmp_path):
    src = long_clip(tmp_path)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    out, jsonl = tmp_path / "o.mp4", tmp_path / "o.jsonl"
    cmd = [sys.executable, "-m", "handpose.cli", "video", str(src), "-o", str(out), "--jsonl", str(jsonl)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(".tmp" in p.name for p in tmp_path.iterdir()):
        time.sleep(0.05)  # wait until it is writing (temporary files exist)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == []


def test_cli_video_needs_some_output(capsys, tmp_path):
    src = TEST_VIDEO
    assert main(["video", str(src), "--no-video"]) == 2
    assert "nothing to write" in capsys.readouterr().err


# -- handpose bench --video (structure only: speed is measured by benchmarks/, never asserted) ---------------


def test_video_bench_reports_both_fps_numbers():
    from handpose.bench import format_video_bench, run_video_bench

    result = run_video_bench(TEST_VIDEO, "lite", frames=6, threads=1, compare=False)
    hp = result["handpose"]
    assert result["frames"] == hp["frames"] == 5 and result["mediapipe"] is None
    assert hp["fps_decode_excluded"] > 0 and hp["fps_decode_included"] > 0
    # One hand in every frame (MediaPipe reference) and max_hands 2: the palm detector runs on every frame.
    assert hp["hands_per_frame"] == [1] * 5 and hp["palm_detector_runs"] == 5
    assert "MediaPipe 0.10.21 not found" in format_video_bench(result)


@pytest.mark.slow
def test_video_bench_against_mediapipe_when_available():
    from handpose.bench import find_mediapipe_python, run_video_bench

    python = find_mediapipe_python(None)
    if python is None:
        pytest.skip("no interpreter with mediapipe==0.10.21 (set HANDPOSE_MEDIAPIPE_PYTHON)")
    result = run_video_bench(TEST_VIDEO, "full", frames=6, threads=1, mediapipe_python=python)
    assert result["mediapipe"]["engine"] == "mediapipe 0.10.21"
    assert result["mediapipe"]["frames"] == 5 and result["hand_count_agreement"] == 1.0
    assert result["speedup_decode_excluded"] > 0 and result["speedup_decode_included"] > 0


def test_prefetch_keeps_order_reraises_and_stops_early():
    from handpose.io.video import prefetch

    assert list(prefetch(range(50), depth=3)) == list(range(50))
    assert list(prefetch(range(5), depth=0)) == list(range(5))

    def failing():
        yield 1
        yield 2
        raise VideoReadError("clip.mp4: truncated")

    got = []
    with pytest.raises(VideoReadError, match="truncated"):
        for item in prefetch(failing(), depth=2):
            got.append(item)
    assert got == [1, 2]

    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    it = prefetch(endless(), depth=2)
    assert next(it) == 0
    it.close()  # stops the producer thread
    count = len(produced)
    import time as _time

    _time.sleep(0.3)
    assert len(produced) == count <= 4


def test_video_cli_output_identical_with_prefetch(tmp_path, capsys):
    """Decoding ahead on a thread must not change results: JSONL equals detect_for_video over iter_frames."""
    from handpose import HandLandmarker
    from handpose.cli import main
    from handpose.io.video import iter_frames

    video = TEST_VIDEO
    out = tmp_path / "clip.jsonl"
    assert (
        main(
            [
                "video",
                str(video),
                "--jsonl",
                str(out),
                "--no-video",
                "--max-frames",
                "12",
                "--no-progress",
                "--model",
                "lite",
            ]
        )
        == 0
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    with HandLandmarker(model="lite", running_mode="video") as lm:
        for (index, ts, rgb), rec in zip(iter_frames(video), lines, strict=False):
            result = lm.detect_for_video(rgb, ts)
            assert rec["frame"] == index and rec["timestamp_ms"] == ts
            assert [h["landmarks"] for h in rec["hands"]] == [h.to_dict()["landmarks"] for h in result.hands]
    assert len(lines) == 12
