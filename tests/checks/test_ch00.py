"""The check of chapter 00 names each common slip in the mean squared error (its contract is
in test_contract.py)."""

import numpy as np
import pytest
from cases_ch00 import mean_squared_error

from bplib.checks import ch00 as check


def test_the_worked_example_is_what_the_text_computes_by_hand():
    assert mean_squared_error(check.A_EXAMPLE, check.Y_EXAMPLE) == 0.3125


SLIPS = [
    (lambda a, y: 0.5 * np.sum((a - y) ** 2), "the sum over the batch instead of the mean"),
    (lambda a, y: np.sum((a - y) ** 2) / a.shape[0], "the factor 1/2 is missing"),
    (lambda a, y: np.mean((a - y) ** 2), "the frameworks' convention"),
    (lambda a, y: 0.5 * np.mean((a - y) ** 2), "averages over all m*k entries; this course"),
    (lambda a, y: 0.5 * np.sum((a - y) ** 2) / a.shape[1], "divided by k = a.shape[1]"),
    (lambda a, y: 0.5 * np.sum((a - y) ** 2, axis=1), "one cost per sample"),
    (lambda a, y: 0.5 * np.mean((a - y) ** 2, axis=0), "the mean over the batch (axis 0)"),
    (lambda a, y: 0.5 * np.mean(np.linalg.norm(a - y, axis=1)), "is not squared"),
    (lambda a, y: 0.5 * np.sum(np.subtract(a, y, out=a) ** 2) / len(a), "changed its argument"),
]


@pytest.mark.parametrize("wrong, cause", SLIPS)
def test_each_common_slip_is_named(wrong, cause, failure):
    message = failure(check.mean_squared_error, wrong)
    assert message.startswith("✘ mean_squared_error: ")
    assert cause in message


def test_the_frameworks_mse_is_named_a_convention_with_its_factor(failure):
    message = failure(check.mean_squared_error, lambda a, y: np.mean((a - y) ** 2))
    assert "Not a mistake" in message and "2/k times" in message
