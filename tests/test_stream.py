"""Several independent images with two stages in flight (palm model of image k+1 while the landmark model of
image k runs): same answers as one image at a time, in input order; and the one thread rule behind it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import images_folder
from handpose import HandLandmarker
from handpose.io.images import load_image
from handpose.runtime import thread_plan


@pytest.mark.parametrize(
    ("threads", "per_model", "overlap"),
    [(1, 1, False), (2, 1, True), (3, 1, True), (4, 2, True), (16, 8, True)],
)
def test_thread_plan_keeps_to_the_budget(threads, per_model, overlap):
    plan = thread_plan(threads)
    assert (plan.budget, plan.per_model, plan.overlap) == (threads, per_model, overlap)
    assert plan.per_model * (2 if plan.overlap else 1) <= threads


def test_thread_plan_default_is_every_core():
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert thread_plan(0).budget == cores


@pytest.fixture(scope="module")
def images() -> list[np.ndarray]:
    paths = sorted(p for p in images_folder().iterdir() if p.suffix.lower() in (".jpg", ".png"))
    return [load_image(p) for p in paths[:10]]


@pytest.mark.parametrize("threads", [1, 2], ids=["sequential", "overlapped"])
def test_stream_and_batch_match_one_image_at_a_time(images, threads):
    with HandLandmarker(model="lite", threads=threads) as lm:
        assert lm.pipeline.plan.overlap == (threads > 1)
        single = [lm.detect(img) for img in images]
        streamed = list(lm.detect_stream(iter(images)))
        batched = lm.detect_batch(images)
    assert sum(len(r.hands) for r in single) > 0  # the folder has hands, so the comparison means something
    for one, other, third in zip(single, streamed, batched, strict=True):
        assert len(one.hands) == len(other.hands) == len(third.hands)
        assert (one.width, one.height) == (other.width, other.height)
        for a, b, c in zip(one.hands, other.hands, third.hands, strict=True):
            assert np.abs(a.landmarks - b.landmarks).max() < 1e-5
            assert np.abs(a.landmarks - c.landmarks).max() < 1e-5
            assert a.handedness == b.handedness == c.handedness


def test_cli_detect_keeps_input_order_with_unreadable_files(tmp_path, capsys):
    from handpose.cli import main

    good = sorted(p for p in images_folder().iterdir() if p.suffix.lower() == ".jpg")[:3]
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    inputs = [str(good[0]), str(bad), str(good[1]), str(tmp_path / "missing.jpg"), str(good[2])]
    code = main(["detect", "--json", "--no-annotate", "--threads", "2", *inputs])
    out = capsys.readouterr().out
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1  # two inputs failed
    assert [r["image"] for r in records] == inputs
    assert ["error" in r for r in records] == [False, True, False, True, False]
