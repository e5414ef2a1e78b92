"""Servers' own settings and departures in SQLite: kept per server, across restarts, and
checked again when read back."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from guilds import GuildStore, InvalidSetting, ServerSettings
from index import EngineConfig

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
ONE, TWO = 111, 222


def test_a_server_without_settings_of_its_own_has_the_defaults(
    store: GuildStore, defaults: ServerSettings
) -> None:
    assert store.settings(ONE, defaults) == defaults
    assert store.own(ONE) == frozenset()
    assert store.configured() == []


def test_a_setting_changes_for_its_server_only_and_outlives_a_restart(
    store: GuildStore, defaults: ServerSettings, config: EngineConfig
) -> None:
    changed = store.set(ONE, "threshold", "0.6", defaults)
    store.set(ONE, "channels", "<#7> <#8>", defaults)

    assert changed == replace(defaults, threshold=0.6)
    assert store.settings(ONE, defaults) == replace(
        defaults, threshold=0.6, channels=frozenset({7, 8})
    )
    assert store.settings(TWO, defaults) == defaults
    assert store.own(ONE) == {"threshold", "channels"}
    store.close()
    with GuildStore.open(config) as again:
        assert again.settings(ONE, defaults).channels == {7, 8}
        assert again.settings(ONE, defaults).threshold == 0.6
        assert again.configured() == [ONE]
    assert (config.servers_root / "servers.sqlite3").is_file()  # beside the servers' libraries


def test_the_host_defaults_still_show_through_the_servers_own(
    store: GuildStore, defaults: ServerSettings
) -> None:
    store.set(ONE, "cooldown", "3", defaults)
    later = replace(defaults, channel_limit=99)  # the host changed .env and restarted

    assert store.settings(ONE, later) == replace(later, cooldown=3.0)


def test_a_bad_value_is_refused_and_the_setting_kept(
    store: GuildStore, defaults: ServerSettings
) -> None:
    store.set(ONE, "mentions", "off", defaults)
    with pytest.raises(InvalidSetting, match=r"^mentions must be on or off\.$"):
        store.set(ONE, "mentions", "sometimes", defaults)
    assert store.settings(ONE, defaults).mentions is False


def test_reset_one_setting_or_all(store: GuildStore, defaults: ServerSettings) -> None:
    for name, text in (("threshold", "0.9"), ("cooldown", "0"), ("owner_role", "Mods")):
        store.set(ONE, name, text, defaults)

    assert store.reset(ONE, "threshold") is True
    assert store.reset(ONE, "threshold") is False  # nothing of its own left to drop
    assert store.settings(ONE, defaults) == replace(defaults, cooldown=0.0, owner_role="Mods")
    assert store.reset(ONE) is True
    assert store.settings(ONE, defaults) == defaults
    with pytest.raises(InvalidSetting, match="no such setting"):
        store.reset(ONE, "colour")


def test_a_stored_value_no_longer_allowed_gives_way_to_the_default(
    store: GuildStore, defaults: ServerSettings, config: EngineConfig
) -> None:
    store.set(ONE, "cooldown", "4", defaults)
    store.close()
    with sqlite3.connect(config.servers_root / "servers.sqlite3") as db:  # an older citebot's
        db.execute("UPDATE settings SET value = '-3' WHERE name = 'cooldown'")
        db.execute("INSERT INTO settings VALUES (?, 'colour', '\"red\"', '2026-01-01')", (ONE,))
    with GuildStore.open(config) as again:
        assert again.settings(ONE, defaults) == defaults


def test_departures_count_from_the_first_and_end_on_rejoining(store: GuildStore) -> None:
    store.left(ONE, NOW - timedelta(days=40))
    store.left(ONE, NOW)  # a second removal event: the retention still counts from the first
    store.left(TWO, NOW - timedelta(days=10))

    assert store.departed() == {ONE: NOW - timedelta(days=40), TWO: NOW - timedelta(days=10)}
    assert store.expired(30, NOW) == [ONE]
    assert store.expired(5, NOW) == [ONE, TWO]
    store.joined(ONE)
    assert store.expired(30, NOW) == []
    assert list(store.departed()) == [TWO]


def test_forget_deletes_a_servers_rows(store: GuildStore, defaults: ServerSettings) -> None:
    store.set(ONE, "threshold", "0.5", defaults)
    store.left(ONE, NOW)
    store.set(TWO, "threshold", "0.7", defaults)

    assert store.forget(ONE) is True
    assert store.forget(ONE) is False
    assert store.settings(ONE, defaults) == defaults
    assert store.departed() == {}
    assert store.settings(TWO, defaults).threshold == 0.7


def test_a_change_from_another_process_is_seen_on_the_next_read(
    store: GuildStore, defaults: ServerSettings, config: EngineConfig
) -> None:
    store.set(ONE, "threshold", "0.6", defaults)
    assert store.settings(ONE, defaults).threshold == 0.6  # cached from here on
    with GuildStore.open(config) as host:  # the CLI, or a second bot process
        host.set(ONE, "threshold", "0.7", defaults)
        assert store.settings(ONE, defaults).threshold == 0.7
        host.forget(ONE)  # `citebot guilds delete`
    assert store.settings(ONE, defaults) == defaults
    assert store.own_value(ONE, "threshold") is None
