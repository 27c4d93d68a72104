"""Chapter 00's exercises for the tests: the reference answers, as in solutions/00_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

import numpy as np
from contract import Case, hard

from bplib import losses


def mean_squared_error(a, y):
    """The reference, as in solutions/00_getting_started.ipynb."""
    return 0.5 * float(np.sum((a - y) ** 2)) / a.shape[0]


def via_bplib(a, y):
    return losses.quadratic(a, y)


CASES = {
    "mean_squared_error": Case(
        (mean_squared_error,),
        hard(mean_squared_error),
        ("on a random batch",),
        calls=({}, {"seed": 7}, {"seed": 8, "m": 1}, {"seed": 3, "m": 9}),
        via_bplib=(via_bplib,),
    ),
}
