"""The TFLite -> ONNX converter and the bundled ONNX models.

The committed ONNX models are compared with the original MediaPipe .tflite files run by ai-edge-litert on real
crops. Tolerance: |onnx - tflite| <= 1e-4 + 2e-5 * max|tflite output|. A pure 1e-4 bound is not attainable
in float32 for the outputs in pixel units (palm regressors and landmark coordinates reach ~200): litert's
own two CPU backends (XNNPACK and its builtin kernels) already differ by ~1.3e-3 there, and the ONNX Runtime
result is closer to a float64 evaluation than either of them. Structural mistakes (padding side, resize
coordinates, layout) give errors of 1..100, far above this tolerance.
"""

from __future__ import annotations

import argparse
import functools
import struct
from pathlib import Path

import numpy as np
import pytest

from conftest import handdata_path, tflite_path
from handpose.errors import ModelError
from handpose.models import (
    MODEL_NAMES,
    handedness_labels,
    load_manifest,
    model_path,
    verify_models,
)

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
cv2 = pytest.importorskip("cv2")

PALMS = ("palm_detection_full", "palm_detection_lite")
LANDMARKS = ("hand_landmark_full", "hand_landmark_lite")

# Committed test images (tests/data/images, tests/data/made): one hand, two hands, none, a grayscale crowd.
PALM_IMAGES = (
    "fingerpose_nocurl.jpg",
    "fingerpose_pair.jpg",
    "neg_opencv_fruits.jpg",
    "opencv_basketball1.png",
)
HAND_IMAGES = ("fingerpose_nocurl.jpg", "fingerpose_halfcurl.jpg", "fingerpose_fullcurl.jpg")
ATOL, RTOL = 1e-4, 2e-5


def manifest_entry(name: str) -> dict:
    return next(e for e in load_manifest()["files"] if e.get("model") == name)


@functools.cache
def session(source: str | bytes) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = 1
    return ort.InferenceSession(source, so, providers=["CPUExecutionProvider"])


def run_onnx(source: str | bytes, x: np.ndarray) -> dict[str, np.ndarray]:
    sess = session(source)
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, {sess.get_inputs()[0].name: x}), strict=True))


def run_tflite(path: Path, x: np.ndarray) -> dict[str, np.ndarray]:
    litert = pytest.importorskip("ai_edge_litert.interpreter")
    it = litert.Interpreter(model_path=str(path), num_threads=1)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return {d["name"]: it.get_tensor(d["index"]).copy() for d in it.get_output_details()}


def read_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert img is not None, path
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def letterbox(img: np.ndarray, size: int) -> np.ndarray:
    """Resize keeping the aspect ratio, centred on zero padding; float32 RGB in [0, 1]."""
    h, w = img.shape[:2]
    scale = size / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    out = np.zeros((size, size, 3), np.float32)
    y, x = (size - nh) // 2, (size - nw) // 2
    out[y : y + nh, x : x + nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA) / 255.0
    return out


def center_crop(img: np.ndarray, size: int) -> np.ndarray:
    h, w = img.shape[:2]
    m = min(h, w)
    crop = img[(h - m) // 2 : (h - m) // 2 + m, (w - m) // 2 : (w - m) // 2 + m]
    return (cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA) / 255.0).astype(np.float32)


def model_inputs(name: str) -> list[tuple[str, np.ndarray]]:
    if name in PALMS:
        return [(f, letterbox(read_rgb(handdata_path("images", f)), 192)[None]) for f in PALM_IMAGES]
    crops = [(f, center_crop(read_rgb(handdata_path("images", f)), 224)[None]) for f in HAND_IMAGES]
    noise = np.random.default_rng(0).random((1, 224, 224, 3), dtype=np.float32)
    return [*crops, ("noise", noise)]


def random_batch(name: str, n: int) -> np.ndarray:
    size = 192 if name in PALMS else 224
    return np.random.default_rng(1).random((n, size, size, 3), dtype=np.float32)


# ---- committed models ------------------------------------------------------------------------------------
def test_committed_files_match_manifest() -> None:
    result = verify_models()
    assert set(result) == {f"{n}.onnx" for n in MODEL_NAMES} | {"handedness.txt"}
    assert all(result.values()), result
    verify_models(strict=True)
    assert load_manifest()["mediapipe_version"] == "0.10.21"
    assert handedness_labels() == ["Left", "Right"]


def test_verify_models_detects_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import handpose.models as models

    (tmp_path / "manifest.json").write_bytes(models.MANIFEST.read_bytes())
    (tmp_path / "handedness.txt").write_text("Right\nLeft\n")
    monkeypatch.setattr(models, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(models, "MANIFEST", tmp_path / "manifest.json")
    assert not any(verify_models().values())
    with pytest.raises(ModelError, match=r"handedness\.txt"):
        verify_models(strict=True)


def test_model_path_errors() -> None:
    assert model_path("hand_landmark_full").name == "hand_landmark_full.onnx"
    with pytest.raises(ModelError, match="unknown model"):
        model_path("palm_detection_huge")


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_interface_and_graph(name: str) -> None:
    """Symbolic batch dim, manifest I/O, fp32 weights, no layout Transposes but the palm heads'."""
    entry = manifest_entry(name)
    model = onnx.load(str(model_path(name)))
    onnx.checker.check_model(model, full_check=True)
    graph = model.graph

    def dims(v: onnx.ValueInfoProto) -> list:
        return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

    assert [graph.input[0].name, dims(graph.input[0])] == [entry["input"]["name"], entry["input"]["shape"]]
    assert [[o.name, dims(o)] for o in graph.output] == [[o["name"], o["shape"]] for o in entry["outputs"]]
    assert all(dims(v)[0] == "batch" for v in [*graph.input, *graph.output])
    assert {t.data_type for t in graph.initializer} <= {onnx.TensorProto.FLOAT, onnx.TensorProto.INT64}
    used = {i for n in graph.node for i in n.input}
    assert [t.name for t in graph.initializer if t.name not in used] == []
    ops = [n.op_type for n in graph.node]
    # The first conv reads the NHWC input through Reshape + Unsqueeze (no Transpose to NCHW); the palm models go back to
    # NHWC before their 4 head reshapes. The PRelu and channel-Pad rewrites leave no PRelu/Pad nodes.
    assert ops.count("Transpose") == (4 if name in PALMS else 0)
    assert ops[:3] == ["Reshape", "Unsqueeze", "Conv"] and "Identity" not in ops
    assert not {"PRelu", "Pad"} & set(ops)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_batch_equals_single(name: str) -> None:
    path = str(model_path(name))
    x = random_batch(name, 3)
    batched = run_onnx(path, x)
    for i in range(3):
        single = run_onnx(path, x[i : i + 1])
        for key, value in single.items():
            assert batched[key].shape[0] == 3
            np.testing.assert_allclose(batched[key][i : i + 1], value, rtol=0, atol=1e-5, err_msg=key)


# ---- against the original .tflite --------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_matches_tflite(name: str) -> None:
    src = tflite_path(name)
    for label, x in model_inputs(name):
        ref = run_tflite(src, x)
        got = run_onnx(str(model_path(name)), x)
        assert list(got) == sorted(ref)  # same output names (litert lists them in its own order)
        for key, expected in ref.items():
            assert got[key].shape == expected.shape, (label, key)
            diff = float(np.abs(got[key] - expected).max())
            tol = ATOL + RTOL * float(np.abs(expected).max())
            assert diff <= tol, f"{name} {key} on {label}: max |diff| {diff:.3g} > {tol:.3g}"
            # The bound, 1e-4 absolute, in the units the pipeline consumes: pixel outputs normalized
            # by the model's input size (as the decoders do), palm logits through the sigmoid.
            unit_got, unit_ref = pipeline_units(name, key, got[key]), pipeline_units(name, key, expected)
            unit_diff = float(np.abs(unit_got - unit_ref).max())
            assert unit_diff <= 1e-4, f"{name} {key} on {label}: {unit_diff:.3g} > 1e-4 in pipeline units"


def pipeline_units(name: str, key: str, values: np.ndarray) -> np.ndarray:
    """Model outputs in the units the pipeline uses: palm regressors / 192, palm scores as sigmoid
    probabilities, screen landmarks / 224; probabilities and world landmarks (metres) as they are."""
    values = values.astype(np.float64)
    if name.startswith("palm"):
        return values / 192.0 if key == "Identity" else 1.0 / (1.0 + np.exp(-np.clip(values, -100, 100)))
    return values / 224.0 if key == "Identity" else values


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_reconversion_equals_committed(name: str) -> None:
    """Converting the .tflite now gives a model that computes the same as the committed one."""
    from handpose.models.convert import convert_bytes

    converted = convert_bytes(tflite_path(name).read_bytes())
    x = random_batch(name, 1)
    fresh, committed = run_onnx(converted, x), run_onnx(str(model_path(name)), x)
    assert list(fresh) == list(committed)
    for key in fresh:
        np.testing.assert_allclose(fresh[key], committed[key], rtol=0, atol=1e-6, err_msg=key)


def test_native_prelu_option() -> None:
    """--native-prelu emits ONNX PRelu; same results as the default (faster) PRelu rewrite."""
    from handpose.models.convert import convert_bytes

    native = convert_bytes(tflite_path("palm_detection_lite").read_bytes(), native_prelu=True)
    ops = [n.op_type for n in onnx.load_from_string(native).graph.node]
    assert ops.count("PRelu") == 26
    x = random_batch("palm_detection_lite", 2)
    fresh, committed = run_onnx(native, x), run_onnx(str(model_path("palm_detection_lite")), x)
    for key in fresh:
        np.testing.assert_allclose(fresh[key], committed[key], rtol=0, atol=ATOL + RTOL * 200, err_msg=key)


# ---- converter errors and CLI ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [b"", b"this is not a model" * 10, b"\x10\x00\x00\x00TFL3" + bytes(64)],
    ids=["empty", "text", "hdr"],
)
def test_convert_bytes_rejects_garbage(data: bytes) -> None:
    from handpose.models.convert import convert_bytes

    with pytest.raises(ModelError, match="TFLite"):
        convert_bytes(data)


def with_op_replaced(data: bytes, old: str, new_code: int) -> bytes:
    """The flatbuffer with the operator code of op `old` patched in place to builtin code new_code."""
    import tflite

    buf = bytearray(data)
    model = tflite.Model.GetRootAsModel(buf, 0)
    old_code = getattr(tflite.BuiltinOperator, old)
    for k in range(model.OperatorCodesLength()):
        tab = model.OperatorCodes(k)._tab
        if (
            max(model.OperatorCodes(k).BuiltinCode(), model.OperatorCodes(k).DeprecatedBuiltinCode())
            != old_code
        ):
            continue
        for slot, fmt in ((4, "<b"), (10, "<i")):  # deprecated_builtin_code (int8), builtin_code (int32)
            if tab.Offset(slot):
                struct.pack_into(fmt, buf, tab.Pos + tab.Offset(slot), new_code)
        return bytes(buf)
    raise AssertionError(f"{old} not in the model")


def test_unsupported_op_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import tflite

    from handpose.models.convert import convert_bytes, main

    patched = with_op_replaced(
        tflite_path("palm_detection_lite").read_bytes(), "PAD", tflite.BuiltinOperator.SOFTMAX
    )
    with pytest.raises(ModelError, match=r"unsupported TFLite op.*SOFTMAX"):
        convert_bytes(patched)
    src = tmp_path / "bad.tflite"
    src.write_bytes(patched)
    assert main([str(src), str(tmp_path / "bad.onnx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SOFTMAX" in err and "bad.tflite" in err
    assert not (tmp_path / "bad.onnx").exists()


def test_convert_tflite_errors(tmp_path: Path) -> None:
    from handpose.models.convert import convert_tflite

    with pytest.raises(ModelError, match="cannot read"):
        convert_tflite(tmp_path / "missing.tflite", tmp_path / "out.onnx")
    text = tmp_path / "notes.tflite"
    text.write_text("hello")
    with pytest.raises(ModelError, match="not a TFLite model"):
        convert_tflite(text, tmp_path / "out.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.tflite"]  # no temporary left behind


def test_cli_convert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from handpose.cli.convert import add_parser as add_convert_parser
    from handpose.cli.convert import main

    parser = argparse.ArgumentParser(prog="handpose")
    add_convert_parser(parser.add_subparsers(dest="command"))
    src, dst = tflite_path("hand_landmark_lite"), tmp_path / "sub" / "lm.onnx"
    args = parser.parse_args(["convert", str(src), str(dst)])
    assert args.func(args) == 0 and dst.is_file()
    assert main([str(src), str(tmp_path / "lm2.onnx")]) == 0
    assert (tmp_path / "lm2.onnx").read_bytes() == dst.read_bytes()  # deterministic
    assert "wrote" in capsys.readouterr().out
