"""Build the course's website: `python book/build.py [OUT]` (OUT defaults to build/book).

Stages the book in OUT/src — this folder's configuration and landing page, the notebooks of
chapters/ as they are now, and the JavaScript that `npm ci` installed in node_modules/ — then
runs Jupyter Book on it, without executing a notebook or reaching the network. The site is
OUT/_build/html; open OUT/_build/html/index.html in a browser.
"""

import shutil
import subprocess
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
NODE_MODULES = ROOT / "node_modules"

# What the pages load, from node_modules/ to the site's _static/vendor/. Of MathJax, the
# component the pages name and what it loads on demand (TeX extensions, fonts, the menu and its
# accessibility tools); of the widget manager, the AMD bundle with the fonts its CSS names.
VENDORED = {
    "mathjax/LICENSE": "mathjax/LICENSE",
    "mathjax/es5/tex-mml-chtml.js": "mathjax/tex-mml-chtml.js",
    "mathjax/es5/input/tex/extensions": "mathjax/input/tex/extensions",
    "mathjax/es5/output/chtml/fonts/woff-v2": "mathjax/output/chtml/fonts/woff-v2",
    "mathjax/es5/ui": "mathjax/ui",
    "mathjax/es5/a11y": "mathjax/a11y",
    "mathjax/es5/sre": "mathjax/sre",
    "requirejs/require.js": "require.js",
    "@jupyter-widgets/html-manager/dist/embed-amd.js": "html-manager/embed-amd.js",
    "@jupyter-widgets/html-manager/dist/*.woff2": "html-manager",
    "@jupyter-widgets/html-manager/dist/*.woff": "html-manager",
}


def vendor(dest: Path) -> None:
    """Copy VENDORED from node_modules/ into dest."""
    if not (NODE_MODULES / ".package-lock.json").is_file():
        sys.exit(f"{NODE_MODULES} is missing or incomplete: run `npm ci` in {ROOT} first")
    for source, target in VENDORED.items():
        if "*" in source:
            folder, pattern = source.rsplit("/", 1)
            files = sorted((NODE_MODULES / folder).glob(pattern))
            if not files:
                sys.exit(f"no {source} in {NODE_MODULES}: run `npm ci` again")
            (dest / target).mkdir(parents=True, exist_ok=True)
            for file in files:
                shutil.copy2(file, dest / target / file.name)
        elif (NODE_MODULES / source).is_dir():
            shutil.copytree(NODE_MODULES / source, dest / target)
        else:
            (dest / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(NODE_MODULES / source, dest / target)


def stage(src: Path) -> None:
    """Lay out the book's sources in src: the repository's layout, so launch links point right."""
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    for name in ["_config.yml", "_toc.yml", "intro.md", "anchors.py"]:
        shutil.copy2(BOOK / name, src / name)
    shutil.copytree(ROOT / "chapters", src / "chapters", ignore=shutil.ignore_patterns(".*"))
    vendor(src / "_assets" / "vendor")
    shutil.copy2(BOOK / "widgets.js", src / "_assets" / "widgets.js")


def build(out: Path) -> Path:
    """Stage and build the book in out; return the folder of the site."""
    out = out.resolve()
    stage(out / "src")
    html = out / "_build" / "html"
    shutil.rmtree(html, ignore_errors=True)
    # -W: a warning (a broken link, a missing notebook) fails the build rather than the reader.
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [jupyter_book, "build", "--all", "-W", "-n", "--keep-going"]
    subprocess.run([*command, "--path-output", str(out), str(out / "src")], check=True)
    return html


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "book"
    print(f"the site: {build(out) / 'index.html'}")
