"""The settings a server's owners can change from Discord, and how a typed value is read.

``ServerSettings`` is one server's values. Its defaults are the host's (``.env``, through the
bot's settings), so it has none of its own here; a server's overrides replace single fields.
Each field's type says what it allows: pydantic reads a user's text with it, and checks a
stored value again when it is loaded, and its ``Allowed`` says so in words. A bad value gets
one line naming the setting and that: "threshold must be a number from 0 to 1".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, get_type_hints

from pydantic import (
    BeforeValidator,
    Field,
    NonNegativeInt,
    PositiveInt,
    TypeAdapter,
    ValidationError,
)

from index import CitebotError
from index.config import Probability

MAX_CHANNELS = 25  # /settings show lists them in one embed field (1,024 characters)
MAX_ROLE = 100  # Discord's longest role name
ALL_CHANNELS = "all"
MANAGE_SERVER = "none"  # an owner role of "none": the Manage Server permission decides

_CHANNEL = re.compile(r"<#([0-9]+)>|([0-9]+)")
_ROLE_MENTION = re.compile(r"<@&([0-9]+)>")


def _channel_ids(value: Any) -> Any:
    """``<#123>, 456`` (mentions or ids, by commas or spaces), or "all": the ids it names."""
    if not isinstance(value, str):
        return value  # a stored list
    words = [word for word in re.split(r"[\s,]+", value) if word]
    if [word.casefold() for word in words] == [ALL_CHANNELS]:
        return frozenset()
    found = [_CHANNEL.fullmatch(word) for word in words]
    if not all(found):
        raise ValueError("not a channel")
    return frozenset(int(match[1] or match[2]) for match in found if match)


def _role(value: Any) -> Any:
    """A role's name, id or mention (kept as its id); "none" or nothing: no role."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text or text.casefold() == MANAGE_SERVER:
        return None
    mention = _ROLE_MENTION.fullmatch(text)
    return mention[1] if mention else text


class Allowed(str):
    """A setting type's last word: what its values may be, as the error for a bad one says."""

    __slots__ = ()


Channels = Annotated[
    frozenset[PositiveInt],
    Field(max_length=MAX_CHANNELS),
    BeforeValidator(_channel_ids),
    Allowed(
        f"channel mentions or ids separated by commas or spaces (at most {MAX_CHANNELS}), "
        f"or {ALL_CHANNELS}"
    ),
]
Threshold = Annotated[Probability, Field(allow_inf_nan=False), Allowed("a number from 0 to 1")]
Seconds = Annotated[
    float, Field(ge=0, allow_inf_nan=False), Allowed("a number of seconds, 0 or more")
]
Limit = Annotated[NonNegativeInt, Allowed("a whole number, 0 (no limit) or more")]
Switch = Annotated[bool, Allowed("on or off")]
Role = Annotated[
    str | None,
    Field(min_length=1, max_length=MAX_ROLE),
    BeforeValidator(_role),
    Allowed(
        f"a role (mention, name or id, at most {MAX_ROLE} characters), or {MANAGE_SERVER} for "
        "the Manage Server permission"
    ),
]


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """How the bot behaves in one server: the host's defaults, with the server's own values."""

    # Channel ids the bot answers in; empty: every channel it can see.
    channels: Channels
    # The confidence an answer needs; below it the bot says the library has none.
    threshold: Threshold
    # Seconds a user waits between two questions (0: no wait).
    cooldown: Seconds
    # Questions a channel may ask per minute, whoever asks (0: no limit).
    channel_limit: Limit
    # Whether mentioning the bot asks it a question.
    mentions: Switch
    # The role (name or id) that runs owner commands; None: the Manage Server permission.
    owner_role: Role


_HINTS = get_type_hints(ServerSettings, include_extras=True)
SETTINGS: dict[str, str] = {
    name: next(word for word in kind.__metadata__ if isinstance(word, Allowed))
    for name, kind in _HINTS.items()
}
"""Every setting's name, in the order /settings shows them, with what it allows."""

_TYPES = {name: TypeAdapter(kind) for name, kind in _HINTS.items()}


class InvalidSetting(CitebotError):
    """A setting's name or value is not one the server can use; the message is one line."""


def parse(name: str, text: str) -> Any:
    """The value of setting ``name`` that a user's ``text`` gives; ``InvalidSetting`` naming
    the setting and what it allows when it gives none."""
    kind = _kind(name)
    try:
        return kind.validate_python(text)
    except ValidationError:
        raise InvalidSetting(f"{name} must be {allowed(name)}.") from None


def to_json(name: str, value: Any) -> str:
    """A value of setting ``name`` as it is stored."""
    return _kind(name).dump_json(value).decode()


def from_json(name: str, text: str) -> Any:
    """A stored value, checked again (``InvalidSetting`` when the setting no longer allows it)."""
    try:
        return _kind(name).validate_json(text)
    except ValidationError:
        raise InvalidSetting(f"The stored {name} is no longer allowed.") from None


def allowed(name: str) -> str:
    """What setting ``name`` allows, in words; ``InvalidSetting`` when there is no such one."""
    if name not in SETTINGS:
        raise InvalidSetting(f"There is no such setting: the settings are {', '.join(SETTINGS)}.")
    return SETTINGS[name]


def _kind(name: str) -> TypeAdapter[Any]:
    allowed(name)
    return _TYPES[name]
