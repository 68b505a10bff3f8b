"""``handpose serve`` (and ``python -m handpose.web``): start the local web app. FastAPI and uvicorn are imported
only when it runs."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import HelpFormatter, add_model_options, add_palm_interval_option, error_line, landmarker_kwargs

EPILOG = """\
examples:
  handpose serve                                  http://127.0.0.1:8000/ , captures in ./handpose-captures
  handpose serve --port 8080 --save-dir shots --model lite --max-hands 1
  curl -F file=@hand.jpg http://127.0.0.1:8000/v1/detect
  curl --data-binary @hand.jpg -H 'Content-Type: image/jpeg' 'http://127.0.0.1:8000/v1/detect?annotate=true' -o out.jpg

The page needs camera permission; browsers allow the camera on http://127.0.0.1 and http://localhost
(for other hosts they require HTTPS). --host 0.0.0.0 exposes the app, which has no authentication, to
your network: a warning is logged.
"""


def add_parser(sub: Any) -> None:
    """Register ``serve`` on the ``handpose`` subcommand parser."""
    p = sub.add_parser(
        "serve",
        help="start the local web app: live webcam landmarks, capture, gallery, REST API",
        description="Start the local web app (needs the [web] extra: pip install 'handpose[web]').",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s, this machine only)"
    )
    p.add_argument("--port", type=int, default=8000, help="TCP port, 0 picks a free one")
    p.add_argument(
        "--save-dir",
        default="handpose-captures",
        metavar="DIR",
        help="where captures go (default: %(default)s)",
    )
    add_model_options(p)
    add_palm_interval_option(p)
    p.add_argument("--max-upload-mb", type=float, default=20.0, metavar="MB", help="request body limit")
    p.add_argument("--max-megapixels", type=float, default=50.0, metavar="MP", help="decoded image limit")
    p.add_argument("--max-frame-kb", type=int, default=2048, metavar="KB", help="WebSocket frame limit")
    p.add_argument("--max-fps", type=float, default=30.0, help="frames processed per second per connection")
    p.add_argument("--max-connections", type=int, default=16, metavar="N", help="WebSocket connections")
    p.add_argument("--max-requests", type=int, default=64, metavar="N", help="REST image requests at once")
    p.add_argument("--workers", type=int, default=4, metavar="N", help="decode/encode threads")
    p.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug"),
        help="server log",
    )
    p.set_defaults(func=cmd_serve)


def config_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~handpose.web.config.WebConfig` for parsed ``serve`` arguments (ValueError if invalid)."""
    from ..web.config import MiB, WebConfig, is_loopback_host
    from ..web.security import LOOPBACK_HOSTS

    return WebConfig(
        save_dir=args.save_dir,
        **landmarker_kwargs(args),
        max_upload_bytes=int(args.max_upload_mb * MiB),
        max_pixels=int(args.max_megapixels * 1_000_000),
        max_frame_bytes=args.max_frame_kb * 1024,
        max_fps=args.max_fps,
        max_connections=args.max_connections,
        max_requests=args.max_requests,
        workers=args.workers,
        allowed_hosts=LOOPBACK_HOSTS if is_loopback_host(args.host) else None,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    try:
        config = config_from_args(args)
    except ValueError as exc:
        error_line(str(exc))
        return 2
    try:
        config.save_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        error_line(f"{config.save_dir}: cannot create the capture folder ({exc.strerror or exc})")
        return 2
    logging.getLogger("handpose").setLevel(getattr(logging, args.log_level.upper()))
    from ..web.server import serve

    def announce(url: str) -> None:
        print(
            f"handpose: serving on {url} (captures in {config.save_dir.resolve()}); Ctrl+C stops", flush=True
        )

    try:
        serve(config, args.host, args.port, log_level=args.log_level, on_listening=announce)
    except OSError as exc:
        error_line(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        print("handpose: stopped", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m handpose.web [serve options]``: the ``serve`` command on its own."""
    import logging

    parser = argparse.ArgumentParser(prog="python -m handpose.web")
    sub = parser.add_subparsers(dest="command")
    add_parser(sub)
    args = parser.parse_args(["serve", *(argv if argv is not None else sys.argv[1:])])
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    from ..errors import HandposeError

    try:
        return cmd_serve(args)
    except HandposeError as exc:
        error_line(str(exc))
        return 2
