"""Gestures from landmarks (handpose.gestures).

Where the inputs and expected labels come from:
- tests/data/gestures_labels.json: which gesture each hand in the shared images / video frames shows, labelled
  by looking at the pictures (not computed). Landmarks for it: MediaPipe 0.10.21's reference output
  (tests/data/reference/mediapipe_0.10.21_static.json, ../shared/handdata/reference/*_video.json), and our own
  pipeline on the shared images.
- Named-gesture unit tests start from real MediaPipe landmarks of those photos (tfjs_hands.jpg open hands,
  fingerpose fist/pointing, mps_thumbs_up.png) and rotate, mirror, scale or re-pose single fingers of them.
The classifier's thresholds were set on the same labelled table, so its accuracy there is a training accuracy
(docs/gestures.md); ACCURACY_FLOOR leaves room for small threshold changes.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from conftest import DATA, HANDDATA, find_image, handdata_path
from handpose import HandLandmarker, gestures
from handpose.gestures import FingerState, classify_hand, classify_landmarks
from handpose.results import Hand

LABELS = json.loads((DATA / "gestures_labels.json").read_text())
STATIC = {
    i["file"]: i
    for i in json.loads((DATA / "reference" / "mediapipe_0.10.21_static.json").read_text())["images"]
}
ACCURACY_FLOOR = 0.95  # measured: 44 / 44 on MediaPipe's landmarks, 9 / 9 on ours (static photos)
E, H, C = FingerState.EXTENDED, FingerState.HALF, FingerState.CURLED


def ref_hand(file: str, index: int = 0) -> tuple[np.ndarray, str]:
    """World landmarks and legacy handedness label of a hand in MediaPipe's static reference."""
    hand = STATIC[file]["hands"][index]
    return np.asarray(hand["world_landmarks"], dtype=np.float64), hand["handedness"]["label"]


def rotation(axis: str, degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    c, s = np.cos(a), np.sin(a)
    return {
        "x": np.array([[1, 0, 0], [0, c, -s], [0, s, c]]),
        "y": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
        "z": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]),
    }[axis]


def rotate(p: np.ndarray, *turns: tuple[str, float]) -> np.ndarray:
    centre = p.mean(axis=0)
    out = p - centre
    for axis, degrees in turns:
        out = out @ rotation(axis, degrees).T
    return out + centre


def _axis_rotation(axis: np.ndarray, degrees: float) -> np.ndarray:
    """Rodrigues rotation matrix about a unit axis."""
    k = axis / np.linalg.norm(axis)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    a = np.radians(degrees)
    return np.eye(3) + np.sin(a) * kx + (1 - np.cos(a)) * kx @ kx


def curl(p: np.ndarray, finger: str, mcp: float, pip: float, dip: float) -> np.ndarray:
    """Bend one finger of real landmarks at its three joints (degrees), towards the palm."""
    base, j1, j2, j3 = {"index": (5, 6, 7, 8), "middle": (9, 10, 11, 12), "ring": (13, 14, 15, 16),
                        "pinky": (17, 18, 19, 20)}[finger]  # fmt: skip
    out = p.copy()
    palm_normal = np.cross(p[5] - p[0], p[17] - p[0])
    for joint, degrees, moved in ((base, mcp, (j1, j2, j3)), (j1, pip, (j2, j3)), (j2, dip, (j3,))):
        direction = out[moved[0]] - out[joint]
        r = _axis_rotation(np.cross(direction, palm_normal), degrees)
        for m in moved:
            out[m] = out[joint] + r @ (out[m] - out[joint])
    return out


# -- the labelled real images ----------------------------------------------------------------------------------


def _reference_hand(entry: dict) -> dict:
    source = entry["source"]
    if source.startswith("images/"):
        return STATIC[source.removeprefix("images/")]["hands"][entry["hand"]]
    video = source.removeprefix("videos/").removesuffix(".mp4")
    ref = json.loads(handdata_path("reference", f"{video}.mediapipe_0.10.21_video.json").read_text())
    frame = next(f for f in ref["frames"] if f["frame"] == entry["frame"])
    return frame["hands"][entry["hand"]]


def test_labelled_table_is_well_formed():
    assert "labelled by looking" in LABELS["description"]
    assert set(LABELS["gestures"]) == set(gestures.GESTURES)
    counts = Counter(e["gesture"] for e in LABELS["entries"])
    assert set(counts) - {None} <= set(gestures.GESTURES)
    assert sum(n for g, n in counts.items() if g is not None) == 44


def test_accuracy_on_the_labelled_images_with_mediapipe_landmarks():
    correct, total, wrong = 0, 0, []
    finger_checks = 0
    # The photos' MediaPipe landmarks are committed (tests/data/reference); the video frames' reference JSON is
    # read from ../shared/handdata: without it, only the 9 photo entries are checked.
    with_videos = (HANDDATA / "reference").is_dir()
    for entry in LABELS["entries"]:
        if entry["gesture"] is None or (not with_videos and entry["source"].startswith("videos/")):
            continue
        hand = _reference_hand(entry)
        result = classify_landmarks(hand["world_landmarks"], hand["handedness"]["label"])
        total += 1
        if result.gesture == entry["gesture"]:
            correct += 1
        else:
            wrong.append(
                f"{entry['source']}#{entry.get('frame', '')}: {result.gesture} != {entry['gesture']}"
            )
        for finger, state in entry.get("fingers", {}).items():
            assert result.fingers[finger].value == state, (entry["source"], finger)
            finger_checks += 1
    assert (total, finger_checks) == ((44, 34) if with_videos else (9, 34))  # all finger labels are on photos
    assert correct / total >= ACCURACY_FLOOR, wrong


def test_accuracy_on_the_labelled_photos_with_our_landmarks():
    entries = [e for e in LABELS["entries"] if e["source"].startswith("images/") and e["gesture"] is not None]
    assert len(entries) == 9
    # Without ../shared/handdata: the 3 committed fingerpose photos (fist, none, pointing_up).
    entries = [e for e in entries if find_image(e["source"].removeprefix("images/")) is not None]
    assert len(entries) in (9, 3)
    correct = 0
    with HandLandmarker(max_hands=2) as landmarker:
        for entry in entries:
            file = entry["source"].removeprefix("images/")
            result = landmarker.detect(find_image(file))
            ref = np.asarray(STATIC[file]["hands"][entry["hand"]]["landmarks"])[:, :2]
            # the hand of ours nearest to the labelled reference hand
            hand = min(result.hands, key=lambda h: float(np.abs(h.landmarks[:, :2] - ref).mean()))
            correct += classify_hand(hand).gesture == entry["gesture"]
    assert correct / len(entries) >= ACCURACY_FLOOR


# -- every named gesture -----------------------------------------------------------------------------------------


def test_open_palm_any_rotation_and_mirrored():
    p, label = ref_hand("tfjs_hands.jpg", 1)
    r = classify_landmarks(p, label)
    assert (r.gesture, r.finger_count) == ("open_palm", 5)
    assert list(r.fingers.values()) == [E] * 5
    for turns in ([("z", 180)], [("z", 90)], [("x", 40), ("y", -50)], [("y", 170)]):
        assert classify_landmarks(rotate(p, *turns), label).gesture == "open_palm", turns
    mirrored = p * np.array([-1.0, 1.0, 1.0])
    assert classify_landmarks(mirrored, "Left").gesture == "open_palm"


def test_fist():
    p, label = ref_hand("fingerpose_fullcurl.jpg")
    r = classify_landmarks(p, label)
    assert (r.gesture, r.finger_count) == ("fist", 0)
    assert [r.fingers[f] for f in ("index", "middle", "ring", "pinky")] == [C] * 4
    assert classify_landmarks(rotate(p, ("z", 90)), label).gesture == "fist"
    assert classify_landmarks(rotate(p, ("x", 60)), label).gesture == "fist"


def test_pointing_up_only_when_pointing_up():
    p, label = ref_hand("fingerpose_nocurl.jpg")
    r = classify_landmarks(p, label)
    assert (r.gesture, r.finger_count) == ("pointing_up", 1) and r.fingers["index"] is E
    assert classify_landmarks(rotate(p, ("z", 30)), label).gesture == "pointing_up"
    pointing_down = rotate(p, ("z", 180))
    assert classify_landmarks(pointing_down, label).gesture == "none"
    assert classify_landmarks(pointing_down, label).fingers == r.fingers  # states do not depend on rotation


def test_thumbs_up_and_thumbs_down():
    p, label = ref_hand("mps_thumbs_up.png")
    up = classify_landmarks(p, label)
    assert (up.gesture, up.finger_count) == ("thumbs_up", 1) and up.fingers["thumb"] is E
    down = classify_landmarks(rotate(p, ("z", 180)), label)
    assert down.gesture == "thumbs_down" and down.fingers == up.fingers
    sideways = classify_landmarks(rotate(p, ("z", 90)), label)
    assert sideways.gesture == "fist"  # thumb out sideways: neither up nor down


def test_victory():
    p, label = ref_hand("tfjs_hands.jpg", 1)
    v = curl(curl(p, "ring", 50, 90, 60), "pinky", 50, 90, 60)
    r = classify_landmarks(v, label)
    assert r.gesture == "victory"
    assert [r.fingers[f] for f in ("index", "middle", "ring", "pinky")] == [E, E, C, C]
    assert classify_landmarks(rotate(v, ("z", 120)), label).gesture == "victory"
    # index and middle pressed together are not a V
    together = v.copy()
    together[10:13] = p[9] + (p[6:9] - p[5])  # middle finger parallel to the index finger
    assert classify_landmarks(together, label).gesture == "none"


def test_i_love_you():
    p, label = ref_hand("tfjs_hands.jpg", 1)
    ily = curl(curl(p, "middle", 50, 90, 60), "ring", 50, 90, 60)
    r = classify_landmarks(ily, label)
    assert (r.gesture, r.finger_count) == ("i_love_you", 3)
    assert classify_landmarks(rotate(ily, ("y", 30), ("z", -40)), label).gesture == "i_love_you"


def test_ok_sign_and_pinch_distance():
    p, label = ref_hand("tfjs_hands.jpg", 1)
    open_palm = classify_landmarks(p, label)
    assert open_palm.pinch_distance > 0.8
    ok = curl(p, "index", 40, 80, 40)
    ok[8] = p[4] + 0.1 * (p[3] - p[4])  # index tip on the thumb tip
    ok[7] = (ok[6] + ok[8]) / 2 + 0.2 * (ok[6] - p[5])
    r = classify_landmarks(ok, label)
    assert r.gesture == "ok" and r.pinch_distance < 0.35
    # scale and distance do not matter: same result for a hand three times larger, moved away
    r3 = classify_landmarks(ok * 3.0 + np.array([0.1, -0.2, 0.5]), label)
    assert r3.gesture == "ok" and r3.pinch_distance == pytest.approx(r.pinch_distance, rel=1e-6)


def test_none_for_other_shapes():
    p, label = ref_hand("fingerpose_halfcurl.jpg")
    r = classify_landmarks(p, label)
    assert r.gesture == "none" and r.fingers["index"] is H
    pinky_only = curl(curl(curl(ref_hand("tfjs_hands.jpg", 1)[0], "index", 50, 90, 60), "middle", 50, 90, 60),
                      "ring", 50, 90, 60)  # fmt: skip
    assert classify_landmarks(pinky_only, label).gesture in ("none", "i_love_you")  # thumb still out
    pinky_only[[2, 3, 4]] = pinky_only[[5, 6, 7]] * 0.5 + pinky_only[[9, 9, 9]] * 0.5  # thumb tucked in front
    assert classify_landmarks(pinky_only, label).gesture == "none"


# -- result object, handedness, errors ------------------------------------------------------------------------------


def test_palm_facing_uses_handedness():
    # tfjs_hands.jpg shows the backs of both hands (looked at); mirroring the geometry and the label keeps it.
    for index in (0, 1):
        p, label = ref_hand("tfjs_hands.jpg", index)
        assert classify_landmarks(p, label).palm_facing == "away"
        other = "Left" if label == "Right" else "Right"
        assert classify_landmarks(p * np.array([-1.0, 1.0, 1.0]), other).palm_facing == "away"
        assert classify_landmarks(p, other).palm_facing == "camera"
        assert classify_landmarks(p).palm_facing is None


def test_classify_hand_and_to_dict():
    data = STATIC["mps_thumbs_up.png"]["hands"][0]
    hand = Hand(
        landmarks=np.asarray(data["landmarks"]),
        world_landmarks=np.asarray(data["world_landmarks"]),
        handedness=data["handedness"]["label"],
        handedness_score=data["handedness"]["score"],
        presence=1.0,
        palm_box=(0.0, 0.0, 1.0, 1.0),
    )
    d = classify_hand(hand).to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["gesture"] == "thumbs_up" and d["finger_count"] == 1
    assert d["fingers"] == {"thumb": "extended", "index": "curled", "middle": "curled", "ring": "curled",
                            "pinky": "curled"}  # fmt: skip
    assert set(d) == {"gesture", "fingers", "finger_count", "pinch_distance", "palm_facing", "flexion"}
    assert len(d["flexion"]["index"]) == 3 and all(0 <= a <= 180 for a in d["flexion"]["index"])


@pytest.mark.parametrize(
    ("landmarks", "message"),
    [
        (np.zeros((20, 3)), "expected \\(21, 3\\)"),
        (np.full((21, 3), np.nan), "NaN"),
        (np.zeros((21, 3)), "degenerate"),
    ],
    ids=["shape", "nan", "degenerate"],
)
def test_bad_landmarks(landmarks, message):
    with pytest.raises(ValueError, match=message):
        classify_landmarks(landmarks)


def test_accuracy_over_labelled_video_spans():
    """Whole frame ranges of one pose (tests/data/gestures_labels.json "spans"), MediaPipe's tracking-mode
    landmarks. Measured: 280 / 280."""
    correct, total = 0, 0
    for span in LABELS["spans"]:
        video = span["source"].removeprefix("videos/").removesuffix(".mp4")
        ref = json.loads(handdata_path("reference", f"{video}.mediapipe_0.10.21_video.json").read_text())
        first, last = span["frames"]
        for frame in ref["frames"][first : last + 1]:
            hand = frame["hands"][0]
            total += 1
            correct += (
                classify_landmarks(hand["world_landmarks"], hand["handedness"]["label"]).gesture
                == span["gesture"]
            )
    assert total == 280
    assert correct / total >= ACCURACY_FLOOR


def test_accepts_the_mediapipe_style_landmark_objects():
    """results.multi_hand_world_landmarks[i] (legacy API) and result.hand_world_landmarks[i] (Tasks API)."""
    from handpose.solutions import hands as legacy
    from handpose.tasks import Landmark

    p, label = ref_hand("mps_thumbs_up.png")
    legacy_list = legacy.LandmarkList(landmark=[legacy.Landmark(x=x, y=y, z=z) for x, y, z in p.tolist()])
    tasks_list = [Landmark(*map(float, row)) for row in p]
    expected = classify_landmarks(p, label)
    assert classify_landmarks(legacy_list, label) == expected
    assert classify_landmarks(tasks_list, label) == expected
    assert expected.gesture == "thumbs_up"
