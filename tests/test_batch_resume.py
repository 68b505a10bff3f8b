"""Crash safety of ``handpose batch``: SIGKILL the whole job (parent and workers) midway, rerun with ``--resume``,
and the final output equals an uninterrupted run's: same rows in the same order, none lost, none duplicated.

Inputs: the test images (../shared/handdata/images read in place, else the 12 committed in tests/data/images)
symlinked 40 times under distinct names.
The expected output is the uninterrupted run of the same command (the property under test is equality).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import images_folder

N_FILES = 40


def make_inputs(folder: Path) -> list[str]:
    images = sorted(p for p in images_folder().iterdir() if p.suffix in (".jpg", ".png"))
    folder.mkdir()
    names = []
    for k in range(N_FILES):
        src = images[k % len(images)]
        name = f"{k:03d}_{src.name}"
        (folder / name).symlink_to(src)
        names.append(name)
    return names


def command(folder: Path, out: Path, *extra: str, workers: str = "2") -> list[str]:
    return [
        sys.executable, "-m", "handpose.cli", "batch", str(folder), "--out", str(out),
        "--workers", workers, "--chunk-size", "2", "--batch-size", "1", "--no-progress", *extra,
    ]  # fmt: skip


# "2": two worker processes; "1" with two threads: the command's own process, two images in flight (the default
# on two cores). The expected output is always the two-process run's: both ways must give the same bytes.
@pytest.mark.parametrize("workers", ["2", "1"])
def test_sigkill_midway_then_resume_equals_uninterrupted_run(tmp_path, workers):
    folder = tmp_path / "in"
    names = make_inputs(folder)
    expected_out = tmp_path / "expected.jsonl"
    subprocess.run(command(folder, expected_out), check=True, capture_output=True, timeout=300)
    expected = expected_out.read_text()
    assert [Path(json.loads(x)["image"]).name for x in expected.splitlines()] == names

    out = tmp_path / "r.jsonl"
    parts = tmp_path / "r.jsonl.parts"
    proc = subprocess.Popen(
        command(folder, out, "--threads", "2", workers=workers),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            done = parts / "done.jsonl"  # finished = recorded there (a shard file appears a moment earlier)
            if done.is_file() and done.read_bytes().count(b"\n") >= 3:
                break
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)  # the job's own process group: parent and workers
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the job finished before it could be killed"
    assert not out.exists()
    finished = len(list(parts.glob("part-*.jsonl")))
    assert 3 <= finished < N_FILES // 2

    resumed = subprocess.run(
        command(folder, out, "--threads", "2", "--resume", workers=workers),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from an earlier run" in resumed.stderr
    assert out.read_text() == expected
    rows = [json.loads(x)["image"] for x in out.read_text().splitlines()]
    assert len(rows) == len(set(rows)) == N_FILES
    assert not parts.exists()
    assert not list(tmp_path.glob(".*.tmp"))
