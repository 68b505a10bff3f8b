"""``--threads N`` / ``threads=N`` is honoured everywhere: measured by the CPU time the process (and its
children) used against the wall time it took, not by reading the option back.

With one thread, a process cannot use more than one core for its inference, so CPU time / wall time stays at
about 1 or below whatever the load (other processes only lower it); the 1.3 bound leaves room for the
interpreter's start-up and short bursts of OpenCV or I/O threads. The old shared 2-thread pool ran
``handpose bench --threads 1`` at 1.87 (issue 13), so these checks fail when a command ignores the option.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import TEST_VIDEO, handdata_path, images_folder

MAX_CORES_AT_ONE_THREAD = 1.3


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cores_used(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd`` to the end; (CPU seconds of it and its children / wall seconds, wall seconds, stdout)."""
    cpu0, t0 = children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    assert proc.returncode == 0, proc.stderr[-2000:]
    return cpu / wall, wall, proc.stdout


def handpose(*argv: str) -> list[str]:
    return [sys.executable, "-m", "handpose.cli", *argv]


def some_images(n: int = 10) -> list[str]:
    folder = images_folder()
    return [str(p) for p in sorted(folder.iterdir()) if p.suffix.lower() in (".jpg", ".png")][:n]


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["bench", "--models", "lite", "--passes", "3", "--rounds", "1"], id="bench"),
        pytest.param(["detect", "--no-annotate", "--json", "--model", "lite"], id="detect"),
        pytest.param(
            ["video", str(TEST_VIDEO), "--no-video", "--no-progress", "--model", "lite"], id="video"
        ),
        pytest.param(["webcam", "--camera", str(TEST_VIDEO), "--headless", "--model", "lite"], id="webcam"),
        pytest.param(["batch", "--no-progress", "--model", "lite"], id="batch"),
    ],
)
def test_one_thread_keeps_to_one_core(argv, tmp_path):
    if argv[0] == "bench":
        argv = [*argv, "--images", str(images_folder()), "--limit", "8"]
    elif argv[0] == "detect":
        # Each image eight times: enough work (a few seconds) that start-up's short multi-threaded bursts (module
        # imports, session creation) cannot decide the ratio; 10 images alone once measured 1.35 over 0.5 s.
        argv = [*argv, *(some_images() * 8)]
    elif argv[0] == "batch":
        argv = [*argv, str(images_folder()), "--out", str(tmp_path / "out.jsonl")]
    elif argv[0] == "video":
        argv = [*argv, "--jsonl", str(tmp_path / "frames.jsonl")]
    elif argv[0] == "webcam":
        argv = [*argv, "--save-dir", str(tmp_path / "captures")]
    ratio, wall, _ = cores_used(handpose(*argv, "--threads", "1"))
    assert ratio <= MAX_CORES_AT_ONE_THREAD, f"{argv[0]} --threads 1 used {ratio:.2f} cores over {wall:.1f} s"


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["image", "video"])
def test_api_threads_one_keeps_to_one_core(mode):
    """HandLandmarker(threads=1), IMAGE mode on several images (detect_batch) and VIDEO mode on a clip."""
    code = (
        "import sys\n"
        "from handpose import HandLandmarker\n"
        "from handpose.io.images import load_image\n"
        "from handpose.io.video import iter_frames\n"
        f"if {mode!r} == 'image':\n"
        "    images = [load_image(p) for p in sys.argv[1:]]\n"
        "    with HandLandmarker(model='lite', threads=1) as lm:\n"
        "        for _ in range(3):\n"
        "            lm.detect_batch(images)\n"
        "else:\n"
        "    with HandLandmarker(model='lite', threads=1, running_mode='video') as lm:\n"
        f"        for frame in iter_frames({str(TEST_VIDEO)!r}):\n"
        "            lm.detect_for_video(frame.rgb, frame.timestamp_ms + 1)\n"
    )
    ratio, wall, _ = cores_used([sys.executable, "-c", code, *some_images()])
    assert ratio <= MAX_CORES_AT_ONE_THREAD, f"API {mode} threads=1 used {ratio:.2f} cores over {wall:.1f} s"


@pytest.mark.slow
def test_serve_one_thread_keeps_to_one_core(tmp_path):
    """``handpose serve --threads 1``: the server's CPU time over a run of REST requests sent one after the other."""
    psutil = pytest.importorskip("psutil")
    pytest.importorskip("fastapi", reason="the web app needs the [web] extra")
    from handpose.web.server import ServerProcess

    bodies = [Path(p).read_bytes() for p in some_images()]
    with ServerProcess(
        "--threads",
        "1",
        "--model",
        "lite",
        "--save-dir",
        str(tmp_path / "captures"),
        log_path=tmp_path / "log",
    ) as server:
        proc = psutil.Process(server.pid)

        def post(body: bytes) -> dict:
            req = urllib.request.Request(
                f"{server.url}/v1/detect",
                data=body,
                method="POST",
                headers={"Content-Type": "application/octet-stream"},
            )
            with urllib.request.urlopen(req, timeout=120) as resp:
                return json.loads(resp.read())

        post(bodies[0])  # first-use model load outside the measurement
        cpu0, t0 = sum(proc.cpu_times()[:2]), time.perf_counter()
        for _ in range(3):
            for body in bodies:
                assert "hands" in post(body)
        ratio = (sum(proc.cpu_times()[:2]) - cpu0) / (time.perf_counter() - t0)
    assert ratio <= MAX_CORES_AT_ONE_THREAD, f"serve --threads 1 used {ratio:.2f} cores"


def test_still_image_hands_stay_on_the_calling_thread():
    """One still image with two hands, default threads: the landmark runs are not split over a second thread
    (it cost 16-18% more CPU for those hands and gained no wall time over a set of photos, issue 13). Threads
    are counted by CPU time: the process's own CPU time equals the calling thread's."""
    from handpose import HandLandmarker
    from handpose.io.images import load_image

    image = load_image(handdata_path("images", "fingerpose_pair.jpg"))
    with HandLandmarker(model="lite", threads=2) as lm:
        assert len(lm.detect(image).hands) == 2
        cpu0, thread0 = time.process_time(), time.thread_time()
        for _ in range(5):
            assert len(lm.detect(image).hands) == 2
        process, caller = time.process_time() - cpu0, time.thread_time() - thread0
    assert process <= caller * 1.05 + 0.01, f"other threads used {process - caller:.3f} s of {process:.3f} s"
