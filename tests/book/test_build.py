"""The book builds from chapters/ without a network, serves every script and stylesheet itself,
and gives each chapter a page with its stored outputs, its notebook and its launch links."""

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from book.build import build

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("book"))


class Page(HTMLParser):
    """The scripts, stylesheets, links and script types of one HTML page."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.links: list[str] = []
        self.script_types: list[str] = []
        self.feed(path.read_text())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.script_types.append(attrs.get("type", "text/javascript"))
            if attrs.get("src"):
                self.scripts.append(attrs["src"])
        elif tag == "link":
            rel = attrs.get("rel", "").split()
            if "stylesheet" in rel or "preload" in rel or "modulepreload" in rel:
                self.stylesheets.append(attrs["href"])
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def local(page: Path, url: str) -> Path:
    """The file in the site that url, written in page, names."""
    return (page.parent / urlsplit(url).path).resolve()


def test_every_chapter_has_a_page_and_the_landing_page_lists_them(site):
    assert CHAPTERS, "no notebook in chapters/"
    landing = Page(site / "intro.html").links
    for notebook in CHAPTERS:
        assert (site / "chapters" / f"{notebook.stem}.html").is_file()
        assert f"chapters/{notebook.stem}.html" in landing
    assert (site / "index.html").is_file() and (site / "search.html").is_file()


def test_no_page_loads_a_script_or_stylesheet_from_the_network(site):
    # Not _static/: the theme's template macros are copied there as .html files, but are no pages.
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)
    assert len(pages) > len(CHAPTERS)
    for page in pages:
        parsed = Page(page)
        for url in parsed.scripts + parsed.stylesheets:
            assert not urlsplit(url).scheme, f"{page.relative_to(site)} loads {url}"
            assert local(page, url).is_file(), f"{page.relative_to(site)}: {url} is not in the site"


def test_math_and_widgets_load_the_vendored_copies_where_a_page_needs_them(site, book_config):
    config = book_config["sphinx"]["config"]
    mathjax = (site / "_static" / config["mathjax_path"]).resolve()
    widget_scripts = {(site / "_static" / path).resolve() for path in config["nb_ipywidgets_js"]}
    for page in [site / "intro.html", *(site / "chapters" / f"{n.stem}.html" for n in CHAPTERS)]:
        parsed = Page(page)
        loaded = {local(page, url) for url in parsed.scripts}
        has_state = WIDGET_STATE in parsed.script_types
        assert loaded & widget_scripts == (widget_scripts if has_state else set()), page.name
        if page.name != "intro.html":
            notebook = ROOT / "chapters" / f"{page.stem}.ipynb"
            stored = json.loads(notebook.read_text())["metadata"].get("widgets", {})
            assert has_state == (WIDGET_STATE in stored), page.name
            assert mathjax in loaded, f"{page.name} does not load MathJax"
    # Nothing is added to every page wholesale: the staged book has no _static/ folder.
    assert not (site.parents[1] / "src" / "_static").exists()
    assert list((mathjax.parent / "output/chtml/fonts/woff-v2").glob("*.woff"))


def test_each_chapter_links_to_its_notebook_and_to_binder_and_colab(site, book_config):
    repository = book_config["repository"]
    owner_repo = urlsplit(repository["url"]).path.strip("/")
    branch = repository["branch"]
    for notebook in CHAPTERS:
        page = site / "chapters" / f"{notebook.stem}.html"
        links = Page(page).links
        path = f"chapters/{notebook.name}"
        downloads = [url for url in links if url.endswith(f"_sources/{path}")]
        assert downloads, f"{page.name} has no link to its notebook"
        assert json.loads(local(page, downloads[0]).read_text()) == json.loads(notebook.read_text())
        binder = f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?urlpath=lab/tree/{path}"
        colab = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{path}"
        assert binder in links and colab in links


def test_the_config_names_no_cdn(book_config):
    # The tool's defaults load MathJax and the widget manager from CDNs; the config replaces them.
    config = book_config["sphinx"]["config"]
    for url in [config["mathjax_path"], *config["nb_ipywidgets_js"]]:
        assert not urlsplit(url).scheme, url
