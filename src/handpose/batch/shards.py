"""Crash-safe shards of a batch job: ``<out>.parts/`` with ``job.json`` (settings), ``part-<uid>.jsonl`` (one
per finished unit: temp file, fsync, rename) and ``done.jsonl`` (the done-list, one fsynced line per unit).

A shard line is either a result (exactly the JSONL output line) or an error line (see
:mod:`handpose.io.sinks`). A unit is done when its shard exists and the done-list names it with the digest of
its inputs; a crash between the two only makes a resumed job redo that unit (its shard is overwritten).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import HandposeError
from ..io.atomic import atomic_open


@dataclass
class UnitDone:
    """What a finished unit reports: counts for the summary, the digest for --resume."""

    uid: int
    digest: str
    items: int
    rows: int
    errors: int
    hands: int

    def to_json(self) -> str:
        return json.dumps(
            {
                "unit": self.uid,
                "digest": self.digest,
                "items": self.items,
                "rows": self.rows,
                "errors": self.errors,
                "hands": self.hands,
            }
        )


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform/filesystem can fsync a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class PartsDir:
    """The shard folder of one job: ``job.json`` (settings), ``done.jsonl`` (finished units), shards."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.job_file = self.path / "job.json"
        self.done_file = self.path / "done.jsonl"

    @classmethod
    def for_output(cls, out: str | os.PathLike[str]) -> PartsDir:
        out = Path(out)
        return cls(out.with_name(out.name + ".parts"))

    def shard(self, uid: int) -> Path:
        return self.path / f"part-{uid:08d}.jsonl"

    def start(self, settings: dict[str, Any], resume: bool) -> dict[str, Any]:
        """Prepare the folder; returns the job settings to use (a resumed job keeps its saved ones).

        Without ``resume`` any earlier shards are removed. With it, settings that change results must match.
        """
        if resume and self.job_file.is_file():
            saved = json.loads(self.job_file.read_text())
            differ = sorted(
                k for k in settings["options"] if saved["options"].get(k) != settings["options"][k]
            )
            if differ:
                raise HandposeError(
                    f"{self.path}: cannot resume, options differ from the interrupted job ({', '.join(differ)}); "
                    "rerun with the same options, or without --resume to start over"
                )
            self._remove(lambda name: name.endswith(".tmp"))
            return saved
        if self.path.exists():
            self._remove(
                lambda n: (
                    n.startswith(("part-", ".part-", ".done", ".job")) or n in ("done.jsonl", "job.json")
                )
            )
        self.path.mkdir(parents=True, exist_ok=True)
        with atomic_open(self.job_file) as fh:
            json.dump(settings, fh)
        return settings

    def _remove(self, match: Callable[[str], bool]) -> None:
        if not self.path.is_dir():
            return
        for entry in os.scandir(self.path):
            if entry.is_file() and match(entry.name):
                os.unlink(entry.path)

    def load_done(self) -> dict[int, UnitDone]:
        """Finished units (a torn last line, from a crash mid-append, is ignored)."""
        done: dict[int, UnitDone] = {}
        if not self.done_file.is_file():
            return done
        with open(self.done_file, encoding="utf-8") as fh:
            for line in fh:
                try:
                    d = json.loads(line)
                    entry = UnitDone(d["unit"], d["digest"], d["items"], d["rows"], d["errors"], d["hands"])
                except (ValueError, KeyError, TypeError):
                    continue
                if self.shard(entry.uid).is_file():
                    done[entry.uid] = entry
        return done

    @contextlib.contextmanager
    def open_shard(self, uid: int) -> Iterator[IO[str]]:
        """Write one shard: visible under its final name only once complete and on disk."""
        with atomic_open(self.shard(uid)) as fh:
            yield fh
        _fsync_dir(self.path)

    def mark_done(self, entry: UnitDone) -> None:
        """Append a finished unit to the done-list, flushed and fsynced before returning."""
        with open(self.done_file, "a", encoding="utf-8") as fh:
            fh.write(entry.to_json() + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def lines(self, uids: Iterable[int]) -> Iterator[str]:
        """Every shard line of the given units, in that order (without newlines)."""
        for uid in uids:
            with open(self.shard(uid), encoding="utf-8") as fh:
                for line in fh:
                    yield line.rstrip("\n")

    def remove(self) -> None:
        """Delete the folder (after the final outputs are written)."""
        self._remove(lambda name: True)
        with contextlib.suppress(OSError):
            self.path.rmdir()
