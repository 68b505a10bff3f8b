"""``handpose batch`` end to end on real files with the real models: sources, output formats, COCO, bad files,
videos, resume, --device cuda fallback.

Expected numbers come from the MediaPipe 0.10.21 references in tests/data/reference (static images:
../shared/tools/oracle_golden.py; video: fingerpose_moves.mediapipe_0.10.21_video.json from
oracle_video_golden.py) or from the package's own one-image API on the same pixels (for outputs that must
merely carry those results). Inputs are the committed test media (tests/data/images, tests/data/made,
tests/data/video), symlinked into tmp folders.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest

from badfiles import EXPECT_OK, make_bad_files
from conftest import TEST_VIDEO, handdata_path, video_reference
from handpose import HandLandmarker
from handpose.cli import example_image, main
from handpose.evaluation import compare_hands, summarize
from handpose.io.sinks import KEYPOINT_NAMES, SKELETON, csv_header
from handpose.io.sources import ERROR, IMAGE, VIDEO, Item, expand_sources, plan_units

# 0, 1 and 2 hands (MediaPipe static reference), several sizes; all committed in tests/data.
SMALL = [
    "fingerpose_nocurl.jpg",
    "fingerpose_pair.jpg",
    "neg_skimage_chelsea.png",
    "fingerpose_halfcurl.jpg",
    "fingerpose_fullcurl.jpg",
]


def batch(*argv: str) -> int:
    return main(["batch", *map(str, argv), "--no-progress"])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def link_images(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        (folder / name).symlink_to(handdata_path("images", name))
        out.append(folder / name)
    return out


# -- sources ----------------------------------------------------------------------------------------------


def test_expand_sources_folders_globs_lists_videos(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/2.jpg", "a/b/1.PNG", "a/.hidden.jpg", "a/notes.md", "a/clip.mp4", "c.jpg"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "files.txt").write_text("# comment\n../c.jpg\n\n../a/b/*.PNG\nmissing.jpg\n")
    items = list(expand_sources(["a", "@lists/files.txt", "lists/files.txt", "a/**/*.jpg", "nope/"]))
    shown = [(i.shown, i.kind) for i in items]
    assert shown[:3] == [("a/2.jpg", IMAGE), ("a/b/1.PNG", IMAGE), ("a/clip.mp4", VIDEO)]
    listed = [("lists/../c.jpg", IMAGE), ("lists/../a/b/1.PNG", IMAGE), ("lists/missing.jpg", ERROR)]
    assert shown[3:6] == listed and shown[6:9] == listed
    assert shown[9:] == [("a/2.jpg", IMAGE), ("nope/", ERROR)]
    assert items[5].error == "no such file or directory"


def test_plan_units_chunks_and_videos():
    assert list(expand_sources([])) == []
    items = [Item(f"{i}.jpg", IMAGE) for i in range(5)]
    items.insert(3, Item("v.mp4", VIDEO))
    units = list(plan_units(items, 2))
    assert [[i.shown for i in u.items] for u in units] == [
        ["0.jpg", "1.jpg"],
        ["2.jpg"],
        ["v.mp4"],
        ["3.jpg", "4.jpg"],
    ]
    assert [u.uid for u in units] == [0, 1, 2, 3] and units[2].is_video
    assert units[0].digest == next(iter(plan_units(items, 2))).digest != units[3].digest


# -- outputs ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_job(tmp_path_factory, static_reference):
    """One JSONL + COCO run, one CSV and one Parquet run over the same 5 shared images (1 worker)."""
    root = tmp_path_factory.mktemp("small")
    link_images(root / "in", SMALL)
    out = root / "r.jsonl"
    assert (
        batch(root / "in", "--out", out, "--coco", root / "coco.json", "--workers", 1, "--batch-size", 3) == 0
    )
    assert batch(root / "in", "--out", root / "r.csv", "--workers", 1) == 0
    pytest.importorskip("pyarrow")
    assert batch(root / "in", "--out", root / "r.parquet", "--workers", 1) == 0
    return root


def test_jsonl_rows_match_mediapipe_reference(small_job, static_reference):
    rows = read_jsonl(small_job / "r.jsonl")
    assert [Path(r["image"]).name for r in rows] == sorted(SMALL)  # folder order
    refs = {rec["file"]: rec for rec in static_reference["images"]}
    per_image = []
    for row in rows:
        assert set(row) == {"image", "width", "height", "hands", "palm_detector_ran"}  # `detect --json` shape
        ref = refs[Path(row["image"]).name]
        assert (row["width"], row["height"]) == (ref["width"], ref["height"])
        matches = compare_hands(row["hands"], ref["hands"], row["width"], row["height"])
        per_image.append((row["image"], len(row["hands"]), len(ref["hands"]), matches))
    summary = summarize(per_image)
    assert summary.count_equal == len(SMALL), summary.as_text()
    assert summary.matched == 5 and summary.max_rel_error <= 0.03, summary.as_text()
    assert not (small_job / "r.jsonl.errors.jsonl").exists()
    assert not (small_job / "r.jsonl.parts").exists()


def test_csv_one_row_per_hand(small_job):
    rows = read_jsonl(small_job / "r.jsonl")
    with open(small_job / "r.csv", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == csv_header() and len(table[0]) == 9 + 63 + 63
    body = [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert len(body) == sum(max(1, len(r["hands"])) for r in rows)
    by_image: dict[str, list[dict]] = {}
    for r in body:
        by_image.setdefault(r["image"], []).append(r)
    for row in rows:
        got = by_image[row["image"]]
        if not row["hands"]:
            assert got[0]["hand_index"] == "" and got[0]["x0"] == "" and got[0]["width"] == str(row["width"])
        for k, hand in enumerate(row["hands"]):
            assert got[k]["hand_index"] == str(k) and got[k]["handedness"] == hand["handedness"]
            assert (
                float(got[k]["x8"]) == hand["landmarks"][8][0]
                and float(got[k]["wz20"]) == hand["world_landmarks"][20][2]
            )


def test_parquet_equals_jsonl(small_job):
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(small_job / "r.parquet").to_pylist()
    rows = read_jsonl(small_job / "r.jsonl")
    assert len(table) == len(rows)
    for got, row in zip(table, rows, strict=True):
        assert got["image"] == row["image"] and got["frame"] is None
        assert len(got["hands"]) == len(row["hands"])
        for g, h in zip(got["hands"], row["hands"], strict=True):
            assert g["handedness"] == h["handedness"] and g["score"] == h["score"]
            assert np.array_equal(
                np.array(g["landmarks"]), np.array(h["landmarks"])
            )  # float32 values exactly
            assert np.array_equal(np.array(g["world_landmarks"]), np.array(h["world_landmarks"]))


def test_coco_keypoints_file(small_job):
    coco = json.loads((small_job / "coco.json").read_text())
    rows = read_jsonl(small_job / "r.jsonl")
    (cat,) = coco["categories"]
    assert cat["id"] == 1 and cat["name"] == "hand" and cat["keypoints"] == KEYPOINT_NAMES
    assert cat["keypoints"][:3] == ["wrist", "thumb_cmc", "thumb_mcp"] and len(cat["keypoints"]) == 21
    assert len(cat["skeleton"]) == 21 and [1, 2] in cat["skeleton"] and cat["skeleton"] == SKELETON
    assert [(i["id"], i["file_name"]) for i in coco["images"]] == [
        (k + 1, r["image"]) for k, r in enumerate(rows)
    ]
    anns = coco["annotations"]
    assert len(anns) == sum(len(r["hands"]) for r in rows) == 5
    assert len({a["id"] for a in anns}) == len(anns)
    for ann in anns:
        row = rows[ann["image_id"] - 1]
        w, h = row["width"], row["height"]
        kp = np.array(ann["keypoints"]).reshape(21, 3)
        hand = next(x for x in row["hands"] if abs(x["landmarks"][0][0] * w - kp[0, 0]) < 0.01)
        np.testing.assert_allclose(kp[:, :2], np.array(hand["landmarks"])[:, :2] * [w, h], atol=1e-3)
        assert set(kp[:, 2]) <= {1, 2} and ann["num_keypoints"] == 21 and ann["iscrowd"] == 0
        x, y, bw, bh = ann["bbox"]
        assert (
            x >= 0
            and y >= 0
            and x + bw <= w + 1e-3
            and y + bh <= h + 1e-3
            and ann["area"] == pytest.approx(bw * bh, rel=1e-3)
        )
        assert ann["category_id"] == 1 and ann["attributes"]["handedness"] == hand["handedness"]
    try:
        from pycocotools.coco import COCO
    except ImportError:
        return
    api = COCO(str(small_job / "coco.json"))
    assert len(api.getImgIds()) == len(rows) and len(api.getAnnIds(catIds=[1])) == 5


# -- bad inputs, exit codes -------------------------------------------------------------------------------


def test_bad_files_logged_and_good_ones_processed(tmp_path):
    folder = tmp_path / "in"
    make_bad_files(folder, huge=False)
    link_images(folder, ["fingerpose_pair.jpg"])
    out = tmp_path / "r.jsonl"
    assert batch(folder, tmp_path / "missing.jpg", "--out", out, "--workers", 1, "--chunk-size", 3) == 1
    errors = read_jsonl(tmp_path / "r.jsonl.errors.jsonl")
    bad = {n for n, ok in EXPECT_OK.items() if not ok and n != "huge_10000x10000.png"}
    assert {Path(e["path"]).name for e in errors} == bad | {"missing.jpg"}
    assert all(set(e) == {"path", "error"} and e["error"] and "\n" not in e["error"] for e in errors)
    rows = {Path(r["image"]).name: r for r in read_jsonl(out)}
    good = {n for n, ok in EXPECT_OK.items() if ok and n != "huge_10000x10000.png"} | {"fingerpose_pair.jpg"}
    assert set(rows) == good
    # RGBA and 16-bit PNGs hold the example photo's pixels: the same hands as the photo itself.
    with HandLandmarker() as lm:
        expected = lm.detect(example_image()).to_dict()["hands"]
    assert len(expected) == 1
    for name in ("rgba.png", "sixteen_bit.png"):
        got = rows[name]["hands"]
        assert len(got) == 1
        np.testing.assert_allclose(got[0]["landmarks"], expected[0]["landmarks"], atol=1e-5)
    assert len(rows["fingerpose_pair.jpg"]["hands"]) == 2 and rows["one_pixel.png"]["hands"] == []


def test_setup_errors_exit_2(tmp_path, capsys):
    link_images(tmp_path / "in", SMALL[:1])
    assert batch(tmp_path / "in", "--out", tmp_path / "r.txt") == 2
    assert "must end in .jsonl, .csv or .parquet" in capsys.readouterr().err
    assert batch(tmp_path / "in", "--out", tmp_path / "r.jsonl", "--ray-address", "auto") == 2


# -- resume, workers, device ------------------------------------------------------------------------------


def test_resume_skips_finished_units_and_checks_options(tmp_path, capsys):
    link_images(tmp_path / "in", SMALL)
    out = tmp_path / "r.jsonl"
    args = (tmp_path / "in", "--out", out, "--workers", 1, "--chunk-size", 2, "--keep-parts")
    assert batch(*args) == 0
    first = out.read_text()
    assert len(list((tmp_path / "r.jsonl.parts").glob("part-*.jsonl"))) == 3
    capsys.readouterr()
    assert batch(*args, "--resume") == 0
    assert "3 of 3 unit(s) resumed" in capsys.readouterr().err
    assert out.read_text() == first
    assert batch(*args, "--resume", "--model", "lite") == 2
    assert "options differ" in capsys.readouterr().err and out.read_text() == first


def test_two_workers_equal_one(tmp_path):
    link_images(tmp_path / "in", SMALL)
    assert batch(tmp_path / "in", "--out", tmp_path / "one.jsonl", "--workers", 1) == 0
    assert batch(tmp_path / "in", "--out", tmp_path / "two.jsonl", "--workers", 2, "--chunk-size", 1) == 0
    one, two = read_jsonl(tmp_path / "one.jsonl"), read_jsonl(tmp_path / "two.jsonl")
    assert [r["image"] for r in one] == [r["image"] for r in two]
    for a, b in zip(one, two, strict=True):
        assert len(a["hands"]) == len(b["hands"])
        for x, y in zip(a["hands"], b["hands"], strict=True):
            np.testing.assert_allclose(x["landmarks"], y["landmarks"], atol=1e-5)


def test_streamed_and_batched_images_write_the_same_files(tmp_path):
    """Two threads each read and run whole images, several ahead (issue 13); one thread runs them ``--batch-size``
    at a time. Unreadable files between good ones must keep their place in both."""
    folder = tmp_path / "in"
    make_bad_files(folder, huge=False)
    link_images(folder, SMALL)
    outs = {}
    for threads in ("2", "1"):
        out = tmp_path / f"t{threads}.jsonl"
        assert batch(folder, "--out", out, "--workers", 1, "--threads", threads, "--chunk-size", 7) == 1
        outs[threads] = (out.read_bytes(), Path(f"{out}.errors.jsonl").read_bytes())
    assert outs["2"] == outs["1"]
    names = [Path(r["image"]).name for r in read_jsonl(tmp_path / "t2.jsonl")]
    assert names == sorted(names) and len(names) >= len(SMALL)


def test_device_cuda_falls_back_to_cpu_with_warning(tmp_path, caplog):
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this machine has CUDA: the fallback is not exercised")
    link_images(tmp_path / "in", SMALL[:2])
    with caplog.at_level(logging.WARNING, logger="handpose"):
        assert (
            batch(tmp_path / "in", "--out", tmp_path / "gpu.jsonl", "--workers", 1, "--device", "cuda") == 0
        )
    assert any("CUDA requested" in r.getMessage() for r in caplog.records)
    assert batch(tmp_path / "in", "--out", tmp_path / "cpu.jsonl", "--workers", 1) == 0
    assert (tmp_path / "gpu.jsonl").read_text() == (tmp_path / "cpu.jsonl").read_text()


def test_annotated_dir_mirrors_inputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    link_images(Path("in/sub"), SMALL[:2])
    assert batch("in", "--out", "r.jsonl", "--workers", 1, "--annotated-dir", "ann") == 0
    made = sorted(p.relative_to("ann").as_posix() for p in Path("ann").rglob("*") if p.is_file())
    assert made == [f"in/sub/{n}" for n in sorted(SMALL[:2])]
    assert all(os.path.getsize(Path("ann") / m) > 1000 for m in made)


# -- video ------------------------------------------------------------------------------------------------


def test_video_rows_follow_mediapipe_tracking(tmp_path):
    video, ref = TEST_VIDEO, video_reference()
    out = tmp_path / "r.jsonl"
    assert batch(video, "--out", out, "--workers", 1) == 0
    rows = read_jsonl(out)
    assert [r["frame"] for r in rows] == list(range(ref["frame_count"]))
    assert [r["timestamp_ms"] for r in rows] == [40 * i for i in range(len(rows))]  # 25 fps container
    per_frame = [
        (
            str(r["frame"]),
            len(r["hands"]),
            len(f["hands"]),
            compare_hands(r["hands"], f["hands"], r["width"], r["height"]),
        )
        for r, f in zip(rows, ref["frames"], strict=True)
    ]
    summary = summarize(per_frame)
    assert summary.count_equal_fraction >= 0.97, summary.as_text()  # issue 4's tracking bounds
    assert summary.median_rel_error <= 0.015, summary.as_text()


def test_progress_line_without_tqdm(monkeypatch):
    import io
    import sys

    from handpose.batch import Progress

    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm → ImportError: the fallback line
    stream = io.StringIO()
    progress = Progress(True, stream=stream, interval=0.0)
    progress.set_total(10)
    progress.update(4)
    progress.close()
    line = stream.getvalue().strip()
    assert line.startswith("handpose batch: 4/10 files, ") and "files/s" in line and "ETA" in line


def test_list_file_source_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    link_images(Path("imgs"), SMALL[:2])
    Path("files.txt").write_text(f"imgs/{SMALL[1]}\nimgs/{SMALL[0]}\n")
    assert batch("@files.txt", "--out", "r.jsonl", "--workers", 1) == 0
    assert [r["image"] for r in read_jsonl(Path("r.jsonl"))] == [f"imgs/{SMALL[1]}", f"imgs/{SMALL[0]}"]
