"""pyproject.toml and environment.yml name the same dependencies with the same ranges."""

import re
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def normalized(requirement: str) -> tuple[str, str]:
    """("name", "sorted,specifiers") from "name>=1,<2" or "name <2,>=1; extra == 'test'"."""
    requirement = requirement.split(";")[0]
    name, spec = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*(.*?)\s*", requirement).groups()
    return name.lower().replace("_", "-"), ",".join(sorted(spec.replace(" ", "").split(",")))


def test_environment_yml_matches_pyproject():
    # The installed metadata is pyproject.toml as of the last install (make reinstalls when
    # pyproject.toml is newer), and it reads the same on every supported Python.
    wanted = dict(normalized(r) for r in metadata.requires("bplib"))
    wanted["python"] = normalized("python" + metadata.metadata("bplib")["Requires-Python"])[1]
    text = (ROOT / "environment.yml").read_text().split("dependencies:")[1]
    listed = re.findall(r"^  - ([A-Za-z][\w.-]*[^:\n]*?)\s*$", text, re.M)
    conda = dict(normalized(r) for r in listed if r != "pip")
    assert conda == wanted
