"""bplib.instructor.submission: reading a submission names what is wrong with it."""

import pytest

from bplib.instructor import submission


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"  \n", "empty file"),
        (b"\xff\xfe", "invalid notebook: not JSON"),
        (b"[1, 2]", "invalid notebook: JSON, but not a notebook"),
        (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{}]}', "invalid"),
    ],
)
def test_parse_names_what_is_wrong(data, problem):
    nb, message = submission.parse(data)
    assert nb is None
    assert message.startswith(problem)
