"""Fixtures for the browser tests: one JupyterLab server and one headless Chromium per run.

The server runs on 127.0.0.1 with a random free port and a token, in a temporary copy of the
course, so nothing in the repository is touched or autosaved. Chromium is Debian's (or any on
PATH, or the one named by ``BPLIB_CHROMIUM``); Playwright drives it and never downloads one.
"""

import json
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from chromium import chromium_path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"


def pytest_collection_modifyitems(config, items):
    if chromium_path() is None:
        skip = pytest.mark.skip(
            reason="browser tests skipped: no Chromium found (apt-get install chromium, "
            "or set BPLIB_CHROMIUM to its path)"
        )
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab: ``url(path)`` opens a notebook, ``root`` is its folder."""

    def __init__(self, root: Path, port: int, token: str) -> None:
        self.root, self.base, self.token = root, f"http://127.0.0.1:{port}", token

    def url(self, path: str) -> str:
        # reset: start from an empty workspace, not the notebooks an earlier test left open
        return f"{self.base}/lab/tree/{path}?reset&token={self.token}"

    def api(self, path: str):
        with urllib.request.urlopen(f"{self.base}/api/{path}?token={self.token}", timeout=5) as r:
            return json.load(r)

    def kernel_state(self, notebook: str) -> str | None:
        """The execution state the server reports for ``notebook``'s kernel, if it has one."""
        for session in self.api("sessions"):
            if session["path"] == notebook and session.get("kernel"):
                return session["kernel"]["execution_state"]
        return None


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Lab:
    root = tmp_path_factory.mktemp("course")
    for folder in ["chapters", "solutions"]:
        (root / folder).mkdir()
        for notebook in (ROOT / folder).glob("*.ipynb"):
            shutil.copy(notebook, root / folder)
    settings = tmp_path_factory.mktemp("settings")
    # Render every cell (JupyterLab 4 otherwise renders only the visible ones), and ask for
    # no news or update checks, which would reach the network.
    for plugin, values in {
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    log = open(tmp_path_factory.mktemp("log") / "jupyterlab.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
            "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={settings / 'workspaces'}",
        ],
        stdout=log, stderr=subprocess.STDOUT, cwd=root,
    )  # fmt: skip
    lab = Lab(root, port, token)
    deadline = time.monotonic() + 120
    while True:
        try:
            lab.api("status")
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start; see its log at {log.name}")
            time.sleep(0.2)
    yield lab
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync",
            ],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield page
    page.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go: test-artifacts/browser/, kept after the run."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS
