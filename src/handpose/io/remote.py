"""Object-store inputs (``s3://``, ``gs://``, ``abfs://``, ``hdfs://``, ``file://``) through pyarrow's filesystems.

Used by ``handpose batch --engine ray``: the driver lists URI sources here (a file, or every image/video under a
prefix, sorted) and Ray's readers open the same URIs on the workers, with the workers' credentials. pyarrow
comes with the ``ray`` and ``parquet`` extras.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from ..errors import MissingExtraError

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


def is_uri(path: str) -> bool:
    """Whether ``path`` is a URI with a scheme (``s3://b/k``), not a local path (``C:\\x`` is local)."""
    return bool(_URI.match(path))


def _pyarrow_fs() -> Any:
    try:
        import pyarrow.fs as pafs
    except ImportError as exc:
        raise MissingExtraError("pyarrow", "ray") from exc
    return pafs


def expand_uri(uri: str, suffixes: frozenset[str]) -> Iterator[tuple[str, str | None]]:
    """``(uri, None)`` for the object ``uri`` or for each object under it with one of ``suffixes`` (any case,
    sorted, recursive, hidden names skipped); one ``(uri, reason)`` when there is nothing to read."""
    try:
        pafs = _pyarrow_fs()
        fs, path = pafs.FileSystem.from_uri(uri)
        info = fs.get_file_info(path)
    except MissingExtraError as exc:
        yield uri, str(exc)
        return
    except Exception as exc:  # pyarrow's ArrowInvalid / OSError for bad URIs, credentials, network
        yield (
            uri,
            f"cannot open through pyarrow ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})",
        )
        return
    if info.type == pafs.FileType.File:
        yield uri, None
        return
    if info.type != pafs.FileType.Directory:
        yield uri, "no such object or prefix"
        return
    prefix = uri.rstrip("/")
    found = sorted(
        os.path.relpath(f.path, path.rstrip("/")).replace(os.sep, "/")
        for f in fs.get_file_info(pafs.FileSelector(path, recursive=True))
        if f.type == pafs.FileType.File
        and os.path.splitext(f.base_name)[1].lower() in suffixes
        and not any(part.startswith(".") for part in os.path.relpath(f.path, path).split("/"))
    )
    if not found:
        yield uri, "prefix contains no images or videos"
    for rel in found:
        yield f"{prefix}/{rel}", None
