"""``handpose convert`` (and ``python -m handpose.models.convert``): the command line of the TFLite -> ONNX
converter, :mod:`handpose.models.converter`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import HandposeError


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("src", type=Path, help="input .tflite model")
    parser.add_argument("dst", type=Path, help="output .onnx model")
    parser.add_argument(
        "--native-prelu",
        action="store_true",
        help="emit ONNX PRelu (default: an equivalent form that is faster on CPU)",
    )
    parser.set_defaults(func=cmd_convert)


def cmd_convert(args: argparse.Namespace) -> int:
    """Handler of ``handpose convert``; errors propagate as ModelError (the CLI prints them on one line)."""
    from ..models.converter import convert_tflite

    dst = convert_tflite(args.src, args.dst, native_prelu=args.native_prelu)
    print(f"wrote {dst} ({dst.stat().st_size} bytes)")
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``convert`` subcommand on an argparse subparsers object (handler in ``args.func``)."""
    parser = subparsers.add_parser(
        "convert",
        help="convert a TFLite model to ONNX",
        description="Convert a TFLite model (e.g. MediaPipe hands) to ONNX.",
    )
    _add_arguments(parser)
    return parser


add_convert_parser = add_parser  # its name in handpose.models.convert before the command line moved here


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m handpose.models.convert SRC DST``: the ``convert`` command on its own."""
    parser = argparse.ArgumentParser(prog="handpose convert", description="Convert a TFLite model to ONNX.")
    _add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except HandposeError as e:
        print(f"handpose convert: error: {e}", file=sys.stderr)
        return 2
