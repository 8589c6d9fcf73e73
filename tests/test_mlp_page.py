"""AppTest of the MLP trainer page: defaults, play/step/reset, every dataset, extreme and hostile settings."""

import pytest
from core.mlp import single_thread

PAGE = "pages/mlp_trainer.py"


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny tensors run fastest on one thread (and do not fight other processes for cores)."""
    with single_thread():
        yield


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def _with_params(**params):
    def setup(at):
        for k, v in params.items():
            at.query_params[k] = v
    return setup


def test_default_page_trains_when_played_and_mirrors_the_url(run_page):
    at = run_page(PAGE)
    assert not at.exception and not at.error
    assert _metric(at, "Epoch") == "0" and _metric(at, "Parameters") == "105"  # 2-8-8-1
    assert at.query_params["dataset"] == "spiral" and at.query_params["hiddens"] == "8,8"
    at.button(key="mlpb_play").click().run()
    assert at.session_state["mlpo_playing"] is True
    epochs = int(_metric(at, "Epoch").replace(",", ""))
    assert epochs > 0
    at.button(key="mlpb_play").click().run()  # pause
    assert at.session_state["mlpo_playing"] is False
    at.button(key="mlpb_step").click().run()
    assert int(_metric(at, "Epoch").replace(",", "")) == epochs + 1
    at.button(key="mlpb_reset").click().run()
    assert _metric(at, "Epoch") == "0" and not at.exception


def test_changing_the_network_rebuilds_it_and_updates_the_url(run_page):
    at = run_page(PAGE)
    at.number_input(key="mlp_layers").set_value(3).run()
    at.number_input(key="mlp_n2").set_value(5).run()
    assert at.query_params["hiddens"] == "8,8,5"
    assert _metric(at, "Parameters") == str(2 * 8 + 8 + 8 * 8 + 8 + 8 * 5 + 5 + 5 + 1)
    at.selectbox(key="mlp_dataset").set_value("xor").run()
    assert at.query_params["dataset"] == "xor" and not at.exception


def test_link_restores_a_configuration_and_reports_bad_values(run_page):
    at = run_page(PAGE, setup=_with_params(dataset="circle", hiddens="3", lr="0.3", optimizer="momentum",
                                           activation="bogus", points="999999"))
    assert not at.exception
    assert at.session_state["mlp_dataset"] == "circle" and at.session_state["mlp_optimizer"] == "momentum"
    assert _metric(at, "Parameters") == str(2 * 3 + 3 + 3 + 1)
    warnings = " ".join(w.value for w in at.warning)
    assert "activation" in warnings and "points" in warnings


def test_extreme_network_runs(run_page):
    at = run_page(PAGE, setup=_with_params(hiddens=",".join(["64"] * 8), activation="relu", batch="1",
                                           features="x1,x2,x1^2,x2^2,x1*x2,sin(x1),sin(x2)", points="200"))
    assert not at.exception
    assert _metric(at, "Parameters") == f"{7 * 64 + 64 + 7 * (64 * 64 + 64) + 64 + 1:,}"
    at.button(key="mlpb_step").click().run()
    assert _metric(at, "Epoch") == "1" and not at.exception


def test_diverging_run_stops_with_advice(run_page):
    at = run_page(PAGE, setup=_with_params(dataset="plane", features="x1^2,x2^2,x1*x2", hiddens="16,16",
                                           activation="linear", optimizer="gd", lr="10", loss="mse"))
    at.button(key="mlpb_play").click().run()
    assert not at.exception
    assert at.session_state["mlpo_playing"] is False
    message = " ".join(e.value for e in at.error)
    assert "diverged" in message and "learning rate" in message


@pytest.mark.parametrize("dataset", ["gauss", "multi_gauss", "titanic", "breast_cancer", "digits_1_vs_7"])
def test_each_dataset_renders_and_steps(run_page, dataset):
    hiddens = "" if dataset == "digits_1_vs_7" else "4"
    at = run_page(PAGE, setup=_with_params(dataset=dataset, hiddens=hiddens))
    assert not at.exception and not at.error
    at.button(key="mlpb_step").click().run()
    assert _metric(at, "Epoch") == "1"
    if dataset == "multi_gauss":
        assert "R²" in " ".join(m.label for m in at.metric)


def test_draw_and_csv_start_with_instructions(run_page):
    at = run_page(PAGE, setup=_with_params(dataset="draw"))
    assert not at.exception and any("Click on the plot" in i.value for i in at.info)
    at = run_page(PAGE, setup=_with_params(dataset="csv"))
    assert not at.exception and any("Upload a CSV" in i.value for i in at.info)


def test_gradient_check_and_universal_approximation_tabs(run_page):
    at = run_page(PAGE)
    at.button(key="mlpg_run").click().run()
    assert any("Gradients agree" in s.value for s in at.success)
    at.selectbox(key="mlpa_preset").set_value("Bump").run()
    assert at.session_state["mlpa_k"] == 2 and at.slider(key="mlpa_w0").value == 4.0
    assert not at.exception


def test_play_pauses_by_itself_at_the_stop_epoch(run_page):
    at = run_page(PAGE, setup=_with_params(dataset="xor", hiddens="4", stop_at="7"))
    at.button(key="mlpb_play").click().run()
    assert _metric(at, "Epoch") == "7" and at.session_state["mlpo_playing"] is False


def test_no_features_falls_back_with_a_warning(run_page):
    at = run_page(PAGE)
    at.multiselect(key="mlp_features").set_value([]).run()
    assert not at.exception and any("at least one input feature" in w.value for w in at.warning)
    assert _metric(at, "Parameters") == "105"


def test_regenerate_draws_a_new_sample_and_a_fresh_network(run_page):
    at = run_page(PAGE, setup=_with_params(dataset="gauss", noise="0.3"))
    at.button(key="mlpb_step").click().run()
    before = at.session_state["mlpo_table"].x_train.clone()
    at.button(key="mlpb_regenerate").click().run()
    assert at.query_params["data_seed"] == "1" and _metric(at, "Epoch") == "0"
    assert not at.session_state["mlpo_table"].x_train.equal(before)
