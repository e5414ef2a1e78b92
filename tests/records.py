"""Engine records for tests that store or show them without a library: a passage found."""

from __future__ import annotations

from index import Article, Hit, Passage, Span


def one_sentence_hit(key: str = "a.md", paragraph: int = 2, score: float = 0.9) -> Hit:
    """A hit on a one-sentence passage of article ``key`` (titled as its key in capitals)."""
    text = "The answer is here."
    sentence = Span(0, len(text))
    passage = Passage(7, 1, paragraph, text, 0, len(text), (sentence,))
    article = Article(1, key, key, key.upper(), None, None, None, None, "h", 3, 3)
    return Hit(passage, article, score, sentence)
