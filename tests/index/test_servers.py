"""Libraries of single servers: where they live, that they stay apart, and the pool that keeps
a bounded number of them open, with the real model and real indexes."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from index import CitebotError, EngineConfig, IndexBusy, IndexUnavailable, Library, add, build
from index.layout import writing
from index.servers import LibraryPool, delete_server, has_library, server_ids

pytestmark = pytest.mark.slow

TRAM = [
    "The city council approved a tram line to the harbour with fourteen stops.",
    "Trams will run every six minutes at peak hours.",
]
BEES = [
    "Forty beekeepers in the valley pooled their hives to sell heather honey to shops.",
    "The cooperative shares one extraction room for the whole harvest.",
]
GLACIER = ["The northern glacier lost eleven metres of thickness over the last decade."]
FERRY = ["A night ferry to the islands will leave the port at eleven every Friday."]

TRAM_QUESTION = "How often will the trams run?"
BEES_QUESTION = "Who sells heather honey?"
GLACIER_QUESTION = "How much thickness did the glacier lose?"


def _build(config: EngineConfig, folder: Path, write_markdown, embedder, *articles) -> None:
    """Build ``config``'s library from ``articles``: (file name, title, paragraphs) each."""
    for name, title, paragraphs in articles:
        write_markdown(folder, name, title, paragraphs)
    build([folder], config, embedder=embedder)


@pytest.fixture(scope="module")
def libraries(tmp_path_factory, embedder, write_markdown) -> EngineConfig:
    """The shared library (glacier) and servers 1 (tram), 2 (bees) and 3 (glacier): the
    configuration of the shared one. Pools only read them."""
    root = tmp_path_factory.mktemp("libraries")
    config = EngineConfig(index_dir=root / "index", cache_dir=root / "cache")
    for server_id, article in [
        (None, ("glacier.md", "Glacier retreat", GLACIER)),
        (1, ("tram.md", "A tram for the harbour", TRAM)),
        (2, ("bees.md", "Valley beekeepers", BEES)),
        (3, ("glacier.md", "Glacier retreat", GLACIER)),
    ]:
        folder = root / "articles" / str(server_id)
        _build(config.for_server(server_id), folder, write_markdown, embedder, article)
    return config


@pytest.fixture
def pool(libraries, embedder):
    """A pool of at most two open libraries over ``libraries``."""
    pool = LibraryPool(libraries, capacity=2, embedder=embedder)
    yield pool
    pool.close()


def _closed(library: Library) -> bool:
    """Whether ``library`` was closed: its article store refuses to be read."""
    try:
        library.articles()
    except sqlite3.ProgrammingError:
        return True
    return False


# EngineConfig.for_server


def test_a_server_library_lives_in_its_own_folder_beside_the_shared_index(tmp_path):
    config = EngineConfig(index_dir=tmp_path / "data" / "index", model="some-model")

    server = config.for_server(42)

    assert server.index_dir == tmp_path / "data" / "servers" / "42"
    assert server.server_id == 42
    assert server.model == "some-model"  # one model for every library
    assert server.servers_root == config.servers_root == tmp_path / "data" / "servers"
    assert server.for_server(7).index_dir == tmp_path / "data" / "servers" / "7"
    assert config.for_server(None) is config


def test_the_servers_folder_can_be_set(tmp_path):
    config = EngineConfig.from_env({"CITEBOT_SERVERS_DIR": str(tmp_path / "guilds")})

    assert config.for_server(5).index_dir == tmp_path / "guilds" / "5"


@pytest.mark.parametrize("server_id", [0, -3])
def test_a_server_id_that_is_not_positive_is_refused(tmp_path, server_id):
    with pytest.raises(CitebotError, match="positive"):
        EngineConfig(index_dir=tmp_path / "index").for_server(server_id)


# Separate libraries


def test_a_question_in_one_server_never_gets_another_servers_article(libraries, embedder):
    pool = LibraryPool(libraries, capacity=4, embedder=embedder)
    try:
        with pool.lease(1) as trams, pool.lease(2) as bees:
            tram_answer = trams.search(TRAM_QUESTION)
            assert tram_answer.answered and "six minutes" in tram_answer.best.passage.text
            assert {a.key for a in trams.articles()} == {"tram.md"}
            for question in (TRAM_QUESTION, GLACIER_QUESTION):
                hits = bees.rank(question, 10)
                assert hits and {hit.article.key for hit in hits} == {"bees.md"}
            assert not bees.search(TRAM_QUESTION).answered
    finally:
        pool.close()


# LibraryPool


def test_a_library_opens_on_its_first_lease_and_stays_open(pool):
    assert pool.open_ids() == []

    with pool.lease(1) as first:
        assert pool.open_ids() == [1]
    with pool.lease(1) as again:
        assert again is first
    assert not _closed(first)


def test_beyond_capacity_the_least_recently_used_library_is_closed(pool):
    with pool.lease(1) as one, pool.lease(2) as two:
        pass
    with pool.lease(1):  # 1 is now the most recently used: 2 goes first
        pass
    with pool.lease(3):
        pass

    assert pool.open_ids() == [1, 3]
    assert _closed(two) and not _closed(one)


def test_the_shared_library_is_never_closed_to_make_room(pool):
    with pool.lease(None) as shared:
        assert shared.search(GLACIER_QUESTION).answered
    for server_id in (1, 2, 3):
        with pool.lease(server_id):
            pass

    assert pool.open_ids() == [None, 3]
    assert not _closed(shared)


def test_with_no_room_beside_the_shared_library_a_server_opens_for_its_lease(libraries, embedder):
    pool = LibraryPool(libraries, capacity=1, embedder=embedder)
    try:
        with pool.lease(None):
            pass
        with pool.lease(1) as trams:
            assert pool.open_ids() == [None]
            assert trams.search(TRAM_QUESTION).answered
        assert _closed(trams)
    finally:
        pool.close()


def test_a_library_closed_while_leased_answers_until_its_lease_ends(libraries, embedder):
    pool = LibraryPool(libraries, capacity=1, embedder=embedder)
    try:
        with pool.lease(1) as trams:
            with pool.lease(2):
                assert pool.open_ids() == [2]
            assert trams.search(TRAM_QUESTION).answered  # evicted, still usable
            assert not _closed(trams)
        assert _closed(trams)
    finally:
        pool.close()


def test_exists_for_open_on_disk_and_missing_libraries(pool):
    with pool.lease(1):
        pass

    assert pool.exists(1)  # open
    assert pool.exists(2) and 2 not in pool.open_ids()  # on disk only
    assert pool.exists(None)
    assert not pool.exists(99)


@pytest.fixture
def tram_server(tmp_path, config, embedder, write_markdown):
    """Server 9's library (the tram article) and a pool over the libraries, closed after."""
    server = config.for_server(9)
    _build(server, tmp_path / "articles", write_markdown, embedder, ("tram.md", "Tram", TRAM))
    pool = LibraryPool(config, capacity=2, embedder=embedder)
    yield server, pool
    pool.close()


def test_refresh_picks_up_an_article_added_to_one_servers_library(
    tram_server, tmp_path, embedder, write_markdown
):
    server, pool = tram_server
    with pool.lease(9) as library:
        assert not library.search(GLACIER_QUESTION).answered
    glacier = write_markdown(tmp_path / "more", "glacier.md", "Glacier retreat", GLACIER)
    add([glacier], server, embedder=embedder)

    assert pool.refresh() == [9]
    assert pool.refresh() == []  # nothing new since
    with pool.lease(9) as library:
        assert library.search(GLACIER_QUESTION).best.article.key == "glacier.md"


def test_refresh_closes_a_servers_library_whose_folder_was_deleted(tram_server, config):
    _, pool = tram_server
    with pool.lease(9) as library:
        assert library.search(TRAM_QUESTION).answered
    assert delete_server(config, 9)

    assert pool.refresh() == [9]
    assert 9 not in pool.open_ids() and _closed(library)
    assert not pool.exists(9)


def test_drop_closes_a_library_at_once_or_when_its_lease_ends(pool):
    with pool.lease(1) as trams:
        pass
    pool.drop(1)
    assert pool.open_ids() == [] and _closed(trams)

    with pool.lease(2) as bees:
        pool.drop(2)
        assert pool.open_ids() == []
        assert bees.search(BEES_QUESTION).answered
    assert _closed(bees)
    pool.drop(3)  # never opened: nothing to do


def test_close_waits_for_the_searches_that_hold_a_library(pool):
    with pool.lease(1) as trams:
        pool.close()
        assert pool.open_ids() == []
        assert trams.search(TRAM_QUESTION).answered
    assert _closed(trams)


def test_a_server_without_a_library_is_one_line_and_can_be_built_later(
    tmp_path, config, embedder, write_markdown
):
    pool = LibraryPool(config, capacity=2, embedder=embedder)
    try:
        with pytest.raises(IndexUnavailable) as error, pool.lease(77):
            pass
        assert "\n" not in str(error.value)
        assert str(config.for_server(77).index_dir) in str(error.value)
        assert pool.open_ids() == []

        server = config.for_server(77)
        _build(server, tmp_path / "articles", write_markdown, embedder, ("b.md", "Bees", BEES))
        with pool.lease(77) as library:
            assert library.search(BEES_QUESTION).answered
    finally:
        pool.close()


def test_concurrent_first_questions_open_a_library_once(pool):
    threads = 8
    start = threading.Barrier(threads)
    leased: list[Library] = []

    def ask() -> None:
        start.wait()
        with pool.lease(1) as library:
            library.search(TRAM_QUESTION)
            leased.append(library)

    workers = [threading.Thread(target=ask) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert len(leased) == threads
    assert len({id(library) for library in leased}) == 1
    assert pool.open_ids() == [1]
    assert not _closed(leased[0])


# paths


def test_server_ids_are_the_numeric_folders_only(tmp_path):
    config = EngineConfig(index_dir=tmp_path / "index")
    root = config.servers_root
    assert server_ids(config) == []  # no servers folder yet

    for name in ("20", "1", "007", "0", "abc", "²", ".deleted-3-0a1b2c3d", "12a"):
        (root / name).mkdir(parents=True)
    (root / "5").write_text("a file, not a server's folder")

    assert server_ids(config) == [1, 20]


def test_delete_server_removes_its_folder(tmp_path, config, embedder, write_markdown):
    server = config.for_server(4)
    _build(server, tmp_path / "articles", write_markdown, embedder, ("tram.md", "Tram", TRAM))
    assert has_library(server) and server_ids(config) == [4]

    assert delete_server(config, 4) is True

    assert not server.index_dir.exists() and not has_library(server)
    assert list(config.servers_root.iterdir()) == []  # nothing left aside either
    assert delete_server(config, 4) is False


def test_delete_server_is_refused_while_a_writer_holds_it(
    tmp_path, config, embedder, write_markdown
):
    server = config.for_server(4)
    _build(server, tmp_path / "articles", write_markdown, embedder, ("tram.md", "Tram", TRAM))

    with writing(server.index_dir), pytest.raises(IndexBusy):
        delete_server(config, 4)

    assert has_library(server)
