"""AppTest of the AlexNet trainer page: defaults render, a tiny run trains in the background and
its results appear, and bad input gives a message instead of a traceback."""

from __future__ import annotations

from core.jobs import registry

PAGE = "pages/alexnet_trainer.py"


def _finish_previous():
    job = registry.get("alexnet")
    if job is not None and not job.finished:
        job.stop()
        job.join(120)


def test_page_renders_its_controls_without_errors(run_page):
    _finish_previous()
    at = run_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "AlexNet trainer"
    assert at.sidebar.selectbox(key="alexnet_dataset").value == "digits"
    assert at.sidebar.slider(key="alexnet_epochs").value == 8
    assert at.button(key="alexnet_start").disabled is False
    assert at.button(key="alexnet_stop").disabled is True


def test_start_trains_in_background_and_shows_results(run_page):
    _finish_previous()
    at = run_page(PAGE)
    at.sidebar.slider(key="alexnet_epochs").set_value(1)
    at.sidebar.select_slider(key="alexnet_hidden").set_value(256)
    at.sidebar.number_input(key="alexnet_limit").set_value(120)
    at.button(key="alexnet_start").click().run()
    assert not at.exception
    job = registry.get("alexnet")
    assert job is not None
    assert job.join(240), "the tiny run did not finish"
    assert job.error is None, job.error
    at.run()
    assert not at.exception
    kinds = [e["kind"] for e in job.events]
    assert kinds[0] == "start" and "epoch" in kinds and kinds[-1] == "test"
    labels = [m.label for m in at.metric]
    assert "Test accuracy" in labels
    assert any(m.label == "Epoch" and m.value == "1/1" for m in at.metric), [(m.label, m.value) for m in at.metric]


def test_folder_without_a_path_is_refused_with_a_message(run_page):
    _finish_previous()
    before = registry.get("alexnet")
    at = run_page(PAGE)
    at.sidebar.selectbox(key="alexnet_dataset").set_value("folder").run()
    at.button(key="alexnet_start").click().run()
    assert not at.exception
    assert any("path of an image folder" in e.value for e in at.error)
    assert registry.get("alexnet") is before


def test_missing_folder_fails_the_job_with_a_clear_message(run_page, tmp_path):
    _finish_previous()
    at = run_page(PAGE)
    at.sidebar.selectbox(key="alexnet_dataset").set_value("folder").run()
    at.sidebar.text_input(key="alexnet_folder").set_value(str(tmp_path / "absent")).run()
    at.button(key="alexnet_start").click().run()
    job = registry.get("alexnet")
    assert job.join(120)
    at.run()
    assert not at.exception
    assert any("Image folder not found" in e.value for e in at.error)
