"""Batch jobs: hand landmarks for many images and videos, streamed, resumable, on all cores or on Ray.

The command line, ``handpose batch``, is :mod:`handpose.cli.batch`.

>>> from handpose.batch import BatchJob, run_job                      # doctest: +SKIP
>>> run_job(BatchJob(["photos/"], Path("results.jsonl"), landmarker={"model": "full"}))  # doctest: +SKIP
"""

from __future__ import annotations

import logging

from .job import BatchJob, JobSummary, Progress, run_job
from .worker import UnitProcessor, WorkerSettings

__all__ = ["BatchJob", "JobSummary", "Progress", "UnitProcessor", "WorkerSettings", "run_job"]

log = logging.getLogger(__name__)
