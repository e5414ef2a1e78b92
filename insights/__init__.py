"""What citebot's users ask and what the library lacks: the feedback and question store the bot
writes, and the report the owner reads (``citebot report``, the bot's ``/stats``).

It sits between the engine and the front ends: it uses ``index`` (the embedder, to group the
questions the library could not answer) and never imports ``bot``, ``cli`` or discord, so both
front ends share one report.
"""

from insights.config import StoreConfig, StoreSettings
from insights.report import Report, build_report, headline
from insights.store import (
    OUTCOMES,
    WAYS,
    Asked,
    Feedback,
    FeedbackStore,
    Forgotten,
    Outcome,
    Vote,
    Way,
)

__all__ = [
    "OUTCOMES",
    "WAYS",
    "Asked",
    "Feedback",
    "FeedbackStore",
    "Forgotten",
    "Outcome",
    "Report",
    "StoreConfig",
    "StoreSettings",
    "Vote",
    "Way",
    "build_report",
    "headline",
]
