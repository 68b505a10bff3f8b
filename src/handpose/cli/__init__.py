"""The ``handpose`` command line: detect, video, webcam, batch, serve, bench, convert.

One module per command, each with ``add_parser(sub)`` (its options) and its handler; they import the library
(and heavy dependencies) only inside their handlers, so building the parser stays fast. Shared options and the
one-line error format are in :mod:`handpose.cli.common`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from .. import __version__
from ..errors import HandposeError
from . import batch, bench, convert, detect, serve, video, webcam
from .common import add_model_options, error_line, example_image, landmarker_kwargs
from .detect import cmd_detect, write_annotated

__all__ = [
    "add_model_options",
    "build_parser",
    "cmd_detect",
    "console_main",
    "error_line",
    "example_image",
    "landmarker_kwargs",
    "main",
    "write_annotated",
]

EPILOG = """\
examples:
  handpose detect                              run on the bundled example image
  handpose detect photo.jpg --json             print landmarks as JSON
  handpose detect photos/ "shots/*.png" -o out --model lite --max-hands 4
  handpose video clip.mp4 -o annotated.mp4 --jsonl clip.jsonl --smooth
  handpose webcam --camera 0 --mirror
  handpose batch dataset/ --out results.jsonl --workers 2 --resume
  handpose serve --port 8000
  handpose bench --compare-mediapipe
  handpose convert hand_landmark_full.tflite hand_landmark_full.onnx
"""

log = logging.getLogger("handpose")

# The subcommands, in the order `handpose --help` lists them.
COMMANDS = (detect, video, webcam, batch, serve, bench, convert)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="handpose",
        description="Find hands and 21 3D landmarks per hand (MediaPipe Hands on ONNX Runtime).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"handpose {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log diagnostics to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    limit_opencv_threads()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s"
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from ..shutdown import Interrupted, stop_on_signals

    try:
        with stop_on_signals():  # SIGTERM (kill, docker, systemd) and SIGHUP stop a command like Ctrl-C
            return int(args.func(args) or 0)
    except (HandposeError, ValueError) as exc:  # bad option values included: one line, never a traceback
        error_line(str(exc))
        return 2
    except KeyboardInterrupt as exc:
        stop = exc if isinstance(exc, Interrupted) else Interrupted()
        error_line(stop.message())
        return stop.exit_code


def limit_opencv_threads() -> None:
    """OpenCV's own thread pool off (one thread): the commands get their parallelism from the models' thread
    plan (:func:`handpose.runtime.thread_plan`), and OpenCV's pool in the small warps and colour conversions
    only added CPU time (3.5% per image, benchmarks/README.md) and went past ``--threads 1``. The command owns
    its process, so it may set this process-wide value; the Python API leaves it alone."""
    import cv2

    cv2.setNumThreads(1)


def console_main() -> int:
    """The ``handpose`` console script: :func:`main`. Every command follows one thread rule
    (:func:`handpose.runtime.thread_plan`): ``--threads N`` cores at most, all cores by default."""
    return main()
