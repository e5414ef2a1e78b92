"""Turning what a user typed into a question the engine can search, or a clear refusal."""

from __future__ import annotations

import re
import unicodedata

from index.errors import QuestionError

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff]")


def clean_question(text: str, max_chars: int) -> str:
    """The question with control and zero-width characters removed and spaces collapsed."""
    text = _INVISIBLE.sub("", text)
    text = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("Ask a question: the text is empty.")
    if len(text) > max_chars:
        raise QuestionError(
            f"That question is {len(text):,} characters long; please ask in at most {max_chars:,}."
        )
    if not any(c.isalnum() for c in text):
        raise QuestionError("There is nothing to search for in that question: use some words.")
    return text
