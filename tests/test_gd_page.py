"""AppTest of the gradient-descent page: every view, extreme settings, links, hostile and constant formulas,
playback, the stochastic mode, the step inspector and the batch-size cards."""

import base64
import json
import re

import numpy as np
import pytest

from core.gradient_descent import regression
from core.gradient_descent.optimizers import OptimizerConfig, run_batched
from core.gradient_descent.surfaces import make_surface
from core.text import escape_markdown

PAGE = "pages/gradient_descent.py"
KIND_TITLES = ["Gradient descent", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"]


def specs(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def x_titles(at):
    return [s["layout"].get("xaxis", {}).get("title", {}).get("text") for s in specs(at)]


def decode(values):
    """Plotly sends arrays either as lists or as base64 'bdata' with a dtype."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).astype(float)
    return np.asarray(values, dtype=float)


def assert_no_poisoned_points(at):
    """Every drawn point (lines, markers, 3-D paths) is a real number: diverged steps are dropped."""
    for spec in specs(at):
        for trace in spec["data"]:
            if trace.get("type", "scatter") in ("scatter", "scatter3d"):
                for axis in ("x", "y", "z"):
                    if axis in trace:
                        assert np.isfinite(decode(trace[axis])).all(), trace.get("name")


def plain(markdown: str) -> str:
    """What Markdown shows for text escaped with core.text.escape_markdown (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(elements):
    return " | ".join(plain(e.value) for e in elements)


def show(at, **fields):
    """Set state fields (as a callback would) and rerun: e.g. show(at, view="race")."""
    for name, value in fields.items():
        at.session_state[f"gd_{name}"] = value
    return at.run()


def one_weight_svg(at):
    return next(m.value for m in at.markdown if m.value.startswith("<svg") and "gd-svg-plot" in m.value)


def loss_svg(at):
    """The race's loss chart (inline SVG)."""
    return next(m.value for m in at.markdown if m.value.startswith("<svg") and "gd-loss-plot" in m.value)


def svg_steps(at):
    """The weights of the descent steps the one-weight picture draws."""
    return [float(w) for w in re.search(r'data-steps="([^"]*)"', one_weight_svg(at)).group(1).split(",")]


def table_with(at, column):
    """The first table with ``column`` (the race table: "optimizer", a static table whose Markdown
    cells are escaped, read back as shown; the inspector's: "quantity", a dataframe)."""
    for t in at.table:
        if column in t.value.columns:
            return t.value.map(lambda v: plain(v) if isinstance(v, str) else v)
    return next(t.value for t in at.dataframe if column in t.value.columns)


def race_table(at):
    return table_with(at, "optimizer")


def test_each_view_renders_alone_and_the_link_names_the_open_tab(run_page):
    at = run_page(PAGE)
    assert not at.exception
    assert specs(at) == []  # only the open tab is computed; its picture is inline SVG, not Plotly
    svg = one_weight_svg(at)
    assert "weight w" in svg and 'data-steps="' in svg and "tangent, slope dL/dw" in svg
    assert "Converging" in texts(at.success)
    assert dict(at.query_params) == {}  # the URL keeps only settings that differ from the defaults

    show(at, view="race")
    assert not at.exception and x_titles(at) == ["x"]  # the contour; the loss chart is inline SVG
    loss = loss_svg(at)
    assert all(f'data-name="{title}"' in loss for title in KIND_TITLES) and "f − f(minimum)" in loss
    table = race_table(at)
    assert list(table["optimizer"]) == KIND_TITLES and set(table["diverged"]) == {"no"}
    assert dict(at.query_params) == {"view": "race"}
    assert_no_poisoned_points(at)

    show(at, race_view="surface3d")
    assert not at.exception
    assert [t["type"] for t in specs(at)[0]["data"]][:1] == ["surface"] and len(specs(at)) == 1

    show(at, view="batch_size")
    assert not at.exception and len(specs(at)) == 3
    show(at, view="lr_finder")
    assert not at.exception and x_titles(at) == ["learning rate"]
    assert "Best learning rate" in texts(at.success)
    assert at.query_params["view"] == "lr_finder" and at.query_params["race_view"] == "surface3d"


def test_learning_rate_ten_diverges_loudly_but_cleanly(run_page):
    at = run_page(PAGE)
    at.select_slider(key="gd_lr_1d").set_value(10.0).run()
    assert not at.exception
    assert "Diverging" in texts(at.error)
    assert max(abs(w) for w in svg_steps(at)) > 1e3  # the steps run away (and are clipped to the plot)
    show(at, view="race", hyperparameters=True)
    for kind in ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        at.select_slider(key=f"gd_lr_{kind}").set_value(10.0)
    at.run()
    assert not at.exception
    warnings = texts(at.warning)
    for name in ("Gradient descent", "Momentum", "Nesterov"):
        assert f"**{name}** diverged at step" in warnings
    table = race_table(at)
    row = table[table["optimizer"] == "Gradient descent"].iloc[0]
    assert row["diverged"].startswith("at step")
    # Numbers for people: no raw 16-digit integers, powers of ten written out.
    assert "× 10" in row["final loss"] and not any(re.fullmatch(r"-?\d{6,}(\.\d+)?", v) for v in table["final loss"])
    # A diverged path ends inside the plot, at an x marker; no line runs off to 1e8.
    contour = specs(at)[0]
    xr, yr = contour["layout"]["xaxis"]["range"], contour["layout"]["yaxis"]["range"]
    gd_path = next(t for t in contour["data"] if t.get("name") == "Gradient descent")
    assert (decode(gd_path["x"]) >= xr[0]).all() and (decode(gd_path["x"]) <= xr[1]).all()
    assert (decode(gd_path["y"]) >= yr[0]).all() and (decode(gd_path["y"]) <= yr[1]).all()
    mark = next(t for t in contour["data"] if t.get("name") == "Gradient descent diverged")
    assert mark["marker"]["symbol"] == "x" and decode(mark["x"])[0] == decode(gd_path["x"])[-1]
    assert_no_poisoned_points(at)
    assert at.query_params["lr_gd"] == "10.0"
    # The loss chart marks where each diverged run ends, and draws no point that is not a number.
    loss = loss_svg(at)
    assert f"<title>Gradient descent diverged at step {row['diverged'].split()[-1]}</title>" in loss
    assert "nan" not in loss.lower() and "inf" not in loss.lower()


def test_extreme_surface_settings(run_page):
    at = run_page(PAGE)
    at.select_slider(key="gd_lr_1d").set_value(1e-4).run()
    assert "Converging slowly" in texts(at.info)
    show(at, view="race")
    at.selectbox(key="gd_surface").select("quadratic").run()
    at.select_slider(key="gd_condition").set_value(1000.0)
    at.slider(key="gd_steps").set_value(2000)
    at.number_input(key="gd_start_x").set_value(100.0)
    at.run()
    assert not at.exception
    assert at.get("progress")[0].proto.text == "Step 2000 of 2000"  # a new race is shown whole
    assert_no_poisoned_points(at)


def test_every_surface_races(run_page):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(view="race", optimizers="gd,adam", steps="100"))
    for surface in ("beale", "himmelblau", "saddle", "rastrigin", "plateau"):
        at.selectbox(key="gd_surface").select(surface).run()
        assert not at.exception, surface
        assert len(race_table(at)) == 2
        expected = make_surface(surface).start
        assert (at.number_input(key="gd_start_x").value, at.number_input(key="gd_start_y").value) == expected
        assert_no_poisoned_points(at)
    assert at.query_params["surface"] == "plateau"


def test_formulas_are_shown_literally_and_hostile_ones_refused_with_a_message(run_page):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(view="race", surface="custom"))
    at.text_input(key="gd_expression").input("x**2 + 3*y**2").run()
    caption = next(c.value for c in at.caption if "f(x, y) =" in c.value)
    assert escape_markdown("x**2 + 3*y**2", None) in caption and "x**2 + 3*y**2" in plain(caption)
    for text, reason in [("__import__('os')", "function '__import__' is not allowed"),
                         ("x.__class__", "attribute access"),
                         ("(lambda: 1)()", "only the listed functions"),
                         ("9**9**9**9", "powers of powers"),
                         ("x_1 + y", "unknown name 'x_1'")]:
        at.text_input(key="gd_expression").input(text).run()
        assert not at.exception, text
        refused = [e.value for e in at.error if "Your formula was refused" in e.value]
        assert refused and reason in plain(refused[0]), (text, refused)
        assert "__" not in refused[0].replace("\\_\\_", "")  # underscores escaped: no bold/italic markup


@pytest.mark.parametrize("link", [{"surface": "custom", "expression": "1"},
                                  {"view": "race", "surface": "custom", "expression": "1"}])
def test_the_shared_link_with_a_constant_formula_works(run_page, link):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(**link))
    assert not at.exception
    show(at, view="race")
    assert not at.exception
    assert "same value, 1, everywhere" in texts(at.caption)
    assert set(race_table(at)["diverged"]) == {"no"}
    show(at, view="lr_finder")
    assert "flat" in texts(at.info)


def test_constant_formulas_are_boring_surfaces_or_clear_refusals(run_page):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(view="race", surface="custom"))
    for text, outcome in [("pi", "same value, 3.14159, everywhere"), ("0x10", "same value, 16, everywhere"),
                          ("1/0", "infinite everywhere"), ("log(-1)", "not a number everywhere"),
                          ("exp(1e6)", "infinite everywhere"), ("0x" + "f" * 298, "of about 359 digits is too large"),
                          ("x**(64+1)", "the exponent 65 is too large")]:
        at.text_input(key="gd_expression").input(text).run()
        assert not at.exception, text
        assert outcome in texts(at.caption) + texts(at.error), text


def test_custom_formula_races_with_autograd(run_page):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(view="race", surface="custom"))
    at.text_input(key="gd_expression").input("(x - 1)**2 + 3*(y + 0.5)**2").run()
    assert not at.exception
    assert not [e for e in at.error if "refused" in e.value]
    table = race_table(at)
    assert table.loc[table["optimizer"] == "Adam", "steps to tolerance"].item() != "not reached"


def test_link_state_is_restored_and_bad_values_reported(run_page):
    def setup(at):
        at.query_params.update(view="race", surface="himmelblau", optimizers="adam,rmsprop", lr_adam="0.3",
                               lr_1d="1e9", steps="many", start_x="2.0", start_y="-1.0", noise="0.25")
    at = run_page(PAGE, setup=setup)
    assert not at.exception
    assert at.multiselect(key="gd_optimizers").value == ["rmsprop", "adam"]
    assert at.select_slider(key="gd_lr_adam").value == 0.3
    assert at.select_slider(key="gd_noise").value == 0.3  # snapped to the slider's grid
    assert at.session_state["gd_lr_1d"] == 10.0  # clamped to the slider's top
    messages = texts(at.warning)
    assert "lr_1d was out of range" in messages and "Ignored steps='many'" in messages
    assert at.number_input(key="gd_start_x").value == 2.0


def test_surface_change_moves_the_start_and_lrs(run_page):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(view="race"))
    at.selectbox(key="gd_surface").select("beale").run()
    assert (at.number_input(key="gd_start_x").value, at.number_input(key="gd_start_y").value) == (1.0, 1.4)
    assert at.session_state["gd_lr_gd"] == 0.001  # set while its slider is hidden ...
    at.toggle(key="gd_hyperparameters").set_value(True).run()
    assert at.select_slider(key="gd_lr_gd").value == 0.001  # ... and shown when it opens
    assert at.query_params["hyperparameters"] == "1" and at.query_params["lr_gd"] == "0.001"


def test_playback_buttons(run_page):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(view="race"))
    steps_text = lambda: at.get("progress")[0].proto.text
    assert steps_text() == "Step 500 of 500"
    at.button(key="gd_reset_button").click().run()
    assert steps_text() == "Step 0 of 500"
    at.button(key="gd_step_button").click().run()
    at.button(key="gd_step_button").click().run()
    assert steps_text() == "Step 2 of 500"
    at.button(key="gd_play_button").click().run()
    assert at.session_state["gd_playing"] is True
    assert at.button(key="gd_play_button").label == "Pause"
    first = at.session_state["gd_play_step"]
    at.run()  # each frame advances by the speed (10 steps)
    assert at.session_state["gd_play_step"] == first + 10
    at.button(key="gd_play_button").click().run()
    assert at.session_state["gd_playing"] is False
    paused = at.session_state["gd_play_step"]
    at.run()
    assert at.session_state["gd_play_step"] == paused  # paused means paused
    assert not at.exception


def test_stochastic_mode_draws_noisy_and_exact_paths(run_page):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(view="race", surface="quadratic", noise="1.0"))
    assert not at.exception
    assert "Stochastic mode" in texts(at.caption)
    names = [t.get("name") for t in specs(at)[0]["data"]]
    assert "Adam" in names and "Adam, exact gradient" in names and "dotted: exact gradient" in names
    at.number_input(key="gd_noise_seed").set_value(5).run()
    assert at.query_params["noise_seed"] == "5"
    show(at, noise=0.0)
    assert not any("exact gradient" in (t.get("name") or "") for t in specs(at)[0]["data"])


def test_step_inspector_draws_the_optimizer_state_of_the_race(run_page):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(view="race", race_view="inspector",
                                                              inspect_kind="momentum", inspect_step="7"))
    assert not at.exception
    names = [t.get("name") for t in specs(at)[0]["data"]]
    assert {"−lr·g: the plain gradient step", "−lr·μ·v: the velocity's part", "the step taken"} <= set(names)
    numbers = table_with(at, "quantity")
    assert "velocity v (after the update)" in list(numbers["quantity"])
    # The drawn step is the race's own step 7 -> 8 of Momentum.
    surface = make_surface("rosenbrock")
    race = run_batched(surface.value_and_grad, [OptimizerConfig("momentum", 0.001)], [surface.start], 8)
    step = next(t for t in specs(at)[0]["data"] if t.get("name") == "the step taken")
    np.testing.assert_allclose(decode(step["x"]), race.paths[0, 7:9, 0], rtol=1e-9)
    show(at, inspect_kind="adam")
    assert "m̂ = m / (1 − β1ᵗ)" in list(table_with(at, "quantity")["quantity"])


def test_batch_size_cards_show_w_b_and_the_honest_gap(run_page):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(view="batch_size", batch_size="1"))
    assert not at.exception
    cards = texts(at.markdown)
    data = regression.make_data(seed=0)
    optimum = regression.normal_equations(data)
    full = regression.fit_minibatch(data, 200, 0.05, 10)
    gap = regression.gap_to_optimum(data, full.path[-1], optimum)
    assert f"w = {optimum[0]:.4f}" in cards and f"b = {optimum[1]:.4f}" in cards
    assert f"w = {full.path[-1][0]:.4f}" in cards and f"b = {full.path[-1][1]:.4f}" in cards
    assert "Batch 1 (200 updates/epoch)" in cards and "above the least-squares loss" in cards
    assert gap.distance > 0.5 and "0 above its best" not in cards
    at.select_slider(key="gd_reg_lr").set_value(2.0).run()
    assert not at.exception
    assert "diverged" in texts(at.warning)
    assert_no_poisoned_points(at)


def test_lr_finder_tab(run_page):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(view="lr_finder", finder_kind="gd"))
    assert not at.exception
    assert "Best learning rate" in texts(at.success)
    assert_no_poisoned_points(at)
