"""AppTest of the bigram-names page: counts, smoothing, scorer, sampling, background training."""

from __future__ import annotations

import time

import pytest

from core.names.corpus import Corpus
from core.names.data import default_words
from core.names.sampling import sample_names

PAGE = "pages/bigram_names.py"


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def _frame(at, column):
    """The first table on the page with this column (AppTest does not expose dataframe keys)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _wait_for_job(at, kind, timeout=120):
    job = at.session_state["names_jobs"][kind]
    assert job.join(timeout), f"{kind} training did not finish"
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

    at.text_input(key="names_score_text").input("anna").run()
    assert any("Log-likelihood" in m.value for m in at.markdown)
    at.text_input(key="names_score_text").input("zoë").run()
    assert any("vocabulary" in w.value for w in at.warning)
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


def test_background_training_keeps_models_for_the_session(run_page):
    at = run_page(PAGE, timeout=120)
    at.number_input(key="names_bg_steps").set_value(200).run()
    at.button(key="names_start_bigram").click().run()
    _wait_for_job(at, "bigram")
    at.run()  # the polling panel sees the finished job and keeps the model
    at.run()
    assert "bigram" in at.session_state["names_trained"]
    assert float(_metric(at, "Neural dev NLL")) < 2.6

    at.number_input(key="names_mlp_steps").set_value(400).run()
    at.number_input(key="names_hidden").set_value(32).run()
    at.button(key="names_start_mlp").click().run()
    job = _wait_for_job(at, "mlp")
    at.run()
    at.run()
    trained = at.session_state["names_trained"]["mlp"]
    assert trained.model.config.n_hidden == 32 and trained.result.steps_done == 400
    assert job.events[-1]["step"] == 400
    options = at.selectbox(key="names_sample_model").options
    assert any("Neural bigram" in o for o in options) and any("MLP" in o for o in options)
    at.selectbox(key="names_sample_model").select(next(o for o in options if "MLP" in o)).run()
    assert len(_frame(at, "name")) == 20
    models = list(_frame(at, "source")["model"])
    assert "Neural bigram" in models and any(m.startswith("MLP, block 3, emb 10, 32 tanh") for m in models)
    # a rerun does not retrain: the same objects are kept
    at.run()
    assert at.session_state["names_trained"]["mlp"] is trained
    assert not at.exception


def test_stop_button_stops_a_long_run(run_page):
    at = run_page(PAGE, timeout=120)
    at.number_input(key="names_mlp_steps").set_value(400_000).run()
    at.button(key="names_start_mlp").click().run()
    time.sleep(1.0)
    at.button(key="names_stop_mlp").click().run()
    job = at.session_state["names_jobs"]["mlp"]
    assert job.join(60)
    assert job.status == "stopped" and job.result.result.steps_done < 400_000


def test_url_state_round_trip_and_bad_values(run_page):
    def setup(at):
        at.query_params["temperature"] = "99"  # clamped to the slider's 3.0
        at.query_params["seed"] = "abc"  # not a number: default 42
        at.query_params["smoothing"] = "0.5"
        at.query_params["row"] = "q"
    at = run_page(PAGE, timeout=120, setup=setup)
    assert not at.exception
    assert at.slider(key="names_temperature").value == 3.0
    assert at.number_input(key="names_seed").value == 42
    assert at.slider(key="names_smoothing").value == 0.5
    assert at.selectbox(key="names_row").value == 17  # '.', a..q: the row of 'q'
    assert at.query_params["smoothing"] in ("0.5", ["0.5"])  # kept in the link
    assert "n" not in at.query_params  # defaults stay out of it
