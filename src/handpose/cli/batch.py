"""``handpose batch``: the command line of :mod:`handpose.batch` (many images and videos, resumable)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import HandposeError
from .common import (
    HelpFormatter,
    add_model_options,
    add_palm_interval_option,
    add_thorough_option,
    error_line,
    landmarker_kwargs,
)

EXAMPLES = """\
examples:
  handpose batch photos/ --out results.jsonl
  handpose batch "shots/**/*.jpg" clip.mp4 --out results.csv --workers 2 --batch-size 4
  handpose batch @files.txt --out results.parquet --coco labels.json --annotated-dir annotated/
  handpose batch dataset/ --out results.jsonl --resume          # continue an interrupted job
  handpose batch dataset/ --out results.parquet --engine ray --ray-address auto

Sources: image files, folders (recursive), globs, list files (@list.txt or a .txt file: one path per line)
and videos (every frame, in order, with tracking; one output row per frame). Failed inputs go to
<out>.errors.jsonl and the exit code is 1; the job itself goes on.
"""


def add_parser(sub: Any) -> None:
    """Register ``handpose batch`` on the CLI's subparsers."""
    p = sub.add_parser(
        "batch",
        help="run over many images/videos into JSONL, CSV or Parquet (resumable)",
        description="Hand landmarks for many images and videos: streamed, on all cores, resumable, "
        "results in input order.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    p.add_argument("sources", nargs="+", help="images, folders, globs, @list.txt files, videos")
    p.add_argument("--out", required=True, help="results file: .jsonl, .csv or .parquet (extra [parquet])")
    p.add_argument(
        "--coco", metavar="FILE", help="also write COCO keypoints annotations (JSON) (default: none)"
    )
    p.add_argument(
        "--annotated-dir",
        metavar="DIR",
        help="write annotated copies here, input paths mirrored (default: none)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="worker processes (0: one per two cores, each running two images at once)",
    )
    p.add_argument("--batch-size", type=int, default=4, metavar="B", help="images per model batch")
    p.add_argument("--chunk-size", type=int, default=64, metavar="C", help="files per shard")
    p.add_argument(
        "--resume", action="store_true", help="skip what an interrupted run with this --out finished"
    )
    p.add_argument("--engine", choices=("local", "ray"), default="local", help="local process pool or Ray")
    p.add_argument("--ray-address", metavar="ADDR", help="Ray cluster address (default: start a local Ray)")
    p.add_argument("--digits", type=int, metavar="N", help="round coordinates to N decimals (default: full)")
    p.add_argument("--keep-parts", action="store_true", help="keep <out>.parts/ (shards) after finishing")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_model_options(p)
    add_palm_interval_option(p)
    add_thorough_option(p, video=True)
    p.set_defaults(func=cmd_batch)


def job_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~handpose.batch.BatchJob` of parsed ``batch`` arguments."""
    from ..batch import BatchJob

    return BatchJob(
        sources=list(args.sources),
        out=Path(args.out),
        coco=Path(args.coco) if args.coco else None,
        annotated_dir=Path(args.annotated_dir) if args.annotated_dir else None,
        workers=args.workers,
        batch_size=args.batch_size,
        chunk_size=args.chunk_size,
        resume=args.resume,
        engine=args.engine,
        ray_address=args.ray_address,
        landmarker=landmarker_kwargs(args),
        digits=args.digits,
        progress=not args.no_progress,
        keep_parts=args.keep_parts,
    )


def cmd_batch(args: argparse.Namespace) -> int:
    """Run the job; exit 0 when every input succeeded, 1 when some failed, 2 when the job could not run."""
    if args.ray_address and args.engine != "ray":
        error_line("--ray-address needs --engine ray")
        return 2
    from ..batch import run_job

    try:
        summary = run_job(job_from_args(args))
    except (HandposeError, ValueError, OSError) as exc:
        error_line(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return 2
    rate = summary.files / summary.seconds if summary.seconds > 0 else 0.0
    line = (
        f"handpose batch: {summary.files} file(s), {summary.rows} row(s), {summary.hands} hand(s), "
        f"{summary.errors} failed, {summary.seconds:.1f} s ({rate:.1f} files/s) -> {summary.out}"
    )
    if summary.skipped_units:
        line += f" ({summary.skipped_units} of {summary.units} unit(s) resumed from an earlier run)"
    print(line, file=sys.stderr)
    if summary.errors_path is not None:
        print(f"handpose batch: failures listed in {summary.errors_path}", file=sys.stderr)
        return 1
    return 0
