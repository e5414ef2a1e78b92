"""A server's settings as its owners type them: what each reads as, and one line naming the
setting and what it allows when it reads as nothing."""

from __future__ import annotations

import pytest

from guilds import SETTINGS, InvalidSetting, ServerSettings, parse


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("channels", "<#111>, 222  <#333>", frozenset({111, 222, 333})),
        ("channels", "all", frozenset()),
        ("channels", " ALL ", frozenset()),
        ("threshold", "0.4", 0.4),
        ("threshold", " 1 ", 1.0),
        ("cooldown", "0", 0.0),
        ("cooldown", "2.5", 2.5),
        ("channel_limit", "12", 12),
        ("mentions", "off", False),
        ("mentions", "Yes", True),
        ("mentions", "false", False),
        ("owner_role", "  Librarians ", "Librarians"),
        ("owner_role", "<@&987>", "987"),
        ("owner_role", "none", None),
    ],
)
def test_what_a_typed_value_reads_as(name: str, text: str, value: object) -> None:
    assert parse(name, text) == value


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        ("threshold", "1.5", "threshold must be a number from 0 to 1."),
        ("threshold", "nan", "threshold must be a number from 0 to 1."),
        ("threshold", "high", "threshold must be a number from 0 to 1."),
        ("cooldown", "-1", "cooldown must be a number of seconds, 0 or more."),
        ("cooldown", "inf", "cooldown must be a number of seconds, 0 or more."),
        ("channel_limit", "2.5", "channel_limit must be a whole number, 0 (no limit) or more."),
        ("mentions", "maybe", "mentions must be on or off."),
        ("channels", "#general", "channels must be channel mentions or ids separated by commas"),
        ("channels", "<#0>", "channels must be channel mentions"),
        ("channels", " ".join(str(i) for i in range(1, 27)), "channels must be"),
        ("owner_role", "x" * 101, "owner_role must be a role (mention, name or id, at most 100"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting(name: str, text: str, error: str) -> None:
    with pytest.raises(InvalidSetting) as refused:
        parse(name, text)
    assert str(refused.value).startswith(error)
    assert "\n" not in str(refused.value)


def test_an_unknown_setting_lists_the_ones_there_are() -> None:
    with pytest.raises(InvalidSetting, match="no such setting: the settings are channels, "):
        parse("colour", "red")


def test_every_field_is_a_setting_with_words_for_what_it_allows() -> None:
    names = list(ServerSettings.__dataclass_fields__)
    assert list(SETTINGS) == names
    assert all(SETTINGS.values())
