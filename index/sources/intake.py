"""Articles in from outside the folders: pages by URL, feed items, uploaded files; and out again.

Both front ends call these, so the CLI's ``index add URL`` and the bot's ``/library add`` do
the same thing: fetch or read, keep a copy (``copies``), then one ``writer.add`` of the copies,
whose cost is that of the new articles. What cannot be fetched or read is one line in
``failed``; the others are added regardless.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index import layout, stores, writer
from index.articles import SUFFIXES, read_articles
from index.config import EngineConfig
from index.embedder import Embedder
from index.errors import ArticleError, CitebotError, IndexMissing
from index.feeds import Feed, FeedRegistry, SyncReport, sync
from index.fetch import Fetcher, fetch_article
from index.records import Article, BuildReport, ParsedArticle, SkippedFile
from index.sources.copies import Copies, Origin, slug

# An uploaded article: a long one is a few hundred kilobytes; Discord allows 25 MiB a file.
MAX_UPLOAD_BYTES = 2 * 2**20


@dataclass(frozen=True, slots=True)
class Intake:
    """What an add from outside did: the index change, and what could not be added and why."""

    report: BuildReport | None  # None when nothing could be added
    failed: tuple[SkippedFile, ...] = ()
    feeds: SyncReport | None = None

    @property
    def added(self) -> tuple[str, ...]:
        return self.report.added if self.report else ()


@dataclass(slots=True)
class _Batch:
    """Copies written for one add, deleted again if the add does not happen: a copy left
    behind without its article would appear at the next rebuild, and would make feeds take
    its page for one the library has. Used as ``with _Batch(...) as batch:`` around the whole
    add, so that any failure (an error, Ctrl-C) cleans up."""

    copies: Copies
    files: list[Path] = field(default_factory=list)  # article files added with the copies
    written: list[Path] = field(default_factory=list)
    existed: set[Path] = field(default_factory=set)
    committed: bool = False

    def __enter__(self) -> _Batch:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None and not self.committed:
            self.copies.delete(p for p in self.written if p not in self.existed)

    def save(self, path: Path, record: dict[str, str], origin: Origin) -> None:
        if path.exists():
            self.existed.add(path)
        self.written.append(self.copies.save(path, record, origin))

    def commit(
        self, config: EngineConfig, embedder: Embedder | None, progress: writer.Progress | None
    ) -> BuildReport | None:
        if not (self.files or self.written):
            return None
        report = writer.add(
            [*self.files, *self.written], config, embedder=embedder, progress=progress
        )
        self.committed = True
        return report


def fetcher(config: EngineConfig) -> Fetcher:
    """A fetcher with the policy ``config`` sets; one a process, so that its per-host clock
    spaces every request to a host, whichever command or feed asks."""
    return Fetcher(config.fetch)


def is_url(text: str) -> bool:
    """Whether a command-line argument names a page rather than a file."""
    return "://" in text


def add_urls(
    urls: Sequence[str],
    config: EngineConfig,
    *,
    fetcher: Fetcher,
    added_by: str | None,
    files: Sequence[Path] = (),
    embedder: Embedder | None = None,
    progress: writer.Progress | None = None,
) -> Intake:
    """Fetch each page, extract its article, keep a copy and add them all (with ``files``) in
    one change of the index."""
    stores.check_writable(config)  # before fetching what could not be kept
    failed = []
    with _Batch(Copies(config.index_dir), files=list(files)) as batch:
        for url in dict.fromkeys(urls):
            try:
                article = fetch_article(fetcher, url)
            except CitebotError as error:
                failed.append(SkippedFile(url, str(error)))
                continue
            origin = Origin.now("url", url, added_by)
            batch.save(batch.copies.path_for_url(url), article.record(), origin)
        return Intake(batch.commit(config, embedder, progress), tuple(failed))


def add_upload(
    name: str,
    content: bytes,
    config: EngineConfig,
    *,
    added_by: str | None,
    embedder: Embedder | None = None,
) -> Intake:
    """Read an uploaded article file (any format ``index build`` reads) and add it."""
    stores.check_writable(config)
    articles = parse_upload(name, content)  # (checks its size and kind first)
    origin = Origin.now("upload", Path(name).name, added_by)
    with _Batch(Copies(config.index_dir)) as batch:
        for number, article in enumerate(articles, 1):
            path = batch.copies.path_for_upload(name, content, number)
            batch.save(path, record(article), origin)
        return Intake(batch.commit(config, embedder, None))


def check_upload(name: str, size: int) -> None:
    """``ArticleError`` for an upload no reader takes or too big to read, told before its bytes
    are downloaded (and before an owner is asked to confirm adding it)."""
    if size > MAX_UPLOAD_BYTES:
        raise ArticleError(
            f"{Path(name).name} is {size / 2**20:.1f} MiB; an upload may be at most "
            f"{MAX_UPLOAD_BYTES // 2**20} MiB."
        )
    if Path(name).suffix.lower() not in SUFFIXES:
        raise ArticleError(f"{Path(name).name}: citebot reads {', '.join(sorted(SUFFIXES))} files")


def parse_upload(name: str, content: bytes) -> list[ParsedArticle]:
    """The articles in an uploaded file, read by the reader its suffix names.

    The bytes are written to a private temporary folder under a name made of letters, digits
    and hyphens from the one the user gave: no path from it is ever opened.
    """
    check_upload(name, len(content))
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="citebot-upload-") as folder:
        # The name's stem, made safe, is what an article without a title is called.
        path = Path(folder) / f"{slug(Path(name).stem) or 'upload'}{suffix}"
        path.write_bytes(content)
        articles, _ = read_articles(path, Path(folder))
    return articles


def record(article: ParsedArticle) -> dict[str, object]:
    """A parsed article as the JSON record its copy keeps (and a rebuild reads back)."""
    meta = article.meta
    fields = {"author": meta.author, "date": meta.date, "source": meta.source, "url": meta.url}
    return {
        "title": meta.title,
        **{name: value for name, value in fields.items() if value},
        "paragraphs": [span.of(article.text) for span in article.paragraphs],
    }


def remove(
    wanted: Sequence[str],
    config: EngineConfig,
    *,
    embedder: Embedder | None = None,
    progress: writer.Progress | None = None,
) -> BuildReport:
    """Remove articles by key, file path or URL, and delete the copies of those removed."""
    stores.check_writable(config)
    copies = Copies(config.index_dir)
    articles = _articles(config)
    by_url = _keys_by_url(articles)
    keys = [key for item in wanted for key in by_url.get(item, [_copy_key(copies, item)])]
    paths = {article.key: article.path for article in articles}
    report = writer.remove(keys, config, embedder=embedder, progress=progress)
    copies.delete(paths[key] for key in report.removed if key in paths)
    return report


def sync_feeds(
    config: EngineConfig,
    *,
    fetcher: Fetcher,
    embedder: Embedder | None = None,
    progress: writer.Progress | None = None,
) -> Intake:
    """Fetch what every feed has new and add it in one change (``fetch_feeds`` then
    ``add_feed_items``)."""
    return add_feed_items(
        fetch_feeds(config, fetcher=fetcher), config, embedder=embedder, progress=progress
    )


def fetch_feeds(config: EngineConfig, *, fetcher: Fetcher) -> SyncReport:
    """What every feed has new, fetched (the network part of a sync: seconds to minutes, so
    the bot runs it outside its writer thread). The registry remembers the items as seen."""
    stores.check_writable(config)  # a read-only host would fetch what it cannot add
    with open_feeds(config) as registry:
        return sync(registry, fetcher, _known(config, Copies(config.index_dir)))


def add_feed_items(
    report: SyncReport,
    config: EngineConfig,
    *,
    embedder: Embedder | None = None,
    progress: writer.Progress | None = None,
) -> Intake:
    """Add the articles a sync fetched, in one change.

    When the add fails (another process is writing the index, an error, Ctrl-C), the items
    are forgotten and the feeds' validators dropped, so the next sync fetches them anew and is
    not told "not modified". (A process killed between the fetch and the add still loses
    them: the registry and the index are two files.)
    """
    try:
        with _Batch(Copies(config.index_dir)) as batch:
            for article in report.added:
                origin = Origin.now("feed", article.requested, "feed sync")
                path = batch.copies.path_for_url(article.requested)
                batch.save(path, article.record(), origin)
            return Intake(batch.commit(config, embedder, progress), feeds=report)
    except BaseException:
        with open_feeds(config) as registry:
            registry.forget(article.requested for article in report.added)
            registry.reset_validators()
        raise


def follows_feeds(config: EngineConfig) -> bool:
    """Whether the library at ``config.index_dir`` has a feed registry (without creating one)."""
    return (config.index_dir / layout.FEEDS).is_file()


def follow(config: EngineConfig, url: str, *, added_by: str | None) -> Feed:
    """Follow a feed: each sync adds its new items to the library. Not on a read-only host,
    which could never sync it."""
    stores.check_writable(config)
    with open_feeds(config) as registry:
        return registry.add(url, added_by=added_by)


def unfollow(config: EngineConfig, url: str) -> None:
    """Stop following a feed (its articles stay)."""
    stores.check_writable(config)
    with open_feeds(config) as registry:
        registry.remove(url)


def feeds_of(config: EngineConfig) -> list[Feed]:
    """The feeds a library follows. Reading them creates nothing (a host may only read)."""
    if not follows_feeds(config):
        return []
    with open_feeds(config) as registry:
        return registry.feeds()


def open_feeds(config: EngineConfig) -> FeedRegistry:
    """The feed registry of the index at ``config.index_dir`` (created with it)."""
    return FeedRegistry(layout.prepare(config.index_dir) / layout.FEEDS)


def _known(config: EngineConfig, copies: Copies) -> Callable[[str], bool]:
    """Whether a link is in the library already: kept as a copy, or an article's URL."""
    urls = set(_keys_by_url(_articles(config)))
    return lambda link: link in urls or copies.has(link)


def _copy_key(copies: Copies, item: str) -> str:
    """The key of the copy of the page at URL ``item`` (its file name), else ``item`` itself."""
    if item.startswith(("http://", "https://")) and copies.has(item):
        return copies.path_for_url(item).name
    return item


def _keys_by_url(articles: Sequence[Article]) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for article in articles:
        if article.url:
            keys.setdefault(article.url, []).append(article.key)
    return keys


def _articles(config: EngineConfig) -> list[Article]:
    try:
        return writer.list_articles(config)
    except IndexMissing:
        return []
