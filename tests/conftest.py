"""Fixtures shared by every test package: the real model, loaded once, and the data we ship."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from local_site import Site, start, stop
from tests_paths import KARABAKH, shared

from index import Embedder, EngineConfig


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache directory for the session: the ONNX export is made once, not per test."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def embedder(model_cache: Path) -> Embedder:
    """The real offline model; loading it is the slow part, so every test shares one."""
    return Embedder(EngineConfig(cache_dir=model_cache))


@pytest.fixture
def cli_env(tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean place to run ``cli.main.main`` in: the session's model cache, a working folder
    with no stray ``.env``, no Discord token, and a wide console so that rich does not fold
    the text a test looks for. Returns the working folder."""
    monkeypatch.setenv("CITEBOT_CACHE_DIR", str(model_cache))
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("CITEBOT_INDEX_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


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


@pytest.fixture(scope="session")
def write_markdown():
    """``write_markdown(folder, name, title, paragraphs, **meta)``: an article of the test's own
    (session-wide: a pure function, so module-wide libraries can be written with it too)."""
    return _write_markdown


@pytest.fixture
def site() -> Iterator[Site]:
    """A web site on 127.0.0.1 (a free port) that the test fills with pages and feeds."""
    server = start()
    yield server
    stop(server)
