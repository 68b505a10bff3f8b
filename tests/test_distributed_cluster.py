"""``handpose batch --engine ray`` on a real two-node Ray cluster started with ``ray start`` (a head and a second
node, on 127.0.0.1, with Ray's token authentication when this Ray has it), run from another working directory
than the cluster's with relative paths: outputs equal the local engine's, names stay as given, annotated copies
land in the relative folder. Unreadable inputs are one clear line; Ray's errors lose their colour codes.

Inputs: the example image bundled in the package (fingerpose, MIT) and its mirror image, 6 files. Expected
output: the local engine's run of the same command (the property under test is equality).

Teardown stops only this cluster's processes (found by a marker in their environment): ``ray stop`` would stop
every Ray of the user on the machine, other people's included.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import psutil
import pytest

from handpose.io.images import encode_jpeg, load_image

pytest.importorskip("ray", reason="the distributed engine needs the [ray] extra")
pytest.importorskip("ray.data", reason="the distributed engine needs the [ray] extra")
pytestmark = pytest.mark.slow

N_FILES = 6
MARKER = "HANDPOSE_TEST_RAY_CLUSTER"
RAY = str(Path(sys.executable).with_name("ray"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def has_token_auth() -> bool:
    """Ray 2.5x+ ships token authentication (``ray get-auth-token``; RAY_AUTH_MODE=token)."""
    probe = subprocess.run([RAY, "get-auth-token", "--help"], capture_output=True, timeout=120)
    return probe.returncode == 0


def stop_cluster(marker: str) -> None:
    procs = []
    for p in psutil.process_iter():
        try:
            if p.environ().get(MARKER) == marker:
                procs.append(p)
        except (psutil.Error, OSError):
            continue
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.terminate()
    _, alive = psutil.wait_procs(procs, timeout=15)
    for p in alive:
        with contextlib.suppress(psutil.Error):
            p.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    base = tmp_path_factory.mktemp("raycluster")
    home = base / "cluster-cwd"  # the nodes' working directory: the driver's relative paths mean nothing here
    home.mkdir()
    marker = uuid.uuid4().hex
    env = {**os.environ, MARKER: marker, "RAY_USAGE_STATS_ENABLED": "0"}
    if has_token_auth():
        env.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=uuid.uuid4().hex)
    port = free_port()
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats"]
    common += ["--min-worker-port=0", "--max-worker-port=0"]  # workers on free ports chosen by the OS
    # Ray's sockets live under --temp-dir and AF_UNIX paths are short (107 bytes): a short folder in /tmp.
    ray_tmp = tempfile.mkdtemp(prefix="hp-ray-", dir="/tmp" if os.path.isdir("/tmp") else None)
    head = [RAY, "start", "--head", f"--port={port}", f"--temp-dir={ray_tmp}", "--include-dashboard=false"]
    second = [RAY, "start", f"--address=127.0.0.1:{port}"]
    try:
        for cmd in (head, second):
            cmd = [*cmd, *common, f"--dashboard-agent-listen-port={free_port()}"]
            run = subprocess.run(cmd, cwd=home, env=env, capture_output=True, text=True, timeout=300)
            assert run.returncode == 0, run.stdout + run.stderr
        wait_for_nodes(f"127.0.0.1:{port}", env, 2)
        yield f"127.0.0.1:{port}", env
    finally:
        stop_cluster(marker)
        shutil.rmtree(ray_tmp, ignore_errors=True)


def wait_for_nodes(address: str, env: dict[str, str], count: int) -> None:
    code = (
        "import ray, sys, time\n"
        f"ray.init(address={address!r}, logging_level='ERROR', log_to_driver=False)\n"
        "deadline = time.monotonic() + 120\n"
        f"while sum(n['Alive'] for n in ray.nodes()) < {count} and time.monotonic() < deadline:\n"
        "    time.sleep(0.5)\n"
        "print(sum(n['Alive'] for n in ray.nodes()))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert run.stdout.strip().splitlines()[-1:] == [str(count)], run.stderr


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The driver's working directory, with ``in/`` holding the inputs."""
    import handpose

    work = tmp_path_factory.mktemp("driver")
    (work / "in").mkdir()
    photo = Path(handpose.__file__).parent / "data" / "example_hand.jpg"
    mirrored = encode_jpeg(cv2.cvtColor(np.fliplr(load_image(photo)), cv2.COLOR_RGB2BGR))
    for k in range(N_FILES):
        (work / "in" / f"{k:03d}.jpg").write_bytes(photo.read_bytes() if k % 2 == 0 else mirrored)
    return work


def batch(workdir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "handpose.cli", "batch", "in", "--no-progress", "--model", "lite", *args]
    return subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)


def test_relative_paths_on_a_two_node_cluster(cluster: tuple[str, dict[str, str]], workdir: Path) -> None:
    address, env = cluster
    local = batch(workdir, env, "--out", "local.jsonl", "--workers", "1")
    assert local.returncode == 0, local.stderr
    run = batch(
        workdir,
        env,
        "--out",
        "ray.jsonl",
        "--annotated-dir",
        "ann",
        "--engine",
        "ray",
        "--ray-address",
        address,
    )
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in (workdir / "ray.jsonl").read_text().splitlines()]
    assert [r["image"] for r in rows] == [f"in/{k:03d}.jpg" for k in range(N_FILES)]  # names as given
    assert all(len(r["hands"]) == 1 for r in rows)
    assert (workdir / "ray.jsonl").read_bytes() == (workdir / "local.jsonl").read_bytes()
    assert sorted(p.name for p in (workdir / "ann" / "in").iterdir()) == [
        f"{k:03d}.jpg" for k in range(N_FILES)
    ]
    assert "\x1b[" not in run.stderr
    assert "Progress bars disabled" not in run.stderr
    assert "minimum number of concurrent actors" not in run.stderr


def test_unreachable_inputs_and_ray_errors_are_one_clean_line(
    cluster: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    address, env = cluster
    code = (
        "import ray\n"
        "from handpose.distributed import init_ray\n"
        "from handpose.distributed.cluster import check_reachable, one_line\n"
        "from handpose.errors import HandposeError\n"
        f"ray = init_ray({address!r})\n"
        "try:\n"
        "    check_reachable(ray, ['only/on/the/driver.jpg'])\n"
        "except HandposeError as exc:\n"
        "    print('REACH', exc)\n"
        "@ray.remote\n"
        "def fails():\n"
        "    raise FileNotFoundError(\"Failed to open local file 'in/1.jpg'\")\n"
        "try:\n"
        "    ray.get(fails.remote())\n"
        "except Exception as exc:\n"
        "    print('RAW', repr(str(exc)[:40]))\n"
        "    print('LINE', one_line(exc))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    out = dict(
        line.split(" ", 1)
        for line in run.stdout.splitlines()
        if line.split(" ", 1)[0] in ("REACH", "RAW", "LINE")
    )
    assert "REACH" in out, run.stderr
    assert out["REACH"].startswith("only/on/the/driver.jpg: not readable on Ray node ")
    assert f"as {tmp_path / 'only/on/the/driver.jpg'} (no such file)" in out["REACH"]  # made absolute
    assert "every node mounts at the same path" in out["REACH"]
    assert out["LINE"] == "FileNotFoundError: Failed to open local file 'in/1.jpg'"
    assert "\x1b" not in out["LINE"]


def test_object_store_uris_are_read_through_pyarrow(
    cluster: tuple[str, dict[str, str]], workdir: Path
) -> None:
    """A ``file://`` URI goes the way ``s3://`` does (pyarrow's filesystems on the driver and in Ray's
    readers); rows are named by the URIs."""
    address, env = cluster
    uri = (workdir / "in").as_uri()
    cmd = [sys.executable, "-m", "handpose.cli", "batch", uri, "--no-progress", "--model", "lite"]
    cmd += ["--out", "uri.jsonl", "--engine", "ray", "--ray-address", address]
    run = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in (workdir / "uri.jsonl").read_text().splitlines()]
    assert [r["image"] for r in rows] == [f"{uri}/{k:03d}.jpg" for k in range(N_FILES)]
    if not (workdir / "local.jsonl").exists():  # run alone: the local engine's output as the reference
        assert batch(workdir, env, "--out", "local.jsonl", "--workers", "1").returncode == 0
    local = [json.loads(line) for line in (workdir / "local.jsonl").read_text().splitlines()]
    assert [r["hands"] for r in rows] == [r["hands"] for r in local]


def test_uris_need_the_ray_engine(workdir: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "handpose.cli", "batch", (workdir / "in").as_uri(), "--out", "x.jsonl"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"handpose: error: {(workdir / 'in').as_uri()}: object-store URIs are read by the Ray engine (add --engine ray)"
    ]
