"""Libraries and index folders as people arrange them: several folders holding the same file
names, links where a real folder was expected. Every article is kept under its own key, and a
build deletes nothing it did not create."""

from __future__ import annotations

import pytest

from index import IndexUnavailable, add, build, layout, open_library, remove

HARBOUR = ["The harbour tram will have fourteen stops and run every six minutes at peak hours."]
GLACIER = ["The northern glacier lost eleven metres of thickness over the last decade."]


def _keys(config, embedder) -> dict[str, str]:
    library = open_library(config, embedder=embedder)
    try:
        return {a.key: a.title for a in library.articles()}
    finally:
        library.close()


@pytest.mark.slow
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


@pytest.mark.slow
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


def _publish(root) -> layout.Version:
    """What every build does to the index folder, without the model."""
    version = layout.new_version(root)
    version.manifest.write_text("{}")
    layout.publish(root, version)
    return version


def _looks_like_a_version(folder):
    """A folder of someone else's that has every mark of an index version."""
    (folder / "20250101T000000.000000-1").mkdir(parents=True)
    (folder / "20250101T000000.000000-1" / ".incomplete").touch()
    (folder / "20250101T000000.000001-1").mkdir()
    (folder / "20250101T000000.000001-1" / "manifest.json").write_text("{}")
    return sorted(p.name for p in folder.iterdir())


def test_a_versions_folder_that_is_a_link_is_refused_and_its_target_kept(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    kept = _looks_like_a_version(elsewhere)
    root = tmp_path / "index"
    root.mkdir()
    (root / layout.VERSIONS).symlink_to(elsewhere, target_is_directory=True)

    with pytest.raises(IndexUnavailable) as error, layout.writing(root):
        _publish(root)

    assert "\n" not in str(error.value) and "link" in str(error.value)
    assert sorted(p.name for p in elsewhere.iterdir()) == kept


def test_a_rebuild_deletes_only_the_versions_it_wrote(tmp_path):
    root = tmp_path / "index"
    with layout.writing(root):
        _publish(root)
    versions = root / layout.VERSIONS
    (versions / "2019 holiday").mkdir()
    (versions / "2019 holiday" / "photo.jpg").write_bytes(b"jpeg")
    (versions / "notes.txt").write_text("mine")
    elsewhere = tmp_path / "elsewhere"
    kept = _looks_like_a_version(elsewhere)
    for target in elsewhere.iterdir():  # links named like versions, to folders that look like one
        (versions / f"{target.name}0").symlink_to(target, target_is_directory=True)

    with layout.writing(root):
        previous = _publish(root)
        last = _publish(root)

    own = {p.name for p in versions.iterdir() if p.is_dir() and not p.is_symlink()}
    assert own == {"2019 holiday", previous.id, last.id}  # the first build's version is gone
    assert (versions / "2019 holiday" / "photo.jpg").read_bytes() == b"jpeg"
    assert (versions / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in elsewhere.iterdir()) == kept
