"""Building, adding to and removing from an index: every change writes a whole new version.

A change never edits the version readers use. It assembles the library's articles (parsed
from files, or carried over from the current version), takes every vector it can from the
embedding cache, encodes only new texts, writes a complete version and publishes it with one
atomic switch (see ``layout``). So ``add`` re-embeds one article, a rebuild of an unchanged
library re-embeds nothing, and a kill at any moment leaves the previous index as it was.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index import layout
from index.articles import discover, read_articles
from index.cache import VectorCache, text_hash
from index.config import EngineConfig
from index.dense import DenseIndex
from index.embedder import Embedder
from index.errors import ArticleError, CitebotError, IndexMissing
from index.lexical import LexicalIndex
from index.manifest import Manifest
from index.passages import TokenCounter, split_passages
from index.records import (
    Article,
    ArticleMeta,
    BuildReport,
    ParsedArticle,
    Passage,
    SkippedFile,
    Span,
)
from index.store import PassageRow, Store, StoreWriter

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: how front ends show long work; the library never prints."""

# Room left in the model's window for the article title put in front of each passage.
TITLE_TOKENS = 24


@dataclass(frozen=True, slots=True)
class Piece:
    paragraph: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """An article ready to be written: its attribution and its passages."""

    key: str
    path: str
    meta: ArticleMeta
    content_hash: str
    paragraph_count: int
    pieces: tuple[Piece, ...]


def build(
    sources: Sequence[Path],
    config: EngineConfig,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    cache: Path | None = None,
) -> BuildReport:
    """Index the article files under ``sources``, replacing whatever the index held.

    The articles the index keeps its own copies of (added from URLs, feeds and uploads: see
    ``index.sources``) are part of the library whatever the folders hold, and are read again
    from those copies, never from the network. ``cache`` keeps the embedding cache elsewhere
    than in the index (see ``build_entries``).
    """
    started = time.perf_counter()
    with layout.writing(config.index_dir):
        embedder = embedder or Embedder(config)
        copies = config.index_dir / layout.SOURCES
        kept = [copies] if copies.is_dir() and copies.resolve() not in _resolved(sources) else []
        parsed, skipped = _read([*sources, *kept], progress)
        entries = _distinct_keys(_entries(parsed, embedder))
        previous = _previous_keys(config.index_dir)
        return _write(
            config,
            embedder,
            entries,
            progress,
            added=tuple(e.key for e in entries if previous.get(e.key) != e.content_hash),
            removed=tuple(sorted(set(previous) - {e.key for e in entries})),
            skipped=skipped,
            started=started,
            cache_path=cache,
        )


def add(
    paths: Sequence[Path],
    config: EngineConfig,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Add or update the articles in ``paths``, keeping every other article as it is."""
    started = time.perf_counter()
    with layout.writing(config.index_dir):
        embedder = embedder or Embedder(config)
        parsed, skipped = _read(paths, progress)
        new = _entries(parsed, embedder)
        try:
            current = _current_entries(config, embedder)
        except IndexMissing:
            current = []  # adding to no index starts one
        # A file added again replaces its articles, whatever key they had (built as part of a
        # folder); another file that happens to have the same name does not.
        files = {Path(e.path).resolve() for e in new}
        kept = [e for e in current if Path(e.path).resolve() not in files]
        new = _distinct_keys(new, taken={e.key for e in kept})
        return _write(
            config,
            embedder,
            kept + new,
            progress,
            added=tuple(sorted(e.key for e in new)),
            skipped=skipped,
            started=started,
        )


def remove(
    keys: Sequence[str],
    config: EngineConfig,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Remove articles by key (as ``index info`` lists them) or by file path."""
    started = time.perf_counter()
    with layout.writing(config.index_dir):
        embedder = embedder or Embedder(config)
        entries = _current_entries(config, embedder)
        gone = {e.key for e in entries if _matches(e, keys)}
        unknown = [k for k in keys if not any(_matches(e, [k]) for e in entries)]
        if unknown:
            raise CitebotError(
                f"Not in the index: {', '.join(unknown)}. `citebot index list` shows the keys."
            )
        if len(gone) == len(entries):
            raise CitebotError(
                "That would remove every article, and an index needs one: build a new library "
                "with `citebot index build DIR` instead. The index was left as it was."
            )
        return _write(
            config,
            embedder,
            [e for e in entries if e.key not in gone],
            progress,
            removed=tuple(sorted(gone)),
            started=started,
        )


def build_entries(
    entries: Sequence[Entry],
    config: EngineConfig,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    cache: Path | None = None,
    use_cache: bool = True,
) -> BuildReport:
    """Index ``entries`` as they are, with no file parsing or splitting (``citebot eval``).

    ``cache`` puts the embedding cache elsewhere than in the index, so that throwaway indexes
    of the same texts (one per evaluation run) do not re-embed them; ``use_cache`` off skips
    it (the benchmark's synthetic vectors cost nothing to make and are not worth keeping).
    """
    started = time.perf_counter()
    with layout.writing(config.index_dir):
        embedder = embedder or Embedder(config)
        keys = tuple(e.key for e in entries)
        return _write(
            config,
            embedder,
            entries,
            progress,
            added=keys,
            started=started,
            cache_path=cache,
            use_cache=use_cache,
        )


def _resolved(paths: Sequence[Path]) -> set[Path]:
    return {path.resolve() for path in paths}


def _distinct_keys(entries: Sequence[Entry], taken: Collection[str] = ()) -> list[Entry]:
    """``entries`` with every key unique, among them and against ``taken`` (kept articles).

    A key is the file's path inside the folder it was read from, so two folders (`index build
    a b`, or `index add a/intro.md` then `b/intro.md`) can both hold an ``intro.md``. Each
    clashing key is qualified with the names of the folders above its file, one more at a
    time, until it is unique ("a/intro.md", "b/intro.md"); keys that do not clash, and so
    every key of a single-folder build, stay as they are. The articles already in ``taken``
    keep theirs: a key a user has seen never changes under them.
    """
    owners: dict[str, set[str]] = {}
    for entry in entries:
        owners.setdefault(entry.key, set()).add(entry.path)
    used = set(taken) | set(owners)
    out = []
    for entry in entries:
        if entry.key not in taken and len(owners[entry.key]) == 1:
            out.append(entry)
            continue
        folders = _folders_above(entry)
        keys = ("/".join([*folders[-depth:], entry.key]) for depth in range(1, len(folders) + 1))
        key = next((k for k in keys if k not in used), None)
        if key is None:  # the same folders all the way up: one file, read twice
            raise CitebotError(f"{entry.path} was given twice: name each folder once.")
        log.info("%s is keyed %s: %s is another file's", entry.path, key, entry.key)
        used.add(key)
        out.append(replace(entry, key=key))
    return out


def _folders_above(entry: Entry) -> tuple[str, ...]:
    """The folders above the one the entry's key is relative to, nearest last."""
    path = Path(entry.path).absolute()
    parts = path.parts[1:]  # without the root ("/")
    for size in range(1, len(parts) + 1):
        tail = "/".join(parts[-size:])
        if entry.key == tail or entry.key.startswith(f"{tail}#"):
            return parts[:-size]
    return parts[:-1]


def _matches(entry: Entry, wanted: Iterable[str]) -> bool:
    """A key names its article; a file's key or path names every article read from it."""
    file_key = entry.key.split("#", 1)[0]
    real = Path(entry.path).resolve()
    return any(w in (entry.key, file_key, entry.path) or Path(w).resolve() == real for w in wanted)


def _read(
    sources: Sequence[Path], progress: Progress | None
) -> tuple[list[ParsedArticle], tuple[SkippedFile, ...]]:
    files: list[tuple[Path, Path]] = []
    skipped: list[SkippedFile] = []
    for source in sources:
        if not source.exists():
            skipped.append(SkippedFile(str(source), "no such file or directory"))
            continue
        found, bad = discover(source)
        root = source if source.is_dir() else source.parent
        files += [(path, root) for path in found]
        skipped += bad
    parsed: list[ParsedArticle] = []
    seen: dict[str, str] = {}
    for done, (path, root) in enumerate(files, 1):
        try:
            articles, problems = read_articles(path, root)
        except ArticleError as error:
            skipped.append(SkippedFile(str(path), str(error)))
        except Exception as error:  # a parser bug must cost one file, not the whole build
            log.debug("Unexpected error reading %s", path, exc_info=True)
            skipped.append(SkippedFile(str(path), f"could not be parsed ({type(error).__name__})"))
        else:
            skipped += problems
            for article in articles:
                if article.content_hash in seen:
                    skipped.append(
                        SkippedFile(article.key, f"duplicate of {seen[article.content_hash]}")
                    )
                else:
                    seen[article.content_hash] = article.key
                    parsed.append(article)
        if progress:
            progress("reading", done, len(files))
    for item in skipped:
        log.warning("Skipped %s: %s", item.path, item.reason)
    return parsed, tuple(skipped)


def _entries(articles: Sequence[ParsedArticle], embedder: Embedder) -> list[Entry]:
    entries = []
    for article in articles:
        drafts = split_passages(
            article, embedder.count_tokens, max_tokens=embedder.max_tokens - TITLE_TOKENS
        )
        pieces = tuple(
            Piece(d.paragraph, d.start, d.end, article.text[d.start : d.end], d.sentences)
            for d in drafts
        )
        entries.append(
            Entry(
                article.key,
                article.path,
                article.meta,
                article.content_hash,
                len(article.paragraphs),
                pieces,
            )
        )
    return entries


def _previous_keys(root: Path) -> dict[str, str]:
    """Keys and content hashes of the current version, to report what a rebuild changed."""
    try:
        store = Store(layout.current_version(root).store)
    except CitebotError:
        return {}
    try:
        return {a.key: a.content_hash for a in store.articles()}
    finally:
        store.close()


def _current_entries(config: EngineConfig, embedder: Embedder) -> list[Entry]:
    version = layout.current_version(config.index_dir)
    Manifest.read(version.manifest).check_model(embedder.name, embedder.dimension)
    store = Store(version.store)
    try:
        return [
            Entry(
                a.key,
                a.path,
                ArticleMeta(a.title, a.author, a.date, a.source, a.url),
                a.content_hash,
                a.paragraph_count,
                tuple(
                    Piece(
                        r.passage.paragraph,
                        r.passage.start,
                        r.passage.end,
                        r.passage.text,
                        r.passage.sentences,
                    )
                    for r in rows
                ),
            )
            for a, rows in store.iter_rows()
        ]
    finally:
        store.close()


def embedding_text(title: str, text: str) -> str:
    """What the model reads for a passage: the title gives a paragraph its subject."""
    return f"{title}\n\n{text}" if title else text


def fit_titles(titles: Sequence[str], count_tokens: TokenCounter) -> list[str]:
    """Each title cut at a word to at most ``TITLE_TOKENS`` word pieces.

    Passages are cut to leave that much of the model's window to the title put in front of
    them; a longer title (papers' often run to 40) would push the end of a long passage past
    the window, unseen by the model. The subject is in a title's first words.
    """
    fitted = list(titles)
    for i, count in enumerate(count_tokens(fitted)):
        if count > TITLE_TOKENS:
            words = fitted[i].split()
            sizes = itertools.accumulate(count_tokens(words))
            kept = sum(1 for size in sizes if size <= TITLE_TOKENS)
            # A first word longer than the room (a title in a script written without spaces)
            # is cut inside: a word piece is at least a character.
            fitted[i] = " ".join(words[:kept]) if kept else words[0][:TITLE_TOKENS]
    return fitted


def _write(
    config: EngineConfig,
    embedder: Embedder,
    entries: Sequence[Entry],
    progress: Progress | None,
    *,
    added: tuple[str, ...] = (),
    removed: tuple[str, ...] = (),
    skipped: tuple[SkippedFile, ...] = (),
    started: float,
    cache_path: Path | None = None,
    use_cache: bool = True,
) -> BuildReport:
    articles, rows = _number(entries)
    if not rows:
        # An index with no passage cannot answer anything, and BM25 cannot be built over none:
        # say so in one line and keep whatever index there was.
        raise CitebotError(
            "No article text to index (any skipped files are listed above); "
            "the index was left as it was."
        )
    ids = list(articles)
    fitted = fit_titles([articles[i].title for i in ids], embedder.count_tokens)
    titles = dict(zip(ids, fitted, strict=True))
    passage_texts = [embedding_text(titles[r.passage.article_id], r.passage.text) for r in rows]
    sentence_texts = [s.of(r.passage.text) for r in rows for s in r.passage.sentences]
    total = len(passage_texts) + len(sentence_texts)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("embedding", done, total)

    if use_cache:
        cache = VectorCache(
            cache_path or config.index_dir / layout.CACHE, embedder.fingerprint, embedder.dimension
        )
        try:
            passage_vectors, encoded = cache.vectors(passage_texts, embedder.encode, tick)
            sentence_vectors, encoded_sentences = cache.vectors(
                sentence_texts, embedder.encode, tick
            )
        finally:
            cache.close()
    else:
        passage_vectors, sentence_vectors = (
            embedder.encode(passage_texts),
            embedder.encode(sentence_texts),
        )
        encoded, encoded_sentences = len(passage_texts), len(sentence_texts)

    version = layout.new_version(config.index_dir)
    if progress:
        progress("indexing", 0, 1)
    np.save(version.passage_vectors, passage_vectors, allow_pickle=False)
    np.save(version.sentence_vectors, sentence_vectors.astype(np.float16), allow_pickle=False)
    kind = DenseIndex.build(passage_vectors, version.dense, config.dense_index)
    LexicalIndex.build((r.passage.text for r in rows), version.lexical)
    StoreWriter(version.store).write(articles.values(), rows)
    Manifest.now(
        model=embedder.name,
        dimension=embedder.dimension,
        backend=embedder.backend,
        articles=len(articles),
        passages=len(rows),
        sentences=len(sentence_texts),
        dense_index=kind,
    ).write(version.manifest)
    layout.publish(config.index_dir, version)
    if progress:
        progress("indexing", 1, 1)
    keys = {a.key for a in articles.values()}
    return BuildReport(
        articles=len(articles),
        passages=len(rows),
        added=tuple(k for k in added if k in keys),
        removed=removed,
        unchanged=len(keys) - len([k for k in added if k in keys]),
        embedded=encoded + encoded_sentences,
        skipped=skipped,
        seconds=time.perf_counter() - started,
    )


def _number(entries: Sequence[Entry]) -> tuple[dict[int, Article], list[PassageRow]]:
    """Give articles and passages their ids, indexing each distinct paragraph text once."""
    articles: dict[int, Article] = {}
    rows: list[PassageRow] = []
    seen: set[bytes] = set()
    sentence_row = 0
    for article_id, entry in enumerate(sorted(entries, key=lambda e: e.key)):
        count = 0
        for piece in entry.pieces:
            digest = text_hash(" ".join(piece.text.split()))
            if digest in seen:
                continue
            seen.add(digest)
            passage = Passage(
                len(rows),
                article_id,
                piece.paragraph,
                piece.text,
                piece.start,
                piece.end,
                piece.sentences,
            )
            rows.append(PassageRow(passage, digest.hex(), sentence_row))
            sentence_row += len(piece.sentences)
            count += 1
        meta = entry.meta
        articles[article_id] = Article(
            article_id,
            entry.key,
            entry.path,
            meta.title,
            meta.author,
            meta.date,
            meta.source,
            meta.url,
            entry.content_hash,
            entry.paragraph_count,
            count,
        )
    return articles, rows


__all__ = [
    "Entry",
    "Piece",
    "Progress",
    "add",
    "build",
    "build_entries",
    "embedding_text",
    "fit_titles",
    "remove",
]
