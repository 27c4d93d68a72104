"""The contract of every exercise check, in one table: the reference answer passes and prints its
✔ line; an unfinished exercise is "not done yet" (and fails under the grader); a hard-coded
answer fails; and the test cells of solutions/*.ipynb and the checks of bplib.checks match one
to one. The tests of the slips each check names are in test_chNN.py."""

import ast
import importlib
import json
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
import references as ref

import bplib.checks
from bplib.checks import ch00, ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09, ch10
from bplib.checks.feedback import NotDoneYet
from bplib.network import Network

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


class Case(NamedTuple):
    """How to run one check: its reference answers (the functions it takes, in order), the
    keyword arguments of the runs they must pass, a hard-coded answer and what its failure
    message says (``says``) and, when the hard-coded answer is right on the worked example, what
    the message must not say (``not_says``)."""

    answers: tuple[Callable, ...]
    hard_coded: tuple[Callable, ...] | None
    says: tuple[str, ...] = ()
    not_says: str = ""
    calls: tuple[dict, ...] = ({}, {"seed": 7})


def not_done(*args):
    raise NotImplementedError()


def hard_coded(reference: Callable) -> Callable:
    """Answers every call with the reference's answer to the first (the worked example)."""
    first = []

    def answer(*args):
        if not first:
            first.append(reference(*args))
        return first[0]

    return answer


def minibatches_of_the_worked_example() -> Callable:
    X, y = np.arange(14.0).reshape(7, 2), np.arange(7)
    fixed = list(ref.minibatches(X, y, 3, np.random.default_rng(0)))
    return lambda *args: iter(fixed)


def step_of_the_worked_example() -> Callable:
    """Sets the parameters the worked example's step gives, whatever the network."""
    net = Network([2, 3, 2], seed=1)
    ref.update_mini_batch(net, np.array([[0.5, -1.0], [1.0, 2.0]]), np.eye(2), 0.5)
    weights, biases = net.weights, net.biases

    def step(net, X_batch, Y_batch, eta):
        net.weights = [W.copy() for W in weights]
        net.biases = [b.copy() for b in biases]

    return step


def early_stopping_of_the_worked_example(losses, patience):
    return {3: (5, 2), 4: (9, 6), 1: (3, 2)}[patience]


def hard(*references: Callable) -> tuple[Callable, ...]:
    return tuple(hard_coded(r) for r in references)


RELU = (ref.relu, ref.relu_prime, ref.leaky_relu, ref.leaky_relu_prime)
SHAPES = ({}, {"seed": 7}, {"shape": (3,)}, {"shape": (2, 3, 4)})

TABLE: dict = {
    ch00: {
        "mean_squared_error": Case(
            (ref.mean_squared_error,),
            hard(ref.mean_squared_error),
            ("on a random batch",),
            calls=({}, {"seed": 7}, {"seed": 8, "n": 1}, {"seed": 3, "n": 9}),
        ),
    },
    ch01: {
        "numerical_derivative": Case(
            (ref.numerical_derivative,),
            hard(ref.numerical_derivative),  # 12 + h^2 = 12.0001 for h = 0.01 only
            ("h=1e-05", "expected 12"),
        ),
        "gradient_descent": Case(
            (ref.gradient_descent,),
            hard(ref.gradient_descent),
            ("the path for",),
            not_says="the worked example",
        ),
        "best_learning_rate": Case(
            (ref.best_learning_rate,), hard(ref.best_learning_rate), ("expected",)
        ),
    },
    ch02: {
        "neuron_gradients": Case(
            (ref.neuron_gradients,),
            hard(ref.neuron_gradients),
            ("the partial da/dw1",),
            not_says="w1=2.000",
        ),
        "central_gradient": Case(
            (ref.central_gradient,), hard(ref.central_gradient), ("shape (1,)",)
        ),
        "gradient_check": Case(
            (ref.gradient_check,), hard(ref.gradient_check), ("a correct gradient",)
        ),
    },
    ch03: {
        "sigmoid_prime": Case(
            (ref.sigmoid_prime,), hard(ref.sigmoid_prime), ("random z",), calls=SHAPES
        ),
        "tanh_prime": Case((ref.tanh_prime,), hard(ref.tanh_prime), ("random z",), calls=SHAPES),
        # The worked example is also run with a random alpha, which a constant ignores.
        "relu_family": Case(RELU, hard(*RELU), ("alpha was ignored",), calls=SHAPES),
        "stable_sigmoid": Case(
            (ref.stable_sigmoid,), hard(ref.stable_sigmoid), ("random z",), calls=SHAPES
        ),
    },
    ch04: {
        "layer_forward": Case(
            (ref.layer_forward,),
            hard(ref.layer_forward),
            ("a random layer",),
            calls=({}, {"seed": 7}, {"seed": 3, "n": 1, "n_in": 1, "n_out": 6}),
        ),
        "network_forward": Case(
            (ref.network_forward,),
            hard(ref.network_forward),
            ("a random network",),
            calls=(
                {},
                {"seed": 7},
                {"seed": 7, "sizes": (3, 1), "n": 1},
                {"seed": 8, "sizes": (5, 4, 4, 4, 1)},
            ),
        ),
        "count_parameters": Case(
            (ref.count_parameters,),
            hard(ref.count_parameters),
            ("count_parameters([2, 2, 1])", "expected 9"),
        ),
        # It takes no input: a constant answer is the answer (test_ch04.py tests its slips).
        "xor_network": Case(
            (ref.xor_network,), None, calls=({}, {"seed": 7}, {"noise": 0.1, "seed": 7})
        ),
    },
    ch05: {
        "output_delta": Case((ref.output_delta,), hard(ref.output_delta), ("random",)),
        "backprop_step": Case((ref.backprop_step,), hard(ref.backprop_step), ("random",)),
        "backprop": Case(
            (ref.backprop,),
            hard(ref.backprop),
            ("random",),
            calls=(
                {},
                {"seed": 7},
                {"seed": 3, "sizes": (2, 1), "n": 1},
                {"seed": 4, "sizes": (3, 4, 4, 1), "n": 2},
            ),
        ),
    },
    ch06: {
        name: Case((answer,), hard(answer), ("random",), calls=({}, {"seed": 7, "n": 1, "k": 2}))
        for name, answer in [
            ("cross_entropy", ref.cross_entropy),
            ("cross_entropy_delta", ref.cross_entropy_delta),
            ("softmax", ref.softmax),
            ("log_likelihood_gradient", ref.log_likelihood_gradient),
        ]
    },
    ch07: {
        "minibatches": Case(
            (ref.minibatches,),
            (minibatches_of_the_worked_example(),),
            ("X_batch (3, 2) and y_batch (3,), expected (m, 3) and (m,)",),
        ),
        "momentum_step": Case(
            (ref.momentum_step,),
            hard(ref.momentum_step),
            ("at step 1 of 4",),
            calls=({}, {"seed": 7, "shape": (2, 3)}),
        ),
        "adam_step": Case(
            (ref.adam_step,),
            hard(ref.adam_step),
            ("at step t = 1 of 5",),
            calls=({}, {"seed": 7, "shape": (3, 2), "eps": 1e-3}),
        ),
    },
    ch08: {
        "update_mini_batch": Case(
            (ref.update_mini_batch,),
            (step_of_the_worked_example(),),
            # A 2-3-2 network's arrays where a 4-3-2 one's are expected.
            ("for random input", "shape"),
            calls=({}, {"seed": 7, "sizes": (5, 4, 3, 2), "batch_size": 1}),
        ),
        "evaluate": Case(
            (ref.evaluate,),
            hard(ref.evaluate),
            ("for random input",),
            calls=({}, {"seed": 7, "n": 1, "k": 10}),
        ),
        "learning_curve_summary": Case(
            (ref.learning_curve_summary,),
            hard(ref.learning_curve_summary),
            ("never reached: no epoch reaches the threshold",),
            not_says="Likely cause",
            calls=({}, {"seed": 7, "epochs": 4}),
        ),
    },
    ch09: {
        "l2_update": Case(
            (ref.l2_update,),
            hard(ref.l2_update),
            ("random W",),
            calls=({}, {"seed": 7, "shape": (2, 5)}),
        ),
        "dropout_forward": Case(
            (ref.dropout_forward,),
            hard(ref.dropout_forward),
            ("dropout_forward(a (200, 500), p = 0.200, rng)",),
            calls=({}, {"seed": 7, "shape": (100, 30, 20)}),
        ),
        "dropout_backward": Case(
            (ref.dropout_backward,),
            hard(ref.dropout_backward),
            ("random delta",),
            calls=({}, {"seed": 7, "shape": (3, 4, 2)}),
        ),
        "early_stopping": Case(
            (ref.early_stopping,),
            (early_stopping_of_the_worked_example,),
            ("random sequence",),
            calls=({}, {"seed": 7, "n_sequences": 50}),
        ),
    },
    ch10: {
        "xavier_init": Case(
            (ref.xavier_init,),
            hard(ref.xavier_init),
            # The other layers of the check have other sizes.
            ("W has shape (784, 30)",),
            calls=({}, {"seed": 7, "sizes": [(1, 1), (1, 5), (7, 1)]}),
        ),
        "he_init": Case(
            (ref.he_init,),
            hard(ref.he_init),
            ("W has shape (784, 30)",),
            calls=({}, {"seed": 7, "sizes": [(1, 1), (1, 5), (7, 1)]}),
        ),
        "layer_gradient_norms": Case(
            (ref.layer_gradient_norms,),
            hard(ref.layer_gradient_norms),
            ("for a random sigmoid network",),
            calls=({}, {"seed": 7, "sizes": (3, 2), "n": 1}),
        ),
        "batchnorm_backward": Case(
            (ref.batchnorm_backward,),
            hard(ref.batchnorm_backward),
            ("for random input",),
            calls=({}, {"seed": 7, "n": 2, "d": 1, "eps": 0.1}),
        ),
    },
}

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


# ---------------------------------------------------------------- the notebooks' test cells


def chapter_modules() -> dict[str, object]:
    """{"00": bplib.checks.ch00, ...}: every chapter's check module."""
    names = [m.name for m in pkgutil.iter_modules(bplib.checks.__path__)]
    return {
        n[2:]: importlib.import_module(f"bplib.checks.{n}")
        for n in names
        if re.fullmatch(r"ch\d\d", n)
    }


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


def test_every_chapter_with_checks_has_a_row_of_the_table():
    assert set(chapter_modules().values()) == set(TABLE)


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
