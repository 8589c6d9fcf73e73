"""AppTest of the AlexNet trainer page: defaults and recipes, the link, a tiny run with its results,
runs that belong to their viewer (re-attach with the run's settings; nobody else sees its controls),
and bad input that gives a message instead of a traceback or a started run."""

from __future__ import annotations

import math
import threading

import pytest

from core.jobs import registry
from ui.alexnet_trainer.live_run import LiveRun, smooth
from ui.alexnet_trainer.results import confusion_figure
from ui.alexnet_trainer.state import AlexNetTrainerState, settings_of

PAGE = "pages/alexnet_trainer.py"
ME, OTHER = "browser:alexnet-test-me", "browser:alexnet-test-other"


@pytest.fixture(autouse=True)
def _server_paths(monkeypatch):
    monkeypatch.setenv("STUDIO_ALLOW_SERVER_PATHS", "1")  # AppTest has no bound address


def _finish(owner: str = ME):
    job = registry.get("alexnet", owner)
    if job is not None and not job.finished:
        job.stop()
        job.join(120)


def _open(run_page, owner: str = ME, query: dict | None = None):
    def setup(at):
        at.session_state["_studio_viewer_override"] = owner
        for k, v in (query or {}).items():
            at.query_params[k] = v
    return run_page(PAGE, setup=setup)


def test_defaults_render_with_the_modern_recipe_on_mnist(run_page):
    _finish()
    at = _open(run_page)
    assert not at.exception
    assert at.title[0].value == "AlexNet trainer"
    assert at.sidebar.selectbox(key="alexnet_recipe").value == "modern"
    assert at.sidebar.selectbox(key="alexnet_dataset").value == "mnist"
    assert at.sidebar.slider(key="alexnet_epochs").value == 4
    assert at.sidebar.checkbox(key="alexnet_batchnorm").value is True
    assert at.button(key="alexnet_start").disabled is False
    assert not any(b.key == "alexnet_stop" for b in at.button)  # no run: no job panel


def test_choosing_the_article_recipe_sets_its_values_and_the_link(run_page):
    _finish()
    at = _open(run_page)
    at.sidebar.selectbox(key="alexnet_recipe").set_value("article").run()
    assert not at.exception
    assert at.sidebar.radio(key="alexnet_optimizer").value == "sgd"
    assert at.sidebar.number_input(key="alexnet_lr").value == pytest.approx(0.01)
    assert at.sidebar.select_slider(key="alexnet_hidden").value == 4096
    assert at.sidebar.checkbox(key="alexnet_batchnorm").value is False
    assert at.query_params["recipe"] in ("article", ["article"])
    assert any("stalls" in i.value or "chance" in i.value for i in at.info)


def test_a_link_restores_the_settings_and_reports_bad_values(run_page):
    _finish()
    at = _open(run_page, query={"recipe": "article", "epochs": "0", "optimizer": "lion"})
    assert not at.exception
    assert at.sidebar.selectbox(key="alexnet_recipe").value == "article"
    assert at.sidebar.slider(key="alexnet_epochs").value == 1  # clamped, with a message
    warnings = " ".join(w.value for w in at.warning)
    assert "epochs" in warnings and "optimizer" in warnings


def test_a_tiny_run_trains_in_the_background_and_shows_its_results(run_page):
    _finish()
    at = _open(run_page)
    at.sidebar.selectbox(key="alexnet_dataset").set_value("digits")
    at.sidebar.slider(key="alexnet_epochs").set_value(2)
    at.sidebar.select_slider(key="alexnet_hidden").set_value(256)
    at.sidebar.number_input(key="alexnet_limit").set_value(120)
    at.button(key="alexnet_start").click().run()
    assert not at.exception
    job = registry.get("alexnet", ME)
    assert job is not None and job.owner == ME and job.settings["epochs"] == 2
    assert job.join(240), "the tiny run did not finish"
    assert job.error is None, job.error
    at.run()
    assert not at.exception
    kinds = [e["kind"] for e in job.events]
    assert kinds[0] == "start" and kinds.count("epoch") == 2 and kinds[-1] == "test"
    assert "Test accuracy" in [m.label for m in at.metric]
    assert any(m.label == "Epoch" and m.value == "2/2" for m in at.metric)
    best = job.events[-1]["best_epoch"]
    assert any(m.label == "Best epoch" and m.value == str(best) for m in at.metric)
    shown = next(m.value for m in at.markdown if "Misclassified test images" in m.value)
    drawn = len([img for img in at.get("image") if any("→" in c for c in img.captions)])
    assert f"({drawn} shown of" in shown
    assert at.button(key="alexnet_continue").disabled is False
    assert any(df.value.shape[0] >= 1 for df in at.dataframe)  # the comparison table lists the run
    at.button(key="alexnet_continue").click().run()  # epochs still 2: nothing to continue
    assert any("set Epochs higher" in e.value for e in at.error) and registry.get("alexnet", ME) is job
    at.sidebar.slider(key="alexnet_epochs").set_value(3)
    at.button(key="alexnet_continue").click().run()
    resumed = registry.get("alexnet", ME)
    assert resumed is not job and resumed.join(240) and resumed.error is None, resumed.error
    start = resumed.events[0]
    assert start["resumed_epoch"] == 2 and start["out_dir"] == job.events[0]["out_dir"]
    assert [e["epoch"] for e in resumed.events if e["kind"] == "epoch"] == [3]
    assert resumed.settings["epochs"] == 3 and resumed.settings["hidden"] == 256


def test_confusion_matrix_labels_every_class():
    classes = [str(i) for i in range(10)]
    fig = confusion_figure([[0] * 10] * 10, classes)
    assert list(fig.layout.xaxis.ticktext) == classes and list(fig.layout.yaxis.ticktext) == classes
    assert list(fig.layout.xaxis.tickvals) == list(range(10))


def _blocking_job(owner: str, settings: dict):
    release = threading.Event()

    def target(job):
        while not release.is_set() and job.checkpoint():
            release.wait(0.05)

    job = registry.submit("alexnet", owner, target, settings=settings)
    return job, release


def test_a_reload_shows_the_runs_settings_and_only_its_owner_controls_it(run_page):
    _finish()
    _finish(OTHER)
    settings = settings_of(AlexNetTrainerState(recipe="article", epochs=7, optimizer="sgd", lr=0.01, hidden=4096))
    job, release = _blocking_job(ME, settings)
    try:
        assert job.join(0.5) is False and job.alive
        mine = _open(run_page)  # a fresh session of the same browser: a reload
        assert not mine.exception
        assert mine.sidebar.selectbox(key="alexnet_recipe").value == "article"
        assert mine.sidebar.slider(key="alexnet_epochs").value == 7
        assert mine.sidebar.slider(key="alexnet_epochs").disabled is True
        assert mine.button(key="alexnet_stop").disabled is False
        other = _open(run_page, owner=OTHER)
        assert not other.exception
        assert other.sidebar.slider(key="alexnet_epochs").value == 4  # the defaults, not someone else's run
        assert not any(b.key == "alexnet_stop" for b in other.button)
        assert job.alive
        mine.button(key="alexnet_stop").click().run()
        assert job.join(30) and job.status == "stopped"
    finally:
        release.set()
        job.join(30)


def test_folder_input_errors_give_a_message_and_start_nothing(run_page, tmp_path):
    _finish()
    before = registry.get("alexnet", ME)
    at = _open(run_page)
    at.sidebar.selectbox(key="alexnet_dataset").set_value("folder").run()
    at.button(key="alexnet_start").click().run()
    assert not at.exception
    assert any("path of an image folder" in e.value for e in at.error)
    at.sidebar.text_input(key="alexnet_folder").set_value(str(tmp_path / "absent")).run()
    at.button(key="alexnet_start").click().run()
    assert not at.exception
    assert any("Image folder not found" in e.value for e in at.error)
    assert registry.get("alexnet", ME) is before


def test_a_decompression_bomb_fails_the_run_with_one_line(run_page, tmp_path):
    from tests.test_alexnet_core import bomb_folder

    _finish()
    at = _open(run_page)
    at.sidebar.selectbox(key="alexnet_dataset").set_value("folder").run()
    at.sidebar.text_input(key="alexnet_folder").set_value(str(bomb_folder(tmp_path))).run()
    at.button(key="alexnet_start").click().run()
    job = registry.get("alexnet", ME)
    assert job.join(120) and job.status == "failed"
    assert not [e for e in job.events if e.get("kind") in ("step", "epoch")]
    at.run()
    assert not at.exception
    message = next(e.value for e in at.error if "failed" in e.value)
    assert "bomb" in message and "Traceback" not in message and "\n" not in message


def test_folders_are_not_offered_on_a_shared_server(run_page, monkeypatch):
    monkeypatch.setenv("STUDIO_ALLOW_SERVER_PATHS", "0")
    _finish()
    at = _open(run_page, query={"dataset": "folder"})
    assert not at.exception
    assert "folder" not in at.sidebar.selectbox(key="alexnet_dataset").options
    assert at.sidebar.selectbox(key="alexnet_dataset").value == "mnist"


def test_smoothing_and_live_run_folding():
    assert smooth([1.0, 1.0, 1.0], 0.9) == pytest.approx([1.0, 1.0, 1.0])  # debiased: no warm-up dip
    assert smooth([0.0, 10.0], 0.0) == [0.0, 10.0]
    with pytest.raises(ValueError):
        smooth([1.0], 1.0)
    events = [{"kind": "start", "epochs": 4, "n_train": 100, "history": {"epoch": [1], "val_loss": [2.0],
                                                                        "train_loss": [2.1], "val_acc": [0.2],
                                                                        "lr": [0.01], "step": [5],
                                                                        "step_loss": [2.2], "lr_drops": []}},
              {"kind": "step", "epoch": 2, "step": 10, "batch": 2, "batches": 4, "loss": 1.5, "lr": 0.01,
               "images_per_s": 50.0},
              {"kind": "epoch", "epoch": 2, "epochs": 4, "train_loss": 1.4, "val_loss": 1.6, "val_acc": 0.5,
               "lr": 0.01, "lr_dropped": True, "patience_counter": 0, "patience": 7}]
    run = LiveRun.from_events(events)
    assert run.epochs == [1, 2] and run.steps == [5, 10] and run.lr_drops == [2]
    assert run.progress == pytest.approx(0.5) and run.patience == (0, 7)
    assert run.eta_seconds() == pytest.approx(0.5 * 4 * 100 / 50)
    assert math.isfinite(run.val_loss[-1])
