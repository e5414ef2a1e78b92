"""Libraries and index folders as people arrange them: several folders holding the same file
names, links where a real folder was expected. Every article is kept under its own key, and a
build deletes nothing it did not create."""

from __future__ import annotations

import pytest

from index import add, build, open_library, remove

pytestmark = pytest.mark.slow

HARBOUR = ["The harbour tram will have fourteen stops and run every six minutes at peak hours."]
GLACIER = ["The northern glacier lost eleven metres of thickness over the last decade."]


def _keys(config, embedder) -> dict[str, str]:
    library = open_library(config, embedder=embedder)
    try:
        return {a.key: a.title for a in library.articles()}
    finally:
        library.close()


@pytest.mark.parametrize(
    ("folders", "keys"),
    [
        (["a", "b"], ["a/intro.md", "b/intro.md"]),
        (["x/lib", "y/lib"], ["lib/intro.md", "y/lib/intro.md"]),
    ],
    ids=["two-folders", "two-folders-of-the-same-name"],
)
def test_two_sources_holding_the_same_file_name_keep_both_articles(
    tmp_path, config, embedder, write_markdown, folders, keys
):
    for folder, (title, text) in zip(
        folders, [("Tram", HARBOUR), ("Glacier", GLACIER)], strict=True
    ):
        write_markdown(tmp_path / folder, "intro.md", title, text)
        write_markdown(tmp_path / folder, f"{title.lower()}.md", title, [f"More on the {title}."])

    report = build([tmp_path / f for f in folders], config, embedder=embedder)

    assert report.articles == 4
    found = _keys(config, embedder)
    assert sorted(k for k in found if k.endswith("intro.md")) == keys
    assert {"tram.md", "glacier.md"} <= set(found)  # keys that do not clash stay as they are
    remove([keys[0]], config, embedder=embedder)
    assert keys[0] not in _keys(config, embedder)


def test_adding_a_file_named_like_another_keeps_both(tmp_path, config, embedder, write_markdown):
    first = write_markdown(tmp_path / "a", "intro.md", "Tram", HARBOUR)
    second = write_markdown(tmp_path / "b", "intro.md", "Glacier", GLACIER)

    add([first], config, embedder=embedder)
    report = add([second], config, embedder=embedder)

    assert report.added == ("b/intro.md",)
    assert _keys(config, embedder) == {"intro.md": "Tram", "b/intro.md": "Glacier"}
    write_markdown(tmp_path / "a", "intro.md", "Tram, revised", HARBOUR)
    add([first], config, embedder=embedder)  # the same file again replaces its article
    assert _keys(config, embedder) == {"intro.md": "Tram, revised", "b/intro.md": "Glacier"}
