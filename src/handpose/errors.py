"""Exceptions raised to users of handpose."""

from __future__ import annotations


class HandposeError(Exception):
    """Base class of every error handpose raises on purpose."""


class ImageReadError(HandposeError, ValueError):
    """An input image could not be read or is not usable; the message names the input and the reason."""


class ImageTooLargeError(ImageReadError):
    """An image has more pixels than the configured (or OpenCV's) limit."""


class VideoReadError(HandposeError, ValueError):
    """A video could not be opened or decoded; the message names the input and the reason."""


class ModelError(HandposeError):
    """A model file is missing, corrupt or cannot be loaded."""


class MissingExtraError(HandposeError, ImportError):
    """An optional dependency is missing; the message names the pip extra to install."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(f"this feature needs '{module}': pip install 'handpose[{extra}]'")
        self.module = module
        self.extra = extra
