"""Text into index terms: what BM25, the question's names and the phrase check all read."""

from __future__ import annotations

import re

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset(STOPWORDS_EN) | {
    "who",
    "whom",
    "what",
    "when",
    "where",
    "which",
    "why",
    "how",
    "does",
    "did",
    "do",
    "has",
    "have",
    "had",
    "was",
    "were",
    "is",
    "are",
    "its",
    "from",
    "about",
    "many",
    "much",
}


# Capitalised in English without naming what a question is about.
_CALENDAR = frozenset(
    (
        *("january", "february", "march", "april", "may", "june", "july", "august"),
        *("september", "october", "november", "december", "monday", "tuesday", "wednesday"),
        *("thursday", "friday", "saturday", "sunday"),
    )
)


class Analyzer:
    """Text → index terms: lower-case words, stop words out, English Snowball stems."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")

    def terms(self, text: str) -> list[str]:
        words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
        return self._stemmer.stemWords(words)

    def names(self, text: str) -> list[str]:
        """The terms of the words of ``text`` written as names: capitalised past the first
        word ("who does Russia …"), or with capitals inside ("NATO", "HBoV1").

        Without a tagger this misses names typed in lower case and takes some capitalised
        ordinary words for names; both only make the check of ``Retriever._subject`` looser or
        stricter by a word. Short capitals ("TV", "CM", "US") are left out: they abbreviate
        what an article may spell out ("television", "command module"), and so are calendar
        words, which are capitalised without naming a subject.
        """
        words = [m.group() for m in _WORD.finditer(text)]
        found = [
            w
            for at, w in enumerate(words)
            if w.lower() not in _STOP
            and w.lower() not in _CALENDAR
            and len(w) > 3
            and not w.isdigit()
            and ((at > 0 and w[0].isupper()) or sum(c.isupper() for c in w) > 1)
        ]
        return self._stemmer.stemWords([w.lower() for w in found])
