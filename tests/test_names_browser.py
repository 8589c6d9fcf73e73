"""Browser tests of the bigram-names page: the heatmap (labelled cells, a click selects a row),
sampling, background training, and the Diagnostics tab after a short run."""

from __future__ import annotations

import re

import pytest

from core.names.corpus import Corpus
from core.names.data import default_words
from core.names.sampling import trace_sample
from tests.browser import open_page, screenshot, wait_until_idle

pytestmark = pytest.mark.browser


def _plot_texts(page) -> list[str]:
    return page.locator(".js-plotly-plot svg text").all_text_contents()


def test_heatmap_click_selects_a_row_and_sampling(browser_page):
    page = browser_page
    open_page(page, "bigram_names", timeout=120)
    page.get_by_text("Word list: US baby names").wait_for()
    page.locator(".js-plotly-plot").first.wait_for(timeout=90_000)
    page.set_viewport_size({"width": 1400, "height": 1500})
    page.wait_for_timeout(1000)
    texts = _plot_texts(page)
    # the classic figure: each of the 27x27 cells shows its bigram and count
    assert sum(t[:2] in ("em", "..", "a.", ".a") for t in texts) >= 4
    assert len([t for t in texts if len(t) >= 3 and t[2:].isdigit()]) >= 27 * 27
    screenshot(page, "names", full_page=False)

    # a click on a cell of row 'e' (row 5 of 27, '.' first) selects that row's distribution
    area = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
    page.mouse.move(area["x"] + area["width"] * 1.5 / 27, area["y"] + area["height"] * 5.5 / 27)
    page.mouse.click(area["x"] + area["width"] * 1.5 / 27, area["y"] + area["height"] * 5.5 / 27)
    wait_until_idle(page)
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot svg text')]"
                           ".some(t => t.textContent.startsWith(\"P(next | 'e')\"))", timeout=30_000)
    assert "'e'" in page.get_by_role("combobox", name="Next-character distribution after").inner_text() + \
        page.get_by_role("combobox", name="Next-character distribution after").input_value()

    page.get_by_role("tab", name="Sample").click()
    wait_until_idle(page)
    seed = page.get_by_label("Seed")
    seed.fill("7")
    seed.press("Enter")
    wait_until_idle(page)
    corpus = Corpus(default_words())
    name, _ = trace_sample(corpus.counts_model(1.0), seed=7)
    page.get_by_text(f"With seed 7 the model writes {name}").wait_for()
    page.get_by_text("sampled names are new").wait_for()
    screenshot(page, "names_sample", full_page=False)


def _saturation(page) -> float:
    metric = page.get_by_test_id("stMetric").filter(has_text="tanh 1: saturated").first
    return float(re.search(r"([\d.]+)%", metric.inner_text()).group(1))


def test_training_then_diagnostics_after_a_short_run(browser_page):
    page = browser_page
    open_page(page, "bigram_names", timeout=120)
    page.locator(".js-plotly-plot").first.wait_for(timeout=90_000)
    page.get_by_role("tab", name="Train", exact=True).click(timeout=60_000)
    wait_until_idle(page)
    page.get_by_role("button", name="Train").first.click()  # the neural bigram (first sub-tab)
    # the polling fragment notices the finished job and the page shows the result
    page.get_by_text("Neural train NLL").wait_for(timeout=90_000)
    page.get_by_text("Largest |ΔP|").wait_for()
    screenshot(page, "names_train", full_page=False)

    page.get_by_role("tab", name="MLP", exact=True).click()
    steps = page.get_by_role("spinbutton", name="Steps")
    steps.fill("600")
    steps.press("Enter")
    wait_until_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("tab", name="Diagnostics", exact=True).click()
    # while it runs, then once it finished: the update ratios and the layer figures of the run
    page.get_by_text(re.compile(r"\d+ recorded steps")).wait_for(timeout=120_000)
    page.get_by_text(re.compile(r"\(done\), \d+ recorded steps")).wait_for(timeout=120_000)
    wait_until_idle(page)
    titles = _plot_texts(page)
    assert any(t.startswith("Update-to-data ratio") for t in titles)
    assert any(t.startswith("Saturated tanh outputs") for t in titles)
    assert "1e-3 guide" in titles
    screenshot(page, "names_diagnostics", full_page=True)

    kaiming = _saturation(page)
    page.get_by_role("combobox", name="Initialisation").click()
    page.get_by_role("option", name="plain randn").click()
    wait_until_idle(page)
    page.get_by_text(re.compile(r"First loss")).first.wait_for()
    randn = _saturation(page)
    assert randn > kaiming + 30  # plain randn saturates most tanh units at step 0
    page.locator("label").filter(has=page.get_by_role("switch", name="BatchNorm")).click()
    wait_until_idle(page)
    assert _saturation(page) < randn / 2  # BatchNorm brings them back
