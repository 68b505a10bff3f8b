"""``backend="litert"`` (issue 13 item 3): MediaPipe's original .tflite models on LiteRT (XNNPACK) behind the same
pipeline. Parity bounds are test_parity_static.py's (hand count equal on >= 98 %, landmark error / hand bbox
diagonal median <= 1 %, max <= 3 %, handedness equal, world MAE <= 5 mm) against the same MediaPipe 0.10.21
references (tests/data/reference, made by ../shared/tools/oracle_golden.py); the tracking check uses the committed
test video and its reference (tests/data/make_test_video.py). Skips without ai-edge-litert or the .tflite files.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import DATA, TEST_VIDEO, find_image, handdata_path, tflite_path, video_reference
from handpose import HandLandmarker, HandLandmarkerOptions
from handpose.errors import ModelError
from handpose.evaluation import compare_hands, summarize
from handpose.io.images import load_image
from handpose.io.video import iter_frames

pytest.importorskip(
    "ai_edge_litert.interpreter", reason="ai-edge-litert not installed (pip install 'handpose[litert]')"
)


@pytest.fixture(scope="module", autouse=True)
def tflite_dir():
    mp = pytest.MonkeyPatch()
    mp.setenv("HANDPOSE_TFLITE_DIR", str(tflite_path("palm_detection_full").parent))
    for name in ("palm_detection_lite", "hand_landmark_full", "hand_landmark_lite"):
        tflite_path(name)  # skip unless all four (sha256-checked) are there
    yield
    mp.undo()


@pytest.mark.parametrize(
    ("model", "reference"),
    [("full", "mediapipe_0.10.21_static.json"), ("lite", "mediapipe_0.10.21_static_lite.json")],
)
def test_litert_static_parity(model, reference):
    ref = json.loads((DATA / "reference" / reference).read_text())
    rows = []
    with HandLandmarker(model=model, backend="litert") as lm:
        # all shared images, or the 12 committed ones (tests/data/images) without ../shared/handdata
        for rec in [r for r in ref["images"] if find_image(r["file"]) is not None]:
            result = lm.detect(load_image(find_image(rec["file"])))
            ours = [h.to_dict() for h in result.hands]
            rows.append(
                (
                    rec["file"],
                    len(ours),
                    len(rec["hands"]),
                    compare_hands(ours, rec["hands"], result.width, result.height),
                )
            )
    summary = summarize(rows)
    print(model, summary.as_text())
    assert summary.count_equal_fraction >= 0.98, summary.as_text()
    assert summary.matched > 0
    assert summary.median_rel_error <= 0.01 and summary.max_rel_error <= 0.03, summary.as_text()
    assert summary.handedness_equal == summary.matched, summary.as_text()
    assert summary.world_mae_max_m <= 0.005, summary.as_text()


def test_litert_matches_onnxruntime_closely_and_batches():
    """Same weights, two kernels libraries: landmarks agree to a small fraction of a pixel; a batch of images
    (run one by one inside the LiteRT wrapper) gives the per-image results."""
    images = [
        load_image(handdata_path("images", f"fingerpose_{n}.jpg")) for n in ("nocurl", "halfcurl", "fullcurl")
    ]
    with HandLandmarker(backend="litert") as lr, HandLandmarker(backend="onnxruntime") as ort:
        batch = lr.detect_batch(images)
        for img, b in zip(images, batch, strict=True):
            one, ref = lr.detect(img), ort.detect(img)
            assert len(one.hands) == len(ref.hands) == len(b.hands) == 1
            np.testing.assert_allclose(b.hands[0].landmarks, one.hands[0].landmarks, atol=1e-6)
            size = (one.width, one.height)
            px = np.abs(one.hands[0].landmarks_px(*size) - ref.hands[0].landmarks_px(*size))
            assert px.max() < 0.5, px.max()


def test_litert_tracking_parity_on_the_test_video():
    ref = video_reference()
    rows = []
    with HandLandmarker(backend="litert", running_mode="video") as lm:
        for index, ts, rgb in iter_frames(TEST_VIDEO):
            ours = [h.to_dict() for h in lm.detect_for_video(rgb, ts).hands]
            refs = ref["frames"][index]["hands"]
            rows.append(
                (str(index), len(ours), len(refs), compare_hands(ours, refs, ref["width"], ref["height"]))
            )
    summary = summarize(rows)
    assert summary.count_equal_fraction >= 0.97, summary.as_text()
    assert summary.median_rel_error <= 0.015, summary.as_text()


def test_litert_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="backend"):
        HandLandmarkerOptions(backend="tensorrt")
    with pytest.raises(ValueError, match="CPU only"):
        HandLandmarker(backend="litert", device="cuda")
    monkeypatch.setenv("HANDPOSE_TFLITE_DIR", str(tmp_path))
    from handpose.backends import litert

    monkeypatch.setattr(litert, "BUNDLED_DIR", tmp_path / "none")
    with pytest.raises(ModelError, match="HANDPOSE_TFLITE_DIR"):
        HandLandmarker(backend="litert")


def test_litert_warns_about_other_tflite_files(tmp_path, monkeypatch, caplog):
    """A .tflite that is not the pinned MediaPipe 0.10.21 file is used, with a warning naming it."""
    from handpose.backends.litert import tflite_path as find

    other = tmp_path / "hand_landmark_lite.tflite"
    other.write_bytes(tflite_path("hand_landmark_lite").read_bytes() + b"\0")
    monkeypatch.setenv("HANDPOSE_TFLITE_DIR", str(tmp_path))
    with caplog.at_level("WARNING", logger="handpose.backends.litert"):
        assert find("hand_landmark_lite") == other
    assert "not MediaPipe 0.10.21" in caplog.text
    caplog.clear()
    monkeypatch.setenv("HANDPOSE_TFLITE_DIR", str(tflite_path("hand_landmark_lite").parent))
    with caplog.at_level("WARNING", logger="handpose.backends.litert"):
        find("hand_landmark_lite")
    assert caplog.text == ""
