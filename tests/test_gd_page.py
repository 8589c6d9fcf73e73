"""AppTest of the gradient-descent page at default and extreme settings."""

import base64
import json

import numpy as np
import pytest

PAGE = "pages/gradient_descent.py"


def charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def decode(values):
    """Plotly sends arrays either as lists or as base64 'bdata' with a dtype."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).astype(float)
    return np.asarray(values, dtype=float)


def assert_no_poisoned_points(at):
    """Every drawn point (lines, markers, 3-D paths) is a real number: diverged steps are dropped."""
    for spec in charts(at):
        for trace in spec["data"]:
            if trace.get("type", "scatter") in ("scatter", "scatter3d"):
                for axis in ("x", "y", "z"):
                    if axis in trace:
                        assert np.isfinite(decode(trace[axis])).all(), trace.get("name")


def texts(elements):
    return " | ".join(e.value for e in elements)


def test_defaults_render_every_view(run_page):
    at = run_page(PAGE)
    assert not at.exception
    titles = [json.loads(c.proto.spec)["layout"].get("xaxis", {}).get("title", {}).get("text") for c in at.get("plotly_chart")]
    assert len(titles) >= 8, titles  # 1-D, contour, 3-D, loss, 2 batch charts, data, LR finder
    assert "weight w" in titles and "step" in titles and "learning rate" in titles
    assert "Converging" in texts(at.success)
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == ["Gradient descent", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"]
    assert set(table["diverged"]) == {"no"}
    assert at.query_params["surface"] == "rosenbrock"
    assert_no_poisoned_points(at)


def test_learning_rate_ten_diverges_loudly_but_cleanly(run_page):
    at = run_page(PAGE)
    at.select_slider(key="gd_lr_1d").set_value(10.0).run()
    assert not at.exception
    assert "Diverging" in texts(at.error)
    for kind in ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"):
        at.select_slider(key=f"gd_lr_{kind}").set_value(10.0)
    at.run()
    assert not at.exception
    warnings = texts(at.warning)
    for name in ("Gradient descent", "Momentum", "Nesterov"):
        assert f"**{name}** diverged at step" in warnings
    table = at.dataframe[0].value
    assert table.loc[table["optimizer"] == "Gradient descent", "diverged"].item().startswith("at step")
    assert len(at.get("plotly_chart")) >= 8
    assert_no_poisoned_points(at)
    assert at.query_params["lr_gd"] == "10.0"


def test_extreme_surface_settings(run_page):
    at = run_page(PAGE)
    at.selectbox(key="gd_surface").select("quadratic").run()
    at.select_slider(key="gd_condition").set_value(1000.0)
    at.slider(key="gd_steps").set_value(2000)
    at.number_input(key="gd_start_x").set_value(100.0)
    at.select_slider(key="gd_lr_1d").set_value(1e-4)
    at.run()
    assert not at.exception
    assert "Converging slowly" in texts(at.info)
    assert at.session_state["gd_play_step"] == 2000
    assert_no_poisoned_points(at)


@pytest.mark.parametrize("surface", ["beale", "himmelblau", "saddle"])
def test_each_surface_races(run_page, surface):
    at = run_page(PAGE, setup=lambda a: a.query_params.update(surface=surface, optimizers="gd,adam", steps="100"))
    assert not at.exception
    assert at.selectbox(key="gd_surface").value == surface
    assert len(at.dataframe[0].value) == 2
    assert_no_poisoned_points(at)


@pytest.mark.parametrize("text, reason", [
    ("__import__('os')", "not allowed"),
    ("x.__class__", "attribute access"),
    ("(lambda: 1)()", "only the listed functions"),
    ("9**9**9**9", "powers of powers"),
])
def test_hostile_formula_is_refused_with_a_message(run_page, text, reason):
    at = run_page(PAGE)
    at.selectbox(key="gd_surface").select("custom").run()
    at.text_input(key="gd_expression").input(text).run()
    assert not at.exception
    refused = [e.value for e in at.error if "Your formula was refused" in e.value]
    assert refused and reason in refused[0]


def test_custom_formula_races_with_autograd(run_page):
    at = run_page(PAGE)
    at.selectbox(key="gd_surface").select("custom").run()
    at.text_input(key="gd_expression").input("(x - 1)**2 + 3*(y + 0.5)**2").run()
    assert not at.exception
    assert not [e for e in at.error if "refused" in e.value]
    table = at.dataframe[0].value
    assert table.loc[table["optimizer"] == "Adam", "final loss"].item() < 1e-3


def test_link_state_is_restored_and_bad_values_reported(run_page):
    def setup(at):
        at.query_params.update(surface="himmelblau", optimizers="adam,rmsprop", lr_adam="0.3", lr_1d="1e9",
                               steps="many", start_x="2.0", start_y="-1.0")
    at = run_page(PAGE, setup=setup)
    assert not at.exception
    assert at.multiselect(key="gd_optimizers").value == ["rmsprop", "adam"]
    assert at.select_slider(key="gd_lr_adam").value == 0.3
    assert at.select_slider(key="gd_lr_1d").value == 10.0  # clamped to the slider's top
    messages = texts(at.warning)
    assert "lr_1d was out of range" in messages and "Ignored steps='many'" in messages
    assert at.number_input(key="gd_start_x").value == 2.0


def test_surface_change_moves_the_start_and_lrs(run_page):
    at = run_page(PAGE)
    at.selectbox(key="gd_surface").select("beale").run()
    assert (at.number_input(key="gd_start_x").value, at.number_input(key="gd_start_y").value) == (1.0, 1.4)
    assert at.select_slider(key="gd_lr_gd").value == 0.001


def test_playback_buttons(run_page):
    at = run_page(PAGE)
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
    assert not at.exception


def test_batch_size_and_lr_finder_tabs(run_page):
    at = run_page(PAGE)
    at.select_slider(key="gd_batch_size").set_value(1)
    at.selectbox(key="gd_finder_kind").select("gd")
    at.run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Normal equations" in labels and any(l.startswith("Batch 1 (200 updates/epoch)") for l in labels)
    assert "Best learning rate" in texts(at.success)
    at.select_slider(key="gd_reg_lr").set_value(2.0).run()
    assert not at.exception
    assert "diverged" in texts(at.warning)
    assert_no_poisoned_points(at)
