"""Questions grouped by topic: what the library was asked and could not answer, by subject.

The questions are embedded with the engine's own model (unit vectors, so a dot product is the
cosine) and grouped bottom-up: the two closest groups merge while their average similarity
(average linkage, every pair of questions counted, repeats weighted) is at least
``threshold``. Unlike k-means this needs no number of groups, and a question unlike every
other stays alone instead of being forced into a topic. Each group is named by its most
central question (the one closest, on average, to the others) and its most frequent content
words. numpy only; each merge is one pass over the similarity matrix, so the questions are
capped (``MAX_QUESTIONS``, the most recent) to keep a report within seconds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index import Embedder

MAX_QUESTIONS = 1000
# Average cosine between all-MiniLM-L6-v2 vectors of questions on one subject is about 0.4 to
# 0.7; of unrelated questions about 0 to 0.2 (measured on the tests' questions).
THRESHOLD = 0.35
WORDS = 3  # content words named per topic
EXAMPLES = 3  # questions shown per topic besides the central one

_WORD = re.compile(r"[^\W\d_]{3,}")
# Words every question uses, which say nothing of its subject.
_COMMON = """
    about above after again against all also and any are because been before being below
    between both but can cannot could did does doing down during each few for from further
    had has have having her here hers him his how into its itself just more most much must
    not now off once only other our ours out over own same she should some such than that
    the their theirs them then there these they this those through too under until very
    was were what when where which while who whom whose why will with would you your yours
    yourself get got make made many way use used know tell please called long
"""
_STOPWORDS = frozenset(_COMMON.split())


@dataclass(frozen=True, slots=True)
class Topic:
    """One group of questions: how many were asked, what names it, and a few examples."""

    questions: int  # counting repeats
    label: str  # the most central question
    words: tuple[str, ...]  # the most frequent content words
    examples: tuple[str, ...]  # other questions of the group, most asked first

    def to_dict(self) -> dict[str, object]:
        return {
            "questions": self.questions,
            "label": self.label,
            "words": list(self.words),
            "examples": list(self.examples),
        }


def topics(
    questions: Sequence[str], embedder: Embedder, threshold: float = THRESHOLD
) -> list[Topic]:
    """``questions`` (repeats allowed) grouped by subject, largest group first."""
    counts = Counter(" ".join(q.split()) for q in questions if q.strip())
    if not counts:
        return []
    texts = list(counts)
    weights = np.array([counts[t] for t in texts], dtype=np.float64)
    vectors = embedder.encode(texts).astype(np.float64)
    groups = cluster(vectors, weights, threshold)
    similarity = vectors @ vectors.T
    found = [_topic(texts, weights, similarity, members) for members in groups]
    return sorted(found, key=lambda topic: (-topic.questions, topic.label))


def cluster(vectors: np.ndarray, weights: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-linkage groups of unit ``vectors`` (rows), each row counted ``weights`` times."""
    n = len(vectors)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    sizes = weights.astype(np.float64).copy()
    members: list[list[int]] = [[i] for i in range(n)]
    while n > 1:
        i, j = divmod(int(np.argmax(similarity)), n)
        if similarity[i, j] < threshold:
            break
        # Lance-Williams: the merged group's average similarity to every other group.
        merged = (sizes[i] * similarity[i] + sizes[j] * similarity[j]) / (sizes[i] + sizes[j])
        similarity[i, :] = merged
        similarity[:, i] = merged
        similarity[i, i] = -np.inf
        similarity[j, :] = -np.inf
        similarity[:, j] = -np.inf
        sizes[i] += sizes[j]
        members[i] += members[j]
        members[j] = []
    return [group for group in members if group]


def _topic(
    texts: list[str], weights: np.ndarray, similarity: np.ndarray, members: list[int]
) -> Topic:
    inside = np.array(members)
    weight = weights[inside]
    # Each question's weighted average similarity to the group (itself included: a group of
    # one is its own centre, and a question asked often pulls the centre towards it).
    centrality = (similarity[np.ix_(inside, inside)] * weight).sum(axis=1) / weight.sum()
    centre = members[int(np.argmax(centrality))]
    words: Counter[str] = Counter()
    for index in members:
        for word in set(_WORD.findall(texts[index].casefold())) - _STOPWORDS:
            words[word] += int(weights[index])
    by_count = sorted(words.items(), key=lambda item: (-item[1], item[0]))
    others = sorted((i for i in members if i != centre), key=lambda i: (-weights[i], texts[i]))
    return Topic(
        questions=int(weight.sum()),
        label=texts[centre],
        words=tuple(word for word, _ in by_count[:WORDS]),
        examples=tuple(texts[i] for i in others[:EXAMPLES]),
    )
