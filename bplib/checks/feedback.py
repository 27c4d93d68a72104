"""Checks for the exercises: feedback that says what is wrong, not just that something is.

Each chapter has a module ``bplib.checks.chNN`` with one check per exercise. A check calls the
student's function on a worked example and on random inputs, so a hard-coded answer fails, and
compares with the reference in ``bplib``. In the notebook::

    from bplib.checks import ch01 as check
    check.numerical_derivative(numerical_derivative)

- Success prints one line: ``✔ numerical_derivative: passed``.
- A wrong answer raises ``CheckFailed`` (an ``AssertionError``) whose message says what was
  expected, what came back, where, and the likely cause when the mistake is a common one.
- An exercise still raising ``NotImplementedError`` prints ``○ …: not done yet`` and returns,
  so Run All goes on. When grading (environment ``BPLIB_GRADING=1``) it raises ``NotDoneYet``,
  so the test cell scores 0.
- An exercise built on the student's earlier answers is judged on its own
  (``judged_on_its_own``): a slip in a helper is charged once, by the helper's own check.
- An answer that calls bplib's own implementation of what the exercise asks (the functions a
  check names in ``exercise(name, bplib_answers=...)``), directly or through other code of the
  student's, fails: the exercise is to write it.
"""

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import CodeType, FrameType
from typing import NamedTuple, NoReturn

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "GRADING_ENV",
    "CheckFailed",
    "NotDoneYet",
    "Tolerance",
    "ROUND_OFF",
    "CENTRAL_DIFFERENCES",
    "EXACT",
    "exercise",
    "compare",
    "compare_all",
    "same",
    "fail",
    "call",
    "unchanged",
    "global_names",
    "judged_on_its_own",
    "references_in_place",
    "grading",
]

# The grading protocol, shared with the grader (bplib.instructor): the switch it sets in the
# kernel's environment, and the two exceptions whose names mark a test cell's verdict.
GRADING_ENV = "BPLIB_GRADING"


class Tolerance(NamedTuple):
    r"""``got`` matches ``expected`` when $|got - expected| \le atol + rtol\,|expected|$."""

    rtol: float
    atol: float


# A result computed in another order than the reference's: they differ by round-off only.
ROUND_OFF = Tolerance(1e-6, 1e-9)
# Against central differences with h = 1e-5, whose error is O(h^2).
CENTRAL_DIFFERENCES = Tolerance(1e-5, 1e-8)
# Whole numbers: counts.
EXACT = Tolerance(0.0, 0.0)


class CheckFailed(AssertionError):
    """A student's answer is wrong; the message says how."""


class NotDoneYet(AssertionError):
    """The exercise still raises NotImplementedError (only raised when grading)."""


def grading() -> bool:
    """True when the autograder runs the notebook (environment ``BPLIB_GRADING=1``)."""
    return os.environ.get(GRADING_ENV) == "1"


def exercise(name: str, bplib_answers: Sequence[Callable] = ()) -> Callable:
    """Decorate a check: print the verdict, and turn "not implemented" into "not done yet".

    ``bplib_answers`` are bplib's own implementations of what the exercise asks; a student's
    function that calls one of them fails the check, whatever it returns.
    """

    def decorate(check: Callable) -> Callable:
        @functools.wraps(check)
        def run(*args, **kwargs):
            try:
                with _calls_from_student_code(bplib_answers, sys._getframe(), check) as called:
                    check(*args, **kwargs)
                if called:
                    fail(_not_an_answer(called[0]))
            except NotImplementedError:
                if grading():
                    raise NotDoneYet(f"{name}: not done yet") from None
                print(f"○ {name}: not done yet — fill in the cell above, run it, then this one.")
                return
            except CheckFailed as e:
                # Raise a fresh error so the traceback shows the message, not our internals.
                raise CheckFailed(f"✘ {name}: {e}") from None
            print(f"✔ {name}: passed")

        run.exercise = name  # type: ignore[attr-defined]  # how the checks of a module are found
        # what the grader's agent watches for in the kernel, where this check's guard cannot see
        run.bplib_answers = tuple(bplib_answers)  # type: ignore[attr-defined]
        return run

    return decorate


# Code that is not the student's: bplib itself, the standard library and installed packages.
_LIBRARY = tuple(
    os.path.join(os.path.realpath(p), "")
    for p in {os.path.dirname(os.path.dirname(__file__)), sys.prefix, sys.base_prefix}
)


@contextlib.contextmanager
def _calls_from_student_code(
    answers: Sequence[Callable], check_frame: FrameType, check: Callable
) -> Iterator[list[Callable]]:
    """Record, in the list it yields, each of ``answers`` that is called during the block from
    code that is neither the library's nor ``check``'s module (so: the student's function, or
    code of theirs it calls), between ``check_frame`` and the call."""
    trusted = (*_LIBRARY, os.path.realpath(check.__code__.co_filename))
    codes = {getattr(f, "__code__", None): f for f in answers}
    codes.pop(None, None)
    called: list[Callable] = []
    if not codes:
        yield called
        return

    def watch(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            caller = frame.f_back
            while caller is not None and caller is not check_frame:
                if not os.path.realpath(caller.f_code.co_filename).startswith(trusted):
                    called.append(codes[frame.f_code])
                    break
                caller = caller.f_back

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        yield called
    finally:
        sys.setprofile(previous)


def _not_an_answer(answer: Callable) -> str:
    return (
        f"your code calls {answer.__module__}.{answer.__qualname__}, bplib's own answer to this "
        "exercise. Write it with NumPy; bplib's version is for the chapters after this one."
    )


def fail(message: str) -> NoReturn:
    """Stop the check with ``message``."""
    raise CheckFailed(message)


def call(fn: Callable, *args, what: str, hint: Callable[[Exception], str] | None = None):
    """Call the student's ``fn``; an exception other than NotImplementedError is feedback.

    ``hint(e)`` is the text that follows the message "``what`` raised ...: e" (a likely cause
    that the exception points to, or "").
    """
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except Exception as e:
        fail(f"{what} raised {type(e).__name__}: {e}{hint(e) if hint else ''}")


@contextlib.contextmanager
def unchanged(arrays: Callable[..., Sequence[np.ndarray]], message: str) -> Iterator[None]:
    """Fail with ``message`` if the arrays that ``arrays()`` gives after the block differ from
    those it gave before (the student's function changed its input in place)."""
    before = [np.array(a, copy=True) for a in arrays()]
    yield
    after = arrays()
    if len(after) != len(before) or not all(
        np.array_equal(a, b) for a, b in zip(after, before, strict=True)
    ):
        fail(message)


def global_names(code: CodeType) -> set[str]:
    """The global names a code object and the functions defined inside it use."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= global_names(const)
    return names


@contextlib.contextmanager
def references_in_place(fn: Callable, references: Mapping[str, Callable]) -> Iterator[list[str]]:
    """For the block, those of ``references`` (name: the course's version of an earlier
    exercise) that ``fn`` calls by global name are rebound in ``fn``'s namespace (the
    notebook's), and restored after; yields their names."""
    rebind = getattr(fn, "rebind", None)
    if rebind is not None:  # a function in a kernel the grader talks to: it rebinds there
        used = rebind(references)
        try:
            yield used
        finally:
            fn.restore()  # type: ignore[attr-defined]
        return
    namespace = getattr(fn, "__globals__", {})
    code = getattr(fn, "__code__", None)
    names = global_names(code) if isinstance(code, CodeType) else set()
    used = sorted(n for n in references if n in names and n in namespace)
    saved = {n: namespace[n] for n in used}
    try:
        namespace.update({n: references[n] for n in used})
        yield used
    finally:
        namespace.update(saved)


def judged_on_its_own(
    fn: Callable, name: str, run: Callable[[Callable], None], references: Mapping[str, Callable]
) -> None:
    """``run(fn)``; when it fails, run it again with the references in place of the student's
    helpers that ``fn`` calls. ``fn`` passes if only those helpers were wrong (their own checks
    mark them), and the message names the ones that were; it fails, saying so, if the fault is
    its own."""
    try:
        run(fn)
        return
    except (CheckFailed, NotImplementedError) as e:
        first = e
    with references_in_place(fn, references) as used:
        if not used:
            raise first
        try:
            run(fn)
        except NotImplementedError:
            raise first from None
        except CheckFailed as again:
            listed = " and ".join(f"your {n}" for n in used)
            fail(
                f"{again}\n(It fails in the same way with the course's reference versions in "
                f"place of {listed}: the fault is in {name} itself.)"
            )
    faulty = [n for n in used if _fails_with_only(fn, n, run, references)] or used
    listed = " and ".join(f"your {n}" for n in faulty)
    print(
        f"{name}: your {name} itself is right. It fails with {listed} (their own checks mark "
        f"them), and passes with the course's reference versions in their place:\n  {first}"
    )


def _fails_with_only(
    fn: Callable, own: str, run: Callable[[Callable], None], references: Mapping[str, Callable]
) -> bool:
    """Whether ``run(fn)`` fails with the student's ``own`` and the references for the rest."""
    with references_in_place(fn, {n: r for n, r in references.items() if n != own}):
        try:
            run(fn)
        except (CheckFailed, NotImplementedError):
            return True
    return False


def compare(
    got,
    expected,
    what: str,
    tol: Tolerance = ROUND_OFF,
    causes: Sequence[tuple[ArrayLike, str]] = (),
) -> None:
    """Fail unless ``got`` equals ``expected`` to the tolerances (``np.allclose`` semantics).

    ``what`` names the quantity ("nabla_w[1] for the worked example"). ``causes`` pairs a wrong
    answer that a common mistake produces with the likely cause; when ``got`` matches one, the
    message names the cause.
    """
    rtol, atol = tol
    expected = np.asarray(expected, dtype=float)
    if got is None:
        fail(f"{what}: got None — did the function forget to `return` its result?")
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        fail(f"{what}: expected a number or array, got {type(got).__name__}")
    if got_arr.shape != expected.shape:
        for wrong, cause in causes:
            if np.shape(wrong) == got_arr.shape and np.allclose(got_arr, wrong, rtol, atol):
                fail(f"{what}: shape {got_arr.shape}, expected {expected.shape}. Likely: {cause}")
        hint = ""
        if got_arr.shape == expected.shape[::-1] and got_arr.ndim == 2:
            hint = " (the transpose: check the order of a matrix product)"
        fail(f"{what}: expected shape {expected.shape}, got {got_arr.shape}{hint}")
    if not np.all(np.isfinite(got_arr)):
        fail(f"{what}: contains NaN or infinity, expected finite values")
    if np.allclose(got_arr, expected, rtol=rtol, atol=atol):
        return
    for wrong, cause in causes:
        if np.shape(wrong) == got_arr.shape and np.allclose(got_arr, wrong, rtol, atol):
            fail(f"{what} is wrong. Likely cause: {cause}")
    if expected.ndim == 0:
        fail(f"{what}: expected {expected:.6g}, got {float(got_arr):.6g}")
    err = np.abs(got_arr - expected)
    i = np.unravel_index(np.argmax(err), err.shape)
    n_bad = int(np.sum(~np.isclose(got_arr, expected, rtol=rtol, atol=atol)))
    fail(
        f"{what}: {n_bad} of {err.size} entries are wrong; the worst is at index "
        f"{tuple(int(j) for j in i)}: expected {expected[i]:.6g}, got {got_arr[i]:.6g}"
    )


def same(got: Sequence, other: Sequence, tol: Tolerance = ROUND_OFF) -> bool:
    """Whether two sequences hold as many arrays, pairwise of the same shape and values."""
    if not isinstance(got, (tuple, list)) or len(got) != len(other):
        return False
    try:
        pairs = [
            (np.asarray(g, dtype=float), np.asarray(o, dtype=float))
            for g, o in zip(got, other, strict=True)
        ]
    except (TypeError, ValueError):
        return False
    return all(g.shape == o.shape and np.allclose(g, o, tol.rtol, tol.atol) for g, o in pairs)


def compare_all(
    got: Sequence,
    expected: Sequence,
    whats: Sequence[str],
    tol: Tolerance = ROUND_OFF,
    slips: Sequence[tuple[Sequence, str]] = (),
    what: str = "",
    causes: Sequence[Sequence[tuple[ArrayLike, str]]] | None = None,
) -> None:
    """``compare`` the arrays of ``got`` with those of ``expected`` in order, the i-th named
    ``whats[i]`` and matched against the common mistakes ``causes[i]``.

    ``slips`` pairs a whole sequence of wrong arrays that one slip gives with its cause: when
    every array of ``got`` matches one (and ``expected`` does not), the message is
    "``what`` is wrong. Likely cause: ...", before any array is compared on its own.
    """
    for wrong, cause in slips:
        if same(got, wrong, tol) and not same(expected, wrong, tol):
            fail(f"{what} is wrong. Likely cause: {cause}")
    for i, (g, e, w) in enumerate(zip(got, expected, whats, strict=True)):
        compare(g, e, w, tol, causes=causes[i] if causes else ())
