"""Building, adding to and removing from an index: each change publishes a new version.

What is written where is the store's (``stores``: the index directory by default, described
here, or Qdrant's collections); reading articles, splitting, numbering and embedding are the
same for both. A change never edits the version readers use. A build writes every article
into one segment; ``add`` and ``remove`` write only what changed: a new version that
hard-links the current version's segments, one small segment for the added articles (and the
few an ownership change moves, see ``owners``) and tombstones for the removed or replaced
ones. So an add costs what the article costs, not what the library costs, and answers exactly
as a rebuild would (BM25's statistics are the library's, ``lexical``). Vectors come from the
embedding cache where it has them; only new texts are encoded. Each version is published with
one atomic switch (see ``layout``), so a kill at any moment leaves the previous index as it
was. Once the add is published, segments that have piled up are merged (``merge``), from their
stored vectors."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index import layout, owners, stores
from index.articles import discover, read_articles
from index.cache import VectorCache
from index.config import EngineConfig
from index.embedder import Embedder
from index.entries import Entry, Piece
from index.errors import ArticleError, CitebotError, IndexMissing, LastArticle
from index.passages import TokenCounter, split_passages
from index.records import Article, BuildReport, ParsedArticle, Passage, SkippedFile
from index.store import Duplicate, PassageRow
from index.stores.base import Content, Current

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: how front ends show long work; the library never prints."""

# Room left in the model's window for the article title put in front of each passage.
TITLE_TOKENS = 24


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
    with stores.writing(config):
        embedder = embedder or Embedder(config)
        copies = config.index_dir / layout.SOURCES
        kept = [copies] if copies.is_dir() and copies.resolve() not in _resolved(sources) else []
        parsed, skipped = _read([*sources, *kept], progress)
        entries = _distinct_keys(_entries(parsed, embedder))
        previous = _previous_keys(config)
        return _write(
            config,
            embedder,
            entries,
            progress,
            _Asked(
                started,
                added=tuple(e.key for e in entries if previous.get(e.key) != e.content_hash),
                removed=tuple(sorted(set(previous) - {e.key for e in entries})),
                skipped=skipped,
            ),
            cache_path=cache,
        )


def add(
    paths: Sequence[Path],
    config: EngineConfig,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Add or update the articles in ``paths``, keeping every other article as it is.

    Only the new articles are written (one new segment); a file added again replaces its
    articles, whatever key they had (built as part of a folder), through tombstones; another
    file that happens to have the same name does not.
    """
    started = time.perf_counter()
    with stores.writing(config):
        embedder = embedder or Embedder(config)
        parsed, skipped = _read(paths, progress)
        new = _entries(parsed, embedder)
        try:
            current = stores.of(config).current(config, embedder)
        except IndexMissing:  # adding to no index starts one
            new = _distinct_keys(new)
            keys = tuple(sorted(e.key for e in new))
            asked = _Asked(started, added=keys, skipped=skipped)
            return _write(config, embedder, new, progress, asked)
        with current:
            live = current.catalog.live()
            files = {Path(e.path).resolve() for e in new}
            gone = {a.id for _, _, a in live if Path(a.path).resolve() in files}
            new = _distinct_keys(new, taken={a.key for _, _, a in live if a.id not in gone})
            report = _change(
                config,
                embedder,
                current,
                new,
                gone,
                progress,
                _Asked(started, added=tuple(sorted(e.key for e in new)), skipped=skipped),
            )
        _merge_if_due(config)
        return report


def remove(
    keys: Sequence[str],
    config: EngineConfig,
    *,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Remove articles by key (as ``index info`` lists them) or by file path: tombstones."""
    started = time.perf_counter()
    with stores.writing(config):
        embedder = embedder or Embedder(config)
        with stores.of(config).current(config, embedder) as current:
            live = [a for _, _, a in current.catalog.live()]
            gone = {a.id: a.key for a in live if _matches(a, keys)}
            unknown = [k for k in keys if not any(_matches(a, [k]) for a in live)]
            if unknown:
                raise CitebotError(
                    f"Not in the index: {', '.join(unknown)}. `citebot index list` shows the keys."
                )
            if len(gone) == len(live):
                raise LastArticle(
                    "That would remove every article, and an index needs one: build a new "
                    "library with `citebot index build DIR` instead. The index was left as it was.",
                    tuple(sorted(gone.values())),
                )
            report = _change(
                config,
                embedder,
                current,
                [],
                set(gone),
                progress,
                _Asked(started, removed=tuple(sorted(gone.values()))),
            )
        _merge_if_due(config)
        return report


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
    with stores.writing(config):
        embedder = embedder or Embedder(config)
        keys = tuple(e.key for e in entries)
        return _write(
            config,
            embedder,
            entries,
            progress,
            _Asked(started, added=keys),
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


def _matches(article: Article, wanted: Iterable[str]) -> bool:
    """A key names its article; a file's key or path names every article read from it."""
    file_key = article.key.split("#", 1)[0]
    real = Path(article.path).resolve()
    return any(
        w in (article.key, file_key, article.path) or Path(w).resolve() == real for w in wanted
    )


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


def _merge_if_due(config: EngineConfig) -> None:
    """Merge segments when the policy says so, after the change is published: a merge that
    fails (a full disk) is logged and leaves the published change as it is, to be tried again
    after the next change; it must not report the change itself as failed."""
    try:
        stores.of(config).merge_if_due(config)
    except (CitebotError, OSError) as error:
        log.warning("Merging the index's segments failed; the change stands: %s", error)


def list_articles(config: EngineConfig) -> list[Article]:
    """The articles of the current version, without loading the model (``index list``, and
    finding an article by its URL); ``IndexMissing`` when there is no index."""
    with stores.of(config).current(config, None) as current:
        return [article for _, _, article in current.catalog.live()]


def _previous_keys(config: EngineConfig) -> dict[str, str]:
    """Keys and content hashes of the current version, to report what a rebuild changed."""
    try:
        return {a.key: a.content_hash for a in list_articles(config)}
    except CitebotError:
        return {}


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


@dataclass(frozen=True, slots=True)
class _Asked:
    """What the user asked a change to do, for its report."""

    started: float
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()

    def report(self, articles: int, passages: int, keys: set[str], embedded: int) -> BuildReport:
        added = tuple(k for k in self.added if k in keys)
        return BuildReport(
            articles=articles,
            passages=passages,
            added=added,
            removed=self.removed,
            unchanged=articles - len(added),
            embedded=embedded,
            skipped=self.skipped,
            seconds=time.perf_counter() - self.started,
        )


def _write(
    config: EngineConfig,
    embedder: Embedder,
    entries: Sequence[Entry],
    progress: Progress | None,
    asked: _Asked,
    cache_path: Path | None = None,
    use_cache: bool = True,
) -> BuildReport:
    """A whole new index of ``entries``: one segment."""
    articles, rows, duplicates = _number(entries)
    if not rows:
        raise _no_text()
    vectors, embedded = _embed(config, embedder, articles, rows, progress, cache_path, use_cache)
    if progress:
        progress("indexing", 0, 1)
    stores.of(config).write(config, embedder, Content(articles, rows, duplicates, *vectors))
    if progress:
        progress("indexing", 1, 1)
    return asked.report(len(articles), len(rows), {a.key for a in articles}, embedded)


def _change(
    config: EngineConfig,
    embedder: Embedder,
    current: Current,
    new: Sequence[Entry],
    gone: Collection[int],
    progress: Progress | None,
    asked: _Asked,
) -> BuildReport:
    """``current`` with ``new`` added and the articles ``gone`` (global ids) removed, as a
    rebuild would make it: the store writes what changed (``stores``)."""
    catalog = current.catalog
    change = owners.plan(catalog, new, gone)
    articles, rows, duplicates = _number(change.entries, change.taken)
    dead = {a.id: a for a in catalog.articles(change.gone)}
    live = current.manifest.passages - sum(a.passage_count for a in dead.values()) + len(rows)
    if not live:
        raise _no_text()
    vectors, embedded = _embed(config, embedder, articles, rows, progress, None, True)
    if progress:
        progress("indexing", 0, 1)
    content = Content(articles, rows, duplicates, *vectors)
    manifest = stores.of(config).change(config, embedder, current, content, list(dead.values()))
    if progress:
        progress("indexing", 1, 1)
    moved = len(change.gone) - len(gone)
    if moved:
        log.info("Rewrote %d articles whose shared paragraphs changed owner", moved)
    return asked.report(manifest.articles, manifest.passages, set(asked.added), embedded)


def _no_text() -> CitebotError:
    # An index with no passage cannot answer anything: say so in one line and keep whatever
    # index there was.
    return CitebotError(
        "No article text to index (any skipped files are listed above); "
        "the index was left as it was."
    )


def _embed(
    config: EngineConfig,
    embedder: Embedder,
    articles: Sequence[Article],
    rows: Sequence[PassageRow],
    progress: Progress | None,
    cache_path: Path | None,
    use_cache: bool,
) -> tuple[tuple[np.ndarray, np.ndarray], int]:
    """The passage and sentence vectors of ``rows``, and how many texts the model encoded."""
    fitted = fit_titles([a.title for a in articles], embedder.count_tokens)
    titles = {a.id: title for a, title in zip(articles, fitted, strict=True)}
    passage_texts = [embedding_text(titles[r.passage.article_id], r.passage.text) for r in rows]
    sentence_texts = [s.of(r.passage.text) for r in rows for s in r.passage.sentences]
    total = len(passage_texts) + len(sentence_texts)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress("embedding", done, total)

    if not use_cache:
        vectors = (_encode(embedder, passage_texts), _encode(embedder, sentence_texts))
        return vectors, total
    cache = VectorCache(
        cache_path or config.index_dir / layout.CACHE, embedder.fingerprint, embedder.dimension
    )
    try:
        passages, encoded = cache.vectors(passage_texts, embedder.encode, tick)
        sentences, encoded_sentences = cache.vectors(sentence_texts, embedder.encode, tick)
    finally:
        cache.close()
    return (passages, sentences), encoded + encoded_sentences


def _encode(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    if not texts:
        return np.empty((0, embedder.dimension), dtype=np.float32)
    return embedder.encode(texts)


def _number(
    entries: Sequence[Entry], taken: Collection[str] = frozenset()
) -> tuple[list[Article], list[PassageRow], list[Duplicate]]:
    """Give articles and passages their ids in a new segment, indexing each distinct paragraph
    text once: by the first article (by key) holding it, unless an article outside the
    segment already does (``taken``, see ``owners``). The others keep it as a duplicate."""
    articles: list[Article] = []
    rows: list[PassageRow] = []
    duplicates: list[Duplicate] = []
    seen = set(taken)
    sentence_row = 0
    for article_id, entry in enumerate(sorted(entries, key=lambda e: e.key)):
        count = 0
        for piece in entry.pieces:
            text = owners.digest(piece.text)
            if text in seen:
                duplicates.append(
                    Duplicate(
                        article_id,
                        piece.paragraph,
                        piece.start,
                        piece.end,
                        piece.text,
                        text,
                        piece.sentences,
                    )
                )
                continue
            seen.add(text)
            passage = Passage(
                len(rows),
                article_id,
                piece.paragraph,
                piece.text,
                piece.start,
                piece.end,
                piece.sentences,
            )
            rows.append(PassageRow(passage, text, sentence_row))
            sentence_row += len(piece.sentences)
            count += 1
        meta = entry.meta
        articles.append(
            Article(
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
        )
    return articles, rows, duplicates


__all__ = [
    "Entry",
    "Piece",
    "Progress",
    "add",
    "build",
    "build_entries",
    "embedding_text",
    "fit_titles",
    "list_articles",
    "remove",
]
