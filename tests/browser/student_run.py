"""What a student copy in chapters/ must show after Run All, however it was run (in JupyterLab
by the browser tests, or by nbclient where there is no browser): every code cell ran; no cell
raised except those tagged ``raises-exception``, which must raise; and the test cell of each
unfinished exercise says "not done yet"."""

import re

from bplib.instructor import exercise_format


def traceback_tail(error: dict, lines: int = 6) -> str:
    """The end of the traceback, without terminal colours: where the error happened."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.get("traceback", [])))
    return "\n".join(text.splitlines()[-lines:])


def text_of(cell: dict) -> str:
    return "".join("".join(out.get("text", "")) for out in cell["outputs"])


def problems(nb: dict) -> list[str]:
    """Everything the run of student copy ``nb`` (a notebook as JSON) shows that it should not."""
    found = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        where = f"cell {index} ({source.splitlines()[0] if source else 'empty'!r})"
        errors = [out for out in cell["outputs"] if out["output_type"] == "error"]
        expected = "raises-exception" in cell["metadata"].get("tags", [])
        if cell["execution_count"] is None:
            found.append(f"{where} did not run")
        elif errors and not expected:
            found.append(f"{where} raised:\n{traceback_tail(errors[0])}")
        elif expected and not errors:
            found.append(f"{where} is tagged raises-exception but raised nothing")
        if exercise_format.is_test(cell) and "not done yet" not in text_of(cell):
            found.append(f"{where} should say 'not done yet', printed {text_of(cell)!r}")
    return found
