"""The notebooks in the repository store what a reader needs and nothing a re-run rewrites:
no cell carries the ``execution`` timings that nbclient and nbconvert record, so re-running a
notebook changes only what its code changed (review the rest with ``nbdiff -s``)."""

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "solutions").glob("*.ipynb")) + sorted(
    (ROOT / "chapters").glob("*.ipynb")
)


def test_there_are_notebooks_to_check():
    assert len(NOTEBOOKS) >= 2 * 11


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_cell_stores_execution_timings(path):
    nb = nbformat.read(path, as_version=4)
    timed = [i for i, cell in enumerate(nb.cells) if "execution" in cell.metadata]
    assert not timed, (
        f"{path.name}: cells {timed} store execution timings; run the notebook with "
        "record_timing off (see CONTRIBUTING.md) or delete metadata.execution"
    )
