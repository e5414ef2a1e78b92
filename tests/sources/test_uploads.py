"""Articles the index keeps a copy of: an uploaded file is answerable, survives a rebuild of
the folders, says where it came from, and is gone for good once removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import ArticleError, CitebotError, EngineConfig, build, list_articles, open_library
from index.sources import MAX_UPLOAD_BYTES, Copies, add_upload, remove

pytestmark = pytest.mark.slow

LIGHTHOUSE = (
    "---\ntitle: The lighthouse keepers of Skerry\nauthor: Moira Flett\ndate: 2019-05-04\n---\n\n"
    "The last keeper left the Skerry light in 1998, when the lamp was automated.\n\n"
    "Supplies came by boat every second Thursday, weather permitting, from the harbour at "
    "Lerwick.\n"
)
QUESTION = "How often did supply boats reach the Skerry lighthouse?"


@pytest.fixture
def folder(tmp_path: Path, write_markdown) -> Path:
    write_markdown(
        tmp_path / "articles",
        "tram.md",
        "A tram for the harbour",
        ["The council approved a tram line to the harbour with fourteen stops."],
    )
    return tmp_path / "articles"


def test_an_upload_answers_survives_a_rebuild_and_is_removed_for_good(
    folder: Path, config: EngineConfig, embedder
) -> None:
    build([folder], config, embedder=embedder)
    intake = add_upload(
        "skerry.md", LIGHTHOUSE.encode(), config, added_by="discord:7 (moira)", embedder=embedder
    )
    assert len(intake.added) == 1
    key = intake.added[0]

    def answer() -> str | None:
        library = open_library(config, embedder=embedder)
        try:
            found = library.search(QUESTION)
            return found.best.article.title if found.answered else None
        finally:
            library.close()

    assert answer() == "The lighthouse keepers of Skerry"

    build([folder], config, embedder=embedder)  # the folders alone: the upload stays
    assert answer() == "The lighthouse keepers of Skerry"
    library = open_library(config, embedder=embedder)
    (article,) = [a for a in library.articles() if a.key == key]
    origin = Copies(config.index_dir).origin(article.path)
    assert origin is not None
    assert (origin.kind, origin.location, origin.added_by) == (
        "upload",
        "skerry.md",
        "discord:7 (moira)",
    )
    assert article.author == "Moira Flett"
    library.close()

    report = remove([key], config, embedder=embedder)
    assert report.removed == (key,)
    assert not Path(article.path).exists()
    build([folder], config, embedder=embedder)
    assert answer() is None


def test_an_upload_keeps_its_paragraphs_and_attribution(config: EngineConfig, embedder) -> None:
    intake = add_upload("skerry.md", LIGHTHOUSE.encode(), config, added_by=None, embedder=embedder)
    (copy,) = (config.index_dir / "sources").iterdir()
    document = json.loads(copy.read_text(encoding="utf-8"))
    (record,) = document["articles"]
    assert record["title"] == "The lighthouse keepers of Skerry"
    assert record["date"] == "2019-05-04"
    assert len(record["paragraphs"]) == 2
    assert intake.report is not None and intake.report.passages == 2


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("notes.pdf", b"%PDF-1.4", "citebot reads"),
        ("empty.md", b"   \n\n", "no article text"),
        ("binary.txt", b"\x00\x01" * 100, "binary file"),
        ("huge.txt", b"a" * (MAX_UPLOAD_BYTES + 1), "at most 2 MiB"),
    ],
)
def test_an_unusable_upload_is_one_line_and_changes_nothing(
    folder: Path, config: EngineConfig, embedder, name: str, content: bytes, why: str
) -> None:
    build([folder], config, embedder=embedder)
    before = sorted(p.name for p in (config.index_dir / "versions").iterdir())
    with pytest.raises(ArticleError, match=why) as raised:
        add_upload(name, content, config, added_by=None, embedder=embedder)
    assert "\n" not in str(raised.value)
    assert sorted(p.name for p in (config.index_dir / "versions").iterdir()) == before
    assert not (config.index_dir / "sources").exists()


def test_an_upload_name_is_never_a_path(config: EngineConfig, embedder, tmp_path: Path) -> None:
    add_upload(
        "../../../etc/evil.md", LIGHTHOUSE.encode(), config, added_by=None, embedder=embedder
    )
    (copy,) = (config.index_dir / "sources").iterdir()
    assert copy.name.startswith("upload-evil-")
    assert not (tmp_path / "etc").exists()


def test_removing_an_unknown_article_is_one_line(
    folder: Path, config: EngineConfig, embedder
) -> None:
    build([folder], config, embedder=embedder)
    with pytest.raises(CitebotError, match=r"Not in the index: https://example\.org/nothing"):
        remove(["https://example.org/nothing"], config, embedder=embedder)


def test_an_upload_without_a_title_is_named_after_its_file(config, embedder) -> None:
    text = b"The ferry to Skerry leaves at dawn on Thursdays.\n\nIt returns at dusk.\n"
    intake = add_upload("ferry-times.txt", text, config, added_by=None, embedder=embedder)
    (article,) = list_articles(config)
    assert intake.added == (article.key,)
    assert article.title == "Ferry times"
