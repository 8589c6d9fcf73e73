"""Tab 3: batch vs mini-batch vs stochastic gradient descent on linear regression."""

from __future__ import annotations

import streamlit as st

from ui.gradient_descent.state import BATCH_SIZES, REG_LR_GRID, GradientDescentState
from pages import _gd_charts as charts
from pages import _gd_compute as compute
from pages._gd_state import key


def render(state: GradientDescentState, device: str) -> None:
    st.markdown("Fit **y = w·x + b** to 200 noisy points. The normal equations give the least-squares answer "
                "in one solve; gradient descent walks toward it, using the mean gradient of a batch per update. "
                "A full batch (200) takes one smooth update per epoch, a batch of 1 (stochastic GD) takes 200 "
                "noisy ones.")
    c1, c2, c3 = st.columns(3)
    batch = c1.select_slider("Batch size", BATCH_SIZES, key=key("batch_size"),
                             help="Compared with full batch (200) and stochastic (1) on the same shuffles.")
    lr = c2.select_slider("Learning rate", REG_LR_GRID, key=key("reg_lr"), format_func=lambda v: f"{v:g}")
    epochs = c3.slider("Epochs", 1, 50, key=key("epochs"))

    data, runs, optimum, ws, bs, z = compute.batch_comparison(int(batch), float(lr), int(epochs), device)
    cols = st.columns(len(runs) + 1)
    cols[0].metric("Normal equations", f"w = {optimum[0]:.3f}, b = {optimum[1]:.3f}",
                   help=f"The data were made from w = {data.true_w}, b = {data.true_b} plus noise.")
    for col, run in zip(cols[1:], runs):
        last = run.path[-1]
        if run.diverged_at >= 0:
            col.metric(f"Batch {run.batch_size}", "diverged")
        else:
            col.metric(f"Batch {run.batch_size} ({run.updates_per_epoch} updates/epoch)",
                       f"w = {last[0]:.3f}, b = {last[1]:.3f}",
                       delta=f"{run.full_loss[-1] - run.full_loss.min():.2g} above its best", delta_color="off")
    if any(r.diverged_at >= 0 for r in runs):
        st.warning("At least one run diverged: the learning rate is too large for its batch size. "
                   "Its curves stop where the numbers became infinite.", icon=":material/warning:")
    left, right = st.columns(2)
    left.plotly_chart(charts.batch_loss_figure(runs), key="gd_batch_loss", width="stretch")
    right.plotly_chart(charts.parameter_path_figure(ws, bs, z, runs, optimum), key="gd_param_path",
                       width="stretch")
    fitted = [(f"batch {r.batch_size}", r.path[-1]) for r in runs]
    st.plotly_chart(charts.data_figure(data.x, data.y, optimum, fitted), key="gd_regression_data", width="stretch")
    st.caption("Thin lines: the loss on the batch each update saw (noisy for small batches). Thick lines: the "
               "loss on all data at the end of each epoch. Both axes are logarithmic.")
