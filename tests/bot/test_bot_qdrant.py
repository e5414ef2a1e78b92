"""The bot on a library kept in Qdrant (qdrant-client's embedded local mode): it answers as it
does from the index folder, and picks up a rebuild through the alias without a restart."""

from __future__ import annotations

from typing import Any

import pytest
from bot_helpers import ARTICLES, FakeInteraction, invoke, write_articles

from index import Embedder, EngineConfig, build
from index.config import QdrantConfig

pytestmark = pytest.mark.slow  # builds a real index with the real model

QUESTION = "Who does Russia have a defense pact with?"


@pytest.fixture
def qdrant_index(tmp_path: Any, embedder: Embedder) -> EngineConfig:
    config = EngineConfig(
        index_dir=tmp_path / "index",
        cache_dir=tmp_path / "cache",
        store="qdrant",
        qdrant=QdrantConfig(path=tmp_path / "qdrant"),
    )
    build([write_articles(tmp_path / "articles.jsonl", ARTICLES)], config, embedder=embedder)
    return config


def _shown(interaction: FakeInteraction) -> tuple[Any, ...]:
    embed = interaction.last.embed
    return embed.title, embed.url, embed.description, [f.value for f in embed.fields]


async def test_ask_answers_from_qdrant_as_from_the_index_folder(
    make_bot: Any, built_index: EngineConfig, qdrant_index: EngineConfig
) -> None:
    from_folder = await make_bot(engine=built_index)
    from_qdrant = await make_bot(engine=qdrant_index)

    want = await invoke(from_folder, "ask", FakeInteraction(from_folder), question=QUESTION)
    got = await invoke(from_qdrant, "ask", FakeInteraction(from_qdrant), question=QUESTION)

    assert _shown(got) == _shown(want)
    assert got.last.embed.footer.text == want.last.embed.footer.text  # the same confidence
    about = await invoke(from_qdrant, "about", FakeInteraction(from_qdrant))
    assert {f.name: f.value for f in about.last.embed.fields}["Articles"] == "3"


async def test_the_bot_picks_up_a_rebuild_through_the_alias(
    make_bot: Any, qdrant_index: EngineConfig, tmp_path: Any, embedder: Embedder
) -> None:
    bot = await make_bot(engine=qdrant_index)
    before = bot.service.shared.snapshot.version.id

    build([write_articles(tmp_path / "fewer.jsonl", ARTICLES[1:])], qdrant_index, embedder=embedder)

    assert await bot.service.reload() is True
    assert bot.service.shared.snapshot.version.id != before
    about = await invoke(bot, "about", FakeInteraction(bot))
    assert {f.name: f.value for f in about.last.embed.fields}["Articles"] == "2"
