#!/usr/bin/env python3
"""Regenerate handpose's protobuf modules (``handpose.framework.formats.*_pb2``) from proto/.

    python3 -m venv /tmp/protoc && /tmp/protoc/bin/pip install "grpcio-tools==1.62.3"
    /tmp/protoc/bin/python tools/gen_protos.py            # writes src/handpose/framework/formats/
    /tmp/protoc/bin/python tools/gen_protos.py --check    # compares with the committed files instead

Why grpcio-tools 1.62.3: it bundles protoc 25.1, the compiler MediaPipe 0.10.21 generated its own modules with.
Its Python output carries no runtime-version check, so the modules load on every protobuf from 4.25 to the
newest (tests/test_protos.py says which versions were tried). Newer protoc versions emit a check that refuses
older runtimes.

The .proto files keep MediaPipe's file names (``mediapipe/framework/formats/landmark.proto`` ...), so the
serialized file descriptors are byte-identical to MediaPipe's: when Google's mediapipe is imported in the same
process, the shared descriptor pool sees the same file twice, which protobuf accepts, and both packages then
use one message class per message (see docs/compat.md). protoc writes ``from mediapipe.framework.formats
import ...`` for the imports between these files and ``mediapipe.framework.formats.X_pb2`` as the classes'
module: both are rewritten to ``handpose.framework.formats``, the only change made to protoc's output.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROTO_ROOT = ROOT / "proto"
OUT_ROOT = ROOT / "src" / "handpose" / "framework" / "formats"
PROTO_PREFIX = "mediapipe/framework/formats/"
PROTOS = (
    "annotation/rasterization.proto",
    "classification.proto",
    "detection.proto",
    "landmark.proto",
    "location_data.proto",
    "rect.proto",
)
PROTOC_VERSION = "libprotoc 25.1"


def _rewrite(text: str) -> str:
    """protoc's module paths under ``mediapipe.framework.formats`` → ``handpose.framework.formats``."""
    text = text.replace("from mediapipe.framework.formats", "from handpose.framework.formats")
    return text.replace("'mediapipe.framework.formats.", "'handpose.framework.formats.")


def generate() -> dict[str, str]:
    """Run protoc on every .proto; return {path relative to OUT_ROOT: module text}."""
    from grpc_tools import protoc  # grpcio-tools: a build-time tool only, never a runtime dependency

    with tempfile.TemporaryDirectory() as tmp:
        args = ["protoc", f"-I{PROTO_ROOT}", f"--python_out={tmp}"]
        args += [PROTO_PREFIX + name for name in PROTOS]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        out = {}
        for name in PROTOS:
            rel = name.replace(".proto", "_pb2.py")
            out[rel] = _rewrite((Path(tmp) / PROTO_PREFIX / rel).read_text())
        return out


def protoc_version() -> str:
    """The bundled compiler's version line, e.g. 'libprotoc 25.1'."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "--version"], capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed modules, write nothing"
    )
    args = parser.parse_args(argv)
    version = protoc_version()
    if version != PROTOC_VERSION:
        print(f"gen_protos: need {PROTOC_VERSION} (grpcio-tools==1.62.3), found {version}", file=sys.stderr)
        return 2
    modules = generate()
    differ = []
    for rel, text in modules.items():
        path = OUT_ROOT / rel
        if args.check:
            old = path.read_text() if path.exists() else ""
            if old != text:
                differ.append(rel)
                sys.stdout.writelines(
                    difflib.unified_diff(old.splitlines(True), text.splitlines(True), rel, rel)
                )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if differ:
        print(f"gen_protos: {len(differ)} module(s) differ from proto/: {', '.join(differ)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
