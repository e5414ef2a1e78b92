"""What the bot keeps about its use, and for how long: one frozen value, read once.

The bot writes the feedback database and the CLI's ``citebot report`` reads it, so both read
its settings from here (as ``index.config`` explains: a dataclass for the code, a
pydantic-settings model for how the environment spells it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field

from index.config import EnvSettings

# A century: past it a date cannot be computed, and no one keeps questions that long.
MAX_DAYS = 36_500


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """Where feedback (and, when asked, the question log) is kept."""

    path: Path = Path("data/feedback.sqlite3")
    # Keep each question with its outcome, confidence, the passage quoted and its votes, for
    # the owner's report. Off by default: questions are the users' words, kept only when the
    # owner says so (and /about tells users).
    log_questions: bool = False
    # Days a logged question is kept, and what is kept of a server the bot left (its library,
    # settings, questions and votes); older ones are deleted at start and once a day.
    retention_days: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> StoreConfig:
        """Read the settings; ``overrides`` (flags; ``None`` means not given) win."""
        given = {name: value for name, value in overrides.items() if value is not None}
        return cls(**StoreSettings.read(env, **given).model_dump())


_DEFAULTS = StoreConfig()


class StoreSettings(EnvSettings):
    """The store's variables, as ``StoreConfig.from_env`` reads them (``.env.example``)."""

    path: Path = Field(_DEFAULTS.path, validation_alias="CITEBOT_FEEDBACK_DB")
    log_questions: bool = _DEFAULTS.log_questions
    retention_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = _DEFAULTS.retention_days
