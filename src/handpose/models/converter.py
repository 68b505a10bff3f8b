"""Convert TFLite models (the MediaPipe hand models) to ONNX.

A small, dependency-light converter that covers the float ops used by the MediaPipe palm detector and
hand landmark models (fp16 weights stored behind DEQUANTIZE). The ONNX graph keeps the TFLite interface:
input NHWC float32 with a symbolic ``batch`` dimension, outputs with the TFLite names and shapes. Inside,
the graph runs in NCHW: the first conv reads the NHWC input directly (a wide one-channel conv), and
Transposes appear only where an op needs the other layout (e.g. the detector heads reshaping feature maps
into anchors).

Command line (:mod:`handpose.cli.convert`): ``handpose convert SRC.tflite DST.onnx`` or
``python -m handpose.models.convert SRC DST``. The TFLite ops are in :mod:`handpose.models.tflite_ops`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import HandposeError, MissingExtraError, ModelError
from .tflite_ops import _TO_NCHW, _TO_NHWC, TfliteOps

OPSET = 17
IR_VERSION = 8  # opset 17 + IR 8: loadable by onnxruntime >= 1.13
BATCH_DIM = "batch"
# TFLite TensorType -> numpy dtype
_DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}


def _import_tflite() -> Any:
    try:
        import tflite
    except ImportError:
        raise MissingExtraError("tflite", "convert") from None
    return tflite


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise MissingExtraError("onnx", "convert") from None
    return onnx


class _Converter(TfliteOps):
    """One TFLite subgraph to one ONNX graph: tensors, layouts and graph assembly here, ops in TfliteOps."""

    def __init__(self, data: bytes, native_prelu: bool = False) -> None:
        self.native_prelu = native_prelu
        tfl = _import_tflite()
        self.onnx = _import_onnx()
        self.tfl = tfl
        if len(data) < 8 or data[4:8] != b"TFL3":
            raise ModelError("not a TFLite model (no 'TFL3' flatbuffer identifier)")
        self.data = data
        names = {v: k for k, v in vars(tfl.BuiltinOperator).items() if not k.startswith("_")}
        try:
            self.model = tfl.Model.GetRootAsModel(data, 0)
            if self.model.SubgraphsLength() < 1:
                raise ValueError("no subgraph")
            self.g = self.model.Subgraphs(0)
            self.ops = [self._op_name(names, self.g.Operators(i)) for i in range(self.g.OperatorsLength())]
        except Exception as e:  # a corrupt flatbuffer fails in many ways
            raise ModelError(f"corrupt TFLite flatbuffer: {e or type(e).__name__}") from None
        unsupported = sorted(n for n in {n for n, _ in self.ops} if not hasattr(self, f"op_{n.lower()}"))
        if unsupported:
            raise ModelError(f"unsupported TFLite op(s): {', '.join(unsupported)}")
        self.nodes: list[Any] = []
        self.inits: dict[str, Any] = {}
        self.consts: dict[int, np.ndarray] = {}  # tensors computed at conversion time (DEQUANTIZE)
        self.layout: dict[int, str] = {}  # rank-4 activations: "nchw" or "nhwc"
        self.cache: dict[tuple[str, str], str] = {}
        self.graph_inputs: set[int] = set()  # rank-4 graph inputs, NHWC (see TfliteOps.op_conv_2d)

    def _op_name(self, names: dict[int, str], op: Any) -> tuple[str, Any]:
        oc = self.model.OperatorCodes(op.OpcodeIndex())
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        name = names.get(code, f"builtin#{code}")
        if name == "CUSTOM":
            name = f"CUSTOM:{(oc.CustomCode() or b'?').decode(errors='replace')}"
        return name, op

    # ---- tensors -------------------------------------------------------------------------------------
    def shape(self, idx: int) -> list[int]:
        t = self.g.Tensors(idx)
        return [int(d) for d in t.ShapeAsNumpy()] if t.ShapeLength() else []

    def const(self, idx: int) -> np.ndarray | None:
        if idx in self.consts:
            return self.consts[idx]
        t = self.g.Tensors(idx)
        buf = self.model.Buffers(t.Buffer())
        if buf.Offset() > 1:  # data stored after the flatbuffer
            raw = self.data[buf.Offset() : buf.Offset() + buf.Size()]
        elif buf.DataLength():
            raw = buf.DataAsNumpy().tobytes()
        else:
            return None
        dtype = _DTYPES.get(t.Type())
        if dtype is None:
            raise ModelError(f"unsupported TFLite tensor type {t.Type()} for constant {t.Name().decode()!r}")
        return np.frombuffer(raw, dtype).reshape(self.shape(idx))

    def need_const(self, idx: int, what: str) -> np.ndarray:
        arr = self.const(idx)
        if arr is None:
            raise ModelError(f"unsupported TFLite model: {what} must be a constant")
        return arr

    def init(self, arr: np.ndarray, key: str) -> str:
        name = f"c_{key}"
        if name not in self.inits:
            self.inits[name] = self.onnx.numpy_helper.from_array(np.ascontiguousarray(arr), name)
        return name

    def fconst(self, idx: int, tag: str = "", fn: Any = None) -> str:
        arr = self.need_const(idx, "weight").astype(np.float32)
        return self.init(fn(arr) if fn else arr, f"{idx}{tag}")

    def i64(self, values: Sequence[int], key: str) -> str:
        return self.init(np.asarray(values, np.int64), key)

    def get(self, idx: int, want: str = "nhwc") -> str:
        """ONNX name of tensor idx; rank-4 tensors are returned in the wanted layout."""
        name = f"t{idx}"
        have = self.layout.get(idx)
        if have is None or have == want:
            return name
        if (name, want) not in self.cache:
            out = f"{name}_{want}"
            self.node("Transpose", [name], out, perm=_TO_NCHW if want == "nchw" else _TO_NHWC)
            self.cache[(name, want)] = out
        return self.cache[(name, want)]

    def node(self, op_type: str, inputs: Sequence[str], output: str, **attrs: Any) -> str:
        self.nodes.append(
            self.onnx.helper.make_node(
                op_type, list(inputs), [output], name=f"{op_type}_{len(self.nodes)}", **attrs
            )
        )
        return output

    def emit(
        self,
        op_type: str,
        inputs: Sequence[str],
        out_idx: int,
        act: int = 0,
        layout: str | None = None,
        **attrs: Any,
    ) -> None:
        """Emit op_type into tensor out_idx, followed by the TFLite fused activation code act."""
        final = f"t{out_idx}"
        if len(self.shape(out_idx)) == 4:
            self.layout[out_idx] = layout or "nhwc"
        if act == 0:
            self.node(op_type, inputs, final, **attrs)
            return
        pre = self.node(op_type, inputs, f"{final}_pre", **attrs)
        if act == 1:
            self.node("Relu", [pre], final)
        elif act in (2, 3):  # RELU_N1_TO_1, RELU6
            lo, hi = (-1, 1) if act == 2 else (0, 6)
            bounds = [self.init(np.float32(v), f"f{v}") for v in (lo, hi)]
            self.node("Clip", [pre, *bounds], final)
        elif act == 4:
            self.node("Tanh", [pre], final)
        else:
            raise ModelError(f"unsupported TFLite fused activation code {act}")

    # ---- graph ---------------------------------------------------------------------------------------
    def value_info(self, idx: int, name: str) -> Any:
        shape = self.shape(idx)
        dims: list[Any] = [BATCH_DIM, *shape[1:]] if shape else []
        return self.onnx.helper.make_tensor_value_info(name, self.onnx.TensorProto.FLOAT, dims)

    def run(self) -> Any:
        helper = self.onnx.helper
        inputs, outputs, renames = [], [], {}
        for k in range(self.g.InputsLength()):
            idx = self.g.Inputs(k)
            t = self.g.Tensors(idx)
            if t.Type() != 0:
                raise ModelError(f"unsupported TFLite model: input {t.Name().decode()!r} is not float32")
            name = t.Name().decode()
            inputs.append(self.value_info(idx, name))
            renames[f"t{idx}"] = name
            if len(self.shape(idx)) == 4:  # a Transpose to NCHW appears where an op needs one (get)
                self.layout[idx] = "nhwc"
                self.graph_inputs.add(idx)
        for name, op in self.ops:
            self.convert_op(name, op)
        for k in range(self.g.OutputsLength()):
            idx = self.g.Outputs(k)
            name = self.g.Tensors(idx).Name().decode()
            outputs.append(self.value_info(idx, name))
            if self.layout.get(idx) == "nchw":
                self.node("Transpose", [f"t{idx}"], name, perm=_TO_NHWC)
            else:
                renames[f"t{idx}"] = name
        for n in self.nodes:
            for lst in (n.input, n.output):
                lst[:] = [renames.get(v, v) for v in lst]
        graph = helper.make_graph(self.nodes, "tflite_converted", inputs, outputs, list(self.inits.values()))
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            producer_name="handpose.convert",
            ir_version=IR_VERSION,
        )
        helper.set_model_props(
            model, {"source_format": "tflite", "source_sha256": hashlib.sha256(self.data).hexdigest()}
        )
        try:
            self.onnx.checker.check_model(model, full_check=True)
        except Exception as e:
            raise ModelError(f"conversion produced an invalid ONNX model: {e}") from e
        return model


def convert_bytes(tflite_bytes: bytes, *, native_prelu: bool = False) -> bytes:
    """Convert a TFLite flatbuffer to a serialized ONNX model (fp32 weights, dynamic batch).

    PRELU is rewritten into ops that ONNX Runtime's CPU provider runs faster (see ``op_prelu``) unless
    native_prelu is set, which emits ONNX PRelu (one kernel; may suit GPU execution providers better).
    """
    converter = _Converter(bytes(tflite_bytes), native_prelu)
    try:
        model = converter.run()
    except HandposeError:
        raise
    except Exception as e:  # malformed tensors/buffers in an otherwise parseable flatbuffer
        raise ModelError(f"cannot convert this TFLite model: {type(e).__name__}: {e}") from e
    return model.SerializeToString()


def convert_tflite(src: str | Path, dst: str | Path, *, native_prelu: bool = False) -> Path:
    """Convert the TFLite file src to the ONNX file dst (written atomically); return dst."""
    src, dst = Path(src), Path(dst)
    try:
        data = src.read_bytes()
    except OSError as e:
        raise ModelError(f"cannot read {src}: {e.strerror or e}") from None
    try:
        out = convert_bytes(data, native_prelu=native_prelu)
    except ModelError as e:
        raise ModelError(f"{src}: {e}") from None
    from ..io.atomic import atomic_write_bytes

    try:
        atomic_write_bytes(dst, out)
    except OSError as e:
        raise ModelError(f"cannot write {dst}: {e.strerror or e}") from None
    return dst
