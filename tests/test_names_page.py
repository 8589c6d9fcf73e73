"""AppTest of the bigram-names page: counts, smoothing, scorer, sampling, background training
through `ui.jobs` (kept for the viewer, stop, re-attach after a reload), the diagnostics tab and
URL state."""

from __future__ import annotations

import time

import pytest

from core.jobs import registry
from core.names.corpus import Corpus
from core.names.data import default_words
from core.names.sampling import sample_names
from ui.session import VIEWER_OVERRIDE

PAGE = "pages/bigram_names.py"


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def _frame(at, column):
    """The first table on the page with this column (AppTest does not expose dataframe keys)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _as(viewer):
    def setup(at):
        at.session_state[VIEWER_OVERRIDE] = viewer
    return setup


def _wait_for_job(area, viewer, timeout=120):
    job = registry.get(area, viewer)
    assert job is not None, f"no {area} job for {viewer}"
    assert job.join(timeout), f"{area} training did not finish"
    assert job.error is None, job.error
    return job


def test_counts_tab_smoothing_and_scorer(run_page):
    at = run_page(PAGE, timeout=120)
    assert not at.exception
    assert _metric(at, "Vocabulary").startswith("27")
    assert float(_metric(at, "All words (makemore's figure)")) == pytest.approx(2.454, abs=0.01)
    add1_train = float(_metric(at, "Train NLL"))
    add1_dev = float(_metric(at, "Dev NLL"))

    at.slider(key="names_smoothing").set_value(0.0).run()
    assert float(_metric(at, "Train NLL")) < add1_train  # no smoothing fits the training words best
    at.slider(key="names_smoothing").set_value(10.0).run()
    assert float(_metric(at, "Dev NLL")) > add1_dev  # heavy smoothing flattens the rows

    at.text_input(key="names_score").input("anna").run()
    assert any("Log-likelihood" in m.value for m in at.markdown)
    at.text_input(key="names_score").input("zoë*").run()
    warning = next(w.value for w in at.warning if "vocabulary" in w.value)
    assert "\\*" in warning  # the typed characters are shown literally, escaped
    at.selectbox(key="names_row").set_value("q").run()
    assert at.selectbox(key="names_row").value == "q" and at.query_params["row"] in ("q", ["q"])
    assert not at.exception


def test_sampling_is_seeded_and_matches_the_library(run_page):
    at = run_page(PAGE, timeout=120)
    at.number_input(key="names_n").set_value(12).run()
    at.number_input(key="names_seed").set_value(5).run()
    table = _frame(at, "name")
    assert len(table) == 12
    corpus = Corpus(default_words())
    expected = sample_names(corpus.counts_model(1.0), n=12, seed=5, training_words=corpus.train_set)
    assert list(table["name"]) == [s.name or "(empty)" for s in expected]
    assert list(table[""]) == ["in training set" if s.in_training_set else "new" for s in expected]
    at.run()  # a rerun gives the same names
    assert list(_frame(at, "name")["name"]) == list(table["name"])
    steps = _frame(at, "drew")
    assert steps["drew"].iloc[-1] == "."


def test_background_training_is_kept_for_the_viewer(run_page):
    viewer = "browser:names-page-train"
    at = run_page(PAGE, timeout=120, setup=_as(viewer))
    at.number_input(key="names_bigram_steps").set_value(200).run()
    at.button(key="names_train_bigram").click().run()
    bigram = _wait_for_job("names-bigram", viewer)
    assert bigram.settings["bigram_steps"] == 200 and bigram.heavy and bigram.owner == viewer
    at.run()  # the job panel sees the finished job once and reruns the page
    assert float(_metric(at, "Neural dev NLL")) < 2.6

    at.number_input(key="names_mlp_steps").set_value(400).run()
    at.number_input(key="names_n_hidden").set_value(32).run()
    at.button(key="names_train_mlp").click().run()
    job = _wait_for_job("names-mlp", viewer)
    at.run()
    trained = job.result
    assert trained.model.config.n_hidden == 32 and trained.result.steps_done == 400
    assert [e for e in job.events if "steps_per_s" in e][-1]["step"] == 400
    assert any("diagnostics" in e for e in job.events)  # recorded by default
    options = at.selectbox(key="names_sample_model").options
    assert len(options) == 3 and any("Neural bigram" in o for o in options) and any("MLP" in o for o in options)
    at.selectbox(key="names_sample_model").set_value("mlp").run()
    assert len(_frame(at, "name")) == 20
    models = list(_frame(at, "note")["model"])
    assert "Neural bigram" in models and any(m.startswith("MLP, context 3, emb 10, 32 units") for m in models)
    at.run()  # a rerun does not retrain: the model is the finished job's
    assert registry.get("names-mlp", viewer) is job and job.result is trained
    assert not at.exception


def test_stop_and_reattach_after_a_reload(run_page):
    viewer = "browser:names-page-reattach"
    at = run_page(PAGE, timeout=120, setup=_as(viewer))
    at.number_input(key="names_mlp_steps").set_value(400_000).run()
    at.number_input(key="names_n_hidden").set_value(48).run()
    at.button(key="names_train_mlp").click().run()
    job = registry.get("names-mlp", viewer)
    try:
        # a reload is a new session of the same viewer: the running job's settings, not the defaults
        again = run_page(PAGE, timeout=120, setup=_as(viewer))
        assert again.number_input(key="names_n_hidden").value == 48
        assert again.number_input(key="names_mlp_steps").value == 400_000
        # someone else sees the defaults and no controls for this job
        other = run_page(PAGE, timeout=120, setup=_as("browser:names-page-someone-else"))
        assert other.number_input(key="names_n_hidden").value == 200
        assert not [b for b in other.button if b.key == "names_mlp_job_stop"]
        time.sleep(1.0)
        again.button(key="names_mlp_job_stop").click().run()
        assert job.join(60)
        assert job.status == "stopped" and job.result.result.steps_done < 400_000
    finally:
        job.stop()
        job.join(60)


def test_diagnostics_tab_reacts_to_the_switches_and_shows_a_run(run_page):
    viewer = "browser:names-page-diagnostics"
    at = run_page(PAGE, timeout=120, setup=_as(viewer))
    first = float(_metric(at, "First loss"))
    saturated = float(_metric(at, "tanh 1: saturated").rstrip("%"))
    assert abs(first - 3.296) < 0.15 and saturated < 30  # Kaiming init: near ln 27, few saturated units
    at.selectbox(key="names_init__diag").set_value("randn").run()
    assert at.selectbox(key="names_init").value == "randn"  # the Train tab's widget follows
    assert float(_metric(at, "First loss")) > 10
    randn_saturated = float(_metric(at, "tanh 1: saturated").rstrip("%"))
    assert randn_saturated > 60
    at.toggle(key="names_batchnorm__diag").set_value(True).run()
    assert at.toggle(key="names_batchnorm").value is True
    assert float(_metric(at, "tanh 1: saturated").rstrip("%")) < randn_saturated / 2
    at.number_input(key="names_n_layers__diag").set_value(3).run()
    assert {"tanh 1: saturated", "tanh 2: saturated", "tanh 3: saturated"} <= {m.label for m in at.metric}

    assert any("Record diagnostics" in i.value for i in at.info)  # nothing recorded yet
    at.number_input(key="names_mlp_steps").set_value(600).run()
    at.button(key="names_train_mlp").click().run()
    _wait_for_job("names-mlp", viewer)
    at.run()
    assert any("recorded steps" in c.value for c in at.caption)
    steps = at.select_slider(key="names_diag_step")
    assert steps.value == 599  # the last recorded step
    steps.set_value(0).run()
    assert any(c.value.startswith("Step 0 ") for c in at.caption)
    at.segmented_control(key="names_diag_model").set_value("wavenet").run()
    assert {"tanh 1: saturated", "tanh 2: saturated", "tanh 3: saturated"} <= {m.label for m in at.metric}
    assert not at.exception


def test_url_state_round_trip_and_bad_values(run_page):
    def setup(at):
        at.query_params["temperature"] = "99"  # clamped to the slider's 3.0
        at.query_params["seed"] = "abc"  # not a number: default 42
        at.query_params["smoothing"] = "0.5"
        at.query_params["row"] = "q"
        at.query_params["batchnorm"] = "1"
        at.query_params["wn_block_size"] = "6"  # not a power of two: the default 8
    at = run_page(PAGE, timeout=120, setup=setup)
    assert not at.exception
    assert at.slider(key="names_temperature").value == 3.0
    assert at.number_input(key="names_seed").value == 42
    assert at.slider(key="names_smoothing").value == 0.5
    assert at.selectbox(key="names_row").value == "q"
    assert at.toggle(key="names_batchnorm").value is True
    assert at.selectbox(key="names_wn_block_size").value == 8
    assert any("wn_block_size" in w.value.replace("\\", "") for w in at.warning)  # the link's problem, escaped
    assert at.query_params["smoothing"] in ("0.5", ["0.5"])  # kept in the link
    assert "n" not in at.query_params  # defaults stay out of it
