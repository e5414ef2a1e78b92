"""Fixtures of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def tram_articles(cli_env: Path, write_markdown) -> Path:
    """A folder holding one article of two paragraphs, with full attribution."""
    folder = cli_env / "articles"
    write_markdown(
        folder, "tram.md", "A tram for the harbour",
        ["The council approved a tram line to the harbour with fourteen stops.",
         "Trams will run every six minutes at peak hours."],
        author="Ana Ruiz", date="2026-03-02", url="https://example.org/tram",
    )  # fmt: skip
    return folder
