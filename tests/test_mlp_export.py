"""Export: JSON weights round trip, state_dict into nn.Sequential, a standalone script that reproduces a run."""

import io
import subprocess
import sys

import torch

from core.mlp import MLPConfig, TrainingRun, calc_preds
from core.mlp.data import playground_table
from core.mlp.export import coeffs_from_json, coeffs_to_json, standalone_script, state_dict_bytes
from core.mlp.sequential import to_sequential


def _run(epochs=40):
    table = playground_table("circle", ["x1", "x2"], n_points=120, seed=3)
    cfg = MLPConfig(hiddens=[5, 4], activation="tanh", loss="bce", optimizer="adam", lr=0.03, batch_size=16, seed=2)
    run = TrainingRun(cfg, table.x_train, table.y_train, table.x_test, table.y_test)
    run.advance(epochs)
    return run, table


def test_json_round_trip_gives_the_same_predictions():
    run, table = _run()
    coeffs, cfg = coeffs_from_json(coeffs_to_json(run.coeffs, run.config, table.feature_names, run.epoch))
    assert cfg == run.config
    assert torch.allclose(calc_preds(coeffs, table.x_test, cfg), run.predict(table.x_test), atol=1e-6)


def test_state_dict_loads_into_sequential():
    run, table = _run()
    model = to_sequential(run.coeffs, run.config)
    for p in model.parameters():
        torch.nn.init.zeros_(p)
    model.load_state_dict(torch.load(io.BytesIO(state_dict_bytes(run.coeffs, run.config)), weights_only=True))
    with torch.no_grad():
        probs = torch.sigmoid(model(table.x_test))
    assert torch.allclose(probs, run.predict(table.x_test), atol=1e-6)


def test_standalone_script_reproduces_the_run(tmp_path):
    run, table = _run(epochs=30)
    text = standalone_script(run.config, table.x_train, table.y_train, run.epoch, table.x_test, table.y_test,
                             table.feature_names)
    assert "def init_coeffs" in text and "def train_model" in text and "import streamlit" not in text
    path = tmp_path / "mlp_run.py"
    path.write_text(text)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(": ", 1) for line in out.stdout.strip().splitlines())
    assert lines["epochs"] == "30"
    assert abs(float(lines["train_accuracy"]) - run.history["train_acc"][-1]) < 1e-4
    assert abs(float(lines["test_accuracy"]) - run.history["test_acc"][-1]) < 1e-4
    assert abs(float(lines["final_train_loss"]) - run.last_loss) < 1e-5
