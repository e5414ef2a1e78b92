"""Articles and passages of one segment, in SQLite.

A segment's database is written once by the builder and then only read, so readers open it
``immutable``: no locks, no journal, and safe to share between the bot's worker threads.
Ids here are the segment's own (from 0): the rows of its vector files and of its FAISS and
BM25 indexes. ``catalog.Catalog`` adds each segment's offset to make them the library's.

Besides its passages, an article keeps its *duplicates*: the pieces whose text another passage
already indexes (each distinct paragraph text is indexed once, ``writer._number``). A later
change that removes that other passage gives the text back to the next article holding it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.errors import IndexCorrupt
from index.records import Article, Passage, Span

SCHEMA = """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    author TEXT,
    date TEXT,
    source TEXT,
    url TEXT,
    content_hash TEXT NOT NULL,
    paragraph_count INTEGER NOT NULL,
    passage_count INTEGER NOT NULL
);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    paragraph INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    sentences TEXT NOT NULL,      -- JSON [[start, end], ...] into text
    sentence_row INTEGER NOT NULL -- first row of this passage's sentences in sentences.npy
);
CREATE INDEX passages_by_article ON passages(article_id, id);
CREATE INDEX passages_by_hash ON passages(text_hash);
CREATE TABLE duplicates (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    paragraph INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    sentences TEXT NOT NULL
);
CREATE INDEX duplicates_by_hash ON duplicates(text_hash);
CREATE INDEX duplicates_by_article ON duplicates(article_id);
"""

ARTICLE_COLUMNS = (
    "id, key, path, title, author, date, source, url, content_hash, paragraph_count, passage_count"
)
PASSAGE_COLUMNS = 'id, article_id, paragraph, start, "end", text, sentences'
DUPLICATE_COLUMNS = 'article_id, paragraph, start, "end", text, text_hash, sentences'


@dataclass(frozen=True, slots=True)
class PassageRow:
    """A passage as the builder writes it, with what the reader does not need."""

    passage: Passage
    text_hash: str
    sentence_row: int


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A piece of an article not indexed because its text is another passage's."""

    article_id: int
    paragraph: int
    start: int
    end: int
    text: str
    text_hash: str
    sentences: tuple[Span, ...]


class StoreWriter:
    """Writes a new version's database in one transaction."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path)
        self._db.executescript(SCHEMA)

    def write(
        self,
        articles: Iterable[Article],
        passages: Iterable[PassageRow],
        duplicates: Iterable[Duplicate] = (),
    ) -> None:
        with self._db:
            self._db.executemany(
                f"INSERT INTO articles ({ARTICLE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    (
                        a.id,
                        a.key,
                        a.path,
                        a.title,
                        a.author,
                        a.date,
                        a.source,
                        a.url,
                        a.content_hash,
                        a.paragraph_count,
                        a.passage_count,
                    )
                    for a in articles
                ),
            )
            self._db.executemany(
                f"INSERT INTO passages ({PASSAGE_COLUMNS}, text_hash, sentence_row) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    (
                        p.passage.id,
                        p.passage.article_id,
                        p.passage.paragraph,
                        p.passage.start,
                        p.passage.end,
                        p.passage.text,
                        _spans_json(p.passage.sentences),
                        p.text_hash,
                        p.sentence_row,
                    )
                    for p in passages
                ),
            )
            self._db.executemany(
                f"INSERT INTO duplicates ({DUPLICATE_COLUMNS}) VALUES (?,?,?,?,?,?,?)",
                ((*_duplicate_fields(d), _spans_json(d.sentences)) for d in duplicates),
            )
        self._db.close()


class Store:
    """Read-only access to a version's articles and passages, shareable across threads."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise IndexCorrupt(
                f"{path} is missing: rebuild the index with `citebot index build DIR`."
            )
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        try:
            self._query("SELECT count(*) FROM passages")
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise IndexCorrupt(
                f"{path} is damaged ({error}): rebuild the index with `citebot index build DIR`."
            ) from None

    def close(self) -> None:
        self._db.close()

    def passages(self, ids: Sequence[int]) -> list[Passage]:
        """Passages by id, in the order asked."""
        marks = ",".join("?" * len(ids))
        rows = self._query(f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE id IN ({marks})", ids)
        found = {row[0]: _passage(row) for row in rows}
        return [found[i] for i in ids]

    def sentence_rows(self, ids: Sequence[int]) -> list[tuple[int, int]]:
        """For each passage id, the first row and the number of its sentence vectors."""
        marks = ",".join("?" * len(ids))
        rows = self._query(
            f"SELECT id, sentence_row, json_array_length(sentences) FROM passages "
            f"WHERE id IN ({marks})",
            ids,
        )
        found = {row[0]: (row[1], row[2]) for row in rows}
        return [found[i] for i in ids]

    def articles(self, ids: Iterable[int] | None = None) -> list[Article]:
        """Articles by id (all of them, ordered by title, when ``ids`` is None)."""
        if ids is None:
            rows = self._query(f"SELECT {ARTICLE_COLUMNS} FROM articles ORDER BY title, key")
        else:
            wanted = sorted(set(ids))
            rows = self._in(f"SELECT {ARTICLE_COLUMNS} FROM articles", "id", wanted, order="id")
        return [Article(*row) for row in rows]

    def neighbours(
        self, passage: Passage, before: int, after: int
    ) -> tuple[list[Passage], list[Passage]]:
        """Passages of the same article just before and just after ``passage``."""
        earlier = self._query(
            f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE article_id = ? AND id < ? "
            "ORDER BY id DESC LIMIT ?",
            (passage.article_id, passage.id, before),
        )
        later = self._query(
            f"SELECT {PASSAGE_COLUMNS} FROM passages WHERE article_id = ? AND id > ? "
            "ORDER BY id LIMIT ?",
            (passage.article_id, passage.id, after),
        )
        return [_passage(row) for row in reversed(earlier)], [_passage(row) for row in later]

    def passage_range(self, article_id: int) -> tuple[int, int]:
        """The first and last passage id of an article (an article's passages are numbered
        together, in order: ``writer._number``)."""
        rows = self._query(
            "SELECT min(id), max(id) FROM passages WHERE article_id = ?", (article_id,)
        )
        first, last = rows[0] if rows else (None, None)
        return (first, last) if first is not None else (0, -1)

    def passage_ids(self, article_ids: Sequence[int]) -> list[int]:
        """The ids of the passages of these articles, ascending."""
        return sorted(
            row[0] for row in self._in("SELECT id FROM passages", "article_id", article_ids)
        )

    def holders(self, hashes: Sequence[str]) -> list[tuple[int, str, bool]]:
        """Articles holding a piece of one of these texts: (article id, text hash, whether
        that piece is its passage rather than a duplicate)."""
        passages = self._in("SELECT article_id, text_hash, 1 FROM passages", "text_hash", hashes)
        duplicates = self._in(
            "SELECT article_id, text_hash, 0 FROM duplicates", "text_hash", hashes
        )
        return [(a, h, bool(owned)) for a, h, owned in passages + duplicates]

    def article_rows(
        self, ids: Sequence[int]
    ) -> Iterator[tuple[Article, list[PassageRow], list[Duplicate]]]:
        """These articles (by id, ascending) with their passages and duplicates, to write them
        into another segment."""
        wanted = sorted(set(ids))
        passages: dict[int, list[PassageRow]] = {}
        columns = f"SELECT {PASSAGE_COLUMNS}, text_hash, sentence_row FROM passages"
        for row in self._in(columns, "article_id", wanted, order="id"):
            passages.setdefault(row[1], []).append(PassageRow(_passage(row[:7]), row[7], row[8]))
        duplicates: dict[int, list[Duplicate]] = {}
        columns = f"SELECT {DUPLICATE_COLUMNS} FROM duplicates"
        for row in self._in(columns, "article_id", wanted, order="rowid"):
            spans = tuple(Span(s, e) for s, e in json.loads(row[6]))
            duplicates.setdefault(row[0], []).append(Duplicate(*row[:6], spans))
        for article in self.articles(wanted):
            yield article, passages.get(article.id, []), duplicates.get(article.id, [])

    def _in(
        self, select: str, column: str, values: Sequence[object], order: str | None = None
    ) -> list[tuple]:
        """``select … WHERE column IN values``, in chunks SQLite's parameter limit allows."""
        rows: list[tuple] = []
        values = list(values)
        for begin in range(0, len(values), 500):
            chunk = values[begin : begin + 500]
            sql = f"{select} WHERE {column} IN ({','.join('?' * len(chunk))})"
            rows += self._query(sql + (f" ORDER BY {order}" if order else ""), chunk)
        if order and len(values) > 500:
            rows.sort(key=lambda row: row[0])
        return rows

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()


def _duplicate_fields(d: Duplicate) -> tuple[object, ...]:
    return (d.article_id, d.paragraph, d.start, d.end, d.text, d.text_hash)


def _spans_json(spans: Sequence[Span]) -> str:
    return json.dumps([[s.start, s.end] for s in spans], separators=(",", ":"))


def _passage(row: Sequence) -> Passage:
    pid, article_id, paragraph, start, end, text, sentences = row
    spans = tuple(Span(s, e) for s, e in json.loads(sentences))
    return Passage(pid, article_id, paragraph, text, start, end, spans)
