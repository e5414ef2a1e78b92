"""``citebot bench``: how fast the engine builds and answers, from a thousand passages to a million.

Speed is measured here, never by timed tests. These questions are answered:

- **Build.** Is an index build as fast as the model allows? The same passages are encoded once
  with the bare ``SentenceTransformer.encode`` and once through ``build`` end to end (reading
  entries, splitting, SQLite, FAISS, BM25, the sentence vectors), each from a cold cache.
- **Answer.** End-to-end ``Library.search`` latency (question in, attributed answer out) at each
  library size, with the question's encoding, the floor, beside it; the resident memory of a
  fresh process holding that index; and the approximate index's recall against exact search.
  Each size runs in its own process so that one size's memory never counts in another's.
- **Hostile shapes.** Is building linear in the input? One paragraph of a megabyte (an export
  that lost its line breaks) against the same text in ordinary paragraphs, both read from a
  file and built end to end with the real tokenizer deciding the splits; only the vectors are
  synthetic (as for the scale runs), since the model's time is linear by construction.
- **Add.** How long adding one real article takes at each library size, end to end (reading
  it, its model time with a cold embedding cache, the new segment, the switch), and how long a
  running library takes to open the new version; then a merge of every segment into one.
- **Scale.** Past the real passages we have, libraries are synthetic: real paragraphs repeated
  with their sentences reordered and numbers changed (so BM25 and SQLite see realistic text)
  and, instead of the model's vectors, noisy copies of the real passages' vectors (so a
  million passages build in minutes, not a day, and still form topic clusters as real ones
  do). Latency and memory are real for those; answers are not, and the report says which.
- **Many servers.** A bot in many servers keeps a library for each (``index.servers``). One
  library of real passages is built with the model, then copied to every server's folder by
  hard links (building a thousand with the model would take hours and measure nothing more:
  each would be the same size). Questions go to servers drawn at random through one
  ``LibraryPool`` of ``CITEBOT_OPEN_LIBRARIES``: their latency, the process's memory after,
  and the first answer of a server whose library is closed against one whose library is open.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from index import layout
from index.config import EngineConfig
from index.dense import DenseIndex
from index.embedder import Embedder
from index.entries import Entry, Piece
from index.evaluation import Question, load_squad, percentile
from index.library import open_library
from index.manifest import Manifest
from index.merge import merge
from index.sentences import split_sentences
from index.servers import LibraryPool
from index.writer import add, build, build_entries, embedding_text, fit_titles

Report = Callable[[str], None]
CACHE = "embeddings.sqlite3"  # one cold embedding cache a run, beside its indexes
ADDS = 3  # adds timed at each size: the median is reported


@dataclass(frozen=True, slots=True)
class BenchPlan:
    squad: Path  # real passages and questions (SQuAD v1.1)
    sizes: tuple[int, ...] = (1_000, 100_000)
    queries: int = 300
    real_passages: int | None = None  # use only the first articles (a quick run, the tests)
    paragraph_chars: int = 2**20  # the one long paragraph of the hostile-shape build
    article: Path | None = None  # a real article file, added at each size (``add_s``)
    merge_up_to: int = 100_000  # sizes up to which a full merge is timed (a rebuild's cost)


def questions(plan: BenchPlan) -> list[str]:
    """The questions every size is asked: a fixed sample of the real set."""
    return [q.text for q in _sample(load_squad(plan.squad).questions, plan.queries)]


def run(
    plan: BenchPlan, config: EngineConfig, root: Path, report: Report = lambda _: None
) -> dict[str, Any]:
    """Every figure of the benchmark, as one JSON-ready dict; indexes are built under ``root``
    (the real passages' index stays at ``root / "real"`` for the caller's own measures).

    Always the index directory's store: the figures are those of files on this machine (a
    Qdrant library's speed is its server's, and local mode is not a guide to it)."""
    config = replace(config, store="faiss")
    real = load_squad(plan.squad)
    if plan.real_passages is not None:
        real = replace(real, entries=tuple(_first(real.entries, plan.real_passages)))
    asked = questions(plan)
    embedder = Embedder(config)
    cache = root / CACHE
    count = sum(len(e.pieces) for e in real.entries)
    result: dict[str, Any] = {"machine": machine(), "queries": len(asked)}
    report(f"Encoding {count:,} passages bare, then building them end to end …")
    result |= build_throughput(real.entries, replace(config, index_dir=root / "real"), embedder)
    report(f"Building one paragraph of {plan.paragraph_chars:,} characters, then the same text …")
    base = _real_vectors(root / "real")
    fake = _SyntheticEmbedder(config, base, embedder)
    result["long_paragraph"] = long_paragraph(
        real.entries, replace(config, index_dir=root / "paragraph"), fake, plan.paragraph_chars
    )
    result["sizes"] = {}
    for size in plan.sizes:
        report(f"Answering at {size:,} passages …")
        index = replace(config, index_dir=root / f"size-{size}")
        synthetic = size > 2 * count  # up to twice what we have, the real passages stand in
        started = time.perf_counter()
        if synthetic:  # the non-model cost of building at this size: the vectors are free
            entries = _synthetic(real.entries, size)
            fake = _SyntheticEmbedder(config, base)
            build_entries(entries, index, embedder=fake, use_cache=False)
        else:  # real text and vectors, from the cache the build above filled
            build_entries(_first(real.entries, size), index, embedder=embedder, cache=cache)
        seconds = time.perf_counter() - started
        adding = add_latency(index, embedder, plan.article) if plan.article else {}
        figures = _in_process(answer_latency, index, asked) | adding
        if plan.article and size <= plan.merge_up_to:
            started = time.perf_counter()
            figures["merged_segments"] = merge(index, everything=True)
            figures["merge_s"] = round(time.perf_counter() - started, 1)
        if synthetic:
            figures["build_s"] = round(seconds, 1)
        figures["synthetic"] = synthetic
        result["sizes"][str(size)] = figures
    return result


def build_throughput(
    entries: Sequence[Entry], config: EngineConfig, embedder: Embedder
) -> dict[str, Any]:
    """Raw model throughput against ``build`` end to end, over the same passages, from a cold
    cache (the index's own, which ``run`` reuses for its real-text sizes)."""
    titles = fit_titles([e.meta.title for e in entries], embedder.count_tokens)
    passages = [
        embedding_text(title, p.text)
        for title, e in zip(titles, entries, strict=True)
        for p in e.pieces
    ]
    sentences = [s.of(p.text) for e in entries for p in e.pieces for s in p.sentences]
    embedder.model.encode(passages[:64], batch_size=config.batch_size)  # warm the kernels
    started = time.perf_counter()
    embedder.model.encode(passages, batch_size=config.batch_size)
    encode_passages = time.perf_counter() - started
    started = time.perf_counter()
    embedder.model.encode(sentences, batch_size=config.batch_size)
    encode_sentences = time.perf_counter() - started
    started = time.perf_counter()
    build_entries(entries, config, embedder=embedder, cache=config.index_dir.parent / CACHE)
    build = time.perf_counter() - started
    encode_all = encode_passages + encode_sentences
    return {
        "passages": len(passages),
        "sentences": len(sentences),
        "encode_s": round(encode_all, 2),
        "encode_passages_s": round(encode_passages, 2),
        "build_s": round(build, 2),
        "build_vs_encode": round(build / encode_all, 3),
        "encode_per_s": round(len(passages) / encode_passages, 1),
        "build_per_s": round(len(passages) / build, 1),
    }


def long_paragraph(
    entries: Sequence[Entry], config: EngineConfig, embedder: Embedder, chars: int
) -> dict[str, Any]:
    """Build time of one ``chars``-long paragraph against the same text as the paragraphs it
    was made of, each read from a Markdown file: a build that is linear in its input takes
    about as long for both (the long one is tokenized twice, whole and by sentence, to be
    cut), where anything quadratic shows as a ratio that grows with ``chars``."""
    texts: list[str] = []
    total = 0
    for entry in _synthetic(entries, chars // 100):  # unique paragraphs: none is deduplicated
        for piece in entry.pieces:
            if total < chars:
                texts.append(piece.text)
                total += len(piece.text) + 1
    figures: dict[str, Any] = {"chars": total}
    for name, body in (("one_paragraph", " ".join(texts)), ("paragraphs", "\n\n".join(texts))):
        folder = config.index_dir / name
        (folder / "articles").mkdir(parents=True)
        article = folder / "articles" / "article.md"
        article.write_text(f"# A long article\n\n{body}\n", encoding="utf-8")
        started = time.perf_counter()
        report = build(
            [article.parent], replace(config, index_dir=folder / "index"), embedder=embedder
        )
        figures[f"{name}_s"] = round(time.perf_counter() - started, 2)
        figures[f"{name}_passages"] = report.passages
    figures["ratio"] = round(figures["one_paragraph_s"] / figures["paragraphs_s"], 2)
    return figures


def add_latency(config: EngineConfig, embedder: Embedder, article: Path) -> dict[str, Any]:
    """Seconds to add ``article`` to the index at ``config.index_dir``, ``ADDS`` times (the
    same file again: each add replaces the last), and to move an open library to the result.

    The embedding cache is emptied before each add, so every add pays the model for the
    article, as an add of a new article does.
    """
    library = open_library(config, embedder=embedder)
    seconds, refresh = [], []
    try:
        for _ in range(ADDS):
            for path in config.index_dir.glob(f"{CACHE}*"):
                path.unlink()
            started = time.perf_counter()
            report = add([article], config, embedder=embedder)
            seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            library.refresh()
            refresh.append(time.perf_counter() - started)
        segments = library.info().segments
    finally:
        library.close()
    return {
        "add_s": round(statistics.median(seconds), 2),
        "add_runs_s": [round(s, 2) for s in seconds],
        "add_embedded": report.embedded,  # texts the model encoded for the article
        "refresh_ms": _ms(statistics.median(refresh)),
        "segments": segments,
    }


@dataclass(frozen=True, slots=True)
class ServersPlan:
    """The many-servers row: ``servers`` libraries of ``passages`` real passages each."""

    squad: Path  # the passages of the one library built, and questions about them
    servers: int = 1_000
    passages: int = 200
    queries: int = 300  # questions spread over the servers at random
    probes: int = 50  # servers whose first answer is timed closed, then open


def many_servers(
    plan: ServersPlan, config: EngineConfig, root: Path, report: Report = lambda _: None
) -> dict[str, Any]:
    """The many-servers figures, as one JSON-ready dict; the libraries are made under ``root``.

    The servers' libraries are one real library hard-linked into every server's folder, so
    every opening reads files already in the page cache (as copies just written would be; a
    server whose files have left the cache adds the disk's reads). The rest of an opening (the
    manifest, SQLite, the FAISS and BM25 files and vocabularies) is measured in full, and each
    open library maps its own files, as with copies.
    """
    real = load_squad(plan.squad)
    entries = _exactly(real.entries, plan.passages)
    on_topic = {(e.key, p.paragraph) for e in entries for p in e.pieces}
    asked = [
        q.text for q in _sample([q for q in real.questions if q.gold in on_topic], plan.queries)
    ]
    template = replace(config, index_dir=root / "template")
    report(f"Building one library of {plan.passages:,} passages with the model …")
    started = time.perf_counter()
    built = build_entries(entries, template, embedder=Embedder(config), cache=root / CACHE)
    build_s = time.perf_counter() - started
    report(f"Hard-linking it into {plan.servers:,} servers' folders …")
    servers = replace(config, index_dir=root / "shared", servers_dir=root / "servers")
    started = time.perf_counter()
    for server_id in range(1, plan.servers + 1):
        shutil.copytree(
            template.index_dir,
            servers.for_server(server_id).index_dir,
            symlinks=True,  # ``current`` is a relative link: it points into the copy
            copy_function=os.link,
            ignore=shutil.ignore_patterns(layout.LOCK),  # one lock each, not one for all
        )
    copy_s = time.perf_counter() - started
    report(
        f"Asking {len(asked)} questions of servers drawn at random, "
        f"{config.open_libraries} libraries open at most …"
    )
    figures = _in_process(pool_latency, servers, plan.servers, asked, plan.probes)
    return {
        "servers": plan.servers,
        "passages": built.passages,
        "build_s": round(build_s, 1),
        "copy_s": round(copy_s, 1),
        **figures,
    }


def pool_latency(
    config: EngineConfig, servers: int, questions: Sequence[str], probes: int
) -> dict[str, Any]:
    """Question latency over the libraries of servers ``1..servers`` through one
    ``LibraryPool`` of ``config.open_libraries``, the memory after, and the first answer of
    ``probes`` servers whose library is closed, then of the same servers with it open, and
    the encoding of a question alone (the floor of every answer).

    Runs in a fresh process (see ``_in_process``): ``rss_mib`` is a bot's holding the model and
    the open libraries, ``start_rss_mib`` the same with one library open.
    """
    rng = random.Random(servers)
    pool = LibraryPool(config, capacity=config.open_libraries)
    try:
        for question in questions[:10]:  # warm: first calls allocate and compile
            _answer(pool, 1, question)
        start = {"start_rss_mib": round(_memory("VmRSS"), 1)}
        total, found_open = [], 0
        for question in questions:
            server_id = rng.randint(1, servers)
            found_open += server_id in pool.open_ids()
            total.append(_answer(pool, server_id, question))
        opened = len(pool.open_ids())
        memory = {
            "rss_mib": round(_memory("VmRSS"), 1),
            "private_mib": round(_memory("RssAnon"), 1),
        }
        still_open = set(pool.open_ids())
        closed = [s for s in range(1, servers + 1) if s not in still_open]
        cold, warm, encode = [], [], []
        for number, server_id in enumerate(rng.sample(closed, min(probes, len(closed)))):
            cold.append(_answer(pool, server_id, questions[number % len(questions)]))
            question = questions[-1 - number % len(questions)]
            warm.append(_answer(pool, server_id, question))
            started = time.perf_counter()  # the floor of any answer, on this busy or quiet machine
            pool.embedder.encode_query(question)
            encode.append(time.perf_counter() - started)
    finally:
        pool.close()
    return {
        "capacity": config.open_libraries,
        "questions": len(total),
        "found_open": round(found_open / len(total), 3),
        "p50_ms": _ms(statistics.median(total)),
        "p99_ms": _ms(percentile(total, 99)),
        **start,
        **memory,
        "open_libraries": opened,
        "probes": len(cold),
        "closed_p50_ms": _ms(statistics.median(cold)) if cold else None,
        "closed_p99_ms": _ms(percentile(cold, 99)) if cold else None,
        "open_p50_ms": _ms(statistics.median(warm)) if warm else None,
        "open_p99_ms": _ms(percentile(warm, 99)) if warm else None,
        "encode_ms": _ms(statistics.median(encode)) if encode else None,
    }


def _answer(pool: LibraryPool, server_id: int, question: str) -> float:
    """Seconds to answer ``question`` in a server's library: opening it if it is closed."""
    started = time.perf_counter()
    with pool.lease(server_id) as library:
        library.search(question)
    return time.perf_counter() - started


def answer_latency(config: EngineConfig, questions: Sequence[str]) -> dict[str, Any]:
    """Latency, encoding floor, memory and ANN recall for the index at ``config.index_dir``.

    Runs in a fresh process (see ``_in_process``), so ``rss_mib`` is what a bot holding this
    index and the model would take.
    """
    library = open_library(config)
    embedder = library.embedder
    for question in questions[:10]:  # warm: first calls allocate and compile
        library.search(question)
    total, encode = [], []
    for question in questions:
        started = time.perf_counter()
        embedder.encode_query(question)
        encode.append(time.perf_counter() - started)
        started = time.perf_counter()
        library.search(question)
        total.append(time.perf_counter() - started)
    snapshot = library.snapshot
    info = library.info()
    memory = {"rss_mib": round(_memory("VmRSS"), 1), "private_mib": round(_memory("RssAnon"), 1)}
    # The largest segment: the library as built, which the dense recall is measured on.
    largest = max(snapshot.manifest.segments, key=lambda s: s.passages)
    files = snapshot.version.segment(largest.name)
    # Measured before the exact scans below, which read every vector as no bot ever does.
    vectors = np.load(files.passage_vectors, mmap_mode="r", allow_pickle=False)
    return {
        "passages": info.passages,
        "dense_index": info.dense_index,
        "p50_ms": _ms(statistics.median(total)),
        "p99_ms": _ms(percentile(total, 99)),
        "encode_ms": _ms(statistics.median(encode)),
        **memory,
        "index_mib": round(info.size_bytes / 2**20, 1),
        "ann_recall@10": ann_recall(DenseIndex.open(files.dense), vectors, embedder, questions),
    }


def ann_recall(
    dense: DenseIndex, vectors: np.ndarray, embedder: Embedder, questions: Sequence[str]
) -> float:
    """Share of the exact top 10 that the retriever sees: the index's candidates, rescored
    with the exact vectors as the retriever does, against a full exact scan."""
    if dense.kind == "flat":
        return 1.0
    found = 0
    for question in questions[:100]:
        query = embedder.encode_query(question)
        ids, _ = dense.search(query, 50)
        approximate = ids[np.argsort(-(vectors[ids] @ query))[:10]]
        exact = _exact_top(vectors, query, 10)
        found += len(set(approximate.tolist()) & set(exact.tolist()))
    return round(found / (10 * min(len(questions), 100)), 4)


def _exact_top(vectors: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    scores = np.concatenate(
        [vectors[i : i + 100_000] @ query for i in range(0, len(vectors), 100_000)]
    )
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


class _SyntheticEmbedder:
    """Stands in for the model when building synthetic libraries, at memory speed.

    Uniformly random vectors would be the wrong test: in 384 dimensions they are all about
    equally far from any question, which no real library is, and no approximate index finds
    "neighbours" among them. These are the model's real vectors of the real passages and
    sentences, each copy moved by noise to a cosine of about 0.7 from its source: a library of
    topic clusters and near-paraphrases, like real ones.
    """

    NOISE = 0.05  # per dimension: cosine to the source 1 / sqrt(1 + 384 * 0.05**2) ≈ 0.7

    def __init__(
        self, config: EngineConfig, base: np.ndarray, tokenizer: Embedder | None = None
    ) -> None:
        self.name = config.model  # the index must open with the real model for its questions
        self.backend = config.backend
        self.fingerprint = f"synthetic|{config.model}"
        self.dimension = base.shape[1]
        self.max_tokens = tokenizer.max_tokens if tokenizer else 254
        self._tokenizer = tokenizer
        self._base = base
        self._rng = np.random.default_rng(7)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """The real model's word pieces when it is given (the splits then are a real build's),
        else words: the synthetic libraries come pre-split and only need a cheap measure."""
        if self._tokenizer:
            return self._tokenizer.count_tokens(texts)
        return [len(t.split()) for t in texts]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), 100_000):  # bounded temporaries at a million
            rows = self._rng.integers(0, len(self._base), min(100_000, len(texts) - start))
            noise = self._rng.standard_normal((len(rows), self.dimension), dtype=np.float32)
            vectors = self._base[rows] + self.NOISE * noise
            out[start : start + len(rows)] = vectors / np.linalg.norm(
                vectors, axis=1, keepdims=True
            )
        return out


def _real_vectors(index_dir: Path) -> np.ndarray:
    version = layout.current_version(index_dir)
    vectors = []
    for segment in Manifest.read(version.manifest).segments:
        files = version.segment(segment.name)
        vectors.append(np.load(files.passage_vectors, allow_pickle=False))
        vectors.append(np.load(files.sentence_vectors, allow_pickle=False).astype(np.float32))
    return np.concatenate(vectors)


def _synthetic(entries: Sequence[Entry], size: int) -> list[Entry]:
    """``size`` passages of real text, varied so that no two are the same paragraph."""
    rng = random.Random(size)
    pieces = [(e.meta, p) for e in entries for p in e.pieces]
    out: list[Entry] = []
    per_article = 20
    for number in range(0, size, per_article):
        chosen = [rng.choice(pieces) for _ in range(min(per_article, size - number))]
        varied = [_vary(p, rng, i) for i, (_, p) in enumerate(chosen, 1)]
        meta = replace(chosen[0][0], title=f"{chosen[0][0].title} {number // per_article}")
        key = f"synthetic-{number // per_article:06d}"
        out.append(Entry(key, key, meta, key, len(varied), tuple(varied)))
    return out


def _vary(piece: Piece, rng: random.Random, paragraph: int) -> Piece:
    """Up to three of the paragraph's sentences, shuffled, numbers changed, and a serial
    number in front so that no two synthetic passages are the same text (the writer would
    index a repeated paragraph once). Three sentences is a news paragraph; five, SQuAD's
    average, would only make the million-passage build slower without changing a query."""
    sentences = [s.of(piece.text) for s in piece.sentences]
    rng.shuffle(sentences)
    del sentences[3:]
    sentences[0] = f"No. {rng.randrange(10**9)} {sentences[0]}"
    text = re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(1, 999)), " ".join(sentences))
    return Piece(paragraph, 0, len(text), text, split_sentences(text))


def _first(entries: Sequence[Entry], size: int) -> list[Entry]:
    out, count = [], 0
    for entry in entries:
        if count >= size:
            break
        out.append(entry)
        count += len(entry.pieces)
    return out


def _exactly(entries: Sequence[Entry], size: int) -> list[Entry]:
    """The first ``size`` passages: whole articles, the last one cut short if need be."""
    out = _first(entries, size)
    extra = sum(len(e.pieces) for e in out) - size
    if extra > 0:
        out[-1] = replace(out[-1], pieces=out[-1].pieces[:-extra])
    return out


def _sample(questions: Sequence[Question], count: int) -> list[Question]:
    return random.Random(0).sample(list(questions), min(count, len(questions)))


def _in_process(call: Callable[..., dict[str, Any]], *args: object) -> dict[str, Any]:
    """``call(*args)`` in a fresh interpreter, so that its memory is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(call, *args).result()


def _memory(field: str) -> float:
    """A memory figure of this process from /proc: ``VmRSS`` counts the pages of memory-mapped
    index files it touched (shared by every process reading them), ``RssAnon`` its own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def machine() -> dict[str, Any]:
    """The machine a run measured: its figures compare only with a run on the same."""
    import platform

    import torch

    return {
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "load_average": round(os.getloadavg()[0], 2),
    }
