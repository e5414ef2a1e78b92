"""Fixtures shared by every test package: the real model, loaded once, and the data we ship."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests_paths import KARABAKH, shared

from index import Embedder, EngineConfig


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The real offline model; loading it is the slow part, so every test shares one."""
    cache = tmp_path_factory.mktemp("model-cache")
    return Embedder(EngineConfig(cache_dir=cache))


@pytest.fixture
def config(tmp_path: Path) -> EngineConfig:
    return EngineConfig(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


@pytest.fixture(scope="session")
def karabakh() -> Path:
    return shared(KARABAKH, "the reference article")


def _write_markdown(
    folder: Path, name: str, title: str, paragraphs: list[str], **meta: str
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    front = "\n".join(f"{k}: {v}" for k, v in {"title": title, **meta}.items())
    path = folder / name
    path.write_text(f"---\n{front}\n---\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def write_markdown():
    """``write_markdown(folder, name, title, paragraphs, **meta)``: an article of the test's own."""
    return _write_markdown
