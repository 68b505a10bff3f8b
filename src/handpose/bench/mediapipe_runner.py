"""Running MediaPipe 0.10.21 beside handpose: find an interpreter that has it, run the side-by-side scripts.

MediaPipe 0.10.21 needs numpy<2, so it runs in its own interpreter (``--mediapipe-python``, or
$HANDPOSE_MEDIAPIPE_PYTHON) as a subprocess: the scripts ``_mediapipe_bench.py`` (still images) and
``_mediapipe_video_bench.py`` (tracking) next to this module, run by file path. They import nothing from handpose.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).parent  # where the _mediapipe_*.py scripts are

MP_HINT = (
    "python3.11 -m venv .mp && .mp/bin/pip install mediapipe==0.10.21 'numpy<2' 'protobuf<5' "
    "opencv-python-headless; then pass --mediapipe-python .mp/bin/python"
)


def find_mediapipe_python(explicit: str | None) -> str | None:
    """An interpreter that can ``import mediapipe.solutions.hands``, or None."""
    candidates = [explicit, os.environ.get("HANDPOSE_MEDIAPIPE_PYTHON"), sys.executable]
    for cand in candidates:
        if not cand:
            continue
        exe = shutil.which(cand) or cand
        if not Path(exe).exists():
            continue
        try:
            probe = subprocess.run(
                [exe, "-c", "import mediapipe as mp; mp.solutions.hands"], capture_output=True, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return exe
    return None


def run_mediapipe_script(python: str, script: str, args: list[str], model: str) -> dict[str, Any]:
    """Run one of the package's ``_mediapipe_*.py`` scripts under the MediaPipe interpreter; its JSON output.

    Raises RuntimeError with the script's last output line when it fails."""
    cmd = [python, str(SCRIPTS / script), *args]
    cmd += ["--model-complexity", "1" if model == "full" else "0"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        tail = (out.stderr.strip() or out.stdout.strip()).splitlines()[-1:]
        raise RuntimeError(f"MediaPipe benchmark failed: {tail}")
    return json.loads(out.stdout)
