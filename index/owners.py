"""Which article indexes a paragraph text that several articles share, across segments.

A full build indexes each distinct paragraph text once, as a passage of the first article (by
key) that holds it; the others keep it as a *duplicate* (``store.Duplicate``), not searched.
A change that writes one new segment must leave the library as a rebuild would, so it works
out, for the texts it touches (those of the new articles, and those the removed or replaced
articles indexed), which live article a rebuild would make their owner:

- a new article whose key sorts before the current owner's takes the text over: the current
  owner is rewritten into the new segment without it (and tombstoned where it was);
- when the owner is removed, the next holder by key gets the text: it is rewritten into the
  new segment with the text as its passage (which a rebuild would also have to embed, with
  that article's title in front; its other vectors come from the embedding cache).

Rewriting is rare (repeated paragraphs are boilerplate) and costs the rewritten articles only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from index.cache import text_hash
from index.catalog import Catalog
from index.entries import Entry, Piece
from index.records import ArticleMeta


@dataclass(frozen=True, slots=True)
class Plan:
    """What a change writes: the new segment's entries, and the live articles it tombstones
    (the removed or replaced ones, and those rewritten into the new segment)."""

    entries: tuple[Entry, ...]
    gone: frozenset[int]
    taken: frozenset[str]  # texts of the new segment that an article outside it indexes


def digest(text: str) -> str:
    """What two pieces share when they are the same paragraph (whitespace aside)."""
    return text_hash(" ".join(text.split())).hex()


def plan(catalog: Catalog, new: Sequence[Entry], gone: Collection[int]) -> Plan:
    """The change that adds ``new`` entries and removes the articles ``gone`` (global ids)."""
    touched = {digest(p.text) for e in new for p in e.pieces}
    touched |= {r.text_hash for _, rows, _ in catalog.article_rows(gone) for r in rows}
    held = _held(catalog, touched, gone)
    keys = {a.id: a.key for a in catalog.articles(held)}
    owner = _owners(new, held, keys)
    moved = {
        article
        for article, texts in held.items()
        if any((owner[d] == keys[article]) != indexed for d, indexed in texts.items())
    }
    rewritten = [
        Entry(
            article.key,
            article.path,
            ArticleMeta(article.title, article.author, article.date, article.source, article.url),
            article.content_hash,
            article.paragraph_count,
            tuple(
                Piece(p.paragraph, p.start, p.end, p.text, p.sentences)
                for p in sorted([r.passage for r in rows] + list(duplicates), key=lambda p: p.start)
            ),
        )
        for article, rows, duplicates in catalog.article_rows(moved)
    ]
    entries = (*new, *rewritten)
    inside = {e.key for e in entries}
    texts = {digest(p.text) for e in entries for p in e.pieces}
    outside = _held(catalog, texts, set(gone) | moved)
    keys |= {a.id: a.key for a in catalog.articles(outside.keys() - keys.keys())}
    owner = _owners(entries, outside, keys)
    return Plan(
        entries,
        frozenset(gone) | frozenset(moved),
        frozenset(d for d in texts if owner[d] not in inside),
    )


def _held(
    catalog: Catalog, texts: Collection[str], excluded: Collection[int]
) -> dict[int, dict[str, bool]]:
    """For each live article outside ``excluded`` holding one of ``texts``: which, and
    whether it indexes it (as a passage) or keeps it as a duplicate."""
    held: dict[int, dict[str, bool]] = {}
    for article, text, indexed in catalog.holders(sorted(texts)) if texts else ():
        if article not in excluded:
            mine = held.setdefault(article, {})
            mine[text] = mine.get(text, False) or indexed
    return held


def _owners(
    entries: Iterable[Entry], held: dict[int, dict[str, bool]], keys: dict[int, str]
) -> dict[str, str]:
    """Each text's owner as a rebuild numbers them: the smallest key holding it."""
    owner: dict[str, str] = {}
    holders = [(e.key, {digest(p.text) for p in e.pieces}) for e in entries]
    holders += [(keys[a], set(texts)) for a, texts in held.items()]
    for key, texts in holders:
        for text in texts:
            owner[text] = min(owner.get(text, key), key)
    return owner
