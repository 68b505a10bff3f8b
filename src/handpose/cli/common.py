"""What every ``handpose`` command shares: the model options, their landmarker arguments, one-line errors."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..data import example_image

__all__ = [
    "HelpFormatter",
    "add_model_options",
    "add_palm_interval_option",
    "add_thorough_option",
    "error_line",
    "example_image",
    "landmarker_kwargs",
    "os_error_line",
    "positive_int",
]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The help format of every command: descriptions and epilogs as written, and each option's default.

    An option's help gets `` (default: X)`` appended unless it already says its default in words, its default is
    None (then the help says what happens without it) or it is an on/off flag.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            not action.option_strings
            or "default" in text
            or action.default is None
            or action.default is argparse.SUPPRESS
            or isinstance(action.default, bool)
        ):
            return text
        return f"{text} (default: %(default)s)"


def error_line(message: str) -> None:
    """Print a one-line error to stderr, prefixed with the program name."""
    print(f"handpose: error: {message}", file=sys.stderr)


def os_error_line(exc: BaseException) -> str:
    """One line for an OSError (``FILE: reason``) or a HandposeError."""
    if isinstance(exc, OSError) and not isinstance(exc, ValueError):
        where = exc.filename or ""
        return f"{where}: {exc.strerror or exc}" if where else str(exc)
    return str(exc)


def add_model_options(p: argparse.ArgumentParser) -> None:
    """Options shared by every command that runs the pipeline."""
    p.add_argument("--model", choices=("full", "lite"), default="full", help="model variant")
    p.add_argument("--max-hands", type=int, default=2, metavar="N", help="hands to find per image")
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


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def add_palm_interval_option(p: argparse.ArgumentParser) -> None:
    """``--palm-interval N`` for the commands that track hands through frames (video, webcam, batch, serve)."""
    p.add_argument(
        "--palm-interval",
        type=positive_int,
        metavar="N",
        help="tracking: while a hand is tracked, run the palm detector at most every N frames: faster, but a new "
        "hand can take up to N-1 frames to be found (default: every frame, as MediaPipe)",
    )


def add_thorough_option(p: argparse.ArgumentParser, *, video: bool = False) -> None:
    """``--thorough`` (and ``--thorough-interval N`` for the commands that track hands): the opt-in search for
    small, far and many hands (handpose.thorough)."""
    p.add_argument(
        "--thorough",
        action="store_true",
        help="also search for small, far and many hands: the palm detector on several scales of the frame, "
        "each candidate checked by the landmark model (several times slower; use with --max-hands)",
    )
    if video:
        p.add_argument(
            "--thorough-interval",
            type=positive_int,
            default=10,
            metavar="N",
            help="with --thorough: run the thorough search every N frames; tracking follows the hands it finds",
        )


def landmarker_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`~handpose.HandLandmarker` keyword arguments for the options of :func:`add_model_options`."""
    return {
        "model": args.model,
        "max_hands": args.max_hands,
        "min_detection_confidence": args.min_detection_confidence,
        "min_presence_confidence": args.min_presence_confidence,
        "threads": args.threads,
        "device": args.device,
        **({"palm_interval": args.palm_interval} if getattr(args, "palm_interval", None) is not None else {}),
        **({"thorough": True} if getattr(args, "thorough", False) else {}),
        **(
            {"thorough_interval": args.thorough_interval}
            if getattr(args, "thorough", False) and getattr(args, "thorough_interval", None)
            else {}
        ),
    }
