"""Fixtures for the bot's tests: a real index built once a module, and bots set up on demand."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from bot_helpers import ARTICLES, bot_settings, write_articles

from bot import create_bot
from bot.client import CitebotBot
from index import Embedder, EngineConfig, build


@pytest.fixture(scope="module")
def built_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> EngineConfig:
    """One index for a module's tests that only read it."""
    root = tmp_path_factory.mktemp("bot-library")
    config = EngineConfig(index_dir=root / "index", cache_dir=root / "cache")
    build([write_articles(root / "articles.jsonl", ARTICLES)], config, embedder=embedder)
    return config


@pytest.fixture
async def make_bot(
    built_index: EngineConfig, tmp_path: Path, embedder: Embedder
) -> AsyncIterator[Callable[..., Any]]:
    """``await make_bot(**settings)``: a bot set up as on start-up, closed after the test."""
    bots: list[CitebotBot] = []

    async def make(engine: EngineConfig | None = None, **changes: Any) -> CitebotBot:
        settings = bot_settings(engine or built_index, tmp_path, **changes)
        bot = create_bot(settings, embedder=embedder)
        await bot._async_setup_hook()
        await bot.setup_hook()
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        await bot.close()
