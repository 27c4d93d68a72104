"""Plausible slips in a solution make its check fail: a mutation test of the checks.

Every solution region of solutions/*.ipynb is mutated one slip at a time (a dropped transpose,
sum for mean, the other axis, a flipped sign, an off-by-one, a dropped line, swapped matmul
operands, another power, another constant), and the mutated exercise is run through every
call of its test cell, hidden tests included. A mutant is *caught* when a check fails (or the
code raises); it *changes the result* when, on some call the check makes, it returns (or
leaves in its arguments) something other than the solution does. The catch rate is caught /
changed; mutants that never change a result are equivalent and do not count.

The exercise runs in a namespace made of the notebook's code cells that only import, define
functions or classes, or bind constants, and of the earlier exercises' solutions: what an
exercise may depend on. ``python tests/checks/test_mutants.py`` prints every survivor.
"""

import ast
import contextlib
import copy
import io
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import numpy as np

from bplib.instructor.exercise_format import BEGIN_SOLUTION, END_SOLUTION, grade_id, regions

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
CATCH_RATE = 0.95  # the course's aim; the survivors are printed by the script
SECONDS = 20  # per mutant: a slip that loops forever counts as caught


# ------------------------------------------------------------------------------ the slips


SWAPPED = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}


class Slip(ast.NodeTransformer):
    """Applies the ``target``-th applicable slip (counting from 0) to the nodes on ``lines``;
    ``count`` is how many slips apply, ``what`` describes the one applied."""

    def __init__(self, lines: range, target: int = -1) -> None:
        self.lines, self.target, self.count, self.what = lines, target, 0, ""

    def here(self, node: ast.AST) -> bool:
        return getattr(node, "lineno", -1) in self.lines

    def slips(self, node: ast.AST, *options: tuple[Callable[[], ast.AST], str]) -> ast.AST:
        """``node``, or the replacement of the option that is the target."""
        for replacement, what in options:
            if self.count == self.target:
                self.what = f"line {node.lineno}: {what}"
                node = ast.copy_location(replacement(), node)
            self.count += 1
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if not self.here(node):
            return node
        if node.attr == "T":
            return self.slips(node, (lambda: node.value, "dropped a transpose .T"))
        if node.attr in ("sum", "mean"):
            other = "mean" if node.attr == "sum" else "sum"
            new = ast.Attribute(node.value, other, node.ctx)
            return self.slips(node, (lambda: new, f"{node.attr} -> {other}"))
        return node

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        self.generic_visit(node)
        value = node.value
        if node.arg == "axis" and isinstance(value, ast.Constant) and self.here(value):
            other = {0: 1, 1: 0, -1: 0}.get(value.value)
            if other is not None:
                new = ast.keyword("axis", ast.Constant(other))
                return self.slips(value, (lambda: new, f"axis={value.value} -> axis={other}"))
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if not self.here(node):
            return node
        left, op, right = node.left, node.op, node.right
        options = []
        if type(op) in SWAPPED:
            other = SWAPPED[type(op)]
            new = ast.BinOp(left, other(), right)
            options.append((lambda: new, f"{type(op).__name__} -> {other.__name__}"))
        if isinstance(op, ast.MatMult):
            swapped = ast.BinOp(right, ast.MatMult(), left)
            options.append((lambda: swapped, "swapped @ operands"))
        if isinstance(op, ast.Sub) and isinstance(right, ast.Constant) and right.value == 1:
            options.append((lambda: left, "dropped a - 1 (off by one)"))
        if isinstance(op, ast.Pow):
            power = ast.BinOp(left, ast.Pow(), ast.BinOp(right, ast.Add(), ast.Constant(1)))
            options.append((lambda: power, "another power (+1)"))
        return self.slips(node, *options)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if self.here(node) and isinstance(node.op, ast.USub):
            return self.slips(node, (lambda: node.operand, "dropped a minus sign"))
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if self.here(node) and isinstance(value, (int, float)) and not isinstance(value, bool):
            changed = value + 1 if isinstance(value, int) else value * 1.5 + 0.1
            new = ast.Constant(changed)
            return self.slips(node, (lambda: new, f"constant {value!r} -> {changed!r}"))
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        # A dropped line: each assignment or call statement of a body may become `pass`.
        for field in ("body", "orelse"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                setattr(node, field, [self.dropped(statement) for statement in body])
        return super().generic_visit(node)

    def dropped(self, statement: ast.stmt) -> ast.stmt:
        docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        if isinstance(statement, (ast.Assign, ast.AugAssign, ast.Expr)) and not docstring:
            if self.here(statement):
                return self.slips(statement, (ast.Pass, "dropped a line"))
        return statement


# ------------------------------------------------------------------------------ running them


def is_definition(cell_source: str) -> bool:
    """A cell that only imports, defines, or binds constants: safe and quick to run."""
    try:
        tree = ast.parse(cell_source)
    except SyntaxError:
        return False
    allowed = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
    return all(
        isinstance(s, allowed) or (isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant))
        for s in tree.body
    )


def check_calls(source: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "check"
    ]


class Exercise:
    """One exercise of a solution notebook: its cell, its test cell and what it may use."""

    def __init__(self, notebook: Path, index: int) -> None:
        cells = nbformat.read(notebook, as_version=4).cells
        self.name = f"{notebook.stem[:2]}.{grade_id(cells[index])}"
        self.source = cells[index].source
        self.test = next(
            c.source for c in cells[index + 1 :] if grade_id(c) == f"{grade_id(cells[index])}_check"
        )
        self.setup = [
            c.source
            for c in cells[:index]
            if c.cell_type == "code"
            and (c.metadata.get("nbgrader", {}).get("solution") or is_definition(c.source))
        ]
        self.lines = [
            range(first + 2, last + 1)  # ast counts lines from 1; the markers excluded
            for first, last in regions(self.source, BEGIN_SOLUTION, END_SOLUTION)
        ]

    def namespace(self) -> dict:
        ns: dict = {"__name__": "__main__"}
        for source in self.setup:
            exec(compile(source, "<setup>", "exec"), ns)
        return ns

    def run(self, tree: ast.Module, ns: dict, reference: dict | None) -> tuple[bool, bool]:
        """(caught, changed): whether a check failed, and whether the code's results differ
        from those of ``reference`` (the namespace of the solution)."""
        # compiled from its text: a mutated tree may lack a location that compile() wants
        exec(compile(ast.unparse(tree), "<exercise>", "exec"), ns)
        changed = [False]
        calls = check_calls(self.test)
        for call in calls:
            args = []
            for arg in call.args:
                fn = eval(compile(ast.Expression(arg), "<test>", "eval"), ns)
                if reference is not None and callable(fn):
                    fn = watched(
                        fn, eval(compile(ast.Expression(arg), "<test>", "eval"), reference), changed
                    )
                args.append(fn)
            kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            check = eval(ast.unparse(call.func), ns)
            try:
                with time_limit(SECONDS), contextlib.redirect_stdout(io.StringIO()):
                    check(*args, **kwargs)
            except Exception:  # a failed check, or code that raises: the slip is caught
                return True, True
        return False, changed[0]

    def mutants(self) -> Iterator[tuple[str, ast.Module]]:
        lines = range(0)
        for r in self.lines:
            lines = range(min(lines.start, r.start) if lines else r.start, max(lines.stop, r.stop))
        count = Slip(lines)
        count.visit(ast.parse(self.source))
        for target in range(count.count):
            slip = Slip(lines, target)
            tree = ast.fix_missing_locations(slip.visit(ast.parse(self.source)))
            yield slip.what, tree


def differ(a, b) -> bool:
    try:
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            return len(a) != len(b) or any(differ(x, y) for x, y in zip(a, b, strict=False))
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() != b.keys() or any(differ(a[k], b[k]) for k in a)
        if hasattr(a, "weights") and hasattr(b, "weights"):
            return differ(a.weights, b.weights) or differ(a.biases, b.biases)
        if a is None or b is None:
            return (a is None) != (b is None)
        x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return x.shape != y.shape or not np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True)
    except (TypeError, ValueError):
        return a != b


def watched(mutant: Callable, original: Callable, changed: list[bool]) -> Callable:
    """``mutant`` that also runs ``original`` on copies of each call's arguments and notes in
    ``changed`` whether the results (or the arguments after the call) differ."""

    def run(*args):
        copies = copy.deepcopy(args)
        try:
            expected, failed = original(*copies), False
        except Exception:
            expected, failed = None, True
        try:
            got = mutant(*args)
        except Exception:
            changed[0] = changed[0] or not failed
            raise
        if failed or differ(got, expected) or differ(list(args), list(copies)):
            changed[0] = True
        return got

    return run


class time_limit:
    def __init__(self, seconds: int) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        def stop(signum, frame):
            raise TimeoutError(f"over {self.seconds} s")

        self.previous = signal.signal(signal.SIGALRM, stop)
        signal.alarm(self.seconds)

    def __exit__(self, *exc) -> None:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.previous)


def exercises() -> list[Exercise]:
    found = []
    for notebook in SOLUTIONS:
        cells = nbformat.read(notebook, as_version=4).cells
        for i, cell in enumerate(cells):
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
                found.append(Exercise(notebook, i))
    return found


def survey(exercise: Exercise) -> tuple[int, int, list[str]] | None:
    """(caught, changed, survivors) over the mutants of ``exercise``; None when the solution
    itself does not pass its test cell in the namespace made for it."""
    reference = exercise.namespace()
    caught_original, _ = exercise.run(ast.parse(exercise.source), reference, None)
    if caught_original:
        return None
    caught = changed = 0
    survivors = []
    for what, tree in exercise.mutants():
        c, d = exercise.run(tree, exercise.namespace(), reference)
        if d:
            changed += 1
            caught += c
            if not c:
                survivors.append(f"{exercise.name} {what}")
    return caught, changed, survivors


def test_plausible_slips_fail_their_checks():
    totals, survivors, unrun = [0, 0], [], []
    for exercise in exercises():
        found = survey(exercise)
        if found is None:
            unrun.append(exercise.name)
            continue
        caught, changed, lost = found
        totals[0] += caught
        totals[1] += changed
        survivors += lost
    assert not unrun, f"these solutions do not pass their own test cells here: {unrun}"
    rate = totals[0] / totals[1]
    assert rate >= CATCH_RATE, (
        f"caught {totals[0]} of {totals[1]} result-changing slips ({rate:.1%}); survivors:\n"
        + "\n".join(survivors)
    )


if __name__ == "__main__":
    grand = [0, 0]
    for exercise in exercises():
        found = survey(exercise)
        if found is None:
            print(f"{exercise.name:40s} could not be run: its solution fails its test cell here")
            continue
        caught, changed, lost = found
        grand[0] += caught
        grand[1] += changed
        print(f"{exercise.name:40s} caught {caught:3d} of {changed:3d}")
        for s in lost:
            print("    survived:", s)
    print(f"all: caught {grand[0]} of {grand[1]} ({grand[0] / max(grand[1], 1):.1%})")
    sys.exit(0)
