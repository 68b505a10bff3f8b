"""Run programs written for MediaPipe Hands on handpose, unmodified: ``import mediapipe`` gives handpose.

From the shell (like ``python -m cProfile``)::

    python -m handpose.mediapipe_alias my_hand_script.py --its-own-args
    python -m handpose.mediapipe_alias -m some.module --its-own-args

In a running process (a notebook), before anything imports ``mediapipe``::

    import handpose
    handpose.install_mediapipe_alias()
    import mediapipe as mp            # handpose; mp.tasks is handpose.tasks

How: a :class:`importlib.abc.MetaPathFinder` placed first on ``sys.meta_path`` answers every ``mediapipe`` /
``mediapipe.*`` import with the handpose module of the same path (``mediapipe.tasks.python.vision`` →
``handpose.tasks.python.vision``), so both names are the *same module object* — no second copies, no
duplicated state. Modules outside
MediaPipe Hands (``mediapipe.solutions.pose``, ``mediapipe.tasks.python.vision.face_landmarker``, ...) raise
:class:`ModuleNotFoundError` saying that handpose covers MediaPipe Hands only.

Which one wins when Google's ``mediapipe`` is installed too: the alias, once installed — it sits before the
normal path finders; a one-time warning says that the installed mediapipe is shadowed. If Google's mediapipe
was already imported in this process, :func:`install_mediapipe_alias` raises ``RuntimeError`` (mixing the two
would give objects of both libraries); :func:`uninstall_mediapipe_alias` removes the finder again.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import runpy
import sys
import types
from collections.abc import Sequence

log = logging.getLogger(__name__)

ALIAS = "mediapipe"
TARGET = "handpose"
# MediaPipe module paths whose handpose module has another path (all others map name for name: handpose
# mirrors MediaPipe's layout for the Hands modules).
RENAMED: dict[str, str] = {}
HANDS_ONLY = (
    "handpose covers MediaPipe Hands only (solutions.hands, drawing, tasks.vision.HandLandmarker); "
    "{name} is not part of it. Install Google's mediapipe for other solutions and run without the alias."
)


def target_name(fullname: str) -> str:
    """The handpose module path that stands in for a ``mediapipe`` module path."""
    if fullname in RENAMED:
        return RENAMED[fullname]
    return TARGET + fullname[len(ALIAS) :]


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system the already imported handpose module instead of a new one."""

    def __init__(self, module: types.ModuleType) -> None:
        self._module = module
        self._spec = module.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return self._module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the handpose module is already initialised. The import system has just set its
        ``__spec__`` to the alias's; put handpose's own back, or ``importlib.resources``, ``reload`` and lazy
        relative imports inside the module would see a ``mediapipe.*`` module."""
        module.__spec__ = self._spec


class MediapipeAliasFinder(importlib.abc.MetaPathFinder):
    """Resolves ``mediapipe`` and ``mediapipe.*`` to handpose's modules (see the module docstring)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        name = target_name(fullname)
        try:
            found = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ModuleNotFoundError(HANDS_ONLY.format(name=fullname), name=fullname)
        module = importlib.import_module(name)
        is_package = hasattr(module, "__path__")
        return importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(module), origin=getattr(module, "__file__", None), is_package=is_package
        )


_FINDER = MediapipeAliasFinder()
_warned = False


def _real_mediapipe_installed() -> bool:
    """Whether a ``mediapipe`` package other than this alias is importable (Google's)."""
    return importlib.machinery.PathFinder.find_spec(ALIAS) is not None


def install_mediapipe_alias() -> None:
    """Make ``import mediapipe`` (and every ``mediapipe.*`` Hands module) resolve to handpose in this process.

    Idempotent. Raises ``RuntimeError`` when Google's mediapipe is already imported here.
    """
    global _warned
    if _FINDER in sys.meta_path:
        return
    loaded = sys.modules.get(ALIAS)
    if loaded is not None and not getattr(loaded, "__name__", "").startswith(TARGET):
        raise RuntimeError(
            "Google's mediapipe is already imported in this process; call handpose.install_mediapipe_alias() "
            "before anything imports mediapipe (or run the program with python -m handpose.mediapipe_alias)"
        )
    if not _warned and _real_mediapipe_installed():
        _warned = True
        log.warning(
            "Google's mediapipe is installed too; the handpose alias shadows it in this process "
            "(import mediapipe gives handpose)"
        )
    sys.meta_path.insert(0, _FINDER)


def uninstall_mediapipe_alias() -> None:
    """Remove the finder and forget the ``mediapipe`` names it created (handpose modules stay loaded)."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n in sys.modules if n == ALIAS or n.startswith(ALIAS + ".")]:
        if getattr(sys.modules[name], "__name__", "").startswith(TARGET):
            del sys.modules[name]


def run(argv: Sequence[str]) -> None:
    """``python -m handpose.mediapipe_alias [-m MODULE | SCRIPT] [ARGS...]``: run the program on handpose."""
    usage = "usage: python -m handpose.mediapipe_alias [-m MODULE | SCRIPT] [ARGS...]"
    if not argv or argv[0] in ("-h", "--help"):
        print(usage, file=sys.stderr if not argv else sys.stdout)
        raise SystemExit(2 if not argv else 0)
    install_mediapipe_alias()
    if argv[0] == "-m":
        if len(argv) < 2:
            print(usage, file=sys.stderr)
            raise SystemExit(2)
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return
    script = argv[0]
    sys.argv = [script, *argv[1:]]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    # Use the importable module's finder (not a second copy of this file's globals under __main__), so that
    # handpose.install_mediapipe_alias() inside the program sees the alias as installed.
    from handpose.mediapipe_alias import run as _run

    _run(sys.argv[1:])
