"""Fixtures of the servers' tests: the host's defaults and a store in the servers' folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from guilds import GuildStore, ServerSettings
from index import EngineConfig


@pytest.fixture
def defaults() -> ServerSettings:
    """What ``.env`` says: a server without settings of its own gets these."""
    return ServerSettings(
        channels=frozenset({5}),
        threshold=0.25,
        cooldown=10.0,
        channel_limit=20,
        mentions=True,
        owner_role=None,
    )


@pytest.fixture
def store(config: EngineConfig) -> Iterator[GuildStore]:
    with GuildStore.open(config) as opened:
        yield opened
