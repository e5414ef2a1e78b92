"""The phrase bonus costs what a passage's length costs, whatever the question repeats.

It once compared every pair of positions of two repeated terms: a crafted passage plus a
question that repeats its words held a search thread for tens of seconds.
"""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from index.lexical import LexicalIndex
from index.retriever import PHRASE_WINDOW, _near, _phrase

positions = st.lists(st.integers(0, 200), max_size=30).map(lambda xs: sorted(set(xs)))


@given(positions, positions)
def test_near_is_the_pairwise_test(first, second):
    pairwise = any(abs(i - j) < PHRASE_WINDOW for i in first for j in second)

    assert _near(first, second) == pairwise


def test_a_passage_repeating_the_question_is_scored_in_linear_time(tmp_path):
    # 50,000 "pact", 50,000 fillers, 50,000 "defence": every pair of positions far apart.
    words = ["pact"] * 50_000 + ["filler"] * 50_000 + ["defence"] * 50_000
    LexicalIndex.build([" ".join(words)], tmp_path)
    lexical = LexicalIndex.open(tmp_path)
    query = lexical.query("defence pact " * 100)
    sentence = lexical.positions(" ".join(words))

    started = time.perf_counter()
    share = _phrase(query, sentence)
    elapsed = time.perf_counter() - started

    assert len(query.pairs) == 2  # each adjacent pair once, however often it is repeated
    assert share == 0.0
    assert elapsed < 1.0  # pairwise: 2.5e9 comparisons; linear: 1e5
