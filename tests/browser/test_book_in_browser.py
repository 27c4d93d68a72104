"""The course's website as a reader sees it: a chapter's page opened from disk in headless
Chromium with the network off shows typeset math, its stored plots and live widgets; so does
every other chapter's, and the search box finds chapters.

Screenshots of the landing page and of the chapter go to ``test-artifacts/browser/book/``.
"""

import json
from pathlib import Path

import pytest

from book.build import build

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# sphinx-thebe 0.3.1, which Jupyter Book 1 always loads, declares its configuration twice on
# every page; it is unused here (no live-code button) and harmless, and the only error expected.
KNOWN_ERROR = "Identifier 'THEBE_JS_URL' has already been declared"

pytestmark = pytest.mark.browser


def shows_everything(notebook: Path) -> bool:
    """Whether the notebook has math in its text, a stored plot and stored widget state."""
    nb = json.loads(notebook.read_text())
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    return (
        "$" in text
        and any("image/png" in o.get("data", {}) for o in outputs)
        and WIDGET_STATE in nb["metadata"].get("widgets", {})
    )


CHAPTER = next(filter(shows_everything, CHAPTERS), None)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("book"))


@pytest.fixture
def offline(browser):
    """A page with the network off that records every request not for a file, and every error."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
    page = context.new_page()
    page.remote, page.errors = [], []
    page.on("request", lambda r: r.url.startswith("file:") or page.remote.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def test_a_chapter_shows_math_plots_and_live_widgets_offline(site, offline, artifacts):
    assert CHAPTER, "no chapter has math, a stored plot and widget state"
    shots = artifacts / "book"
    shots.mkdir(exist_ok=True)
    page = offline

    page.goto((site / "intro.html").as_uri())
    assert page.locator(".bd-content a[href^='chapters/']").count() >= 1
    page.screenshot(path=shots / "landing.png")

    page.goto((site / "chapters" / f"{CHAPTER.stem}.html").as_uri())
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("MathJax.startup.promise")
    assert page.locator(".math").count() > 0
    assert page.locator(".math:not(:has(mjx-container))").count() == 0, "untypeset formulas"
    text = page.inner_text("body")
    assert "\\(" not in text and "\\[" not in text, "raw TeX on the page"
    page.locator("div.math, .math").first.scroll_into_view_if_needed()
    page.screenshot(path=shots / f"{CHAPTER.stem}-math.png")

    assert page.locator(".cell_output img").count() > 0
    assert page.evaluate(
        "[...document.querySelectorAll('.cell_output img')].every(i => i.naturalWidth)"
    ), "a stored plot did not load"

    # The first slider shows its stored value, and moves.
    state = json.loads(CHAPTER.read_text())["metadata"]["widgets"][WIDGET_STATE]["state"]
    slider = page.locator(".widget-slider").first
    slider.wait_for(timeout=30_000)
    assert page.locator(".widget-subarea").count() >= 1
    label = slider.locator(".widget-label").inner_text()
    stored = [m["state"] for m in state.values() if m["state"].get("description") == label]
    handle = slider.locator(".noUi-handle")
    assert float(handle.get_attribute("aria-valuenow")) == pytest.approx(stored[0]["value"])
    before = slider.locator(".widget-readout").inner_text()
    handle.scroll_into_view_if_needed()
    page.mouse.wheel(0, -250)
    page.screenshot(path=shots / f"{CHAPTER.stem}-widget.png")
    handle.focus()
    page.keyboard.press("ArrowRight")
    assert slider.locator(".widget-readout").inner_text() != before
    # The plot stored in the widget's output is shown too.
    assert page.evaluate(
        "[...document.querySelectorAll('.widget-output img')].some(i => i.naturalWidth)"
    )

    assert page.remote == [], "requests beyond the disk"
    assert [e for e in page.errors if KNOWN_ERROR not in e] == []


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_page_renders_offline(site, offline, notebook):
    offline.goto((site / "chapters" / f"{notebook.stem}.html").as_uri())
    offline.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
    offline.evaluate("MathJax.startup.promise")
    assert offline.locator(".math:not(:has(mjx-container))").count() == 0, "untypeset formulas"
    assert "\\(" not in offline.inner_text("body"), "raw TeX on the page"
    views = offline.locator(f"script[type='{WIDGET_VIEW}']")
    for i in range(views.count()):
        rendered = views.nth(i).locator("xpath=..").locator(".widget-subarea .jupyter-widgets")
        rendered.first.wait_for(timeout=30_000)
    assert offline.evaluate("[...document.images].every(i => i.complete && i.naturalWidth)")
    assert offline.remote == [], "requests beyond the disk"
    assert [e for e in offline.errors if KNOWN_ERROR not in e] == []


def test_the_search_box_finds_chapters_offline(site, offline):
    # Opened from disk, the results are listed; their summaries need a server (fetch of file:).
    offline.goto((site / "search.html").as_uri() + "?q=backpropagation")
    results = offline.locator("#search-results li a")
    results.first.wait_for(timeout=30_000)
    assert any(
        href.startswith("chapters/")
        for href in results.evaluate_all("l => l.map(a => a.getAttribute('href'))")
    )
    assert offline.remote == []
