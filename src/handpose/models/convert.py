"""Old home of the TFLite -> ONNX converter, kept for existing imports and ``python -m handpose.models.convert``.

The converter is :mod:`handpose.models.converter` (ops in :mod:`handpose.models.tflite_ops`); its command line,
``handpose convert``, is :mod:`handpose.cli.convert`.
"""

from __future__ import annotations

import sys
from typing import Any

from .converter import BATCH_DIM, IR_VERSION, OPSET, convert_bytes, convert_tflite

__all__ = ["BATCH_DIM", "IR_VERSION", "OPSET", "convert_bytes", "convert_tflite"]


def __getattr__(name: str) -> Any:
    # The command-line functions load on first use: the library itself never imports handpose.cli.
    if name in ("main", "add_convert_parser"):
        from ..cli import convert

        return getattr(convert, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    from ..cli.convert import main

    sys.exit(main())
