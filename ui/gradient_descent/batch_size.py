"""Tab 3: batch vs mini-batch vs stochastic gradient descent on linear regression."""

from __future__ import annotations

import streamlit as st

from ui.gradient_descent import charts, compute
from ui.gradient_descent.numbers import format_number
from ui.gradient_descent.state import BATCH_SIZES, REG_LR_GRID, STATE, GradientDescentState


def _card(title: str, lines: list[str]) -> None:
    """A bordered card of short Markdown lines: they wrap instead of being cut off like a metric's value."""
    with st.container(border=True):
        st.markdown(f"**{title}**")
        st.markdown("  \n".join(lines))


def _cards(data, runs, optimum, gaps) -> None:
    """The answer of every run next to the normal equations', with its honest distance from it:
    in (w, b), and in loss above the least-squares loss (not above the run's own best)."""
    cols = st.columns(len(runs) + 1)
    with cols[0]:
        _card("Normal equations", [f"w = {optimum[0]:.4f}", f"b = {optimum[1]:.4f}",
                                   f"data made from w = {data.true_w:g}, b = {data.true_b:g} plus noise"])
    for col, run, gap in zip(cols[1:], runs, gaps):
        updates = f"{run.updates_per_epoch} update{'s' if run.updates_per_epoch != 1 else ''}/epoch"
        title = f"Batch {run.batch_size} ({updates})"
        with col:
            if run.diverged_at >= 0:
                _card(title, [f"diverged at update {run.diverged_at}", "w and b became infinite"])
                continue
            w, b = run.path[-1]
            _card(title, [f"w = {w:.4f}", f"b = {b:.4f}",
                          f"{format_number(gap.distance, 3)} from the optimum in (w, b); loss "
                          f"{format_number(gap.loss_gap, 3)} above the least-squares loss"])


def render(state: GradientDescentState, device: str) -> None:
    st.markdown("Fit **y = w·x + b** to 200 noisy points. The normal equations give the least-squares answer "
                "in one solve; gradient descent walks toward it, using the mean gradient of a batch per update. "
                "A full batch (200) takes one smooth update per epoch, a batch of 1 (stochastic GD) takes 200 "
                "noisy ones.")
    c1, c2, c3 = st.columns(3)
    batch = c1.select_slider("Batch size", BATCH_SIZES, key=STATE.key("batch_size"),
                             help="Compared with full batch (200) and stochastic (1) on the same shuffles.")
    lr = c2.select_slider("Learning rate", REG_LR_GRID, key=STATE.key("reg_lr"), format_func=lambda v: f"{v:g}")
    epochs = c3.slider("Epochs", 1, 50, key=STATE.key("epochs"))

    data, runs, optimum, gaps, ws, bs, z = compute.batch_comparison(int(batch), float(lr), int(epochs), device)
    _cards(data, runs, optimum, gaps)
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
