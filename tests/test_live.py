"""LIVE_STREAM mode and ``handpose webcam``: real models, real decoding, real threads (no mocks).

The webcam command is fed from a real video file standing in for a camera (``--camera FILE``), paced at the
file's frame rate like a camera. Frames come from ../shared/handdata/videos (read in place).
"""

from __future__ import annotations

import json
import logging
import re
import threading

import numpy as np
import pytest

from conftest import TEST_VIDEO
from handpose import HandLandmarker, HandLandmarkerResult
from handpose.cli import main
from handpose.io.video import iter_frames
from handpose.live import LiveStreamRunner

# TEST_VIDEO: 256x192, 25 fps, 80 frames; one hand in frames 0-39 (MediaPipe 0.10.21 reference)


@pytest.fixture(scope="module")
def frames():
    out = []
    for index, ts, rgb in iter_frames(TEST_VIDEO):
        if index >= 30:
            break
        out.append((ts, rgb))
    return out


class Collector:
    """A result callback that records what it gets (thread-safe)."""

    def __init__(self, fail_on: set[int] | None = None) -> None:
        self.items: list[tuple[int, HandLandmarkerResult, np.ndarray]] = []
        self.fail_on = fail_on or set()
        self.lock = threading.Lock()

    def __call__(self, result: HandLandmarkerResult, rgb: np.ndarray, timestamp_ms: int) -> None:
        with self.lock:
            self.items.append((timestamp_ms, result, rgb))
        if timestamp_ms in self.fail_on:
            raise RuntimeError(f"callback failure at {timestamp_ms}")


def test_live_stream_newest_frame_wins_and_drops_are_counted(frames):
    collector = Collector()
    with HandLandmarker(model="lite", running_mode="live_stream", result_callback=collector) as lm:
        runner = lm._live  # wait_idle is internal; the counters are also public as lm.live_stats
        for ts, rgb in frames:  # as fast as possible: the worker cannot keep up, so frames are dropped
            lm.detect_async(rgb, ts)
        assert runner.wait_idle(timeout=60)
    submitted = [ts for ts, _ in frames]
    got = [ts for ts, _, _ in collector.items]
    assert runner.submitted == len(frames)
    assert runner.processed == len(got) and runner.processed + runner.dropped == len(frames)
    assert runner.dropped > 0  # 30 frames submitted back to back while each takes milliseconds to process
    assert got == sorted(got) and set(got) <= set(submitted)
    assert got[-1] == submitted[-1]  # the newest frame is never dropped
    for ts, result, rgb in collector.items:
        assert result.timestamp_ms == ts and (result.width, result.height) == (256, 192)
        np.testing.assert_array_equal(rgb, dict(frames)[ts])  # the frame the result belongs to (a copy)
        assert len(result.hands) == 1  # MediaPipe 0.10.21 reference: one hand in each of these frames


def test_live_stream_results_equal_video_mode_when_nothing_is_dropped(frames):
    collector = Collector()
    with HandLandmarker(model="lite", running_mode="live_stream", result_callback=collector) as live:
        for ts, rgb in frames[:6]:
            live.detect_async(rgb, ts)
            assert live._live.wait_idle(timeout=60)  # one at a time: nothing dropped
    with HandLandmarker(model="lite", running_mode="video") as video:
        expected = [video.detect_for_video(rgb, ts) for ts, rgb in frames[:6]]
    assert len(collector.items) == 6
    for (_, got, _), want in zip(collector.items, expected, strict=True):
        assert got.palm_detector_ran == want.palm_detector_ran
        np.testing.assert_array_equal(got.hands[0].landmarks, want.hands[0].landmarks)


def test_live_stream_rejects_non_increasing_timestamps(frames):
    with HandLandmarker(model="lite", running_mode="live_stream", result_callback=Collector()) as lm:
        rgb = frames[0][1]
        lm.detect_async(rgb, 1000)
        with pytest.raises(ValueError, match="timestamps must increase: got 1000 ms after 1000 ms"):
            lm.detect_async(rgb, 1000)
        with pytest.raises(ValueError, match="LIVE_STREAM mode"):
            lm.detect_for_video(rgb, 2000)


def test_callback_errors_are_logged_not_fatal(frames, caplog):
    collector = Collector(fail_on={frames[1][0]})
    with (
        caplog.at_level(logging.ERROR, logger="handpose.live"),
        HandLandmarker(model="lite", running_mode="live_stream", result_callback=collector) as lm,
    ):
        for ts, rgb in frames[:4]:
            lm.detect_async(rgb, ts)
            assert lm._live.wait_idle(timeout=60)
        errors = lm._live.errors
    assert [ts for ts, _, _ in collector.items] == [ts for ts, _ in frames[:4]]
    assert errors == 1
    assert any("callback raised" in r.getMessage() for r in caplog.records)


def test_runner_close_finishes_pending_frame_and_rejects_new_ones():
    seen: list[int] = []
    gate = threading.Event()

    def detect(rgb: np.ndarray, ts: int) -> HandLandmarkerResult:
        gate.wait(10)
        return HandLandmarkerResult((), rgb.shape[1], rgb.shape[0], True, ts)

    runner = LiveStreamRunner(detect, lambda result, rgb, ts: seen.append(ts))
    frame = np.zeros((4, 4, 3), np.uint8)
    for ts in (1, 2, 3, 4):  # 1 goes into work (blocked on the gate); 2 and 3 are replaced by newer frames
        runner.submit(frame, ts)
    gate.set()
    runner.close()
    # Whichever frame the worker took first (or none, if it woke late), the newest one is processed last.
    assert seen[-1] == 4 and len(seen) <= 2 and runner.dropped == 4 - len(seen)
    with pytest.raises(ValueError, match="closed"):
        runner.submit(frame, 5)


# -- handpose webcam --------------------------------------------------------------------------------------


def test_webcam_headless_from_a_file(tmp_path, capsys):
    src = TEST_VIDEO
    jsonl, shots = tmp_path / "live.jsonl", tmp_path / "shots"
    code = main(
        [
            "webcam", "--camera", str(src), "--headless", "--max-frames", "15", "--jsonl", str(jsonl),
            "--save-dir", str(shots), "--save-frames", "--model", "lite",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    m = re.search(r"(\d+) frames read, (\d+) processed, (\d+) dropped", out)
    assert m, out
    read, processed, dropped = map(int, m.groups())
    assert read == 15 and processed + dropped == 15 and processed >= 1
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert len(records) == processed
    indices = [r["frame"] for r in records]
    assert indices == sorted(set(indices)) and indices[-1] == 14  # the last frame is always processed
    assert [r["timestamp_ms"] for r in records] == [40 * i for i in indices]
    assert all(len(r["hands"]) == 1 for r in records)  # MediaPipe reference: one hand in frames 0-39
    # --save-frames: one file per processed frame, named by frame index and timestamp, sorting in frame order
    saved = sorted(p.name for p in shots.glob("*.jpg"))
    assert saved == [f"frame-{r['frame']:06d}-t{r['timestamp_ms']:06d}ms.jpg" for r in records]


def test_webcam_mirror_flips_hands(tmp_path, capsys):
    src = TEST_VIDEO
    runs = {}
    for mirror in (False, True):
        jsonl = tmp_path / f"m{mirror}.jsonl"
        args = ["webcam", "--camera", str(src), "--headless", "--max-frames", "1", "--jsonl", str(jsonl)]
        assert main([*args, "--model", "lite", *(["--mirror"] if mirror else [])]) == 0
        runs[mirror] = json.loads(jsonl.read_text().splitlines()[0])["hands"][0]
    capsys.readouterr()
    plain, mirrored = np.array(runs[False]["landmarks"]), np.array(runs[True]["landmarks"])
    # x mirrored, y unchanged, up to the models' own asymmetry: within 5 % of the hand's size (the hand fills
    # most of this small frame: its extent is ~0.7 of the frame height).
    atol = 0.05 * float(np.ptp(plain[:, :2], axis=0).max())
    np.testing.assert_allclose(mirrored[:, 0], 1.0 - plain[:, 0], atol=atol)
    np.testing.assert_allclose(mirrored[:, 1], plain[:, 1], atol=atol)


def test_webcam_missing_camera_is_one_line(capsys):
    code = main(["webcam", "--camera", "97", "--headless", "--model", "lite"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == "handpose: error: camera 97: cannot open (no such camera, or it is in use)"


def test_webcam_window_without_gui_suggests_headless(capsys):
    import cv2

    if "GUI: NONE" not in " ".join(cv2.getBuildInformation().split()):
        pytest.skip("this OpenCV build has a GUI")
    code = main(["webcam", "--camera", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "--headless" in err and len(err.strip().splitlines()) == 1


def test_webcam_ctrl_c_is_a_normal_stop_that_keeps_outputs(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    src = TEST_VIDEO
    jsonl = tmp_path / "live.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "handpose.cli",
        "webcam",
        "--camera",
        str(src),
        "--headless",
        "--jsonl",
        str(jsonl),
    ]
    proc = subprocess.Popen(
        [*cmd, "--model", "lite"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(".tmp" in p.name for p in tmp_path.iterdir()):
        time.sleep(0.05)
    time.sleep(1.0)  # the file is paced at 25 fps: about 25 frames in
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    m = re.search(r"(\d+) frames read, (\d+) processed", out)
    assert m and len(records) == int(m.group(2)) >= 1
    assert int(m.group(1)) < 80  # stopped before the end of the file


def test_live_stats_counters_are_public(frames):
    collector = Collector()
    with HandLandmarker(model="lite", running_mode="live_stream", result_callback=collector) as lm:
        for ts, rgb in frames[:5]:
            lm.detect_async(rgb, ts)
        assert lm._live.wait_idle(timeout=60)
        stats = lm.live_stats
    assert stats["submitted"] == 5
    assert stats["processed"] + stats["dropped"] == 5 and stats["processed"] == len(collector.items)
