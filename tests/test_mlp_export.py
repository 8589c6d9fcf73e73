"""Export: JSON weights round trip, state_dict into nn.Sequential, a standalone script that reproduces a run
(with hostile CSV text embedded by value)."""

import io
import runpy
import subprocess
import sys

import torch

from core.mlp import MLPConfig, TrainingRun, calc_preds
from core.mlp.data import load_csv_table, playground_table
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


# Text an uploaded CSV controls ends up in feature names (one-hot columns) and in the title: each of
# these once broke, or could break, a script built by pasting strings into code or comments.
HOSTILE = ['line one\nline two', 'a "double" and \'single\' quote', 'back\\slash\\', '"""', "\'\'\'",
           '# comment\r\nprint("pwned")', '\u2028 separator {braces} ${x}', 'caf\u00e9 \U0001f600']


def _hostile_csv() -> bytes:
    rows = []
    for i in range(60):
        text = HOSTILE[i % len(HOSTILE)].replace('"', '""')
        rows.append(f'{i % 7},{(i * 3) % 11},"{text}",{int((i % 7) + (i % len(HOSTILE)) > 6)}')
    return ('x,z,"note\ny",label\n' + "\n".join(rows) + "\n").encode()


def test_standalone_script_embeds_hostile_text_by_value_and_reproduces_the_run(tmp_path):
    table = load_csv_table(_hostile_csv(), "label")
    assert any("\n" in name for name in table.feature_names)  # a newline in a one-hot column name
    cfg = MLPConfig(hiddens=[5, 4], activation="tanh", loss="bce", optimizer="adam", lr=0.03, batch_size=16, seed=2)
    run = TrainingRun(cfg, table.x_train, table.y_train, table.x_test, table.y_test)
    run.advance(30)
    title = 'MLP on "csv"\n# """ \\ \u2028'
    text = standalone_script(run.config, table.x_train, table.y_train, run.epoch, table.x_test, table.y_test,
                             table.feature_names, title)
    assert "def init_coeffs" in text and "def train_model" in text and "import streamlit" not in text
    embedded = [line for line in text.splitlines() if line.startswith(("TITLE = ", "FEATURES = ", "CONFIG = "))]
    assert len(embedded) == 3 and all(line.isascii() for line in embedded)  # one line each, escaped
    assert "pwned" not in text.split("# --- the run")[0]  # no user text above the data section
    compile(text, "mlp_run.py", "exec")
    path = tmp_path / "mlp_run.py"
    path.write_text(text, encoding="utf-8")
    namespace = runpy.run_path(str(path), run_name="not_main")  # the embedded values, read back
    assert namespace["FEATURES"] == table.feature_names and namespace["TITLE"] == title
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(": ", 1) for line in out.stdout.strip().splitlines())
    assert lines["epochs"] == "30" and lines["features"] == str(len(table.feature_names))
    assert abs(float(lines["train_accuracy"]) - run.history["train_acc"][-1]) < 1e-4
    assert abs(float(lines["test_accuracy"]) - run.history["test_acc"][-1]) < 1e-4
    assert abs(float(lines["final_train_loss"]) - run.last_loss) < 1e-5
