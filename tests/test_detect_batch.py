"""``HandLandmarker.detect_batch``: one palm-model batch and one landmark-model batch give the same hands as
``detect`` one image at a time (≤ 1e-5), on the shared images (sizes from 257×257 to 1920×1280; 0, 1 and 2
hands per image, counts from the MediaPipe 0.10.21 static reference). Without ../shared/handdata: the 12 committed
package-sourced images and the made two-hand still (tests/data/made/fingerpose_pair.jpg), 11 sizes.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import find_image
from handpose import HandLandmarker, RunningMode
from handpose.io.images import load_image

TOL = 1e-5


def _assert_same(single, batched, name):
    assert (batched.width, batched.height) == (single.width, single.height), name
    assert len(batched.hands) == len(single.hands), name
    for a, b in zip(single.hands, batched.hands, strict=True):
        assert a.handedness == b.handedness, name
        np.testing.assert_allclose(b.landmarks, a.landmarks, atol=TOL, err_msg=name)
        np.testing.assert_allclose(b.world_landmarks, a.world_landmarks, atol=TOL, err_msg=name)
        assert abs(a.handedness_score - b.handedness_score) <= TOL, name
        assert abs(a.presence - b.presence) <= TOL, name
        np.testing.assert_allclose(b.palm_box, a.palm_box, atol=TOL, err_msg=name)


@pytest.fixture(scope="module")
def shared_images(static_reference):
    names = [rec["file"] for rec in static_reference["images"] if find_image(rec["file"]) is not None]
    counts = {rec["file"]: len(rec["hands"]) for rec in static_reference["images"]}
    return names, [load_image(find_image(n)) for n in names], counts


def test_reference_covers_zero_one_and_two_hands(shared_images):
    _, images, counts = shared_images
    assert {0, 1, 2} <= set(counts.values())
    assert len({img.shape[:2] for img in images}) >= 10  # many sizes and aspect ratios


@pytest.mark.parametrize("batch_size", [25, 4, 1], ids=["all", "by4", "by1"])
def test_detect_batch_equals_detect(landmarker_full, shared_images, batch_size):
    names, images, counts = shared_images
    singles = [landmarker_full.detect(img) for img in images]
    batched = []
    for start in range(0, len(images), batch_size):
        batched += landmarker_full.detect_batch(images[start : start + batch_size])
    assert len(batched) == len(images)
    for name, single, result in zip(names, singles, batched, strict=True):
        _assert_same(single, result, name)
    # The one-at-a-time results themselves find MediaPipe's hand counts (static reference) on these images.
    agree = sum(len(s.hands) == counts[n] for n, s in zip(names, singles, strict=True))
    assert agree >= len(names) - 1


def test_detect_batch_mixed_inputs_and_duplicates(landmarker_full, shared_images):
    """Paths and arrays mixed, the same image twice in one batch: each entry gets its own, equal result."""
    names, images, _ = shared_images
    two = names.index("fingerpose_pair.jpg")
    path = find_image(names[two])
    results = landmarker_full.detect_batch([path, images[two], images[0], str(path)])
    reference = landmarker_full.detect(images[two])
    assert len(reference.hands) == 2
    for r in (results[0], results[1], results[3]):
        _assert_same(reference, r, "fingerpose_pair.jpg")
    _assert_same(landmarker_full.detect(images[0]), results[2], names[0])


def test_detect_batch_empty_and_wrong_mode(landmarker_full):
    assert landmarker_full.detect_batch([]) == []
    with (
        HandLandmarker(model="lite", running_mode=RunningMode.VIDEO) as video,
        pytest.raises(ValueError, match="IMAGE"),
    ):
        video.detect_batch([np.zeros((8, 8, 3), np.uint8)])
