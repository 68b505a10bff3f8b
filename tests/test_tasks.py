"""The Tasks-style API ``handpose.tasks`` and MediaPipe ``hand_landmarker.task`` bundles.

Where expected values come from:
- tests/data/reference/mediapipe_0.10.21_tasks_static.json: MediaPipe 0.10.21's own Tasks HandLandmarker
  (``mediapipe.tasks.python.vision``, IMAGE mode, num_hands=2) on the shared images with a bundle of the wheel's
  full models, made by tests/data/reference/tasks_oracle.py. It gives the Tasks handedness labels/indices.
- tests/data/reference/mediapipe_0.10.21_static*.json and fingerpose_moves.*_video.json: MediaPipe 0.10.21 legacy
  solution (the numbers handpose.HandLandmarker reproduces; handpose.tasks runs the Tasks graph, whose
  landmarks differ from them by a median 2.5% of the hand size on these images, see docs/compat.md and
  tests/test_tasks_parity.py for the Tasks numbers).
- Bundle tests build a ``.task`` zip from the original 0.10.21 .tflite files (found like tests/test_convert.py
  does; skipped when absent) and compare with handpose's built-in full models.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import DATA, TEST_VIDEO, find_image, handdata_path, tflite_path, video_reference
from handpose.errors import ModelError
from handpose.evaluation import compare_hands, summarize
from handpose.solutions import hands as legacy
from handpose.tasks import (
    BaseOptions,
    HandLandmarker,
    HandLandmarkerOptions,
    HandLandmarkerResult,
    Image,
    ImageFormat,
    RunningMode,
    load_task_bundle,
)
from handpose.tasks.containers import image_to_rgb

SWAP = {"Left": "Right", "Right": "Left"}


@pytest.fixture(scope="module")
def bundle_bytes() -> bytes:
    """A hand_landmarker.task built like MediaPipe's: a zip of hand_detector.tflite + hand_landmarks_detector.tflite."""
    pytest.importorskip("tflite")
    pytest.importorskip("onnx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hand_detector.tflite", tflite_path("palm_detection_full").read_bytes())
        zf.writestr("hand_landmarks_detector.tflite", tflite_path("hand_landmark_full").read_bytes())
    return buf.getvalue()


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("HANDPOSE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def image_landmarker():
    with HandLandmarker.create_from_options(HandLandmarkerOptions(BaseOptions(), num_hands=2)) as lm:
        yield lm


def as_arrays(result: HandLandmarkerResult) -> np.ndarray:
    return np.array([[[p.x, p.y, p.z] for p in hand] for hand in result.hand_landmarks], dtype=np.float64)


def to_dicts(result: HandLandmarkerResult) -> list[dict]:
    return [
        {
            "handedness": cats[0].category_name,
            "landmarks": [[p.x, p.y, p.z] for p in lms],
            "world_landmarks": [[p.x, p.y, p.z] for p in world],
        }
        for cats, lms, world in zip(
            result.handedness, result.hand_landmarks, result.hand_world_landmarks, strict=True
        )
    ]


# -- handedness: Tasks labels ----------------------------------------------------------------------------------


def test_tasks_handedness_equals_mediapipe_tasks(image_landmarker):
    """Labels and indices as MediaPipe 0.10.21's Tasks HandLandmarker reports them on the same images."""
    ref = json.loads((DATA / "reference" / "mediapipe_0.10.21_tasks_static.json").read_text())
    compared = 0
    # all 25 shared images, or the 12 committed ones without ../shared/handdata
    images = [image for image in ref["images"] if find_image(image["file"]) is not None]
    for image in images:
        result = image_landmarker.detect(Image.create_from_file(find_image(image["file"])))
        assert len(result.hand_landmarks) == len(image["hands"]), image["file"]
        ours = to_dicts(result)
        matches = compare_hands(ours, image["hands"], image["width"], image["height"])
        for m in matches:
            cat = result.handedness[m.ours][0]
            expected = image["hands"][m.ref]["handedness"]
            assert (cat.category_name, cat.display_name, cat.index) == (
                expected["label"],
                expected["display_name"],
                expected["index"],
            ), image["file"]
            assert abs(cat.score - expected["score"]) < 0.05
            assert m.rel_error <= 0.03  # handpose.tasks runs MediaPipe Tasks' graph (test_tasks_parity.py)
            compared += 1
    assert compared == (13 if len(images) == len(ref["images"]) else 3)


def test_tasks_labels_are_the_legacy_labels_swapped(image_landmarker):
    """Same hands as the legacy API, labels swapped, same class index; landmarks differ by the Tasks graph's
    crop (its palm ROI starts 26.6 degrees off, see handpose.graphs) by a few % of the hand size."""
    rgb = cv2.cvtColor(cv2.imread(str(handdata_path("images", "fingerpose_pair.jpg"))), cv2.COLOR_BGR2RGB)
    tasks_result = image_landmarker.detect(rgb)
    with legacy.Hands(static_image_mode=True) as hands:
        legacy_result = hands.process(rgb)
    assert len(tasks_result.handedness) == 2
    for cats, cls, lms, legacy_lms in zip(
        tasks_result.handedness,
        legacy_result.multi_handedness,
        tasks_result.hand_landmarks,
        legacy_result.multi_hand_landmarks,
        strict=True,
    ):
        c = cls.classification[0]
        assert cats[0].category_name == SWAP[c.label] and cats[0].index == c.index
        ours = np.array([(p.x, p.y) for p in lms]) * (rgb.shape[1], rgb.shape[0])
        theirs = np.array([(p.x, p.y) for p in legacy_lms.landmark]) * (rgb.shape[1], rgb.shape[0])
        size = np.hypot(*(theirs.max(axis=0) - theirs.min(axis=0)))
        assert 0 < np.linalg.norm(ours - theirs, axis=1).mean() / size < 0.15


# -- bundles ----------------------------------------------------------------------------------------------------


def test_task_bundle_gives_the_built_in_full_model_results(bundle_bytes, cache, tmp_path, image_landmarker):
    path = tmp_path / "hand_landmarker.task"
    path.write_bytes(bundle_bytes)
    options = HandLandmarkerOptions(BaseOptions(model_asset_path=str(path)), num_hands=2)
    images = [
        Image.create_from_file(handdata_path("images", f))
        for f in ("fingerpose_pair.jpg", "fingerpose_nocurl.jpg")
    ]
    with HandLandmarker.create_from_options(options) as lm:
        for image in images:
            ours, builtin = lm.detect(image), image_landmarker.detect(image)
            assert len(ours.hand_landmarks) >= 1
            np.testing.assert_allclose(as_arrays(ours), as_arrays(builtin), atol=1e-6)
            assert ours.handedness == builtin.handedness
    cached = sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*.onnx"))
    digest = load_task_bundle(path).sha256
    assert cached == [f"{digest}/hand_detector.onnx", f"{digest}/hand_landmarks_detector.onnx"]
    stamps = [p.stat().st_mtime_ns for p in sorted(cache.rglob("*.onnx"))]
    # The same bundle as bytes (and create_from_model_path) reuse the cache: nothing is converted again.
    with HandLandmarker.create_from_options(
        HandLandmarkerOptions(BaseOptions(model_asset_buffer=bundle_bytes), num_hands=2)
    ) as lm:
        np.testing.assert_allclose(
            as_arrays(lm.detect(images[0])), as_arrays(image_landmarker.detect(images[0])), atol=1e-6
        )
    with HandLandmarker.create_from_model_path(str(path)) as lm:
        assert len(lm.detect(images[0]).hand_landmarks) == 1  # Tasks default num_hands=1
    assert [p.stat().st_mtime_ns for p in sorted(cache.rglob("*.onnx"))] == stamps


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "not a MediaPipe .task bundle \\(not a zip file\\)"),
        (_zip({"hand_detector.tflite": b"x"}), "missing hand_landmarks_detector.tflite"),
        (
            _zip({"hand_detector.tflite": b"garbage!", "hand_landmarks_detector.tflite": b"garbage!"}),
            "hand_detector.tflite: not a TFLite model",
        ),
    ],
    ids=["not-zip", "missing-member", "not-tflite"],
)
def test_bad_bundles_are_model_errors(tmp_path, cache, data, message):
    pytest.importorskip("tflite")
    path = tmp_path / "bad.task"
    path.write_bytes(data)
    with pytest.raises(ModelError, match=message) as info:
        HandLandmarker.create_from_model_path(str(path))
    assert str(path) in str(info.value)
    assert not list(cache.rglob("*.onnx"))


def test_missing_bundle_file(tmp_path, cache):
    with pytest.raises(ModelError, match="model file not found"):
        HandLandmarker.create_from_model_path(str(tmp_path / "nope.task"))


# -- running modes ----------------------------------------------------------------------------------------------


def test_video_mode_tracks_like_mediapipe():
    ref = video_reference()  # one hand in each of the first 20 frames
    cap = cv2.VideoCapture(str(TEST_VIDEO))
    options = HandLandmarkerOptions(BaseOptions(), running_mode=RunningMode.VIDEO, num_hands=2)
    per_frame = []
    with HandLandmarker.create_from_options(options) as lm:
        for frame in ref["frames"][:20]:
            ok, bgr = cap.read()
            assert ok
            result = lm.detect_for_video(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), frame["frame"] * 40)
            ours = [
                dict(h, handedness=SWAP[h["handedness"]]) for h in to_dicts(result)
            ]  # back to legacy labels
            per_frame.append(
                (
                    str(frame["frame"]),
                    len(ours),
                    len(frame["hands"]),
                    compare_hands(ours, frame["hands"], ref["width"], ref["height"]),
                )
            )
        with pytest.raises(ValueError, match="increase"):
            lm.detect_for_video(np.zeros((8, 8, 3), np.uint8), 0)
        with pytest.raises(ValueError, match="not initialized with the image mode"):
            lm.detect(np.zeros((8, 8, 3), np.uint8))
    cap.release()
    # Tasks' first palm ROI is rotated differently from the legacy graph's (handpose.graphs); once tracking
    # takes over, both graphs compute the ROI from landmarks alike and converge on the legacy numbers.
    summary = summarize(per_frame[3:])
    assert summary.matched == 17 and summary.handedness_equal == 17
    assert summary.max_rel_error <= 0.03, summary.as_text()
    assert summarize(per_frame[:1]).max_rel_error > summary.median_rel_error


def test_live_stream_delivers_results_to_the_callback():
    pytest.importorskip("handpose.live")
    got: list[tuple[HandLandmarkerResult, Image, int]] = []
    done = threading.Event()

    def callback(result, image, timestamp_ms):
        got.append((result, image, timestamp_ms))
        done.set()

    rgb = cv2.cvtColor(cv2.imread(str(handdata_path("images", "fingerpose_pair.jpg"))), cv2.COLOR_BGR2RGB)
    options = HandLandmarkerOptions(
        BaseOptions(), running_mode=RunningMode.LIVE_STREAM, num_hands=2, result_callback=callback
    )
    with HandLandmarker.create_from_options(options) as lm:
        for ts in (10, 20):
            done.clear()
            lm.detect_async(rgb, ts)
            assert done.wait(60), "no result within 60 s"
        with pytest.raises(ValueError, match="not initialized with the video mode"):
            lm.detect_for_video(rgb, 30)
    assert [ts for _, _, ts in got] == [10, 20]
    result, image, _ = got[-1]
    assert len(result.hand_landmarks) == 2 and image.image_format is ImageFormat.SRGB
    assert np.array_equal(image.numpy_view(), rgb)


# -- options, images, misuse --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"running_mode": RunningMode.LIVE_STREAM}, "result callback must be provided"),
        ({"result_callback": print}, "callback should not be provided"),
        ({"num_hands": 0}, "num_hands"),
        ({"min_hand_detection_confidence": 2.0}, "min_hand_detection_confidence"),
        ({"min_tracking_confidence": -1}, "min_tracking_confidence"),
    ],
    ids=["live-no-callback", "image-with-callback", "zero-hands", "detection-2", "tracking-negative"],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        HandLandmarkerOptions(BaseOptions(), **kwargs)


def test_base_options_take_one_model_source():
    with pytest.raises(ValueError, match="only one of model_asset_path and model_asset_buffer"):
        BaseOptions(model_asset_path="a.task", model_asset_buffer=b"zip")
    assert BaseOptions(delegate=BaseOptions.Delegate.GPU).device == "cuda"


def test_image_inputs_and_empty_results(image_landmarker):
    path = handdata_path("images", "fingerpose_nocurl.jpg")
    image = Image.create_from_file(path)
    assert (image.width, image.height, image.channels) == (480, 640, 3)
    assert not image.numpy_view().flags.writeable
    rgb = image.numpy_view()
    expected = as_arrays(image_landmarker.detect(image))
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert np.array_equal(as_arrays(image_landmarker.detect(Image(ImageFormat.SRGBA, rgba))), expected)
    assert np.array_equal(as_arrays(image_landmarker.detect(rgb)), expected)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    assert np.array_equal(
        image_to_rgb(Image(ImageFormat.GRAY8, gray)), cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    )
    # The palm model finds no hand in this photo once it is gray; MediaPipe 0.10.21 neither (checked with the
    # reference environment on gray tfjs_hands.jpg): colour matters to the detector.
    assert image_landmarker.detect(Image(ImageFormat.GRAY8, gray)).hand_landmarks == []
    empty = image_landmarker.detect(np.zeros((64, 64, 3), np.uint8))
    assert empty == HandLandmarkerResult([], [], [])
    landmark = image_landmarker.detect(image).hand_landmarks[0][0]
    assert (landmark.visibility, landmark.presence) == (0.0, 0.0)  # as MediaPipe Tasks reports for hands
    with pytest.raises(ValueError, match="does not match image_format SRGB"):
        Image(ImageFormat.SRGB, rgba)
    with pytest.raises(TypeError, match="uint8"):
        image_landmarker.detect(rgb.astype(np.float32))
    with pytest.raises(ValueError, match="region of interest"):
        image_landmarker.detect(image, image_processing_options=object())


def test_closed_landmarker_and_mediapipe_style_imports():
    from handpose.tasks import python
    from handpose.tasks.python import vision

    assert python.BaseOptions is BaseOptions and vision.HandLandmarker is HandLandmarker
    assert vision.RunningMode.IMAGE is RunningMode.IMAGE
    lm = vision.HandLandmarker.create_from_options(vision.HandLandmarkerOptions(python.BaseOptions()))
    lm.close()
    lm.close()
    with pytest.raises(ValueError, match="closed"):
        lm.detect(np.zeros((8, 8, 3), np.uint8))
