"""AppTest of the shell: app.py navigation and the Home page's device panel."""

from ui.catalogue import PAGES


def test_app_runs_and_home_shows_the_cpu(run_page):
    at = run_page("app.py")
    assert not at.exception
    assert at.title[0].value == "Deep-learning studio"
    box = at.selectbox(key="home_device_choice")
    assert "cpu" in box.options and box.value == "auto"
    frame = at.dataframe[0].value
    assert "cpu" in set(frame["device"])
    assert any(m.value == "cpu" for m in at.metric)


def test_device_override_and_measure(run_page):
    at = run_page("app.py")
    at.selectbox(key="home_device_choice").select("cpu").run()
    assert at.session_state["device_preference"] == "cpu"
    at.select_slider[0].set_value(256).run()
    at.button[0].click().run()
    assert not at.exception
    assert any("GFLOP/s on cpu" in s.value for s in at.success)


def test_cards_link_only_to_pages_that_exist(run_page):
    at = run_page("app.py")
    built = [p for p in PAGES if p.exists]
    assert len(at.get("page_link")) == len(built)
    assert sum("Not built yet" in c.value for c in at.caption) == len(PAGES) - len(built)
