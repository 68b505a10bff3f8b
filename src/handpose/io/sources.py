"""Batch inputs: expand files, folders, globs, list files and videos into an ordered stream of work items,
and group them into work units (video frames are read by :mod:`handpose.io.video`).

The expansion is deterministic (folders and globs sorted), lazy (nothing is materialised: a folder of ten
million images is walked, not listed into memory) and never raises for a bad source: a source that yields
nothing becomes one item carrying the reason, so a batch job can log it and go on.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .images import IMAGE_EXTENSIONS
from .remote import expand_uri, is_uri

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS: frozenset[str] = frozenset(
    {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"}
)
"""Suffixes (lower case) processed as videos: every frame in order, with tracking."""

LIST_EXTENSIONS: frozenset[str] = frozenset({".txt", ".lst"})
"""An existing file with one of these suffixes is a list file: one source per line."""

_GLOB_CHARS = frozenset("*?[")
_MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS

IMAGE, VIDEO, ERROR = "image", "video", "error"


@dataclass(frozen=True)
class Item:
    """One input of a batch job. ``shown`` names it in outputs; ``kind`` is 'image', 'video' or 'error'
    (a source that could not be expanded; ``error`` says why)."""

    shown: str
    kind: str
    error: str | None = None


@dataclass
class Unit:
    """A unit of work and of output: a chunk of images (and error items), or exactly one video.

    ``uid`` is the unit's position in the job; each finished unit becomes one shard file. ``digest``
    fingerprints the unit's inputs so that a resumed job notices when its inputs changed.
    """

    uid: int
    items: list[Item] = field(default_factory=list)

    @property
    def is_video(self) -> bool:
        return len(self.items) == 1 and self.items[0].kind == VIDEO

    @property
    def digest(self) -> str:
        h = hashlib.sha1(usedforsecurity=False)
        for item in self.items:
            h.update(f"{item.kind}\0{item.shown}\n".encode("utf-8", "surrogateescape"))
        return h.hexdigest()[:16]


def kind_of(path: str) -> str:
    """'video' for a video suffix, else 'image' (reading the file says whether it really is one)."""
    return VIDEO if os.path.splitext(path)[1].lower() in VIDEO_EXTENSIONS else IMAGE


def _media_in_dir(directory: str) -> Iterator[str]:
    """Images and videos under ``directory``, recursively, sorted by path parts, hidden names skipped.

    Walks one folder at a time (sorted), so memory holds one folder's listing, not the whole tree.
    """
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        log.warning("skipping %s: %s", directory, exc.strerror or exc)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = os.path.join(directory, entry.name)
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            yield from _media_in_dir(path)
        elif os.path.splitext(entry.name)[1].lower() in _MEDIA_EXTENSIONS:
            yield path


def _list_file_sources(list_path: str) -> Iterator[str]:
    """Sources named in a list file, one per line; blank lines and ``#`` comments skipped. Relative paths are
    relative to the list file's folder."""
    base = os.path.dirname(list_path)
    with open(list_path, encoding="utf-8", errors="surrogateescape") as fh:
        for line in fh:
            entry = line.strip()
            if entry and not entry.startswith("#"):
                yield entry if os.path.isabs(entry) or not base else os.path.join(base, entry)


def expand_source(source: str, *, allow_lists: bool = True) -> Iterator[Item]:
    """The items of one source: an image or video file, a folder (recursive), a glob, or a list file
    (``@list.txt``, or an existing ``.txt``/``.lst`` file)."""
    if allow_lists and (
        source.startswith("@")
        or (os.path.isfile(source) and os.path.splitext(source)[1].lower() in LIST_EXTENSIONS)
    ):
        list_path = source[1:] if source.startswith("@") else source
        try:
            entries = _list_file_sources(list_path)
            for entry in entries:
                yield from expand_source(entry, allow_lists=False)
        except OSError as exc:
            yield Item(source, ERROR, f"cannot read list file ({exc.strerror or exc})")
        return
    if is_uri(source):  # object storage (s3://...) through pyarrow: for the Ray engine
        for uri, problem in expand_uri(source, _MEDIA_EXTENSIONS):
            yield Item(uri, ERROR, problem) if problem else Item(uri, kind_of(uri))
        return
    if os.path.isfile(source):
        yield Item(source, kind_of(source))
    elif os.path.isdir(source):
        found = False
        for path in _media_in_dir(source):
            found = True
            yield Item(path, kind_of(path))
        if not found:
            yield Item(source, ERROR, "directory contains no images or videos")
    elif _GLOB_CHARS.intersection(source):
        matches = sorted(m for m in glob.iglob(source, recursive=True) if os.path.isfile(m))
        media = [m for m in matches if os.path.splitext(m)[1].lower() in _MEDIA_EXTENSIONS]
        if not matches:
            yield Item(source, ERROR, "glob matched no files")
        elif not media:
            yield Item(source, ERROR, f"glob matched {len(matches)} file(s), none an image or video")
        for path in media:
            yield Item(path, kind_of(path))
    else:
        yield Item(source, ERROR, "no such file or directory")


def expand_sources(sources: Iterable[str]) -> Iterator[Item]:
    """Every item of every source, in order. Duplicates are kept (each is processed and output)."""
    for source in sources:
        yield from expand_source(os.fspath(source))


def plan_units(items: Iterable[Item], chunk_size: int) -> Iterator[Unit]:
    """Group items into units in input order: runs of up to ``chunk_size`` images/errors; each video alone."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    uid = 0
    current: list[Item] = []
    for item in items:
        if item.kind == VIDEO:
            if current:
                yield Unit(uid, current)
                uid, current = uid + 1, []
            yield Unit(uid, [item])
            uid += 1
            continue
        current.append(item)
        if len(current) >= chunk_size:
            yield Unit(uid, current)
            uid, current = uid + 1, []
    if current:
        yield Unit(uid, current)
