"""Opening an index that is missing, damaged, or built differently fails with a clear message."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import replace

import numpy as np
import pytest
from segment_files import only_segment

from index import EngineConfig, IndexIncompatible, IndexUnavailable, build, open_library
from index.layout import current_version

pytestmark = pytest.mark.slow


@pytest.fixture
def built(tmp_path, config, embedder, write_markdown):
    folder = tmp_path / "articles"
    write_markdown(
        folder, "a.md", "Harbour tram", ["The harbour tram will have fourteen stops in total."]
    )
    build([folder], config, embedder=embedder)
    return current_version(config.index_dir)


def _fails_with(config: EngineConfig, embedder, kind: type[Exception], *words: str) -> str:
    with pytest.raises(kind) as error:
        open_library(config, embedder=embedder)
    message = str(error.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    return message


def test_missing_index_says_how_to_build_one(config, embedder):
    _fails_with(config, embedder, IndexUnavailable, str(config.index_dir), "citebot index build")


def test_index_built_with_another_model_names_both_models(built, config, embedder):
    other = replace(config, model="some-other-model")
    _fails_with(other, embedder, IndexIncompatible, "all-MiniLM-L6-v2", "some-other-model")


def test_index_from_a_newer_citebot_asks_for_an_upgrade(built, config, embedder):
    data = json.loads(built.manifest.read_text())
    built.manifest.write_text(json.dumps({**data, "format_version": 99}))
    _fails_with(config, embedder, IndexIncompatible, "newer citebot", "format 99")


@pytest.mark.parametrize(
    "damage",
    [
        lambda v: _damage(v, lambda s: s.dense.write_bytes(s.dense.read_bytes()[:100])),
        lambda v: _damage(v, lambda s: s.store.write_bytes(b"this is not a database" * 100)),
        lambda v: _damage(
            v, lambda s: s.passage_vectors.write_bytes(s.passage_vectors.read_bytes()[:64])
        ),
        lambda v: _damage(
            v, lambda s: np.save(s.sentence_vectors, np.array([{"x": 1}]), allow_pickle=True)
        ),
        lambda v: v.manifest.write_text("{not json"),
        lambda v: _damage(v, lambda s: (s.lexical / "terms.json").unlink()),
        lambda v: shutil.rmtree(only_segment(v).dir),
    ],
    ids=[
        "truncated-faiss",
        "corrupt-sqlite",
        "truncated-vectors",
        "pickled-vectors",
        "bad-manifest",
        "no-bm25",
        "no-segment",
    ],
)
def test_damaged_files_are_named_with_the_fix(built, config, embedder, damage):
    damage(built)
    _fails_with(config, embedder, IndexUnavailable, "citebot index build")


def test_deleted_version_directory_is_reported(built, config, embedder):

    shutil.rmtree(built.dir)
    _fails_with(config, embedder, IndexUnavailable, "citebot index build")


def test_a_running_library_keeps_serving_when_the_new_index_is_broken(
    built, tmp_path, config, embedder, write_markdown
):
    library = open_library(config, embedder=embedder)
    folder = tmp_path / "v2"
    write_markdown(folder, "b.md", "Glacier", ["The glacier lost eleven metres in ten years."])
    build([folder], config, embedder=embedder)
    only_segment(current_version(config.index_dir)).dense.write_bytes(b"garbage")

    assert library.refresh() is False
    assert (
        "fourteen stops" in library.search("How many stops will the tram have?").best.passage.text
    )


def test_refresh_switches_to_a_rebuilt_index(built, tmp_path, config, embedder, write_markdown):
    library = open_library(config, embedder=embedder)
    old = library.snapshot
    folder = tmp_path / "v2"
    write_markdown(folder, "b.md", "Glacier", ["The glacier lost eleven metres in ten years."])
    build([folder], config, embedder=embedder)

    assert library.refresh() is True
    assert library.refresh() is False
    assert "eleven metres" in library.search("How much did the glacier lose?").best.passage.text
    # A search that started on the old version can still finish on it.
    assert old.store.articles()[0].title == "Harbour tram"


def test_a_running_library_survives_its_directory_being_deleted(built, config, embedder):

    library = open_library(config, embedder=embedder)
    shutil.rmtree(config.index_dir)

    assert library.refresh() is False  # nothing new to open: keep serving what is open
    answer = library.search("How many stops will the tram have?")
    assert "fourteen stops" in answer.best.passage.text


def _damage(version, change) -> None:
    """Apply ``change`` to the files of the version's one segment."""
    change(only_segment(version))


def _lexical(version):
    return only_segment(version).lexical


def _edit_json(path, **changes) -> None:
    """Replace fields of the JSON object in ``path``; ``Infinity`` is written as JSON allows."""
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def _edit_segment(version, **changes) -> None:
    data = json.loads(version.manifest.read_text())
    data["segments"][0] |= changes
    version.manifest.write_text(json.dumps(data))


def _replace_with_folder(path) -> None:
    path.unlink()
    path.mkdir()


@pytest.mark.parametrize(
    "damage",
    [
        lambda v: _edit_json(v.manifest, format_version=math.inf),
        lambda v: _edit_json(v.manifest, format_version="1"),
        lambda v: _edit_json(v.manifest, model=5),
        lambda v: _edit_json(v.manifest, passages=-1),
        lambda v: _edit_json(v.manifest, sentences=True),
        lambda v: _edit_json(v.manifest, dimension=None),
        lambda v: v.manifest.write_text("[]"),
        lambda v: v.manifest.write_text('"manifest"'),
        lambda v: v.manifest.write_bytes(b"\xff\xfe{}"),
        lambda v: _replace_with_folder(v.manifest),
        lambda v: v.manifest.write_text("[" * 100_000 + "]" * 100_000),
        lambda v: _edit_json(v.manifest, segments=[]),
        lambda v: _edit_json(v.manifest, segments={}),
        lambda v: _edit_json(v.manifest, segments=["s1"]),
        lambda v: _edit_segment(v, name="../../elsewhere"),
        lambda v: _edit_segment(v, deleted=[10**6]),
        lambda v: _edit_segment(v, passages=10**6),
        lambda v: (_lexical(v) / "terms.json").write_text("[]"),
        lambda v: (_lexical(v) / "terms.json").write_text('{"terms": {}}'),
        lambda v: _edit_json(_lexical(v) / "terms.json", terms=[1, 2]),
        lambda v: _edit_json(_lexical(v) / "terms.json", num_docs=math.nan),
        lambda v: _edit_json(_lexical(v) / "terms.json", num_docs=10**6),
        lambda v: _edit_json(_lexical(v) / "terms.json", terms=["tram"]),
        lambda v: _replace_with_folder(_lexical(v) / "terms.json"),
        lambda v: np.save(_lexical(v) / "indptr.npy", np.array([0, 1]), allow_pickle=False),
        lambda v: np.save(_lexical(v) / "tf.npy", np.array(["x"]), allow_pickle=False),
        lambda v: np.save(_lexical(v) / "indices.npy", np.array(7), allow_pickle=False),
    ],
    ids=[
        "manifest-format-infinity",
        "manifest-format-text",
        "manifest-model-number",
        "manifest-negative-count",
        "manifest-boolean-count",
        "manifest-null-dimension",
        "manifest-list",
        "manifest-string",
        "manifest-not-utf8",
        "manifest-folder",
        "manifest-deeply-nested",
        "manifest-no-segments",
        "manifest-segments-object",
        "manifest-segment-text",
        "manifest-segment-outside",
        "manifest-tombstone-out-of-range",
        "manifest-segment-too-big",
        "terms-list",
        "terms-object",
        "terms-not-text",
        "terms-count-nan",
        "terms-count-wrong",
        "terms-too-few",
        "terms-folder",
        "bm25-short-indptr",
        "bm25-text-frequencies",
        "bm25-scalar-indices",
    ],
)
def test_a_damaged_manifest_or_vocabulary_fails_on_open_in_one_line(
    built, config, embedder, damage
):
    """Damage the writer never makes fails when the index is opened, not at a question."""
    damage(built)
    _fails_with(config, embedder, IndexUnavailable, str(built.dir), "citebot index build")
