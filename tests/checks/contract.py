"""What every chapter's contract cases share: the ``Case`` of one check, and the answers every
check must refuse (unfinished, hard-coded)."""

from collections.abc import Callable
from typing import NamedTuple

SHAPES = ({}, {"seed": 7}, {"shape": (3,)}, {"shape": (2, 3, 4)})


class Case(NamedTuple):
    """How to run one check: its reference answers (the functions it takes, in order), the
    keyword arguments of the runs they must pass, a hard-coded answer and what its failure
    message says (``says``) and, when the hard-coded answer is right on the worked example, what
    the message must not say (``not_says``). ``via_bplib``, for an exercise that bplib answers
    itself, are answers that call bplib's implementation: the check refuses them."""

    answers: tuple[Callable, ...]
    hard_coded: tuple[Callable, ...] | None
    says: tuple[str, ...] = ()
    not_says: str = ""
    calls: tuple[dict, ...] = ({}, {"seed": 7})
    via_bplib: tuple[Callable, ...] | None = None


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


def hard(*references: Callable) -> tuple[Callable, ...]:
    return tuple(hard_coded(r) for r in references)
