"""Every Python block in README.md and docs/*.md runs as written (issue 14 item 4).

Convention: each fenced ```python block is a script that runs on its own. A block that cannot (it needs a camera,
a Ray cluster, or it serves forever) is marked as a fragment by the line ``<!-- fragment: why -->`` directly above
its fence; fragments are only compiled (syntax), and the reason must be given.

Each runnable block runs in a subprocess (timeout 300 s) in a fresh tmp folder holding the inputs the docs name,
made from bundled data:

- photo.jpg, hand.jpg: the package's example image (handpose/data/example_hand.jpg, fingerpose's nocurl.jpg);
- a.jpg, b.jpg: tests/data/images/fingerpose_halfcurl.jpg and fingerpose_fullcurl.jpg;
- clip.mp4: tests/data/video/fingerpose_moves.avi re-encoded as MP4 by handpose's VideoWriter (80 frames);
- photos/: the three fingerpose photos and tests/data/made/fingerpose_pair.jpg (two hands);
- results.csv, results.parquet, labels.json: ``handpose batch photos --out ...`` (``--coco labels.json``), the
  commands docs/batch.md shows before reading them.

Blocks that talk to ``127.0.0.1:8000`` run against a real ``handpose serve`` that this test starts on a free
loopback port; replacing that address is the one change made to a block. A block passes when it exits with 0;
what it prints is not compared (the docs' comments say what it shows).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import IMAGES, MADE, REPO, TEST_VIDEO

pytestmark = pytest.mark.slow

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
FRAGMENT = re.compile(r"<!--\s*fragment:\s*(\S[^>]*?)\s*-->\s*\n$")
SERVER_ADDRESS = "127.0.0.1:8000"
TIMEOUT_S = 300


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # of the opening fence
    code: str
    fragment: str | None  # the reason, for a block marked as a fragment

    @property
    def id(self) -> str:
        return f"{self.doc.relative_to(REPO).as_posix()}:{self.line}"


def python_blocks(doc: Path) -> list[Block]:
    text = doc.read_text(encoding="utf-8")
    blocks = []
    for m in FENCE.finditer(text):
        before = text[: m.start()]
        marker = FRAGMENT.search(before)
        blocks.append(Block(doc, before.count("\n") + 1, m.group(1), marker.group(1) if marker else None))
    return blocks


BLOCKS = [b for doc in DOCS for b in python_blocks(doc)]
RUNNABLE = [b for b in BLOCKS if b.fragment is None]
FRAGMENTS = [b for b in BLOCKS if b.fragment is not None]


def test_the_docs_have_python_blocks():
    assert len(BLOCKS) >= 20 and {b.doc.name for b in BLOCKS} >= {"README.md", "video.md", "batch.md"}
    assert len(RUNNABLE) >= 0.7 * len(BLOCKS)  # fragments stay the exception
    text = "\n".join(d.read_text(encoding="utf-8") for d in DOCS)
    assert "```py\n" not in text and "```python3" not in text  # every Python block uses the one info string


@pytest.mark.parametrize("block", FRAGMENTS, ids=[b.id for b in FRAGMENTS])
def test_fragment_compiles(block: Block):
    compile(block.code, block.id, "exec")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """The files the docs' blocks read, made from bundled data (see the module docstring)."""
    import cv2

    from handpose.data import example_image
    from handpose.io.video import VideoWriter, iter_frames

    root = tmp_path_factory.mktemp("docs_inputs")
    for name in ("photo.jpg", "hand.jpg"):
        shutil.copy(example_image(), root / name)
    shutil.copy(IMAGES / "fingerpose_halfcurl.jpg", root / "a.jpg")
    shutil.copy(IMAGES / "fingerpose_fullcurl.jpg", root / "b.jpg")
    with VideoWriter(root / "clip.mp4", fps=25, size=(256, 192)) as writer:
        for frame in iter_frames(TEST_VIDEO):
            writer.write(cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR))
    (root / "photos").mkdir()
    for path in [*sorted(IMAGES.glob("fingerpose_*.jpg")), MADE / "fingerpose_pair.jpg"]:
        shutil.copy(path, root / "photos" / path.name)
    for out in (["--out", "results.csv"], ["--out", "results.parquet", "--coco", "labels.json"]):
        args = ["batch", "photos", *out, "--workers", "1", "--no-progress"]
        proc = subprocess.run(
            [sys.executable, "-m", "handpose.cli", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    return root


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("fastapi", reason="the web app needs the [web] extra")
    from handpose.web.server import ServerProcess

    folder = tmp_path_factory.mktemp("docs_server")
    with ServerProcess("--save-dir", str(folder / "captures"), log_path=folder / "serve.log") as srv:
        yield srv


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.id for b in RUNNABLE])
def test_block_runs_as_written(block: Block, inputs: Path, tmp_path: Path, request):
    code = block.code
    if SERVER_ADDRESS in code:
        srv = request.getfixturevalue("server")
        code = code.replace(SERVER_ADDRESS, f"{srv.host}:{srv.port}")
    cwd = tmp_path / "cwd"
    shutil.copytree(inputs, cwd)
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert proc.returncode == 0, f"{block.id} failed:\n{proc.stderr[-3000:]}"
