"""Secondary tabs of the MLP trainer: universal approximation, gradient check, export."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import streamlit as st

from core.mlp.backprop import gradient_check
from core.mlp.export import coeffs_to_json, standalone_script, state_dict_bytes
from core.mlp.views import gradient_check_data, sigmoid_combination
from ui.mlp_trainer import charts
from ui.mlp_trainer.state import STATE, UA_SIGMOIDS

# The combination of the source article (002): a1 = σ(-1.75x - 0.1), a2 = σ(0.172x + 0.15),
# z3 = 0.25 a1 + 0.5 a2 + 0.2 (also `MLPTrainerState`'s defaults); "bump" and "staircase" show
# what more sigmoids can do.
PRESETS = {
    "Article (2 sigmoids)": ([-1.75, 0.172], [-0.1, 0.15], [0.25, 0.5], 0.2),
    "Bump": ([4.0, 4.0], [8.0, -8.0], [1.0, -1.0], 0.0),
    "Staircase": ([6.0, 6.0, 6.0], [18.0, 0.0, -18.0], [1.0, 1.0, 1.0], 0.0),
    "Two bumps": ([5.0, 5.0, 5.0, 5.0], [30.0, 15.0, -15.0, -30.0], [1.0, -1.0, 1.0, -1.0], 0.0),
}


def _load_preset() -> None:
    """Callback of the preset box: write the preset's sigmoids into the state (the others stay)."""
    w, b, c, c0 = PRESETS[STATE.get("ua_preset")]
    changes = {"ua_k": len(w), "ua_cout": c0}
    for i, (wi, bi, ci) in enumerate(zip(w, b, c)):
        changes.update({f"ua_w{i}": wi, f"ua_b{i}": bi, f"ua_c{i}": ci})
    STATE.set(**changes)


def universal_approximation() -> None:
    st.markdown("A neural network's output is a **weighted sum of simple S-shaped functions**. Move the "
                "sliders: with enough sigmoids, sums like this can approximate any continuous curve.")
    top = st.columns([2, 1, 1])
    top[0].selectbox("Preset", list(PRESETS), key=STATE.key("ua_preset"), on_change=_load_preset)
    k = top[1].number_input("Sigmoids", 1, UA_SIGMOIDS, key=STATE.key("ua_k"))
    squash = top[2].toggle("Sigmoid on the sum", key=STATE.key("ua_squash"), help="Feed the sum through one more sigmoid")
    ws, bs, cs = [], [], []
    cols = st.columns(int(k))
    for i, col in enumerate(cols):
        for name, lo, hi, out in (("w", -10.0, 10.0, ws), ("b", -40.0, 40.0, bs), ("c", -3.0, 3.0, cs)):
            out.append(col.slider(f"{name}{i + 1}", lo, hi, step=0.01, key=STATE.key(f"ua_{name}{i}")))
    c0 = st.slider("Output bias c0", -3.0, 3.0, step=0.01, key=STATE.key("ua_cout"))
    x = np.linspace(-10, 10, 400)
    total, terms = sigmoid_combination(x, ws, bs, cs, c0, squash)
    labels = [f"c{i + 1}·σ(w{i + 1}x + b{i + 1})" for i in range(int(k))]
    st.plotly_chart(charts.combination_figure(x, total, terms, labels), key="mlp_ua_chart")
    st.latex(r"y = " + " + ".join(rf"{c:.2f}\,\sigma({w:.2f}x {b:+.2f})" for w, b, c in zip(ws, bs, cs))
             + rf" {c0:+.2f}")


def gradient_check_panel(table) -> None:
    st.markdown("The two-layer sigmoid network of the source article, with its gradients **derived by hand** "
                "(∂Z₂ = A₂ − Y, ∂W₂ = ∂Z₂ᵀA₁/N, ∂Z₁ = ∂Z₂W₂·A₁(1 − A₁), ∂W₁ = ∂Z₁ᵀX/N), compared with "
                "PyTorch's autograd in float64 on the current training data (first 256 rows).")
    hidden = st.slider("Hidden neurons", 1, 32, key=STATE.key("gc_hidden"))
    if st.button("Run gradient check", icon=":material/fact_check:", key="mlp_gc_run"):
        x, y = gradient_check_data(table)
        result = gradient_check(x, y, n_hidden=hidden)
        frame = pd.DataFrame({"parameter": list(result.max_abs_diff),
                              "max |hand − autograd|": [f"{v:.2e}" for v in result.max_abs_diff.values()]})
        st.dataframe(frame, hide_index=True)
        if result.passed:
            st.success(f"Gradients agree: largest difference {result.worst:.1e} ≤ {result.tolerance:g}.",
                       icon=":material/check_circle:")
        else:
            st.error(f"Gradients differ by {result.worst:.1e} (> {result.tolerance:g}).", icon=":material/error:")


def export_panel(run, table, state) -> None:
    if run is None or table is None:
        st.info("Choose a dataset and build a network to export it.", icon=":material/info:")
        return
    st.markdown(f"Epoch **{run.epoch:,}** of this run. The address bar already holds every setting: "
                "copy the link to share this configuration.")
    if run.diverged:
        st.warning("This run diverged: its weights contain NaN or infinity. Reset with a smaller learning rate "
                   "before exporting.", icon=":material/warning:")
    cols = st.columns(3)
    snapshot = ([w.detach().clone() for w in run.coeffs[0]], [b.detach().clone() for b in run.coeffs[1]])
    cols[0].download_button("Weights (JSON)", functools.partial(coeffs_to_json, snapshot, run.config,
                                                                table.feature_names, run.epoch),
                            file_name="mlp_weights.json", mime="application/json", icon=":material/data_object:",
                            on_click="ignore", key="mlp_export_json")
    cols[1].download_button("state_dict (.pt)", functools.partial(state_dict_bytes, snapshot, run.config),
                            file_name="mlp_state_dict.pt", mime="application/octet-stream",
                            icon=":material/save:", on_click="ignore", key="mlp_export_pt")
    script = functools.partial(standalone_script, run.config, table.x_train, table.y_train, max(run.epoch, 1),
                               table.x_test, table.y_test, table.feature_names, f"MLP on {state.dataset}")
    cols[2].download_button("Standalone script (.py)", script, file_name="mlp_run.py", mime="text/x-python",
                            icon=":material/code:", on_click="ignore", key="mlp_export_py")
    st.caption("The script contains the six functions of `core/mlp/recipe.py`, this configuration and the training "
               "data; `python mlp_run.py` retrains from the same seed for the same number of epochs. The "
               "state_dict loads into the equivalent `nn.Sequential` (see `core.mlp.sequential.to_sequential`).")
