"""The test data committed in tests/data: only package-sourced media (with their attribution and sha256), the test
video and still that tests/data/make_test_video.py makes from them, and MediaPipe 0.10.21 references for each.

Expected values: the sha256 column of tests/data/ATTRIBUTION.md (copied from ../shared/handdata/MANIFEST.tsv), the
storyboard in make_test_video.py's docstring, and the reference files' own headers.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re

import numpy as np

from conftest import DATA, IMAGES, MADE, TEST_VIDEO, TEST_VIDEO_HANDS, video_reference
from handpose.io.video import VideoReader

# GitHub-sourced media of ../shared/handdata must never be committed (see its ATTRIBUTION.md).
NOT_COMMITTABLE = re.compile(r"^(tfjs_|mps_|neg_mps_|onehand10k_|freihand_|panoptic_)")
MEDIA = {".jpg", ".jpeg", ".png", ".webp", ".mp4", ".avi", ".mov", ".mkv"}


def test_no_github_sourced_media_is_committed():
    media = [
        p for d in ("images", "made", "video") for p in (DATA / d).rglob("*") if p.suffix.lower() in MEDIA
    ]
    assert media and not [p.name for p in media if NOT_COMMITTABLE.match(p.name)]


def test_every_committed_image_has_its_attribution_and_sha256():
    attribution = (DATA / "ATTRIBUTION.md").read_text()
    images = sorted(p for p in IMAGES.iterdir() if p.suffix in (".jpg", ".png"))
    assert len(images) == 12
    for path in images:
        row = next(
            line for line in attribution.splitlines() if line.startswith(f"| tests/data/images/{path.name} |")
        )
        assert re.search(r"(npm|PyPI|Debian) package", row), row
        assert f"sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}" in row, path.name
    assert (IMAGES / "LICENSES.md").is_file()
    for made in (TEST_VIDEO, MADE / "fingerpose_pair.jpg"):
        assert f"| tests/data/{made.relative_to(DATA).as_posix()} |" in attribution


def test_video_reference_belongs_to_the_committed_video():
    ref = video_reference()
    assert ref["video"] == TEST_VIDEO.name and ref["versions"]["mediapipe"] == "0.10.21"
    assert ref["settings"]["static_image_mode"] is False and ref["settings"]["model_complexity"] == 1
    with VideoReader(TEST_VIDEO) as video:
        assert (
            (video.width, video.height, video.fps)
            == (ref["width"], ref["height"], ref["fps"])
            == (256, 192, 25)
        )
        assert sum(1 for _ in video) == ref["frame_count"] == len(TEST_VIDEO_HANDS) == 80
    assert [len(f["hands"]) for f in ref["frames"]] == TEST_VIDEO_HANDS  # the storyboard: 1, then 0, then 2
    assert TEST_VIDEO.stat().st_size < 2_000_000


def test_still_references_belong_to_the_committed_still():
    for name, complexity in (
        ("mediapipe_0.10.21_static_made.json", 1),
        ("mediapipe_0.10.21_static_made_lite.json", 0),
    ):
        ref = json.loads((DATA / "reference" / name).read_text())
        assert ref["settings"]["model_complexity"] == complexity and ref["versions"]["mediapipe"] == "0.10.21"
        (image,) = ref["images"]
        assert image["file"] == "fingerpose_pair.jpg" and len(image["hands"]) == 2
        assert (image["width"], image["height"]) == (512, 384)


def test_make_test_video_made_the_committed_video():
    """The script's frames equal the committed video's: exactly with the OpenCV it was made with (5.1); other
    versions round the warps and the denoiser slightly differently (OpenCV 4.11: mean difference 0.01 grey level,
    at most 3 on a pixel), hence the bound of 0.1 on each frame's mean difference."""
    spec = importlib.util.spec_from_file_location("make_test_video", DATA / "make_test_video.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frames = module.make_frames()
    with VideoReader(TEST_VIDEO) as video:
        decoded = [f.rgb[:, :, ::-1] for f in video]
    assert len(frames) == len(decoded) == 80
    worst = max(float(np.abs(a.astype(int) - b).mean()) for a, b in zip(frames, decoded, strict=True))
    assert worst <= 0.1
