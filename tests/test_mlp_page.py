"""AppTest of the MLP trainer page: defaults, play/step/reset/reseed, every dataset, extreme and hostile settings."""

import re

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
    assert dict(at.query_params) == {}  # defaults stay out of the address bar
    at.button(key="mlp_play_button").click().run()
    assert at.session_state["mlp_playing"] is True
    epochs = int(_metric(at, "Epoch").replace(",", ""))
    assert epochs > 0
    at.button(key="mlp_play_button").click().run()  # pause
    assert at.session_state["mlp_playing"] is False
    at.button(key="mlp_step_button").click().run()
    assert int(_metric(at, "Epoch").replace(",", "")) == epochs + 1
    at.slider(key="mlp_points").set_value(300).run()
    assert at.query_params["points"] == "300" and _metric(at, "Epoch") == "0" and not at.exception


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
    at.button(key="mlp_step_button").click().run()
    assert _metric(at, "Epoch") == "1" and not at.exception


def test_reset_keeps_the_initial_weights_and_reseed_draws_new_ones(run_page):
    at = run_page(PAGE, setup=_with_params(dataset="xor", hiddens="4", seed="7"))

    def first_weights():
        return at.session_state["mlp_run"].run.coeffs[0][0].detach().clone()

    initial = first_weights()
    at.button(key="mlp_step_button").click().run()
    assert not first_weights().equal(initial)
    at.button(key="mlp_reset_button").click().run()
    assert _metric(at, "Epoch") == "0" and first_weights().equal(initial)  # same seed, same start
    at.button(key="mlp_reseed_button").click().run()
    assert at.session_state["mlp_seed"] == 8 and at.query_params["seed"] == "8"
    assert _metric(at, "Epoch") == "0" and not first_weights().equal(initial) and not at.exception


def test_diverging_run_stops_with_advice(run_page):
    at = run_page(PAGE, setup=_with_params(dataset="plane", features="x1^2,x2^2,x1*x2", hiddens="16,16",
                                           activation="linear", optimizer="gd", lr="10", loss="mse"))
    at.button(key="mlp_play_button").click().run()
    assert not at.exception
    assert at.session_state["mlp_playing"] is False
    message = " ".join(e.value for e in at.error)
    assert "diverged" in message and "learning rate" in message


@pytest.mark.parametrize("dataset", ["gauss", "multi_gauss", "titanic", "breast_cancer", "digits_1_vs_7"])
def test_each_dataset_renders_and_steps(run_page, dataset):
    hiddens = "" if dataset == "digits_1_vs_7" else "4"
    at = run_page(PAGE, setup=_with_params(dataset=dataset, hiddens=hiddens))
    assert not at.exception and not at.error
    at.button(key="mlp_step_button").click().run()
    assert _metric(at, "Epoch") == "1"
    labels = [m.label for m in at.metric]
    if dataset == "multi_gauss":
        assert "Test R²" in labels and "Test RMSE" in labels
    else:
        assert "Test accuracy" in labels
        matrices = [d.value for d in at.dataframe if str(d.value.index[0]).startswith("true ")]
        assert len(matrices) == 1 and matrices[0].to_numpy().sum() > 0  # the test set's confusion matrix


def test_draw_and_csv_start_with_instructions(run_page):
    at = run_page(PAGE, setup=_with_params(dataset="draw"))
    assert not at.exception and any("Click on the plot" in i.value for i in at.info)
    at = run_page(PAGE, setup=_with_params(dataset="csv"))
    assert not at.exception and any("Upload a CSV" in i.value for i in at.info)


def test_gradient_check_and_universal_approximation_tabs(run_page):
    at = run_page(PAGE)
    at.button(key="mlp_gc_run").click().run()
    assert any("Gradients agree" in s.value for s in at.success)
    at.selectbox(key="mlp_ua_preset").set_value("Bump").run()
    assert at.session_state["mlp_ua_k"] == 2 and at.slider(key="mlp_ua_w0").value == 4.0
    assert not at.exception


def test_play_pauses_by_itself_at_the_stop_epoch(run_page):
    at = run_page(PAGE, setup=_with_params(dataset="xor", hiddens="4", stop_at="7"))
    at.button(key="mlp_play_button").click().run()
    for _ in range(50):  # each run is one live frame of at most BUDGET seconds: a busy machine needs several
        if not at.session_state["mlp_playing"]:
            break
        at.run()
    assert _metric(at, "Epoch") == "7" and at.session_state["mlp_playing"] is False


def test_no_features_falls_back_with_a_warning(run_page):
    at = run_page(PAGE)
    at.multiselect(key="mlp_features").set_value([]).run()
    assert not at.exception and any("at least one input feature" in w.value for w in at.warning)
    assert _metric(at, "Parameters") == "105"


def test_regenerate_draws_a_new_sample_and_a_fresh_network(run_page):
    at = run_page(PAGE, setup=_with_params(dataset="gauss", noise="0.3"))
    at.button(key="mlp_step_button").click().run()
    before = at.session_state["mlp_table"][1].x_train.clone()
    at.button(key="mlp_regenerate").click().run()
    assert at.query_params["data_seed"] == "1" and _metric(at, "Epoch") == "0"
    assert not at.session_state["mlp_table"][1].x_train.equal(before)


def test_hostile_column_names_are_shown_literally(run_page):
    """Column names from a file are text, never Markdown: bold, emphasis or a colour directive stay visible."""
    rows = "".join(f"{i},{'ab'[i % 2]},{i % 3},{int(i % 4 > 1)}\n" for i in range(40))
    data = ("**x**,:red[z],__w__,__y__\n" + rows).encode()
    at = run_page(PAGE, setup=_with_params(dataset="csv"))
    at.file_uploader(key="mlp_csv_file").set_value(("hostile.csv", data, "text/csv")).run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert r"Text column \'\:red\[z\]\' one\-hot encoded" in captions
    assert at.selectbox(key="mlp_csv_target").options[-1] == "__y__"  # options are plain text already
    at.button(key="mlp_step_button").click().run()
    assert _metric(at, "Epoch") == "1"
    network = " ".join(m.value for m in at.markdown if "mlp-network" in m.value)
    assert "**x**" in network and ":red[z]_a" in network  # SVG text: XML-escaped, no Markdown involved
    at.selectbox(key="mlp_csv_target").set_value(":red[z]").run()
    assert r"The target column \'\:red\[z\]\' is not numeric" in " ".join(e.value for e in at.error)
    at.selectbox(key="mlp_csv_target").set_value("**x**").run()
    at.radio(key="mlp_csv_task").set_value("classification").run()
    assert r"The target \'\*\*x\*\*\' has 40 distinct values" in " ".join(e.value for e in at.error)
    assert not at.exception


# Keys under the page's prefix that are not fields of `MLPTrainerState`: PageState's own flags, the
# layer inputs that edit ``hiddens``, Playback, the caches built from the state, and widgets that
# hold no value worth keeping (buttons, the uploader, charts). ui/mlp_trainer/state.py lists them.
NOT_FIELDS = re.compile(r"mlp_(_state_loaded|_link_messages|layers|n[0-7]|playing|[a-z]+_button|regenerate|run|"
                        r"table|csv|step_token|csv_file|gc_run|export_(json|pt|py)|ua_chart|boundary|loss_chart|"
                        r"draw_(undo|clear|canvas_\d+))")


def test_the_page_keeps_its_state_in_one_dataclass_under_one_prefix(run_page):
    """Issue #11: every value the page keeps is a field of the one state dataclass, under ``mlp_``;
    a widget added with a loose key (the page once had eight prefixes) fails here."""
    from ui.mlp_trainer.state import STATE

    fields = {STATE.key(name) for name in STATE.names}
    seen: set[str] = set()
    at = run_page(PAGE)
    at.button(key="mlp_step_button").click().run()
    at.selectbox(key="mlp_ua_preset").set_value("Staircase").run()
    seen |= set(at.session_state.keys())
    for dataset in ("draw", "csv"):
        at = run_page(PAGE, setup=_with_params(dataset=dataset))
        if dataset == "csv":
            at.file_uploader(key="mlp_csv_file").set_value(("t.csv", b"a,b,y\n" + b"1,2,0\n3,4,1\n" * 10,
                                                            "text/csv")).run()
            assert at.selectbox(key="mlp_csv_target").value == "y"  # a new file: its last column
        seen |= set(at.session_state.keys())
    assert not at.exception
    ours = {k for k in seen if not k.startswith("_studio")}  # those belong to the shared ui modules
    loose = sorted(k for k in ours - fields if not NOT_FIELDS.fullmatch(k))
    assert loose == [], f"session keys outside MLPTrainerState: {loose}"
    assert {STATE.key("ua_w2"), STATE.key("csv_target"), STATE.key("draw_label"), STATE.key("show_test")} <= ours
