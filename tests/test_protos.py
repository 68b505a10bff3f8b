"""handpose's protobuf messages (``handpose.framework.formats``) are MediaPipe's, to the byte and the character.

Expected values: tests/data/reference/mediapipe_0.10.21_messages.json, written by
tests/data/make_message_reference.py with MediaPipe 0.10.21's own message modules (protobuf 4.25.9): the sha256
of each file descriptor, and messages as bytes, text format, ``MessageToDict`` and ``MessageToJson``.

Protobuf versions: the committed modules (protoc 25.1) were run against this file's checks on protobuf 4.21.12,
4.25.8 (the oldest onnxruntime 1.32 accepts), 5.29.6, 6.33.6 and 7.36.2 (upb): all pass; 3.20.3 loads them but
prints floats in text format its own way ("0.0" for 0). In CI, the installed (newest) protobuf runs this file,
and test_oldest_protobuf runs it again on 4.25.8 from .proto-venv (made by .ci/run).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format, text_format
from google.protobuf.internal import api_implementation
from google.protobuf.message import EncodeError

from conftest import DATA, REPO
from handpose.framework.formats import (
    classification_pb2,
    detection_pb2,
    landmark_pb2,
    location_data_pb2,
    rect_pb2,
)
from handpose.framework.formats.annotation import rasterization_pb2

REFERENCE = json.loads((DATA / "reference" / "mediapipe_0.10.21_messages.json").read_text())
MODULES = {
    "landmark": landmark_pb2,
    "classification": classification_pb2,
    "detection": detection_pb2,
    "location_data": location_data_pb2,
    "rect": rect_pb2,
    "annotation/rasterization": rasterization_pb2,
}
PROTO_VENV = REPO / ".proto-venv" / "bin" / "python"  # protobuf 4.25.8 + grpcio-tools 1.62.3 (.ci/run)
NESTED_RUN = "HANDPOSE_TEST_PROTOS_NESTED"


def assert_text_equal(message: Any, expected: str) -> None:
    """str(message) is MediaPipe's text; the pure-Python protobuf backend formats floats its own way (for
    MediaPipe's messages too), so there only the parsed value is compared."""
    if api_implementation.Type() == "upb":
        assert str(message) == expected
    else:
        assert text_format.Parse(expected, type(message)()) == message


@pytest.mark.parametrize("key", sorted(MODULES))
def test_file_descriptors_are_byte_identical_to_mediapipes(key: str) -> None:
    expected = REFERENCE["descriptors"][key]
    descriptor = MODULES[key].DESCRIPTOR
    assert descriptor.name == expected["name"]
    assert descriptor.package == "mediapipe"
    assert hashlib.sha256(descriptor.serialized_pb).hexdigest() == expected["sha256"]


@pytest.mark.parametrize("name", sorted(REFERENCE["messages"]))
def test_messages_read_write_and_print_as_mediapipes(name: str) -> None:
    ref = REFERENCE["messages"][name]
    cls = getattr(MODULES[ref["module"]], ref["type"])
    ours = text_format.Parse(ref["input"], cls())
    mediapipe_bytes = base64.b64decode(ref["bytes_b64"])
    assert ours.SerializeToString() == mediapipe_bytes
    parsed = cls()
    parsed.ParseFromString(mediapipe_bytes)
    assert parsed == ours
    assert_text_equal(ours, ref["text"])
    assert json_format.MessageToDict(ours) == ref["dict"]
    assert json_format.MessageToJson(ours) == ref["json"]
    assert json_format.ParseDict(ref["dict"], cls()) == ours
    assert [field.name for field, _ in ours.ListFields()] == ref["fields"]


def test_message_api_is_protobufs() -> None:
    point = landmark_pb2.NormalizedLandmark(x=0.25, y=0.5)
    assert point.HasField("x") and not point.HasField("visibility") and point.visibility == 0.0
    with pytest.raises(ValueError, match='no "speed" field'):
        point.HasField("speed")
    hand = landmark_pb2.NormalizedLandmarkList()
    hand.landmark.extend([point, landmark_pb2.NormalizedLandmark(x=1.0, y=1.0, z=-0.5)])
    hand.landmark.add(x=0.1, presence=0.9)
    copy = landmark_pb2.NormalizedLandmarkList()
    copy.CopyFrom(hand)
    assert copy == hand and copy is not hand and len(copy.landmark) == 3
    copy.landmark[0].x = 0.75
    assert hand.landmark[0].x == 0.25  # CopyFrom copies
    assert copy.landmark[2].HasField("presence") and copy.landmark[2].presence == pytest.approx(0.9)
    merged = landmark_pb2.NormalizedLandmarkList()
    merged.MergeFrom(hand)
    merged.MergeFrom(hand)
    assert len(merged.landmark) == 6
    assert isinstance(hand.landmark[0].x, float)
    with pytest.raises(TypeError):
        landmark_pb2.NormalizedLandmark(x="0.5")


def test_required_fields_and_enums_behave_as_proto2() -> None:
    rect = rect_pb2.NormalizedRect(x_center=0.5, y_center=0.5)
    assert not rect.IsInitialized() and rect.rotation == 0.0 and not rect.HasField("rotation")
    with pytest.raises(EncodeError):
        rect.SerializeToString()
    assert rect.SerializePartialToString()
    location = location_data_pb2.LocationData(format=location_data_pb2.LocationData.RELATIVE_BOUNDING_BOX)
    assert location_data_pb2.LocationData.Format.Name(location.format) == "RELATIVE_BOUNDING_BOX"
    assert location_data_pb2.LocationData.RELATIVE_BOUNDING_BOX == 2
    detection = detection_pb2.Detection(location_data=location)
    assert detection.HasField("location_data") and not detection.HasField("track_id")


def test_message_classes_live_in_handpose_modules() -> None:
    """protoc's ``mediapipe.framework.formats`` module paths were rewritten; nothing imports Google's mediapipe."""
    for module in MODULES.values():
        source = Path(module.__file__).read_text()
        assert "from mediapipe" not in source and "import mediapipe" not in source
    assert landmark_pb2.NormalizedLandmarkList.__module__ in {
        "handpose.framework.formats.landmark_pb2",
        "mediapipe.framework.formats.landmark_pb2",  # when Google's mediapipe was imported first
    }
    assert detection_pb2.DESCRIPTOR.dependencies[0] is location_data_pb2.DESCRIPTOR


def _protoc_python() -> str | None:
    for candidate in (os.environ.get("HANDPOSE_PROTOC_PYTHON"), str(PROTO_VENV)):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def test_committed_modules_equal_protoc_output() -> None:
    """tools/gen_protos.py --check: protoc 25.1 (grpcio-tools 1.62.3) regenerates exactly the committed files."""
    python = _protoc_python()
    if python is None:
        pytest.skip(
            "no grpcio-tools 1.62.3 interpreter: .proto-venv (made by .ci/run) or $HANDPOSE_PROTOC_PYTHON"
        )
    proc = subprocess.run(
        [python, str(REPO / "tools" / "gen_protos.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


@pytest.mark.skipif(bool(os.environ.get(NESTED_RUN)), reason="already the nested run")
def test_oldest_protobuf() -> None:
    """This file's other tests again, on protobuf 4.25.8 (.proto-venv, which sees the dev venv's packages)."""
    if not PROTO_VENV.is_file():
        pytest.skip(".proto-venv (protobuf 4.25.8, made by .ci/run) is absent")
    probe = subprocess.run(
        [str(PROTO_VENV), "-c", "import google.protobuf as p, handpose; print(p.__version__)"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f".proto-venv cannot import handpose: {probe.stderr.strip()[-300:]}")
    assert probe.stdout.strip() == "4.25.8"
    proc = subprocess.run(
        [str(PROTO_VENV), "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        capture_output=True, text=True, timeout=300, cwd=REPO, env={**os.environ, NESTED_RUN: "1"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert " failed" not in proc.stdout and " passed" in proc.stdout


def _mediapipe_python() -> str:
    python = os.environ.get("HANDPOSE_MEDIAPIPE_PYTHON") or str(REPO / ".mp-venv" / "bin" / "python")
    if not Path(python).is_file():
        pytest.skip("no interpreter with mediapipe==0.10.21 (set HANDPOSE_MEDIAPIPE_PYTHON)")
    return python


# Runs in MediaPipe's venv, which has no onnxruntime: the handpose package is set up as a bare namespace so that
# importing the message modules does not run handpose/__init__ (the modules themselves are imported unchanged).
_COEXIST = textwrap.dedent(
    """
    import json, sys, types
    src, order = sys.argv[1], sys.argv[2]
    def handpose_modules():
        for name in ("handpose", "handpose.framework", "handpose.framework.formats"):
            module = types.ModuleType(name)
            module.__path__ = [src + "/" + name.replace(".", "/")]
            sys.modules[name] = module
        from handpose.framework.formats import landmark_pb2, detection_pb2
        return landmark_pb2, detection_pb2
    def mediapipe_modules():
        from mediapipe.framework.formats import landmark_pb2, detection_pb2
        return landmark_pb2, detection_pb2
    first, second = (mediapipe_modules, handpose_modules) if order == "mediapipe-first" else (
        handpose_modules, mediapipe_modules)
    a, b = first(), second()
    mp_lm, hp_lm = (a, b) if order == "mediapipe-first" else (b, a)
    hand = hp_lm[0].NormalizedLandmarkList()
    hand.landmark.add(x=0.5, y=0.25)
    theirs = mp_lm[0].NormalizedLandmarkList()
    theirs.CopyFrom(hand)
    print(json.dumps({
        "same_class": mp_lm[0].NormalizedLandmarkList is hp_lm[0].NormalizedLandmarkList,
        "same_detection": mp_lm[1].Detection is hp_lm[1].Detection,
        "module": hp_lm[0].NormalizedLandmarkList.__module__,
        "equal": theirs == hand,
    }))
    """
)


@pytest.mark.parametrize("order", ["mediapipe-first", "handpose-first"])
def test_coexists_with_google_mediapipe_in_one_process(order: str) -> None:
    """Same file names and byte-identical descriptors: the second import reuses the first one's descriptors and
    message classes (no 'duplicate file name' error); the classes' __module__ names whoever came first."""
    python = _mediapipe_python()
    proc = subprocess.run(
        [python, "-c", _COEXIST, str(REPO / "src"), order], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["same_class"] and result["same_detection"] and result["equal"]
    first = "mediapipe" if order == "mediapipe-first" else "handpose"
    assert result["module"] == f"{first}.framework.formats.landmark_pb2"
