"""Binder's environment (.binder/) installs what `pip install bplib` does, on one Python that
bplib supports, and then bplib itself without its dependencies."""

import re
import shlex
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

BINDER = Path(__file__).resolve().parents[2] / ".binder"


def runtime_requirements() -> dict[str, SpecifierSet]:
    # The installed metadata is pyproject.toml as of the last install (make reinstalls when
    # pyproject.toml is newer); extras carry a marker and are left out.
    parsed = [Requirement(r) for r in metadata.requires("bplib")]
    return {r.name.lower(): r.specifier for r in parsed if r.marker is None}


def test_binder_environment_is_bplibs_runtime_dependencies_on_one_python():
    listed = yaml.safe_load((BINDER / "environment.yml").read_text())["dependencies"]
    pythons = [d for d in listed if re.match(r"python\b", d)]
    assert len(pythons) == 1 and re.fullmatch(r"python=3\.\d+", pythons[0]), pythons
    version = pythons[0].split("=")[1]
    assert version in SpecifierSet(metadata.metadata("bplib")["Requires-Python"])
    others = [Requirement(d) for d in listed if d not in pythons]
    assert {r.name.lower(): r.specifier for r in others} == runtime_requirements()


def test_postbuild_installs_bplib_without_dependencies():
    commands = [
        shlex.split(line)
        for line in (BINDER / "postBuild").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not line.startswith("set ")
    ]
    assert commands == [["python", "-m", "pip", "install", "--no-deps", "--editable", "."]]
    assert (BINDER / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
