"""What a job needs to run on a real Ray cluster: paths every node can open, a check that they can, a quiet
driver, and error lines without terminal colours.

A Ray worker runs in its own working directory, on its own machine: a relative path given on the driver means
nothing there. So local paths are made absolute on the driver (:func:`cluster_path`), and before the first file
is handed out, one task per node checks that a sample of the inputs is readable there (a filesystem shared by
every node at the same path: NFS, a bind mount). Object-store URIs (``s3://``, ``gs://``, ``abfs://``,
``hdfs://``, ``file://``) are opened through pyarrow's filesystems, on the driver and by Ray's readers alike.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Sequence
from typing import Any

from ..errors import HandposeError
from ..io.remote import is_uri

log = logging.getLogger(__name__)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SAMPLE_FILES = 8  # inputs checked on every node before the job starts

# What Ray itself prints on a normal run, and why handpose leaves it (docs/distributed.md, "What Ray prints"):
# Ray Data puts every actor pool's constructor arguments in the object store and starts the actors with
# max_restarts=-1, so Ray's C++ core worker logs one ERROR-level line on the driver's stderr, "... has
# constructor arguments in the object store and max_restarts > 0 ..." (ray-project/ray#53727). It is a notice,
# not a failure. The two ways to silence it cost more than the line: RAY_BACKEND_LOG_LEVEL=fatal hides real
# errors of the driver's core worker (and prints a line of its own), and max_restarts=0 gives up Ray's actor
# fault tolerance through map_batches' **ray_remote_args, deprecated for removal in Ray 2.64.
_SMALL_JOB_WARNING = r"The minimum number of concurrent actors"  # Ray Data: fewer input blocks than actors


def cluster_path(shown: str) -> str:
    """``shown`` as every node must see it: URIs unchanged, local paths absolute (against the driver's cwd)."""
    return shown if is_uri(shown) else os.path.abspath(shown)


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour/escape sequences (Ray colours the text of its exceptions)."""
    return _ANSI.sub("", text)


def one_line(exc: BaseException) -> str:
    """A one-line, colourless description of a failure raised through Ray: the worker's own exception
    (``RayTaskError.cause``) as ``Type: message``, not Ray's multi-line wrapper."""
    cause = getattr(exc, "cause", None)
    inner = cause if isinstance(cause, BaseException) else exc
    lines = [ln.strip() for ln in strip_ansi(str(inner)).splitlines() if ln.strip()]
    text = lines[-1] if lines else ""
    name = type(inner).__name__
    return f"{name}: {text}" if text and not text.startswith(name) else (text or name)


def quiet_ray_data() -> None:
    """After ``import ray.data``: Ray Data's one-time "Progress bars disabled" warning off (handpose shows its
    own progress, so it turns Ray Data's bars off on purpose), and its warning that a small job has fewer
    input blocks than actors (true for every job smaller than the cluster, and harmless)."""
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=_SMALL_JOB_WARNING, category=UserWarning)


def _unreadable(paths: Sequence[str]) -> list[tuple[str, str]]:
    """(path, reason) for each of ``paths`` this process cannot read. Runs on every node."""
    bad = []
    for path in paths:
        if not os.path.exists(path):
            bad.append((path, "no such file"))
        elif not os.access(path, os.R_OK):
            bad.append((path, "permission denied"))
    return bad


def _check_uris(uris: Sequence[str]) -> None:
    try:
        import pyarrow.fs as pafs
    except ImportError as exc:
        from ..errors import MissingExtraError

        raise MissingExtraError("pyarrow", "ray") from exc
    for uri in uris:
        try:
            fs, path = pafs.FileSystem.from_uri(uri)
            info = fs.get_file_info(path)
        except (
            Exception
        ) as exc:  # pyarrow raises ArrowInvalid/OSError/...: one line, the caller's input named
            reason = strip_ansi(str(exc)).splitlines()[0] if str(exc) else type(exc).__name__
            raise HandposeError(f"{uri}: cannot open through pyarrow ({reason})") from None
        if info.type == pafs.FileType.NotFound:
            raise HandposeError(f"{uri}: no such object")


def check_reachable(ray: Any, shown: Sequence[str], writable_dir: str | None = None) -> None:
    """Raise HandposeError (one line) unless every alive node can read the first :data:`SAMPLE_FILES` of
    ``shown`` (and create files under ``writable_dir``, the annotated copies' folder). URIs are checked once,
    on the driver, through pyarrow's filesystems."""
    sample = list(shown[:SAMPLE_FILES])
    uris = [p for p in sample if is_uri(p)]
    local = {cluster_path(p): p for p in sample if not is_uri(p)}
    if uris:
        _check_uris(uris)
    if not local and writable_dir is None:
        return
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    probe = ray.remote(num_cpus=0, max_retries=0)(_probe)
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    futures = [
        probe.options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=n["NodeID"], soft=False)
        ).remote(list(local), writable_dir)
        for n in nodes
    ]
    for node, (bad, dir_problem) in zip(nodes, ray.get(futures), strict=True):
        where = node.get("NodeManagerAddress", node["NodeID"][:8])
        if bad:
            path, reason = bad[0]
            raise HandposeError(
                f"{local[path]}: not readable on Ray node {where} as {path} ({reason}); inputs must be on a "
                "filesystem every node mounts at the same path, or object-store URIs (s3://, gs://, ...)"
            )
        if dir_problem:
            raise HandposeError(
                f"{writable_dir}: annotated copies cannot be written on Ray node {where} ({dir_problem}); "
                "use a folder every node mounts at the same path"
            )
    log.debug("inputs readable on %d Ray node(s)", len(nodes))


def _probe(paths: list[str], writable_dir: str | None) -> tuple[list[tuple[str, str]], str | None]:
    problem = None
    if writable_dir is not None:
        parent = writable_dir
        while not os.path.exists(parent) and os.path.dirname(parent) != parent:
            parent = os.path.dirname(parent)
        if not os.access(parent, os.W_OK):
            problem = f"{parent} is not writable there"
    return _unreadable(paths), problem
