"""The Chromium the browser tests drive: Debian's, any on PATH, or the one named by
``BPLIB_CHROMIUM``. Playwright never downloads one."""

import os
import shutil


def chromium_path() -> str | None:
    """The Chromium executable to drive, or None when there is none."""
    named = os.environ.get("BPLIB_CHROMIUM")
    if named:
        return named
    return next(filter(None, map(shutil.which, ["chromium", "chromium-browser"])), None)
