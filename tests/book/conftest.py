"""What the book's tests share: its configuration."""

from pathlib import Path

import pytest
import yaml

BOOK = Path(__file__).resolve().parents[2] / "book"


@pytest.fixture(scope="session")
def book_config() -> dict:
    return yaml.safe_load((BOOK / "_config.yml").read_text())
