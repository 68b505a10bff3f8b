"""``import mediapipe`` on handpose: ``python -m handpose.mediapipe_alias`` and ``handpose.install_mediapipe_alias``."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap

import pytest

import handpose
from handpose import mediapipe_alias

HANDS_MODULES = [
    "mediapipe",
    "mediapipe.solutions",
    "mediapipe.solutions.hands",
    "mediapipe.solutions.hands_connections",
    "mediapipe.solutions.drawing_utils",
    "mediapipe.solutions.drawing_styles",
    "mediapipe.tasks",
    "mediapipe.tasks.python",
    "mediapipe.tasks.python.vision",
    "mediapipe.tasks.python.vision.hand_landmarker",
    "mediapipe.tasks.python.vision.drawing_utils",
    "mediapipe.tasks.python.vision.drawing_styles",
    "mediapipe.tasks.python.vision.core.image",
    "mediapipe.tasks.python.vision.core.vision_task_running_mode",
    "mediapipe.tasks.python.core.base_options",
    "mediapipe.tasks.python.components.containers.category",
    "mediapipe.tasks.python.components.containers.landmark",
    "mediapipe.framework.formats.landmark_pb2",
    "mediapipe.framework.formats.classification_pb2",
    "mediapipe.framework.formats.detection_pb2",
    "mediapipe.python.solutions.hands",
    "mediapipe.python.solutions.drawing_utils",
]


@pytest.fixture
def alias():
    """The alias installed in this process for one test, then removed (and its ``mediapipe`` names forgotten)."""
    assert "mediapipe" not in sys.modules, "Google's mediapipe must not be imported in the test process"
    mediapipe_alias.install_mediapipe_alias()
    yield
    mediapipe_alias.uninstall_mediapipe_alias()
    assert "mediapipe" not in sys.modules


@pytest.mark.parametrize("name", HANDS_MODULES)
def test_every_hands_module_is_the_handpose_module_itself(alias, name):
    import importlib

    module = importlib.import_module(name)
    assert module is sys.modules["handpose" + name[len("mediapipe") :]]
    assert sys.modules[name] is module  # one object under both names: no second copy was executed


def test_attribute_paths_of_tutorials_and_the_tasks_guide(alias):
    import mediapipe as mp
    from mediapipe.tasks import python
    from mediapipe.tasks.python import vision

    assert mp is handpose and mp.tasks is handpose.tasks
    assert python is handpose.tasks.python and vision is handpose.tasks.python.vision
    assert mp.tasks.vision is vision and mp.tasks.BaseOptions is python.BaseOptions
    assert mp.tasks.vision.HandLandmarker is handpose.tasks.HandLandmarker
    assert mp.Image is handpose.tasks.Image and mp.ImageFormat.SRGB == 1
    assert mp.solutions.hands.Hands is handpose.solutions.hands.Hands
    # no module executed twice: every loaded mediapipe.* name is a handpose module object
    for name, module in list(sys.modules.items()):
        if name == "mediapipe" or name.startswith("mediapipe."):
            assert module is sys.modules["handpose" + name[len("mediapipe") :]], name


@pytest.mark.parametrize(
    "name",
    [
        "mediapipe.solutions.pose",
        "mediapipe.solutions.face_mesh",
        "mediapipe.tasks.python.vision.face_landmarker",
    ],
)
def test_modules_outside_hands_say_handpose_covers_hands_only(alias, name):
    import importlib

    with pytest.raises(ModuleNotFoundError, match="handpose covers MediaPipe Hands only") as info:
        importlib.import_module(name)
    assert info.value.name == name
    assert name not in sys.modules


def test_attributes_outside_hands_say_handpose_covers_hands_only(alias):
    import mediapipe as mp

    with pytest.raises(AttributeError, match="handpose covers MediaPipe Hands only"):
        mp.solutions.pose  # noqa: B018 - the attribute access is the test
    with pytest.raises(AttributeError, match="handpose covers MediaPipe Hands only"):
        mp.tasks.vision.FaceLandmarker  # noqa: B018


def test_install_is_idempotent_and_uninstall_removes_the_finder(alias):
    mediapipe_alias.install_mediapipe_alias()
    assert sum(f is mediapipe_alias._FINDER for f in sys.meta_path) == 1
    assert sys.meta_path[0] is mediapipe_alias._FINDER
    assert handpose.install_mediapipe_alias is mediapipe_alias.install_mediapipe_alias


def _run(args, cwd, **env):
    import os

    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


PROGRAM = textwrap.dedent(
    """
    import json, sys
    import mediapipe as mp
    import mediapipe.tasks.python.vision as vision
    import handpose
    print(json.dumps({"name": __name__, "argv": sys.argv, "same": mp is handpose and mp.tasks is handpose.tasks,
                      "vision": vision is handpose.tasks.python.vision, "path0": sys.path[0]}))
    """
)


def test_runs_a_script_like_cprofile(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(PROGRAM)
    proc = _run(["-m", "handpose.mediapipe_alias", str(script), "--flag", "x"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {
        "name": "__main__",
        "argv": [str(script), "--flag", "x"],
        "same": True,
        "vision": True,
        "path0": str(tmp_path),
    }


def test_runs_a_module_with_dash_m(tmp_path):
    (tmp_path / "progmod.py").write_text(PROGRAM)
    proc = _run(["-m", "handpose.mediapipe_alias", "-m", "progmod", "a"], tmp_path, PYTHONPATH=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["name"] == "__main__" and out["argv"][1:] == ["a"] and out["same"] and out["vision"]


def test_usage_without_a_program(tmp_path):
    proc = _run(["-m", "handpose.mediapipe_alias"], tmp_path)
    assert proc.returncode == 2 and "usage: python -m handpose.mediapipe_alias" in proc.stderr


def test_a_failing_program_keeps_its_exit_status_and_traceback(tmp_path):
    script = tmp_path / "boom.py"
    script.write_text("import mediapipe\nraise SystemExit(7)\n")
    assert _run(["-m", "handpose.mediapipe_alias", str(script)], tmp_path).returncode == 7
    script.write_text("import mediapipe\nraise KeyError('boom')\n")
    proc = _run(["-m", "handpose.mediapipe_alias", str(script)], tmp_path)
    assert proc.returncode == 1 and "KeyError: 'boom'" in proc.stderr


def test_alias_wins_over_an_installed_google_mediapipe_with_one_warning(tmp_path, caplog):
    """A stand-in ``mediapipe`` package on sys.path plays Google's: the alias shadows it and warns once."""
    fake = tmp_path / "site" / "mediapipe"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("GOOGLE = True\n")
    sys.path.insert(0, str(tmp_path / "site"))
    try:
        mediapipe_alias._warned = False
        with caplog.at_level(logging.WARNING, logger="handpose.mediapipe_alias"):
            mediapipe_alias.install_mediapipe_alias()
            mediapipe_alias.uninstall_mediapipe_alias()
            mediapipe_alias.install_mediapipe_alias()
        import mediapipe

        assert mediapipe is handpose and not hasattr(mediapipe, "GOOGLE")
        warnings = [r for r in caplog.records if "shadows it" in r.getMessage()]
        assert len(warnings) == 1
        mediapipe_alias.uninstall_mediapipe_alias()
        import mediapipe as google  # without the alias, the installed one is imported again

        assert google.GOOGLE is True
        with pytest.raises(RuntimeError, match="already imported"):
            mediapipe_alias.install_mediapipe_alias()
        assert mediapipe_alias._FINDER not in sys.meta_path
    finally:
        sys.path.remove(str(tmp_path / "site"))
        sys.modules.pop("mediapipe", None)
        mediapipe_alias.uninstall_mediapipe_alias()


def test_aliased_modules_keep_their_own_spec(alias):
    """Found in review: the import system sets ``__spec__`` on the module it is handed; the alias puts handpose's
    back, so package resources, reload and lazy relative imports still see the handpose module."""
    import importlib
    import importlib.resources

    importlib.import_module("mediapipe.models")
    models = sys.modules["handpose.models"]
    assert models.__spec__.name == "handpose.models"
    assert any(p.name.endswith(".onnx") for p in importlib.resources.files("handpose.models").iterdir())
    tasks = importlib.import_module("mediapipe.tasks")
    assert tasks.__spec__.name == "handpose.tasks"
