"""``handpose.distributed`` and ``handpose batch --engine ray`` on a real local Ray cluster (2 CPUs, started once
for the module). Expected results: the local engine's on the same files (the property under test is that the
engines agree); the local engine itself is checked against MediaPipe in test_batch.py.

Inputs: 10 committed test images (tests/data/images and made/, via symlinks), 2 bad files, a missing path and a
12-frame clip cut from tests/data/video/fingerpose_moves.avi into the tmp folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import TEST_VIDEO, handdata_path
from handpose.cli import main
from handpose.io.video import VideoWriter, iter_frames

pytestmark = pytest.mark.slow

IMAGES = [
    "fingerpose_fullcurl.jpg", "fingerpose_nocurl.jpg", "fingerpose_halfcurl.jpg", "fingerpose_pair.jpg",
    "neg_skimage_chelsea.png", "neg_skimage_rocket.jpg", "neg_opencv_fruits.jpg", "opencv_basketball1.png",
    "skimage_astronaut.png", "neg_opencv_smarties.png",
]  # fmt: skip


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    from handpose.distributed import RAY_NICENESS_ENV

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(RAY_NICENESS_ENV, "0")  # as handpose.distributed.init_ray does for a local Ray it starts
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        yield ray
        ray.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ray_in")
    for name in IMAGES:
        (root / name).symlink_to(handdata_path("images", name))
    (root / "empty.jpg").write_bytes(b"")
    (root / "text.png").write_text("not an image")
    source = TEST_VIDEO
    with VideoWriter(root / "clip.mp4", fps=25, size=(256, 192)) as writer:
        for frame in iter_frames(source):
            if frame.index >= 12:
                break
            writer.write(np.ascontiguousarray(frame.rgb[:, :, ::-1]))
    return root


def batch(*argv: object) -> int:
    return main(["batch", *map(str, argv), "--no-progress"])


def test_ray_engine_equals_local_engine(ray_cluster, inputs, tmp_path):
    local, remote = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    sources = (inputs, tmp_path / "missing.jpg")
    assert batch(*sources, "--out", local, "--workers", 1, "--chunk-size", 4) == 1
    assert batch(*sources, "--out", remote, "--engine", "ray", "--chunk-size", 4, "--batch-size", 3) == 1
    rows = [json.loads(x) for x in local.read_text().splitlines()]
    assert len(rows) == len(IMAGES) + 12 and sum(len(r["hands"]) for r in rows) > 10
    assert [r.get("frame") for r in rows if r["image"].endswith("clip.mp4")] == list(range(12))
    got = [json.loads(x) for x in remote.read_text().splitlines()]
    assert [(r["image"], r.get("frame")) for r in got] == [(r["image"], r.get("frame")) for r in rows]
    for a, b in zip(rows, got, strict=True):
        assert len(a["hands"]) == len(b["hands"]), a["image"]
        for x, y in zip(a["hands"], b["hands"], strict=True):
            assert x["handedness"] == y["handedness"]
            np.testing.assert_allclose(x["landmarks"], y["landmarks"], atol=1e-5)
            np.testing.assert_allclose(x["world_landmarks"], y["world_landmarks"], atol=1e-5)
    errors_local = (tmp_path / "local.jsonl.errors.jsonl").read_text()
    assert errors_local == (tmp_path / "ray.jsonl.errors.jsonl").read_text()
    assert {Path(json.loads(x)["path"]).name for x in errors_local.splitlines()} == {
        "empty.jpg",
        "text.png",
        "missing.jpg",
    }


def test_detect_images_dataset_writes_parquet(ray_cluster, inputs, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    from handpose.distributed import detect_images

    local = tmp_path / "local.jsonl"
    assert batch(inputs, "--out", local, "--workers", 1) == 1
    expected = {
        Path(r["image"]).name: r for r in map(json.loads, local.read_text().splitlines()) if "frame" not in r
    }
    ds = detect_images([str(inputs)], concurrency=2, batch_size=4, model="full")
    ds.write_parquet(str(tmp_path / "pq"))
    rows = pq.read_table(tmp_path / "pq").to_pylist()
    by_name = {Path(r["image"]).name: r for r in rows}
    assert set(by_name) == set(expected) | {"empty.jpg", "text.png"}
    assert by_name["empty.jpg"]["error"] == "empty file" and by_name["empty.jpg"]["hands"] == []
    for name, row in expected.items():
        got = by_name[name]
        assert got["error"] is None and (got["width"], got["height"]) == (row["width"], row["height"])
        assert len(got["hands"]) == len(row["hands"]), name
        for x, y in zip(got["hands"], row["hands"], strict=True):
            np.testing.assert_allclose(np.array(x["landmarks"]), y["landmarks"], atol=1e-5)
