"""Browser test: the bigram-names page renders the heatmap, samples names, and takes a screenshot."""

from __future__ import annotations

import pytest

from core.names.corpus import Corpus
from core.names.data import default_words
from core.names.sampling import trace_sample
from tests.browser import open_page, screenshot, wait_until_idle

pytestmark = pytest.mark.browser


def test_heatmap_and_sampling_in_the_browser(browser_page):
    page = browser_page
    open_page(page, "bigram_names", timeout=120)
    page.get_by_text("Word list: US baby names").wait_for()
    heatmap = page.locator(".js-plotly-plot").first
    heatmap.wait_for()
    # the classic figure: every cell carries its bigram and count ("em" appears in the text layer)
    page.set_viewport_size({"width": 1400, "height": 1500})
    page.wait_for_timeout(1000)
    texts = page.locator(".js-plotly-plot svg text").all_text_contents()
    # the classic figure: each of the 27x27 cells shows its bigram and count
    assert sum(t[:2] in ("em", "..", "a.", ".a") for t in texts) >= 4
    assert len([t for t in texts if len(t) >= 3 and t[2:].isdigit()]) >= 27 * 27
    screenshot(page, "names", full_page=False)

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


def test_neural_bigram_trains_in_the_background_and_reports(browser_page):
    page = browser_page
    open_page(page, "bigram_names", timeout=120)
    page.get_by_role("tab", name="Train").click()
    wait_until_idle(page)
    page.get_by_role("button", name="Train").first.click()
    # the polling fragment notices the finished job and the page shows the result
    page.get_by_text("Neural train NLL").wait_for(timeout=90_000)
    page.get_by_text("Largest |ΔP|").wait_for()
    screenshot(page, "names_train", full_page=False)
