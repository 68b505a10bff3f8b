"""``handpose detect``: hands in images, folders and globs; annotated copies and/or JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import HandposeError
from .common import (
    HelpFormatter,
    add_model_options,
    add_thorough_option,
    error_line,
    example_image,
    landmarker_kwargs,
)


def add_parser(sub: Any) -> None:
    """Register ``detect`` on the ``handpose`` subcommand parser."""
    p = sub.add_parser(
        "detect",
        help="find hands in images, folders or globs",
        description="Find hands in images. With no input, runs on a bundled example image.",
        epilog="examples:\n  handpose detect\n  handpose detect a.jpg b.png --json\n"
        '  handpose detect photos/ "more/*.jpg" -o annotated/ --gestures',
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "inputs",
        nargs="*",
        help="image files, directories (recursive) or glob patterns (default: the bundled example image)",
    )
    p.add_argument("-o", "--output-dir", default="handpose-output", help="where annotated copies go")
    p.add_argument("--no-annotate", action="store_true", help="do not write annotated images")
    p.add_argument("--json", action="store_true", help="print one JSON object per image on stdout")
    p.add_argument("--gestures", action="store_true", help="add finger states and named gestures to JSON")
    add_model_options(p)
    add_thorough_option(p)
    p.set_defaults(func=cmd_detect)


def write_annotated(image_rgb: Any, result: Any, out_dir: Path, stem: str) -> Path:
    """Write an annotated JPEG as ``<stem>-<uuid>.jpg`` in ``out_dir`` (atomically, never overwriting)."""
    import cv2

    from ..drawing import annotate
    from ..io.atomic import atomic_write_bytes
    from ..io.images import encode_jpeg

    data = encode_jpeg(annotate(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR), result), name=stem)
    path = out_dir / f"{stem}-{uuid.uuid4().hex}.jpg"
    atomic_write_bytes(path, data)
    return path


def cmd_detect(args: argparse.Namespace) -> int:
    from ..api import HandLandmarker
    from ..io.images import iter_image_paths, load_image

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
        from ..gestures import classify_hand

        gestures = classify_hand
    failures = 0
    processed = 0
    out_dir = Path(args.output_dir)
    # Images go through landmarker.detect_stream (the palm model of the next image overlaps the landmark model
    # of this one); `order` keeps every input, readable or not, so the output follows the input order.
    order: deque[tuple[str, tuple[str, str] | None, Any]] = deque()  # (shown, (line, JSON error), rgb)

    def readable() -> Iterator[Any]:
        for shown, path, problem in iter_image_paths(sources):
            if problem is None and path is not None:
                try:
                    rgb = load_image(path)
                except HandposeError as exc:
                    order.append((shown, (str(exc), str(exc)), None))  # the message names the file
                    continue
                order.append((shown, None, rgb))
                yield rgb
            else:
                order.append((shown, (f"{shown}: {problem}", str(problem)), None))

    def flush_failures() -> int:
        count = 0
        while order and order[0][2] is None:
            shown, messages, _ = order.popleft()
            line, problem = messages or ("", "")
            error_line(line)
            if args.json:
                print(json.dumps({"image": shown, "error": problem, "hands": []}), flush=True)
            count += 1
        return count

    for result in landmarker.detect_stream(readable()):
        failures += flush_failures()
        shown, _, rgb = order.popleft()
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
    failures += flush_failures()
    if bundled and not args.json:
        print(f"ran on the bundled example image; annotated copy written under {out_dir.resolve()}")
    if failures:
        if failures + processed > 1:  # one input: its error line already says it all (one line per bad file)
            print(f"handpose: {failures} input(s) failed, {processed} processed", file=sys.stderr)
        return 1
    return 0
