"""The course as a student sees it: every chapter opened in JupyterLab, run with Run All, and
every widget moved, in headless Chromium.

Screenshots of each widget before and after it is moved go to ``test-artifacts/browser/``.
"""

import json
import re
import time
from pathlib import Path

import pytest
from student_run import problems

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
NOTEBOOK_TIMEOUT_MS = 600_000  # the MNIST chapters train for a few minutes
WIDGET_TIMEOUT_MS = 120_000
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# What a widget looks like when the page could not render it: its Python repr as text.
UNRENDERED = re.compile(
    r"\b(interactive|IntSlider|FloatSlider|FloatLogSlider|Dropdown|VBox|HBox)\("
)

CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in front

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def tally(artifacts):
    """Counts what the suite did, written to test-artifacts/browser/summary.json at the end;
    ``seconds`` runs from the first browser test to the end of the last one."""
    counts = {"notebooks": 0, "widgets_moved": 0, "seconds": 0.0}
    yield counts
    (artifacts / "summary.json").write_text(json.dumps(counts, indent=1) + "\n")


@pytest.fixture(scope="session")
def started() -> float:
    return time.monotonic()


@pytest.fixture(autouse=True)
def clock(tally, started):
    """Keep the suite's wall time up to date after each test (other suites may run after)."""
    yield
    tally["seconds"] = round(time.monotonic() - started, 1)


def open_notebook(page, lab, path: str) -> None:
    """Open ``path`` and wait until its kernel is started and idle, in the page and the server."""
    page.goto(lab.url(path))
    panel = page.locator(CURRENT)
    panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=120_000)
    deadline = time.monotonic() + 120
    while lab.kernel_state(path) != "idle":
        assert time.monotonic() < deadline, f"the kernel of {path} never became idle"
        page.wait_for_timeout(200)


def run_all(page, lab, path: str) -> None:
    """Run > Run All Cells, then wait until no cell is queued or running and the kernel idles."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
            return /\\[\\d+\\]/.test(prompts[0].textContent)
                && !prompts.some(p => p.textContent.includes('*'));
        }""",
        timeout=NOTEBOOK_TIMEOUT_MS,
        polling=500,
    )
    wait_idle(page, lab, path)


def wait_idle(page, lab, path: str) -> None:
    panel = page.locator(CURRENT)
    panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
    deadline = time.monotonic() + WIDGET_TIMEOUT_MS / 1000
    while lab.kernel_state(path) != "idle":
        assert time.monotonic() < deadline, f"the kernel of {path} stayed busy"
        page.wait_for_timeout(200)


def save(page, lab, path: str) -> dict:
    """Save the notebook as the student would, and return it as the server wrote it."""
    page.locator(f"{CURRENT} .jp-Notebook").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.locator(".lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)").first.wait_for()
    return json.loads((lab.root / path).read_text())


def check_ran_cleanly(nb: dict, path: str) -> None:
    """Every cell ran, and none raised but those tagged ``raises-exception`` (demos of a
    failure)."""
    code = [(i, c) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    errors = [
        f"cell {i}: {o['ename']}: {o['evalue']}"
        for i, c in code
        for o in c["outputs"]
        if o["output_type"] == "error" and "raises-exception" not in c["metadata"].get("tags", [])
    ]
    assert not errors, f"{path} shows errors after Run All:\n" + "\n".join(errors)
    not_run = [i for i, c in code if c["execution_count"] is None]
    assert not not_run, f"{path}: cells {not_run} did not run"


def output_signature(cell) -> str:
    """What a widget drives: the cell's widget outputs (text and image data), as HTML."""
    return cell.locator(".widget-output").evaluate_all("els => els.map(e => e.innerHTML).join('|')")


def controls(cell) -> list[tuple[str, object]]:
    """Every control of the widgets in ``cell`` that a student can move, with its kind."""
    found = []
    for kind, selector in [
        ("slider", ".widget-slider .noUi-handle"),
        ("dropdown", ".widget-dropdown select"),
        ("toggle", ".widget-toggle-buttons button:not(.mod-active)"),
        ("checkbox", ".widget-checkbox input[type=checkbox]"),
        ("button", "button.widget-button:not(.widget-toggle-button)"),
    ]:
        locator = cell.locator(selector)
        if kind == "toggle":  # one press per group: the first inactive option
            found += [
                (kind, g.locator(selector).first)
                for g in cell.locator(".widget-toggle-buttons").all()
            ]
        else:
            found += [(kind, locator.nth(i)) for i in range(locator.count())]
    return found


def move(page, kind: str, control) -> None:
    """Change one control as a student would: a key on a slider, a click, a new choice."""
    if kind == "slider":
        at_max = control.get_attribute("aria-valuenow") == control.get_attribute("aria-valuemax")
        control.focus()
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    elif kind == "dropdown":
        options = control.locator("option").all_inner_texts()
        current = control.evaluate("s => s.options[s.selectedIndex].text")
        control.select_option(label=next(o for o in options if o != current))
    else:
        control.click()


def exercise_widgets(page, lab, path: str, nb: dict, artifacts: Path, tally: dict) -> None:
    expected = [
        i
        for i, c in enumerate(nb["cells"])
        if any(WIDGET_MIME in o.get("data", {}) for o in c.get("outputs", []))
    ]
    notebook = page.locator(f"{CURRENT} .jp-Notebook")
    cells = notebook.locator(".jp-Cell")
    text = "\n".join(notebook.locator(".jp-OutputArea").all_inner_texts())
    assert not UNRENDERED.search(text), f"{path}: a widget shows as text, not as a control"
    shots = artifacts / Path(path).stem
    shots.mkdir(exist_ok=True)
    for i in expected:
        cell = cells.nth(i)
        cell.locator(".jupyter-widgets").first.wait_for()
        found = controls(cell)
        if not found and cell.locator(".widget-hprogress").count():
            continue  # a tqdm progress bar: a widget with nothing to move
        assert found, f"{path} cell {i}: a widget with no control the test knows how to move"
        for k, (kind, control) in enumerate(found):
            control.scroll_into_view_if_needed()
            before = output_signature(cell)
            cell.screenshot(path=shots / f"cell{i:02d}-{k}-{kind}-before.png")
            move(page, kind, control)
            page.wait_for_function(
                "([el, before]) => [...el.querySelectorAll('.widget-output')]"
                ".map(e => e.innerHTML).join('|') !== before",
                arg=[cell.element_handle(), before],
                timeout=WIDGET_TIMEOUT_MS,
                polling=200,
            )
            wait_idle(page, lab, path)
            cell.screenshot(path=shots / f"cell{i:02d}-{k}-{kind}-after.png")
            assert output_signature(cell) != before
            tally["widgets_moved"] += 1


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_runs_and_its_widgets_respond(lab, page, artifacts, tally, notebook):
    path = f"chapters/{notebook.name}"
    open_notebook(page, lab, path)
    run_all(page, lab, path)
    nb = save(page, lab, path)
    found = problems(nb)
    assert not found, f"{path} after Run All:\n" + "\n".join(found)
    exercise_widgets(page, lab, path, nb, artifacts, tally)
    tally["notebooks"] += 1


def test_solution_checks_all_pass_in_the_browser(lab, page, tally):
    path = "solutions/01_gradient_descent.ipynb"
    open_notebook(page, lab, path)
    run_all(page, lab, path)
    nb = save(page, lab, path)
    check_ran_cleanly(nb, path)
    checks = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert checks, f"{path} has no graded checks"
    for c in checks:
        shown = "".join("".join(o.get("text", [])) for o in c["outputs"])
        assert "✔" in shown and "✘" not in shown and "○" not in shown, shown
    tally["notebooks"] += 1
