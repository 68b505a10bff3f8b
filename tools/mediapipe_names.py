#!/usr/bin/env python3
"""List the public names of MediaPipe's Hands-related modules (attributes, signatures, defaults) as JSON.

This describes MediaPipe's *interface* (names, parameter names and defaults), not its code. The output,
tests/data/mediapipe_names.json, is what tests/test_mediapipe_names.py checks handpose against.

    python tools/mediapipe_names.py --python .mp-venv/bin/python --python /work/venvs/mp12/bin/python \
        -o tests/data/mediapipe_names.json

Each ``--python`` is an interpreter with Google's ``mediapipe`` installed (0.10.21 and 1.2.x); the script reruns
itself there with ``--dump`` and merges the answers under their ``mediapipe.__version__``. Modules listed in
MODULES that a version lacks are left out of that version. Per module: every public attribute (no leading
underscore) with its kind — module, class (with ``__init__`` parameters, enum members, public methods and
their parameters), function (parameters), or value (type name). A parameter is ``[name, kind, default]``;
``default`` is the ``repr`` of a simple default (None, bool, int, float, str), ``"<object>"`` for another
default, and absent (list of two) when there is none.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import inspect
import json
import subprocess
import sys
import types
from pathlib import Path

MODULES = (
    "mediapipe",
    "mediapipe.solutions",
    "mediapipe.solutions.hands",
    "mediapipe.solutions.hands_connections",
    "mediapipe.solutions.drawing_utils",
    "mediapipe.solutions.drawing_styles",
    "mediapipe.python.solutions",
    "mediapipe.python.solutions.hands",
    "mediapipe.python.solutions.hands_connections",
    "mediapipe.python.solutions.drawing_utils",
    "mediapipe.python.solutions.drawing_styles",
    "mediapipe.framework.formats.landmark_pb2",
    "mediapipe.framework.formats.classification_pb2",
    "mediapipe.framework.formats.detection_pb2",
    "mediapipe.framework.formats.location_data_pb2",
    "mediapipe.framework.formats.rect_pb2",
    "mediapipe.tasks",
    "mediapipe.tasks.python",
    "mediapipe.tasks.python.vision",
    "mediapipe.tasks.python.vision.hand_landmarker",
    "mediapipe.tasks.python.vision.drawing_utils",
    "mediapipe.tasks.python.vision.drawing_styles",
    "mediapipe.tasks.python.vision.core.image",
    "mediapipe.tasks.python.vision.core.vision_task_running_mode",
    "mediapipe.tasks.python.vision.core.image_processing_options",
    "mediapipe.tasks.python.core.base_options",
    "mediapipe.tasks.python.components.containers",
    "mediapipe.tasks.python.components.containers.category",
    "mediapipe.tasks.python.components.containers.landmark",
)
_SIMPLE = (type(None), bool, int, float, str)


def _params(obj: object) -> list[list[object]] | None:
    try:
        sig = inspect.signature(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    out: list[list[object]] = []
    for p in sig.parameters.values():
        entry: list[object] = [p.name, p.kind.name]
        if p.default is not inspect.Parameter.empty:
            d = p.default
            entry.append(repr(d) if isinstance(d, _SIMPLE) and not isinstance(d, enum.Enum) else "<object>")
        out.append(entry)
    return out


def _describe(obj: object) -> dict[str, object]:
    if isinstance(obj, types.ModuleType):
        return {"kind": "module"}
    if inspect.isclass(obj):
        info: dict[str, object] = {"kind": "class"}
        if issubclass(obj, enum.Enum):
            info["enum"] = [m.name for m in obj]
            return info
        if "__init__" in vars(obj) or not hasattr(obj, "DESCRIPTOR"):
            params = _params(obj)
            if params is not None:
                info["init"] = params
        members: dict[str, object] = {}
        for name, value in vars(obj).items():
            if name.startswith("_"):
                continue
            raw = value.__func__ if isinstance(value, classmethod | staticmethod) else value
            if inspect.isfunction(raw):
                members[name] = {"kind": "method", "params": _params(raw)}
            elif isinstance(value, property):
                members[name] = {"kind": "property"}
            elif inspect.isclass(value):
                members[name] = {"kind": "class"}
            else:
                members[name] = {"kind": "value", "type": type(value).__name__}
        if members:
            info["members"] = members
        return info
    if callable(obj):
        return {"kind": "function", "params": _params(obj)}
    return {"kind": "value", "type": type(obj).__name__}


def dump() -> dict[str, object]:
    import mediapipe

    modules: dict[str, object] = {}
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        modules[name] = {
            attr: _describe(getattr(module, attr)) for attr in sorted(dir(module)) if not attr.startswith("_")
        }
    return {"mediapipe": mediapipe.__version__, "python": sys.version.split()[0], "modules": modules}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dump", action="store_true", help="print this interpreter's mediapipe names as JSON")
    ap.add_argument("--python", action="append", default=[], help="an interpreter with mediapipe installed")
    ap.add_argument("-o", "--output", type=Path)
    args = ap.parse_args()
    if args.dump:
        print(json.dumps(dump()))
        return
    versions = {}
    for python in args.python:
        proc = subprocess.run(
            [python, __file__, "--dump"], capture_output=True, text=True, check=True, timeout=600
        )
        answer = json.loads(proc.stdout.strip().splitlines()[-1])
        versions[answer["mediapipe"]] = answer
    out = {
        "about": "Public names of Google MediaPipe's Hands-related modules (interface facts: names, parameters, "
        "defaults), generated by tools/mediapipe_names.py from the installed mediapipe wheels.",
        "versions": versions,
    }
    text = json.dumps(out, indent=0, sort_keys=True) + "\n"
    if args.output:
        args.output.write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
