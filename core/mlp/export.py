"""Export a trained MLP: weights as JSON, a PyTorch ``state_dict``, and a standalone script.

The standalone script is the recipe (`core.mlp.recipe`, with the two dependency-free helpers it
imports, `core.errors` and `core.threads`) copied verbatim, followed by the run's configuration,
its title and feature names and its training data, and a main block that retrains with the same
seed and prints the loss curve's end: running it reproduces the run.

Everything that comes from the run is embedded **by value**, never pasted into code or comments:
tensors as base64 blobs, the configuration as a JSON string, the title and the feature names
(which an uploaded CSV controls: newlines, quotes, backslashes...) as ``ascii()`` literals, which
are valid Python for any string and pure ASCII. No user text reaches a comment.
"""

from __future__ import annotations

import base64
import dataclasses
import inspect
import io
import json

import torch

import core.errors
import core.threads
from core.mlp import recipe
from core.mlp.recipe import MLPConfig
from core.mlp.sequential import to_sequential

MAX_SCRIPT_BYTES = 20 * 1024 * 1024


def config_dict(config: MLPConfig) -> dict:
    out = dataclasses.asdict(config)
    out["betas"] = list(out["betas"])
    return out


def coeffs_to_json(coeffs, config: MLPConfig, feature_names: list[str] | None = None, epoch: int = 0) -> str:
    """Weights ``(n_in, n_out)`` and biases of every layer with the configuration, as JSON text."""
    weights, biases = coeffs
    return json.dumps({
        "format": "dl-studio-mlp/1",
        "layout": "each layer computes x @ W + b; W has shape (n_in, n_out)",
        "config": config_dict(config), "features": list(feature_names or []), "epoch": epoch,
        "weights": [w.detach().cpu().tolist() for w in weights],
        "biases": [b.detach().cpu().tolist() for b in biases],
    })


def coeffs_from_json(text: str):
    """Inverse of `coeffs_to_json`: ``(coeffs, config)``."""
    data = json.loads(text)
    cfg = data["config"]
    cfg["betas"] = tuple(cfg["betas"])
    weights = [torch.tensor(w, dtype=torch.float32).requires_grad_() for w in data["weights"]]
    biases = [torch.tensor(b, dtype=torch.float32).requires_grad_() for b in data["biases"]]
    return (weights, biases), MLPConfig(**cfg)


def state_dict_bytes(coeffs, config: MLPConfig) -> bytes:
    """``torch.save`` of the equivalent ``nn.Sequential``'s state_dict (load with `to_sequential` shapes)."""
    buffer = io.BytesIO()
    torch.save(to_sequential(coeffs, config).state_dict(), buffer)
    return buffer.getvalue()


def library_source() -> str:
    """The recipe and its helpers as one module: `core.errors`, `core.threads`, `core.mlp.recipe`
    verbatim, minus the imports between them (a ``from __future__`` line stays first)."""
    parts = []
    for module in (core.errors, core.threads, recipe):
        lines = [line for line in inspect.getsource(module).splitlines()
                 if not line.startswith(("from core.", "import core.", "from __future__ import"))]
        parts.append("\n".join(lines))
    return "from __future__ import annotations\n\n" + "\n\n".join(parts) + "\n"


def _blob(t: torch.Tensor) -> str:
    return base64.b64encode(t.detach().cpu().contiguous().numpy().tobytes()).decode("ascii")


def _tensor_literal(t: torch.Tensor) -> str:
    dtype = "float32" if t.dtype == torch.float32 else "int64"
    return f"_tensor({_blob(t.to(getattr(torch, dtype)))!r}, {tuple(t.shape)!r}, torch.{dtype})"


def standalone_script(config: MLPConfig, x_train: torch.Tensor, y_train: torch.Tensor, epochs: int,
                      x_test: torch.Tensor | None = None, y_test: torch.Tensor | None = None,
                      feature_names: list[str] | None = None, title: str = "MLP run") -> str:
    """A ``.py`` file with the six functions, this configuration and data; it retrains ``epochs`` epochs."""
    x_test = x_test if x_test is not None and len(x_test) else x_train[:0]
    y_test = y_test if y_test is not None and len(y_test) else y_train[:0]
    header = ("# A standalone reproduction exported by the deep-learning studio's MLP trainer\n"
              "# (its title and feature names are in TITLE and FEATURES below).\n"
              "# Requires only PyTorch. Run: python this_file.py\n")
    main = f'''

# --- the run ---------------------------------------------------------------------------------
import base64 as _b64
import json as _json


def _tensor(blob, shape, dtype):
    return torch.frombuffer(bytearray(_b64.b64decode(blob)), dtype=dtype).reshape(shape).clone()


TITLE = {ascii(str(title))}
FEATURES = {ascii([str(name) for name in feature_names or []])}
CONFIG = MLPConfig(**_json.loads({ascii(json.dumps(config_dict(config)))}))
EPOCHS = {int(epochs)}
X_TRAIN = {_tensor_literal(x_train)}
Y_TRAIN = {_tensor_literal(y_train)}
X_TEST = {_tensor_literal(x_test)}
Y_TEST = {_tensor_literal(y_test)}

if __name__ == "__main__":
    CONFIG.betas = tuple(CONFIG.betas)
    history = []
    try:
        coeffs = train_model(X_TRAIN, Y_TRAIN, epochs=EPOCHS, config=CONFIG, history=history)
    except TrainingDiverged as exc:
        print(exc)
        raise SystemExit(1)
    print(f"title: {{TITLE!a}}")
    print(f"features: {{len(FEATURES)}}")
    print(f"epochs: {{EPOCHS}}")
    print(f"final_train_loss: {{history[-1]:.6f}}" if history else "final_train_loss: n/a")
    print(f"train_accuracy: {{model_accuracy(coeffs, X_TRAIN, Y_TRAIN, CONFIG):.4f}}")
    if len(X_TEST):
        print(f"test_accuracy: {{model_accuracy(coeffs, X_TEST, Y_TEST, CONFIG):.4f}}")
'''
    text = header + library_source() + main
    if len(text) > MAX_SCRIPT_BYTES:
        raise ValueError(f"the data make the script {len(text) / 1e6:.0f} MB; export a smaller dataset")
    return text
