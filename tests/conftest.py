"""What every test file shares: no test inherits the grading switch from the shell that runs
pytest, and the helpers that run an exercise check and return what it printed or raised."""

import pytest

from bplib.checks.feedback import GRADING_ENV, CheckFailed


@pytest.fixture(autouse=True)
def _not_grading(monkeypatch):
    """``BPLIB_GRADING=1 pytest`` runs the tests as a student's kernel, not as the grader's."""
    monkeypatch.delenv(GRADING_ENV, raising=False)


@pytest.fixture
def grading(monkeypatch):
    """Run the test as the grader runs a notebook: the checks raise NotDoneYet."""
    monkeypatch.setenv(GRADING_ENV, "1")


@pytest.fixture
def failure():
    """``failure(check, *answers, **kwargs)``: the message of the CheckFailed the check raises."""

    def run(check, *answers, **kwargs) -> str:
        with pytest.raises(CheckFailed) as e:
            check(*answers, **kwargs)
        return str(e.value)

    return run


@pytest.fixture
def passes(capsys):
    """``passes(check, *answers, **kwargs)``: the check runs and prints exactly its ✔ line."""

    def run(check, *answers, **kwargs) -> None:
        capsys.readouterr()
        check(*answers, **kwargs)
        assert capsys.readouterr().out == f"✔ {check.exercise}: passed\n"

    return run
