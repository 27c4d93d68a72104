"""Initializations: shapes, distributions, and the generator passed in."""

import numpy as np
import pytest

from bplib import init


@pytest.mark.parametrize(
    "name, w_mean, w_var",
    [
        ("normal", 0.0, 1.0),
        ("uniform", 0.5, 1 / 12),
        ("scaled_normal", 0.0, 1 / 400),
        ("xavier", 0.0, 2 / (400 + 300)),
        ("he", 0.0, 2 / 400),
    ],
)
def test_init_shapes_and_moments(name, w_mean, w_var):
    W, b = init.get(name)(400, 300, np.random.default_rng(0))
    assert W.shape == (400, 300) and b.shape == (300,)
    assert W.mean() == pytest.approx(w_mean, abs=4 * np.sqrt(w_var / W.size))
    assert W.var() == pytest.approx(w_var, rel=0.02)


def test_init_is_determined_by_the_generator_passed_in():
    first = init.he(5, 4, np.random.default_rng(3))[0]
    assert np.array_equal(first, init.he(5, 4, np.random.default_rng(3))[0])
    assert not np.array_equal(first, init.he(5, 4, np.random.default_rng(4))[0])


# From the registry, so that a new initialization is tested without touching this file.
@pytest.mark.parametrize("name", list(init.INITS))
def test_every_init_has_the_shapes_and_draws_from_the_generator_passed_in(name):
    draw = init.get(name)
    W, b = draw(6, 4, np.random.default_rng(3))
    assert W.shape == (6, 4) and b.shape == (4,)
    assert np.all(np.isfinite(W)) and np.all(np.isfinite(b))
    again = draw(6, 4, np.random.default_rng(3))
    assert np.array_equal(W, again[0]) and np.array_equal(b, again[1])
    assert not np.array_equal(W, draw(6, 4, np.random.default_rng(4))[0])
    assert np.unique(W).size > 1  # not one value repeated
