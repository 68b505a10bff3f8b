"""Convert TFLite models (the MediaPipe hand models) to ONNX.

A small, dependency-light converter that covers the float ops used by the MediaPipe palm detector and
hand landmark models (fp16 weights stored behind DEQUANTIZE). The ONNX graph keeps the TFLite interface:
input NHWC float32 with a symbolic ``batch`` dimension, outputs with the TFLite names and shapes. Inside,
the graph runs in NCHW: one Transpose after the input, and Transposes back to NHWC only where an op
needs NHWC semantics (e.g. the detector heads reshaping feature maps into anchors).

Command line: ``handpose convert SRC.tflite DST.onnx`` or ``python -m handpose.models.convert SRC DST``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from handpose.errors import HandposeError, MissingExtraError, ModelError

OPSET = 17
IR_VERSION = 8  # opset 17 + IR 8: loadable by onnxruntime >= 1.13
BATCH_DIM = "batch"
_TO_NCHW = (0, 3, 1, 2)
_TO_NHWC = (0, 2, 3, 1)
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


def _same_pads(
    in_hw: Sequence[int], k_hw: Sequence[int], strides: Sequence[int], dil: Sequence[int]
) -> list[int]:
    """ONNX pads [top, left, bottom, right] reproducing TFLite SAME padding (odd pixel goes at the end)."""
    begin, end = [], []
    for size, k, s, d in zip(in_hw, k_hw, strides, dil, strict=True):
        out = -(-size // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        begin.append(total // 2)
        end.append(total - total // 2)
    return begin + end


def _const_to_nchw(a: np.ndarray) -> np.ndarray:
    """A constant broadcastable against NHWC -> the equivalent constant broadcastable against NCHW."""
    return a.reshape((1,) * (4 - a.ndim) + a.shape).transpose(_TO_NCHW)


class _Converter:
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

    # ---- ops -----------------------------------------------------------------------------------------
    def options(self, op: Any, cls: str) -> Any:
        table = op.BuiltinOptions()
        if table is None:
            return None
        opts = getattr(self.tfl, cls)()
        opts.Init(table.Bytes, table.Pos)
        return opts

    def convert_op(self, name: str, op: Any) -> None:
        ins = [op.Inputs(j) for j in range(op.InputsLength())]
        out = op.Outputs(0)
        getattr(self, f"op_{name.lower()}")(op, ins, out)

    def op_dequantize(self, op: Any, ins: list[int], out: int) -> None:
        arr = self.const(ins[0])
        if arr is None:
            self._unary("Cast", ins, out, to=self.onnx.TensorProto.FLOAT)
            return
        q = self.g.Tensors(ins[0]).Quantization()
        if arr.dtype != np.float16 and q is not None and q.ScaleLength():
            scale, zp = q.ScaleAsNumpy().astype(np.float32), q.ZeroPointAsNumpy().astype(np.float32)
            bshape = [1] * arr.ndim
            if scale.size > 1:
                bshape[q.QuantizedDimension()] = -1
            arr = (arr.astype(np.float32) - zp.reshape(bshape)) * scale.reshape(bshape)
        self.consts[out] = arr.astype(np.float32)

    def _conv(self, ins: list[int], out: int, opts: Any, w: str, k_hw: list[int], group: int) -> None:
        x_shape = self.shape(ins[0])
        strides = [opts.StrideH(), opts.StrideW()]
        dil = [opts.DilationHFactor(), opts.DilationWFactor()]
        pads = _same_pads(x_shape[1:3], k_hw, strides, dil) if opts.Padding() == 0 else [0, 0, 0, 0]
        inputs = [self.get(ins[0], "nchw"), w]
        if len(ins) > 2 and ins[2] >= 0:
            inputs.append(self.fconst(ins[2]))
        attrs = {"kernel_shape": k_hw, "strides": strides, "dilations": dil, "pads": pads, "group": group}
        self.emit("Conv", inputs, out, opts.FusedActivationFunction(), "nchw", **attrs)

    def op_conv_2d(self, op: Any, ins: list[int], out: int) -> None:
        wshape = self.shape(ins[1])  # [O, H, W, I]
        group = self.shape(ins[0])[3] // wshape[3]
        w = self.fconst(ins[1], "_oihw", lambda a: a.transpose(0, 3, 1, 2))
        self._conv(ins, out, self.options(op, "Conv2DOptions"), w, wshape[1:3], group)

    def op_depthwise_conv_2d(self, op: Any, ins: list[int], out: int) -> None:
        wshape = self.shape(ins[1])  # [1, H, W, C*mult]
        w = self.fconst(ins[1], "_dw", lambda a: a.transpose(3, 0, 1, 2))
        self._conv(
            ins, out, self.options(op, "DepthwiseConv2DOptions"), w, wshape[1:3], self.shape(ins[0])[3]
        )

    def _pool(self, op_type: str, op: Any, ins: list[int], out: int) -> None:
        opts = self.options(op, "Pool2DOptions")
        k, s = [opts.FilterHeight(), opts.FilterWidth()], [opts.StrideH(), opts.StrideW()]
        pads = _same_pads(self.shape(ins[0])[1:3], k, s, [1, 1]) if opts.Padding() == 0 else [0, 0, 0, 0]
        attrs = {"kernel_shape": k, "strides": s, "pads": pads}
        self.emit(op_type, [self.get(ins[0], "nchw")], out, opts.FusedActivationFunction(), "nchw", **attrs)

    def op_max_pool_2d(self, op: Any, ins: list[int], out: int) -> None:
        self._pool("MaxPool", op, ins, out)

    def op_average_pool_2d(self, op: Any, ins: list[int], out: int) -> None:
        self._pool("AveragePool", op, ins, out)  # count_include_pad=0 matches TFLite SAME

    def _broadcast_inputs(self, ins: list[int]) -> tuple[list[str], str]:
        """Inputs of a broadcasting op, in NCHW when every non-constant input is a rank-4 NCHW tensor."""
        acts = [i for i in ins if self.const(i) is None]
        layout = "nchw" if acts and all(self.layout.get(i) == "nchw" for i in acts) else "nhwc"
        inputs = []
        for i in ins:
            if self.const(i) is None:
                inputs.append(self.get(i, layout))
            else:
                inputs.append(self.fconst(i, "_nchw", _const_to_nchw) if layout == "nchw" else self.fconst(i))
        return inputs, layout

    def _elementwise(self, op_type: str, ins: list[int], out: int, act: int) -> None:
        inputs, layout = self._broadcast_inputs(ins)
        self.emit(op_type, inputs, out, act, layout)

    def op_add(self, op: Any, ins: list[int], out: int) -> None:
        self._elementwise("Add", ins, out, self.options(op, "AddOptions").FusedActivationFunction())

    def op_sub(self, op: Any, ins: list[int], out: int) -> None:
        self._elementwise("Sub", ins, out, self.options(op, "SubOptions").FusedActivationFunction())

    def op_mul(self, op: Any, ins: list[int], out: int) -> None:
        self._elementwise("Mul", ins, out, self.options(op, "MulOptions").FusedActivationFunction())

    def op_prelu(self, op: Any, ins: list[int], out: int) -> None:
        """PRelu(x) as Relu(x) - alpha * Relu(-x) for a per-channel alpha on an NCHW tensor.

        ONNX Runtime's CPU PRelu kernel is slow and breaks its NCHWc conv chains; this form runs as a Relu
        and two 1x1 depthwise Convs (x * -1 with fused Relu, then * -alpha with the Add fused), each product
        exact: ~1.6x faster on the palm models. native_prelu (or any other alpha) emits ONNX PRelu.
        """
        alpha, c = self.const(ins[1]), self.shape(ins[0])[-1]
        per_channel = alpha is not None and alpha.size in (1, c) and alpha.shape[-1] == alpha.size
        if self.native_prelu or not per_channel or self.layout.get(ins[0]) != "nchw":
            self._elementwise("PRelu", ins, out, 0)
            return
        x, dw = f"t{ins[0]}", {"group": c, "kernel_shape": [1, 1]}
        minus1 = self.init(np.full((c, 1, 1, 1), -1, np.float32), f"minus1x{c}")
        neg_alpha = self.fconst(
            ins[1], "_prelu", lambda a: -np.broadcast_to(a.reshape(-1), c).reshape(c, 1, 1, 1)
        )
        relu_neg = self.node("Relu", [self.node("Conv", [x, minus1], f"t{out}_negx", **dw)], f"t{out}_rneg")
        scaled = self.node("Conv", [relu_neg, neg_alpha], f"t{out}_neg", **dw)
        self.emit("Add", [self.node("Relu", [x], f"t{out}_pos"), scaled], out, layout="nchw")

    def _unary(self, op_type: str, ins: list[int], out: int, *extra: str, **attrs: Any) -> None:
        """Layout-agnostic op on the first input (extra: constant inputs)."""
        self.emit(op_type, [f"t{ins[0]}", *extra], out, layout=self.layout.get(ins[0]), **attrs)

    def op_logistic(self, op: Any, ins: list[int], out: int) -> None:
        self._unary("Sigmoid", ins, out)

    def op_relu(self, op: Any, ins: list[int], out: int) -> None:
        self._unary("Relu", ins, out)

    def op_tanh(self, op: Any, ins: list[int], out: int) -> None:
        self._unary("Tanh", ins, out)

    def op_relu6(self, op: Any, ins: list[int], out: int) -> None:
        self._unary("Clip", ins, out, self.init(np.float32(0.0), "f0"), self.init(np.float32(6.0), "f6"))

    def op_pad(self, op: Any, ins: list[int], out: int) -> None:
        pads = self.need_const(ins[1], "PAD paddings").astype(np.int64)  # [rank, 2]
        layout = self.layout.get(ins[0], "nhwc")
        if layout == "nchw":
            pads = pads[list(_TO_NCHW)]
        onnx_pads = self.i64(list(pads[:, 0]) + list(pads[:, 1]), f"pads{out}")
        self.emit("Pad", [f"t{ins[0]}", onnx_pads], out, layout=layout, mode="constant")

    def op_resize_bilinear(self, op: Any, ins: list[int], out: int) -> None:
        opts = self.options(op, "ResizeBilinearOptions")
        size = [int(v) for v in self.need_const(ins[1], "RESIZE_BILINEAR size")]
        in_hw = self.shape(ins[0])[1:3]
        if opts is not None and opts.AlignCorners():
            mode = "align_corners"
        elif opts is not None and opts.HalfPixelCenters():
            mode = "half_pixel"
        else:
            mode = "asymmetric"
        x = self.get(ins[0], "nchw")
        scales = [np.float32(o) / np.float32(i) for o, i in zip(size, in_hw, strict=True)]
        if all(int(np.floor(np.float32(i) * s)) == o for i, s, o in zip(in_hw, scales, size, strict=True)):
            extra = ["", self.init(np.array([1, 1, *scales], np.float32), f"scales{out}")]
        else:  # sizes = [N, C] of the input + the static [H, W]
            nc = self.node(
                "Slice",
                [self.node("Shape", [x], f"t{out}_shape"), self.i64([0], "0"), self.i64([2], "2")],
                f"t{out}_nc",
            )
            extra = ["", "", self.node("Concat", [nc, self.i64(size, f"hw{out}")], f"t{out}_sizes", axis=0)]
        self.emit(
            "Resize", [x, *extra], out, layout="nchw", mode="linear", coordinate_transformation_mode=mode
        )

    def op_reshape(self, op: Any, ins: list[int], out: int) -> None:
        new = self.shape(out)
        if len(ins) > 1 and self.const(ins[1]) is not None:
            new = [int(v) for v in self.need_const(ins[1], "RESHAPE shape")]
        if new and new[0] in (1, -1) and -1 not in new[1:]:
            new = [-1, *new[1:]]
        elif new and new[0] == 1 and self.shape(ins[0])[:1] == [1]:
            new = [0, *new[1:]]  # copy the (dynamic) batch dimension
        self.emit("Reshape", [self.get(ins[0]), self.i64(new, f"shape{out}")], out)

    def op_concatenation(self, op: Any, ins: list[int], out: int) -> None:
        opts = self.options(op, "ConcatenationOptions")
        rank = len(self.shape(out))
        axis = opts.Axis() % rank
        nchw = rank == 4 and all(self.layout.get(i) == "nchw" for i in ins)
        if nchw:
            axis = _TO_NCHW.index(axis)
        inputs = [
            self.get(i, "nchw") if nchw else self.get(i) if self.const(i) is None else self.fconst(i)
            for i in ins
        ]
        act = opts.FusedActivationFunction()
        self.emit("Concat", inputs, out, act, "nchw" if nchw else "nhwc", axis=axis)

    def op_mean(self, op: Any, ins: list[int], out: int) -> None:
        rank = len(self.shape(ins[0]))
        axes = sorted({int(a) % rank for a in np.ravel(self.need_const(ins[1], "MEAN axes"))})
        keep = bool(self.options(op, "ReducerOptions").KeepDims())
        kept = [a for a in range(rank) if a not in axes]
        nchw = (
            rank == 4
            and self.layout.get(ins[0]) == "nchw"
            and (keep or kept == [a for a in _TO_NCHW if a not in axes])
        )
        if nchw:
            axes = [_TO_NCHW.index(a) for a in axes]
        x = self.get(ins[0], "nchw" if nchw else "nhwc")
        self.emit(
            "ReduceMean", [x], out, layout="nchw" if nchw and keep else None, axes=axes, keepdims=int(keep)
        )

    def op_fully_connected(self, op: Any, ins: list[int], out: int) -> None:
        opts = self.options(op, "FullyConnectedOptions")
        if opts is not None and opts.WeightsFormat() != 0:
            raise ModelError("unsupported TFLite op: FULLY_CONNECTED with shuffled weights")
        act = opts.FusedActivationFunction() if opts is not None else 0
        n_in = self.shape(ins[1])[1]
        x = self.get(ins[0])
        in_shape, out_shape = self.shape(ins[0]), self.shape(out)
        if len(in_shape) != 2:
            x = self.node("Reshape", [x, self.i64([-1, n_in], f"fc{n_in}")], f"t{out}_2d")
        inputs = [x, self.fconst(ins[1])]
        if len(ins) > 2 and ins[2] >= 0:
            inputs.append(self.fconst(ins[2]))
        if len(in_shape) != 2 and len(out_shape) != 2:  # keep_num_dims
            y = self.node("Gemm", inputs, f"t{out}_gemm", transB=1)
            self.emit("Reshape", [y, self.i64([0, *out_shape[1:]], f"shape{out}")], out, act)
        else:
            self.emit("Gemm", inputs, out, act, transB=1)

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
            if len(self.shape(idx)) == 4:
                self.node("Transpose", [name], f"t{idx}", perm=_TO_NCHW)
                self.layout[idx] = "nchw"
            else:
                renames[f"t{idx}"] = name
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


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("src", type=Path, help="input .tflite model")
    parser.add_argument("dst", type=Path, help="output .onnx model")
    parser.add_argument(
        "--native-prelu",
        action="store_true",
        help="emit ONNX PRelu (default: an equivalent form that is faster on CPU)",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    """Handler of ``handpose convert``; errors propagate as ModelError (the CLI prints them on one line)."""
    dst = convert_tflite(args.src, args.dst, native_prelu=args.native_prelu)
    print(f"wrote {dst} ({dst.stat().st_size} bytes)")
    return 0


def add_convert_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``convert`` subcommand on an argparse subparsers object (handler in ``args.func``)."""
    parser = subparsers.add_parser(
        "convert",
        help="convert a TFLite model to ONNX",
        description="Convert a TFLite model (e.g. MediaPipe hands) to ONNX.",
    )
    _add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="handpose convert", description="Convert a TFLite model to ONNX.")
    _add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except HandposeError as e:
        print(f"handpose convert: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
