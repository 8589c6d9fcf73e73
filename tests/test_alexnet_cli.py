"""The AlexNet command line through `main()`: recipes, a tiny run on an image folder with resume
and evaluate, and hostile input that must give one `error:` line, exit status 2, no traceback and
no training started. One call goes through ``python -m core.alexnet`` to cover the entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from core.alexnet.__main__ import main
from tests.test_alexnet_core import bomb_folder

ROOT = Path(__file__).resolve().parent.parent
TINY = ["--hidden", "32", "--batch-size", "8", "--limit", "40"]


def _shapes(root: Path) -> Path:
    """Red vs blue squares in PATH/{train,test}/<class>/ (an easy problem)."""
    rng = np.random.default_rng(0)
    for split, n in (("train", 24), ("test", 6)):
        for cls, channel in (("red", 0), ("blue", 2)):
            for i in range(n):
                pixels = rng.integers(0, 60, (16, 16, 3), dtype=np.uint8)
                pixels[..., channel] = 200 + rng.integers(0, 55, (16, 16))
                (root / split / cls).mkdir(parents=True, exist_ok=True)
                Image.fromarray(pixels).save(root / split / cls / f"{i}.png")
    return root


def _fails(capsys, argv: list[str], expected: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and expected in err, err
    assert "\n" not in err and "Traceback" not in err
    return err


def test_train_resume_and_evaluate_on_an_image_folder(tmp_path, capsys):
    root, out = _shapes(tmp_path / "shapes"), tmp_path / "run"
    assert main(["train", "--dataset", f"folder:{root}", "--epochs", "3", "--hidden", "32", "--batch-size", "4",
                 "--lr", "0.003", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[1] for ln in lines if ln.startswith("epoch:")] == ["1", "2", "3"]
    assert float(lines[-1].split("test_acc:")[1]) >= 0.75  # red vs blue is easy
    record = json.loads((out / "run.json").read_text())
    assert record["config"]["recipe"] == "modern" and record["config"]["batchnorm"] is True
    assert record["best_epoch"] in (1, 2, 3) and (out / "best.pt").is_file()
    assert main(["train", "--dataset", f"folder:{root}", "--out", str(out), "--resume", "--epochs", "4"]) == 0
    resumed = capsys.readouterr().out
    assert "resuming after epoch 3" in resumed
    assert [ln.split()[1] for ln in resumed.splitlines() if ln.startswith("epoch:")] == ["4"]
    assert main(["evaluate", "--checkpoint", str(out / "best.pt")]) == 0
    assert "test_acc:" in capsys.readouterr().out


def test_the_article_recipe_and_explicit_flags(tmp_path, capsys):
    out = tmp_path / "article"
    assert main(["train", "--recipe", "article", "--dataset", "fake", "--epochs", "1", "--hidden", "16",
                 "--batch-size", "16", "--no-augment", "--out", str(out)]) == 0
    config = json.loads((out / "run.json").read_text())["config"]
    assert (config["recipe"], config["optimizer"], config["schedule"], config["batchnorm"]) == (
        "article", "sgd", "plateau", False)
    assert config["hidden"] == 16 and config["lr"] == 0.01


def test_epochs_zero_and_other_absurd_values_are_refused_before_anything_starts(tmp_path, capsys):
    out = tmp_path / "never"
    _fails(capsys, ["train", "--dataset", "fake", "--epochs", "0", "--out", str(out)], "epochs must be at least 1")
    _fails(capsys, ["train", "--dataset", "fake", "--lr", "-1", "--out", str(out)], "learning rate")
    _fails(capsys, ["train", "--dataset", "fake", "--limit", "5", "--out", str(out)], "limit must be")
    assert not out.exists()


def test_out_pointing_at_a_file_or_an_existing_run_is_refused(tmp_path, capsys):
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    _fails(capsys, ["train", "--dataset", "fake", "--epochs", "1", "--out", str(existing)], "is a file")
    assert existing.read_text() == "keep me"
    run = tmp_path / "run"
    assert main(["train", "--dataset", "fake", "--epochs", "1", *TINY, "--out", str(run)]) == 0
    capsys.readouterr()
    before = (run / "checkpoint.pt").read_bytes()
    _fails(capsys, ["train", "--dataset", "fake", "--epochs", "1", "--out", str(run)], "already holds a run")
    assert (run / "checkpoint.pt").read_bytes() == before
    _fails(capsys, ["train", "--dataset", "fake", "--resume", "--out", str(tmp_path / "empty")], "nothing to resume")


def test_a_decompression_bomb_gives_one_line_and_no_run(tmp_path, capsys):
    out = tmp_path / "run"
    _fails(capsys, ["train", "--dataset", f"folder:{bomb_folder(tmp_path)}", "--out", str(out)], "decompression bomb")
    assert not out.exists()


def test_broken_checkpoints_give_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--dataset", "fake", "--epochs", "1", *TINY, "--out", str(run)]) == 0
    capsys.readouterr()
    state = torch.load(run / "checkpoint.pt", weights_only=True)
    no_model = tmp_path / "no_model.pt"
    torch.save({k: v for k, v in state.items() if k != "model"}, no_model)
    _fails(capsys, ["evaluate", "--checkpoint", str(no_model)], "'model' is missing")
    wrong = dict(state, model={**state["model"], "classifier.1.weight": torch.zeros(5, 5)})
    torch.save(wrong, run / "checkpoint.pt")
    _fails(capsys, ["evaluate", "--checkpoint", str(run / "checkpoint.pt")], "size mismatch for classifier.1.weight")
    _fails(capsys, ["train", "--out", str(run), "--resume"], "does not fit the network")
    (run / "checkpoint.pt").write_bytes(b"garbage, not a checkpoint")
    _fails(capsys, ["evaluate", "--checkpoint", str(run / "checkpoint.pt")], "not a readable AlexNet checkpoint")


def test_the_module_entry_point_reports_a_missing_folder(tmp_path):
    done = subprocess.run([sys.executable, "-m", "core.alexnet", "train", "--dataset", f"folder:{tmp_path / 'absent'}"],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"},
                          timeout=300)
    assert done.returncode == 2 and "Image folder not found" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("flag", ["--recipe", "--optimizer"])
def test_unknown_choices_are_argparse_errors(flag, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", flag, "nonsense"])
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err
