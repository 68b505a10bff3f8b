"""Stopping ``handpose batch`` with SIGTERM, SIGHUP or SIGINT midway: exit code 128 + signal, a message naming
``--resume``, no process of the job left running (workers, multiprocessing's resource tracker), and ``--resume``
then gives output byte-identical to an uninterrupted run. And: killing the parent with SIGKILL takes its
workers with it.

Inputs: the example image bundled in the package (fingerpose, MIT) and its mirror image, alternately, under 60
distinct names. The expected output is the uninterrupted run of the same command (the property under test is
equality).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import psutil
import pytest

from handpose.io.images import encode_jpeg, load_image

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals (SIGHUP, SIGKILL) needed"),
]

N_FILES = 60


def example_image() -> Path:
    import handpose

    return Path(handpose.__file__).parent / "data" / "example_hand.jpg"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("signals") / "in"
    folder.mkdir()
    rgb = load_image(example_image())
    variants = [example_image().read_bytes(), encode_jpeg(cv2.cvtColor(np.fliplr(rgb), cv2.COLOR_RGB2BGR))]
    for k in range(N_FILES):
        (folder / f"{k:03d}.jpg").write_bytes(variants[k % 2])
    return folder


def command(folder: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "handpose.cli", "batch", str(folder), "--out", str(out),
        "--workers", "2", "--chunk-size", "2", "--batch-size", "1", "--no-progress", *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def expected(inputs: Path) -> bytes:
    out = inputs.parent / "expected.jsonl"
    subprocess.run(command(inputs, out), check=True, capture_output=True, timeout=600)
    data = out.read_bytes()
    assert data.count(b"\n") == N_FILES
    return data


def _done_units(parts: Path) -> int:
    """Complete lines of the job's done-list (0 before it exists)."""
    try:
        return (parts / "done.jsonl").read_bytes().count(b"\n")
    except OSError:
        return 0


def start_and_wait_for_shards(cmd: list[str], parts: Path, shards: int = 2) -> subprocess.Popen[str]:
    """Start the job in its own session and return once ``shards`` units are finished (it is then midway).

    Finished = listed in ``done.jsonl``: a unit's shard file appears a moment before the parent records it there,
    and a signal in between leaves it to be redone on resume (correct, but then nothing counts as resumed)."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if _done_units(parts) >= shards:
            break
        time.sleep(0.01)
    assert proc.poll() is None, f"the job ended before it could be interrupted: {proc.communicate()}"
    return proc


def session_processes(sid: int) -> list[psutil.Process]:
    """Every process still alive in session ``sid`` (the job's own session: start_new_session)."""
    alive = []
    for p in psutil.process_iter():
        try:
            if os.getsid(p.pid) == sid and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except (psutil.Error, ProcessLookupError, PermissionError):
            continue
    return alive


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_signal_stops_cleanly_and_resume_is_byte_identical(
    inputs: Path, expected: bytes, tmp_path: Path, signame: str
) -> None:
    sig = getattr(signal, signame)
    out = tmp_path / "r.jsonl"
    proc = start_and_wait_for_shards(command(inputs, out), tmp_path / "r.jsonl.parts")
    children = psutil.Process(proc.pid).children(recursive=True)
    assert len(children) >= 2  # the two workers (and the resource tracker)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole process group
    else:
        os.kill(proc.pid, sig)  # kill, docker and systemd signal the main process
    _, err = proc.communicate(timeout=120)

    assert proc.returncode == 128 + sig, err
    assert f"interrupted ({signame})" in err
    assert "--resume" in err
    assert "Traceback" not in err
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], f"still running after {signame}: {alive}"
    assert session_processes(proc.pid) == []
    assert not out.exists()

    done = subprocess.run(command(inputs, out, "--resume"), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "resumed from an earlier run" in done.stderr
    assert out.read_bytes() == expected


def test_workers_die_when_the_parent_is_killed(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "k.jsonl"
    proc = start_and_wait_for_shards(command(inputs, out), tmp_path / "k.jsonl.parts", shards=1)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert len(children) >= 2
    os.kill(proc.pid, signal.SIGKILL)  # no handler runs: the workers must go by themselves
    proc.communicate(timeout=60)
    _, alive = psutil.wait_procs(children, timeout=20)
    assert alive == [], f"orphaned after SIGKILL of the parent: {alive}"
    assert session_processes(proc.pid) == []


def test_sigterm_stops_a_ray_job_like_ctrl_c(inputs: Path, tmp_path: Path) -> None:
    """ray.init takes SIGTERM over in the driver (sys.exit(15) and a C-level stack dump + abort): handpose puts
    its handler back, so the Ray engine stops like the local one, and the local Ray it started goes too."""
    pytest.importorskip("ray.data", reason="the Ray engine needs the [ray] extra")
    out = tmp_path / "ray.jsonl"
    cmd = command(inputs, out, "--engine", "ray")
    cmd[cmd.index("--workers") + 1] = "1"
    proc = start_and_wait_for_shards(cmd, tmp_path / "ray.jsonl.parts")
    children = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "interrupted (SIGTERM)" in err and "--resume" in err
    assert "Traceback" not in err and "SIGTERM received" not in err
    _, alive = psutil.wait_procs(children, timeout=30)
    assert alive == [], f"still running after SIGTERM: {alive}"
