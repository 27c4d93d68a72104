"""The contract of every exercise check, in one table: the reference answer passes and prints its
✔ line; an unfinished exercise is "not done yet" (and fails under the grader); a hard-coded
answer fails; and the test cells of solutions/*.ipynb and the checks of bplib.checks match one
to one. The tests of the slips each check names are in test_chNN.py."""

import ast
import importlib
import json
import pkgutil
import re
from pathlib import Path

import pytest
from contract import Case, not_done

import bplib.checks
from bplib.checks.feedback import NotDoneYet

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


def chapter_modules() -> dict[str, object]:
    """{"00": bplib.checks.ch00, ...}: every chapter's check module."""
    names = [m.name for m in pkgutil.iter_modules(bplib.checks.__path__)]
    return {
        n[2:]: importlib.import_module(f"bplib.checks.{n}")
        for n in names
        if re.fullmatch(r"ch\d\d", n)
    }


def cases_of(module) -> dict[str, Case]:
    """The contract cases of a chapter's checks, from tests/checks/cases_chNN.py."""
    return importlib.import_module(f"cases_{module.__name__.rsplit('.', 1)[1]}").CASES


TABLE = {module: cases_of(module) for module in chapter_modules().values()}

CASES = [
    pytest.param(module, name, case, id=f"{module.__name__.rsplit('.', 1)[1]}.{name}")
    for module, cases in TABLE.items()
    for name, case in cases.items()
]


@pytest.mark.parametrize(("module", "name", "case"), CASES)
def test_the_reference_passes(module, name, case, passes):
    for kwargs in case.calls:
        passes(getattr(module, name), *case.answers, **kwargs)


@pytest.mark.parametrize(("module", "name", "case"), CASES)
def test_an_unfinished_exercise_is_not_done_yet(module, name, case, capsys):
    getattr(module, name)(*[not_done] * len(case.answers))
    assert capsys.readouterr().out == (
        f"○ {name}: not done yet — fill in the cell above, run it, then this one.\n"
    )


@pytest.mark.parametrize(("module", "name", "case"), CASES)
def test_an_unfinished_exercise_fails_under_the_grader(module, name, case, grading, capsys):
    with pytest.raises(NotDoneYet, match=f"^{name}: not done yet$"):
        getattr(module, name)(*[not_done] * len(case.answers))
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("module", "name", "case"), [c for c in CASES if c.values[2].hard_coded is not None]
)
def test_a_hard_coded_answer_fails(module, name, case, failure):
    message = failure(getattr(module, name), *case.hard_coded)
    assert message.startswith(f"✘ {name}: ")
    for fragment in case.says:
        assert fragment in message
    if case.not_says:
        assert case.not_says not in message


@pytest.mark.parametrize(
    ("module", "name", "case"), [c for c in CASES if c.values[2].via_bplib is not None]
)
def test_calling_bplibs_own_answer_fails(module, name, case, failure):
    message = failure(getattr(module, name), *case.via_bplib)
    assert message.startswith(f"✘ {name}: your code calls bplib.")
    assert "bplib's own answer to this exercise" in message


# ---------------------------------------------------------------- the notebooks' test cells


def code_cells(number: str) -> list[dict]:
    """The code cells of solutions/<number>_*.ipynb."""
    (path,) = SOLUTIONS.glob(f"{number}_*.ipynb")
    return [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]


def graded_cells(number: str) -> list[tuple[str, str]]:
    """(grade_id, source) of the graded test cells of solutions/<number>_*.ipynb."""
    return [
        (cell["metadata"]["nbgrader"]["grade_id"], "".join(cell["source"]))
        for cell in code_cells(number)
        if cell["metadata"].get("nbgrader", {}).get("grade")
    ]


def check_calls(source: str) -> list[tuple[str, dict]]:
    """(NAME, keyword arguments) of every ``check.NAME(...)`` in a test cell."""
    return [
        (node.func.attr, {k.arg: ast.literal_eval(k.value) for k in node.keywords})
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "check"
    ]


def checks_of(module) -> set[str]:
    """The names of the exercise checks a chapter's module defines."""
    return {name for name, f in vars(module).items() if getattr(f, "exercise", None) == name}


@pytest.mark.parametrize("number", sorted(chapter_modules()))
def test_every_test_cell_has_a_check_and_a_case_and_every_check_a_test_cell(number):
    module = chapter_modules()[number]
    imports = f"from bplib.checks import ch{number} as check"
    assert any(imports in "".join(cell["source"]) for cell in code_cells(number)), imports
    graded = set()
    for grade_id, source in graded_cells(number):
        names = {name for name, _ in check_calls(source)}
        assert names == {grade_id.removesuffix("_check")}, (grade_id, names)
        (name,) = names
        assert name in checks_of(module), f"{grade_id}: no check {module.__name__}.{name}"
        assert name in TABLE[module], f"{grade_id}: no case for {name} in the contract table"
        graded.add(name)
    assert checks_of(module) == graded == set(TABLE[module])


NOTEBOOK_CALLS = [
    pytest.param(module, name, kwargs, id=f"{number}.{grade_id}.{i}")
    for number, module in sorted(chapter_modules().items())
    for grade_id, source in graded_cells(number)
    for i, (name, kwargs) in enumerate(check_calls(source))
    if name in TABLE.get(module, {})
]


@pytest.mark.parametrize(("module", "name", "kwargs"), NOTEBOOK_CALLS)
def test_the_reference_passes_every_call_of_the_test_cells(module, name, kwargs, passes):
    passes(getattr(module, name), *TABLE[module][name].answers, **kwargs)
