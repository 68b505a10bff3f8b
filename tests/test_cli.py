"""End-to-end tests of the ``handpose`` command line on real files (bundled example image, shared test images,
and the bad-input list of tests/badfiles.py). Expected hand counts come from the MediaPipe 0.10.21 reference."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from badfiles import EXPECT_OK, make_bad_files
from handpose import __version__
from handpose.cli import example_image, main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_detect_without_arguments_uses_bundled_example(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "detect")
    assert code == 0, err
    assert "bundled example image" in out
    written = list((tmp_path / "handpose-output").glob("example_hand-*.jpg"))
    assert len(written) == 1
    assert str(written[0].name) in out


def test_detect_json_shape(tmp_path, capsys, static_reference):
    code, out, err = run_cli(capsys, "detect", str(example_image()), "--json", "-o", str(tmp_path))
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 1
    rec = records[0]
    assert rec["image"] == str(example_image())
    # The example image is fingerpose_nocurl.jpg: 480x640 with 1 hand in the MediaPipe 0.10.21 reference.
    ref = next(r for r in static_reference["images"] if r["file"] == "fingerpose_nocurl.jpg")
    assert (rec["width"], rec["height"]) == (ref["width"], ref["height"])
    assert len(rec["hands"]) == len(ref["hands"]) == 1
    hand = rec["hands"][0]
    assert hand["handedness"] == ref["hands"][0]["handedness"]["label"]
    assert 0.0 <= hand["score"] <= 1.0
    assert len(hand["landmarks"]) == 21 and all(len(p) == 3 for p in hand["landmarks"])
    assert len(hand["world_landmarks"]) == 21 and all(len(p) == 3 for p in hand["world_landmarks"])
    assert Path(rec["annotated"]).is_file()


def test_annotated_outputs_never_overwrite(tmp_path, capsys):
    for _ in range(2):
        assert run_cli(capsys, "detect", str(example_image()), "-o", str(tmp_path))[0] == 0
    assert len(list(tmp_path.glob("example_hand-*.jpg"))) == 2


@pytest.mark.parametrize("name", sorted(EXPECT_OK))
def test_single_bad_or_unusual_input(tmp_path, capsys, name):
    path = make_bad_files(tmp_path / "in", huge=name.startswith("huge"))[name]
    code, out, err = run_cli(capsys, "detect", str(path), "--json", "--no-annotate")
    rec = json.loads(out.splitlines()[0])
    if EXPECT_OK[name]:
        assert code == 0, err
        assert "error" not in rec and rec["width"] > 0
    else:
        assert code == 1
        lines = [ln for ln in err.splitlines() if ln.startswith("handpose: error:")]
        assert len(lines) == 1 and str(path) in lines[0], err
        assert "Traceback" not in err
        assert rec["error"] and rec["hands"] == []


def test_rgba_png_gives_same_hands_as_rgb(tmp_path, capsys):
    paths = make_bad_files(tmp_path, huge=False)
    _, out, _ = run_cli(
        capsys, "detect", str(example_image()), str(paths["rgba.png"]), "--json", "--no-annotate"
    )
    a, b = (json.loads(line) for line in out.splitlines())
    assert len(a["hands"]) == len(b["hands"]) == 1


def test_many_inputs_bad_ones_reported_rest_processed(tmp_path, capsys):
    paths = make_bad_files(tmp_path / "mixed", huge=False)
    missing = tmp_path / "nope.jpg"
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    code, out, err = run_cli(
        capsys,
        "detect",
        str(tmp_path / "mixed"),
        str(missing),
        str(empty_dir),
        str(example_image()),
        "--json",
        "--no-annotate",
    )
    assert code == 1
    records = [json.loads(line) for line in out.splitlines()]
    by_image = {r["image"]: r for r in records}
    assert by_image[str(example_image())]["hands"], "the good image must still be processed"
    assert "no such file" in by_image[str(missing)]["error"]
    assert "no images" in by_image[str(empty_dir)]["error"]
    for name, ok in EXPECT_OK.items():
        if name.startswith("huge"):
            continue
        rec = by_image[str(paths[name])]
        assert ("error" not in rec) == ok, (name, rec.get("error"))
    assert "Traceback" not in err


def test_wrong_path_exit_code_and_one_line(tmp_path):
    """Through the installed console entry point: a real process exit code."""
    proc = subprocess.run(
        [sys.executable, "-m", "handpose.cli", "detect", str(tmp_path / "missing.jpg")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    errors = [ln for ln in proc.stderr.splitlines() if "error" in ln]
    assert errors and str(tmp_path / "missing.jpg") in errors[0]
    assert "Traceback" not in proc.stderr


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "examples:" in capsys.readouterr().out


def test_invalid_option_value_is_a_clear_error(capsys):
    code, _, err = run_cli(capsys, "detect", str(example_image()), "--max-hands", "0")
    assert code == 2
    assert "max_hands" in err and "Traceback" not in err


def test_detect_gestures_adds_gesture_to_json(capsys):
    """The example image (fingerpose nocurl.jpg) shows the index finger straight and the others curled: by
    looking, pointing up."""
    code, out, err = run_cli(capsys, "detect", str(example_image()), "--json", "--gestures", "--no-annotate")
    assert code == 0, err
    gesture = json.loads(out)["hands"][0]["gesture"]
    assert gesture["fingers"]["index"] == "extended"
    assert gesture["gesture"] == "pointing_up"


@pytest.mark.parametrize(
    "argv",
    [
        ["batch", "{example}", "--out", "{tmp}/out.jsonl", "--max-hands", "0"],
        ["webcam", "--headless", "--camera", "{example}", "--min-detection-confidence", "2"],
        ["video", "{example}", "--max-hands", "0"],
        ["bench", "--compare-mediapipe", "--mediapipe-python", "{tmp}"],
        ["convert", "{tmp}/nope.tflite", "{tmp}/out.onnx"],
    ],
    ids=["batch-option", "webcam-option", "video-option", "bench-no-mediapipe", "convert-missing"],
)
def test_every_command_reports_setup_errors_in_one_line(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.delenv("HANDPOSE_MEDIAPIPE_PYTHON", raising=False)  # bench must not find MediaPipe elsewhere
    argv = [a.format(example=example_image(), tmp=tmp_path) for a in argv]
    code, _, err = run_cli(capsys, *argv)
    assert code != 0
    lines = [ln for ln in err.splitlines() if ln.startswith("handpose: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err


def test_bench_reports_both_models_and_overhead(capsys):
    """`handpose bench` on the bundled image: a row per model with inference time below total (no timing bound)."""
    code, out, err = run_cli(capsys, "bench", "--passes", "1", "--rounds", "1", "--json")
    assert code == 0, err
    rows = {r["model"]: r for r in json.loads(out)["rows"]}
    assert set(rows) == {"full", "lite"}
    for row in rows.values():
        assert 0 < row["inference_ms"] <= row["mean_ms"]
        assert 0 <= row["overhead_pct"] < 100
        assert row["hands"] == [1]


def test_bench_compares_with_mediapipe_when_available(capsys):
    import os

    python = os.environ.get("HANDPOSE_MEDIAPIPE_PYTHON")
    if not python:
        pytest.skip("no interpreter with mediapipe==0.10.21 (set HANDPOSE_MEDIAPIPE_PYTHON)")
    code, out, err = run_cli(
        capsys,
        "bench",
        "--passes",
        "1",
        "--rounds",
        "1",
        "--models",
        "lite",
        "--compare-mediapipe",
        "--mediapipe-python",
        python,
        "--json",
    )
    assert code == 0, err
    rows = json.loads(out)["rows"]
    mp = next(r for r in rows if r["engine"].startswith("mediapipe"))
    ours = next(r for r in rows if r["engine"] == "handpose")
    assert mp["hands"] == ours["hands"] == [1]  # same image, same answer
    assert ours["ratio_vs_mediapipe"] == pytest.approx(ours["mean_ms"] / mp["mean_ms"])


# -- help texts and default outputs ---------------------------------------------------------------------------


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    from handpose.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _option_help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    return parser._get_formatter()._format_action(action)  # the option's block of `--help`, as printed


def test_every_option_help_shows_its_default():
    commands = _subcommands()
    assert {"detect", "video", "webcam", "batch", "serve", "bench", "convert"} <= set(commands)
    checked = 0
    for name, parser in commands.items():
        for action in parser._actions:
            flag = isinstance(action.default, bool) or action.nargs == 0  # on/off: off unless given
            if not action.option_strings or flag or action.required or action.default == argparse.SUPPRESS:
                continue
            text = " ".join(_option_help(parser, action).split())
            if action.default is None:  # nothing by default: the help says so in words
                assert "default:" in text, f"handpose {name} {action.option_strings[-1]}: {text}"
            else:
                assert f"default: {action.default}" in text, (
                    f"handpose {name} {action.option_strings[-1]}: {text}"
                )
            checked += 1
    assert checked > 50  # every command's options were seen


@pytest.mark.parametrize("command", ["detect", "video", "webcam", "batch", "serve", "bench", "convert"])
def test_help_is_plain_text(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0 and out.startswith(f"usage: handpose {command}")
    assert "``" not in out and ":func:" not in out and ":mod:" not in out  # no reStructuredText markup


def test_default_output_folders_are_git_ignored():
    gitignore = Path(__file__).resolve().parents[1] / ".gitignore"
    if not gitignore.is_file():
        pytest.skip("not run from a source checkout")
    patterns = set(gitignore.read_text().splitlines())
    commands = _subcommands()
    defaults = {
        commands["detect"].get_default("output_dir"),
        commands["webcam"].get_default("save_dir"),
        commands["serve"].get_default("save_dir"),
    }
    assert defaults == {"handpose-output", "handpose-captures"}
    assert {f"{d}/" for d in defaults} <= patterns
    assert "*.handpose.mp4" in patterns  # `handpose video IN` writes IN.handpose.mp4 here


def test_saved_frame_names_sort_in_frame_order():
    from handpose.cli.webcam import frame_file_name

    frames = [(9, 360), (10, 400), (99, 3960), (100, 4000), (123, 4100), (25000, 1_000_000)]
    names = [frame_file_name(i, t) for i, t in frames]
    assert names[4] == "frame-000123-t004100ms.jpg"
    assert sorted(names) == names and sorted(reversed(names)) == names
