"""Data files shipped in the package: the example hand photo used by ``handpose detect`` with no input."""

from __future__ import annotations

from pathlib import Path

__all__ = ["example_image"]


def example_image() -> Path:
    """The example image bundled in the package (a hand photo from the fingerpose npm package, MIT)."""
    return Path(__file__).parent / "example_hand.jpg"
