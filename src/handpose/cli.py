"""The ``handpose`` command line: detect, video, webcam, batch, serve, bench, convert."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import HandposeError

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

# Subcommands defined in other modules: (module, function that adds the parser). Imported when the CLI is
# built; those modules import their heavy dependencies only inside their handlers.
_EXTERNAL = (
    ("handpose.video_cli", "add_parsers"),
    ("handpose.batch", "add_parser"),
    ("handpose.web.cli", "add_parser"),
    ("handpose.bench", "add_parser"),
    ("handpose.models.convert", "add_convert_parser"),
)


def example_image() -> Path:
    """The example image bundled in the package (a hand photo from the fingerpose npm package, MIT)."""
    return Path(__file__).parent / "data" / "example_hand.jpg"


def error_line(message: str) -> None:
    """Print a one-line error to stderr, prefixed with the program name."""
    print(f"handpose: error: {message}", file=sys.stderr)


def add_model_options(p: argparse.ArgumentParser) -> None:
    """Options shared by every command that runs the pipeline."""
    p.add_argument("--model", choices=("full", "lite"), default="full", help="model variant (default: full)")
    p.add_argument(
        "--max-hands", type=int, default=2, metavar="N", help="hands to find per image (default 2)"
    )
    p.add_argument(
        "--min-detection-confidence", type=float, default=0.5, metavar="X", help="palm detector threshold"
    )
    p.add_argument(
        "--min-presence-confidence",
        "--min-tracking-confidence",
        type=float,
        default=0.5,
        metavar="X",
        help="hand presence threshold of the landmark model (MediaPipe's min_tracking_confidence)",
    )
    p.add_argument("--threads", type=int, default=0, metavar="N", help="ONNX Runtime threads (0: all cores)")
    p.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu", help="execution device")


def landmarker_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "model": args.model,
        "max_hands": args.max_hands,
        "min_detection_confidence": args.min_detection_confidence,
        "min_presence_confidence": args.min_presence_confidence,
        "threads": args.threads,
        "device": args.device,
    }


def _add_detect(sub: Any) -> None:
    p = sub.add_parser(
        "detect",
        help="find hands in images, folders or globs",
        description="Find hands in images. With no input, runs on a bundled example image.",
        epilog="examples:\n  handpose detect\n  handpose detect a.jpg b.png --json\n"
        '  handpose detect photos/ "more/*.jpg" -o annotated/ --gestures',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="*", help="image files, directories (recursive) or glob patterns")
    p.add_argument("-o", "--output-dir", default="handpose-output", help="where annotated copies go")
    p.add_argument("--no-annotate", action="store_true", help="do not write annotated images")
    p.add_argument("--json", action="store_true", help="print one JSON object per image on stdout")
    p.add_argument("--gestures", action="store_true", help="add finger states and named gestures to JSON")
    add_model_options(p)
    p.set_defaults(func=cmd_detect, shared_pool=True)


def write_annotated(image_rgb: Any, result: Any, out_dir: Path, stem: str) -> Path:
    """Write an annotated JPEG as ``<stem>-<uuid>.jpg`` in ``out_dir`` (atomically, never overwriting)."""
    import cv2

    from .drawing import annotate
    from .io.atomic import atomic_write_bytes
    from .io.images import encode_jpeg

    data = encode_jpeg(annotate(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR), result), name=stem)
    path = out_dir / f"{stem}-{uuid.uuid4().hex}.jpg"
    atomic_write_bytes(path, data)
    return path


def cmd_detect(args: argparse.Namespace) -> int:
    from .api import HandLandmarker
    from .io.images import iter_image_paths, load_image

    sources: Sequence[str] = args.inputs
    bundled = not sources
    if bundled:
        sources = [str(example_image())]
    try:
        landmarker = HandLandmarker(**landmarker_kwargs(args))
    except (HandposeError, ValueError) as exc:
        error_line(str(exc))
        return 2
    gestures: Callable[[Any], Any] | None = None
    if args.gestures:
        from .gestures import classify_hand

        gestures = classify_hand
    failures = 0
    processed = 0
    out_dir = Path(args.output_dir)
    for shown, path, problem in iter_image_paths(sources):
        if problem is not None or path is None:
            failures += 1
            error_line(f"{shown}: {problem}")
            if args.json:
                print(json.dumps({"image": shown, "error": problem, "hands": []}), flush=True)
            continue
        try:
            rgb = load_image(path)
            result = landmarker.detect(rgb)
        except HandposeError as exc:
            failures += 1
            error_line(str(exc))
            if args.json:
                print(json.dumps({"image": shown, "error": str(exc), "hands": []}), flush=True)
            continue
        processed += 1
        record: dict[str, Any] = {"image": shown, **result.to_dict()}
        if gestures is not None:
            for hand_dict, hand in zip(record["hands"], result.hands, strict=True):
                hand_dict["gesture"] = gestures(hand).to_dict()
        if not args.no_annotate:
            try:
                written = write_annotated(rgb, result, out_dir, Path(shown).stem or "image")
            except OSError as exc:
                error_line(f"{out_dir}: cannot write annotated image ({exc.strerror or exc})")
                return 2
            record["annotated"] = str(written)
            if not args.json:
                print(f"{shown}: {len(result.hands)} hand(s) -> {written}")
        elif not args.json:
            print(f"{shown}: {len(result.hands)} hand(s)")
        if args.json:
            print(json.dumps(record), flush=True)
    if bundled and not args.json:
        print(f"ran on the bundled example image; annotated copy written under {out_dir.resolve()}")
    if failures:
        print(f"handpose: {failures} input(s) failed, {processed} processed", file=sys.stderr)
        return 1
    return 0


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
    _add_detect(sub)
    from importlib import import_module

    for module_name, fn in _EXTERNAL:
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("handpose"):
                continue  # subcommand not built into this version
            raise
        register = getattr(module, fn, None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, shared_pool: bool = False) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if shared_pool and getattr(args, "shared_pool", False) and not getattr(args, "video", None):
        from .runtime import use_shared_thread_pool

        use_shared_thread_pool()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s"
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (HandposeError, ValueError) as exc:  # bad option values included: one line, never a traceback
        error_line(str(exc))
        return 2
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130


def console_main() -> int:
    """The ``handpose`` console script: :func:`main`, letting the commands that run independent images
    (detect, serve, bench without --video) use ONNX Runtime's faster process-wide thread pool
    (:func:`handpose.runtime.use_shared_thread_pool`). The command line owns its process; :func:`main` called
    from Python leaves the pool off. Tracking (video, webcam) is faster with one thread per model, overlapped
    (measured in benchmarks/README.md), and batch runs its own worker processes."""
    return main(shared_pool=True)


if __name__ == "__main__":
    sys.exit(console_main())
