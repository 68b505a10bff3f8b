"""Old home of ``handpose serve``'s command line, now :mod:`handpose.cli.serve`; re-exported for existing imports."""

from __future__ import annotations

from ..cli.serve import EPILOG, add_parser, cmd_serve, config_from_args, main

__all__ = ["EPILOG", "add_parser", "cmd_serve", "config_from_args", "main"]
