"""The tutorial's install, ``pip install handpose opencv-python``, gives a cv2 with windows and runs its cell.

handpose depends on opencv-python-headless, so that command installs both OpenCV wheels, which share the
``cv2/`` folder. Measured (pip 23-25, opencv 5.1.0.95, in either order on the command line): pip installs
handpose's dependency first and opencv-python last, so its GUI build (Qt) is the ``cv2`` that imports; a later
``pip install --force-reinstall opencv-python-headless`` (or an upgrade of it alone) puts the headless build
back, and ``pip install --force-reinstall --no-deps opencv-python`` restores the windows (README, "The
tutorial's install").

A fresh venv is built from this checkout with exactly that command (pip's cache keeps it cheap; skipped when
the packages cannot be downloaded). Then the tutorial's detection cell runs in it: examples/tutorial_seed.py
with the display lines the published tutorial has (``cv2.imshow('Hand Tracking', image)``, ``cv2.waitKey(10)``,
``cv2.destroyAllWindows()``), under Xvfb (skipped without ``xvfb-run``), on the committed test video
(conftest.TEST_VIDEO, one hand in each of its first 40 frames per MediaPipe 0.10.21's reference) as camera 0.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import REPO, TEST_VIDEO, TEST_VIDEO_HANDS

pytestmark = pytest.mark.slow

FRAMES = 24
OFFLINE_HINTS = (
    "NewConnectionError",
    "Temporary failure",
    "No matching distribution",
    "Could not find a version",
)


@pytest.fixture(scope="module")
def tutorial_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("tutorial") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(REPO), "opencv-python"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if proc.returncode != 0:
        if any(hint in proc.stdout + proc.stderr for hint in OFFLINE_HINTS):
            pytest.skip(f"cannot download the tutorial's packages (offline?): {proc.stderr.strip()[-300:]}")
        raise AssertionError(proc.stdout[-2000:] + proc.stderr[-3000:])
    return python


def gui_backend(python: Path) -> str:
    code = (
        "import cv2; info = cv2.getBuildInformation().splitlines(); "
        "print(next(l.split(':', 1)[1].strip() for l in info if l.strip().startswith('GUI:')))"
    )
    return subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_both_opencv_wheels_installed_and_the_gui_build_wins(tutorial_python: Path) -> None:
    listing = subprocess.run(
        [str(tutorial_python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    names = {p["name"].lower() for p in json.loads(listing.stdout)}
    assert {"handpose", "opencv-python", "opencv-python-headless"} <= names
    assert gui_backend(tutorial_python) != "NONE"
    # No display needed to close no windows; the headless build raises here ("not implemented").
    subprocess.run(
        [str(tutorial_python), "-c", "import cv2; cv2.destroyAllWindows()"], check=True, timeout=60
    )


def tutorial_cell() -> str:
    """examples/tutorial_seed.py with the published tutorial's display lines put back."""
    source = (REPO / "examples" / "tutorial_seed.py").read_text()
    save = "        cv2.imwrite(os.path.join('Output Images', '{}.jpg'.format(uuid.uuid1())), image)\n"
    assert source.count(save) == 1 and source.rstrip().endswith("cap.release()")
    display = "        cv2.imshow('Hand Tracking', image)\n\n        if cv2.waitKey(10) & 0xFF == ord('q'):\n            break\n"
    return source.replace(save, save + "\n" + display).rstrip() + "\ncv2.destroyAllWindows()\n"


RUNNER = textwrap.dedent(
    """
    import json, sys
    import cv2
    examples, video, frames, cell_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    sys.path.insert(0, examples)
    from run_headless import VideoFileCamera  # camera 0 plays the video; nothing else is patched
    real_capture, real_imshow, shown = cv2.VideoCapture, cv2.imshow, []
    cv2.VideoCapture = lambda source=None, *a: (
        VideoFileCamera(video, frames) if isinstance(source, int) else real_capture(source, *a))
    def imshow(name, image):  # counts, then shows in a real window
        shown.append(name)
        real_imshow(name, image)
    cv2.imshow = imshow
    exec(compile(open(cell_path).read(), cell_path, "exec"), {"__name__": "__main__"})
    print(json.dumps({"shown": len(shown)}))
    """
)


def test_tutorial_cell_runs_with_a_window(tutorial_python: Path, tmp_path: Path) -> None:
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        pytest.skip("xvfb-run not installed (apt-get install xvfb): the cell opens a window")
    assert TEST_VIDEO_HANDS[:FRAMES] == [1] * FRAMES
    video = TEST_VIDEO
    cell = tmp_path / "tutorial_cell.py"
    cell.write_text(tutorial_cell())
    proc = subprocess.run(
        [xvfb_run, "-a", str(tutorial_python), "-c", RUNNER, str(REPO / "examples"), str(video), str(FRAMES),
         str(cell)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"shown": FRAMES}
    assert len(list((tmp_path / "Output Images").glob("*.jpg"))) == FRAMES
