"""The TFLite ops the converter (:mod:`handpose.models.converter`) supports, one ``op_<name>`` method each.

:class:`TfliteOps` is a mixin of the converter: its methods use the converter's tensors (``const``, ``get``,
``shape``) and emitters (``node``, ``emit``, ``init``). A TFLite op is supported when a method ``op_<name>`` exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ModelError

_TO_NCHW = (0, 3, 1, 2)
_TO_NHWC = (0, 2, 3, 1)


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


class TfliteOps:
    """TFLite op -> ONNX nodes (mixin of the converter; ``self`` is a ``_Converter``)."""

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
        opts = self.options(op, "Conv2DOptions")
        dilated = opts.DilationHFactor() != 1 or opts.DilationWFactor() != 1
        if group == 1 and not dilated and self.layout.get(ins[0]) == "nhwc" and ins[0] in self.graph_inputs:
            self._conv_on_nhwc_input(ins, out, opts, wshape)
            return
        w = self.fconst(ins[1], "_oihw", lambda a: a.transpose(0, 3, 1, 2))
        self._conv(ins, out, opts, w, wshape[1:3], group)

    def _conv_on_nhwc_input(self, ins: list[int], out: int, opts: Any, wshape: list[int]) -> None:
        """A conv reading the NHWC graph input, without the NHWC -> NCHW Transpose: the input viewed as one
        channel of H x (W*C) values (a free Reshape + Unsqueeze) and the kernel as kh x (kw*C), the width stride
        and padding times C: the same products, one output per pixel, in NCHW (~0.1 ms less per run)."""
        c = self.shape(ins[0])[3]
        strides = [opts.StrideH(), opts.StrideW()]
        k_hw = wshape[1:3]
        pads = _same_pads(self.shape(ins[0])[1:3], k_hw, strides, [1, 1]) if opts.Padding() == 0 else [0] * 4
        # [N, H, W, C] -> [N, H, W*C] -> [N, 1, H, W*C]: no size baked in (the thorough search frees H and W)
        flat = self.node("Reshape", [f"t{ins[0]}", self.i64([0, 0, -1], "flat_hw")], f"t{ins[0]}_flat")
        wide = self.node("Unsqueeze", [flat, self.i64([1], "axis1")], f"t{ins[0]}_wide")
        w = self.fconst(ins[1], "_wide", lambda a: a.reshape(a.shape[0], 1, a.shape[1], -1))
        inputs = [wide, w, *([self.fconst(ins[2])] if len(ins) > 2 and ins[2] >= 0 else [])]
        attrs = {
            "kernel_shape": [k_hw[0], k_hw[1] * c],
            "strides": [strides[0], strides[1] * c],
            "pads": [pads[0], pads[1] * c, pads[2], pads[3] * c],
        }
        self.emit("Conv", inputs, out, opts.FusedActivationFunction(), "nchw", **attrs)

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
        """PRelu(x) as x + (1 - alpha) * Relu(-x) for a per-channel alpha on an NCHW tensor.

        ONNX Runtime's CPU PRelu kernel is slow and breaks its NCHWc conv chains; this form is two 1x1 depthwise
        Convs that stay in the NCHWc layout: x * -1 with the Relu fused, then * (1 - alpha) with the Add of x
        fused. Relu(-x) and 1 - alpha (fp16 alpha) are exact; the result differs from alpha * x by one float
        rounding of x. Versus Relu(x) - alpha * Relu(-x) (bit-exact, one more pass for the Relu): palm full
        -4% CPU time per run (benchmarks/README.md). native_prelu (or any other alpha) emits ONNX PRelu.
        """
        alpha, c = self.const(ins[1]), self.shape(ins[0])[-1]
        per_channel = alpha is not None and alpha.size in (1, c) and alpha.shape[-1] == alpha.size
        if self.native_prelu or not per_channel or self.layout.get(ins[0]) != "nchw":
            self._elementwise("PRelu", ins, out, 0)
            return
        x, dw = f"t{ins[0]}", {"group": c, "kernel_shape": [1, 1]}
        minus1 = self.init(np.full((c, 1, 1, 1), -1, np.float32), f"minus1x{c}")
        one_minus_alpha = self.fconst(
            ins[1], "_prelu", lambda a: np.float32(1) - np.broadcast_to(a.reshape(-1), c).reshape(c, 1, 1, 1)
        )
        relu_neg = self.node("Relu", [self.node("Conv", [x, minus1], f"t{out}_negx", **dw)], f"t{out}_rneg")
        scaled = self.node("Conv", [relu_neg, one_minus_alpha], f"t{out}_neg", **dw)
        self.emit("Add", [x, scaled], out, layout="nchw")

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
        """PAD; zeros appended to the channels of an NCHW tensor (BlazePalm's residual branches) stay in ONNX
        Runtime's NCHWc layout, so the Add after them fuses into the Conv and no layout reorders appear:
        k*C extra channels are Concat(x, x * 0) with the zeros from a 1x1 depthwise Conv (one cheap pass;
        palm full -5% CPU time per run vs the former identity-weights 1x1 Conv, benchmarks/README.md), any
        other count a 1x1 Conv with identity weights. Both exact (x * 1, x * 0 for finite x)."""
        pads = self.need_const(ins[1], "PAD paddings").astype(np.int64)  # [rank, 2]
        layout = self.layout.get(ins[0], "nhwc")
        c = self.shape(ins[0])[-1] if len(pads) == 4 else 0
        if layout == "nchw" and c > 0 and not pads[:3].any() and pads[3, 0] == 0 and pads[3, 1] > 0:
            extra, x = int(pads[3, 1]), f"t{ins[0]}"
            if extra % c == 0:
                zeros = self.init(np.zeros((extra, 1, 1, 1), np.float32), f"zeros{c}to{extra}")
                z = self.node("Conv", [x, zeros], f"t{out}_zeros", group=c, kernel_shape=[1, 1])
                self.emit("Concat", [x, z], out, layout="nchw", axis=1)
                return
            eye = np.zeros((c + extra, c, 1, 1), np.float32)
            eye[np.arange(c), np.arange(c)] = 1.0
            weights = self.init(eye, f"padc{c}to{len(eye)}")
            self.emit("Conv", [x, weights], out, layout="nchw", kernel_shape=[1, 1])
            return
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
