"""``citebot health``: the container's health check. Cheap (no model), one line, exit 0 or 2."""

from __future__ import annotations

import pytest

import index.embedder
from cli.main import main
from index.manifest import Manifest, SegmentInfo


@pytest.fixture
def index_dir(cli_env, monkeypatch):
    """An index as far as the health check reads it: the ``current`` link and its manifest.
    Loading the model would fail the test: the check must never do it."""
    version = cli_env / "index" / "versions" / "20261126T000000.000000-1"
    version.mkdir(parents=True)
    segment = SegmentInfo("s1", articles=3, passages=12, sentences=40, dense_index="flat")
    Manifest.now(
        model="all-MiniLM-L6-v2", dimension=384, backend="onnx", articles=3, passages=12,
        sentences=40, dense_index="flat", segments=(segment,),
    ).write(version / "manifest.json")  # fmt: skip
    (cli_env / "index" / "current").symlink_to(version.relative_to(cli_env / "index"))

    def no_model(*_args, **_kwargs):
        raise AssertionError("the health check loaded the model")

    monkeypatch.setattr(index.embedder.Embedder, "__init__", no_model)
    return cli_env / "index"


def test_a_healthy_index_is_one_line_and_status_0(index_dir, capsys):
    assert main(["health", "--index-dir", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 3 articles, 12 passages, model all-MiniLM-L6-v2")
    assert out.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--model", "another-model"], "error: The index was built with the model"),
        (["--index-dir", "missing"], "error: No index at missing"),
    ],
)
def test_an_index_the_bot_could_not_open_is_status_2(index_dir, capsys, args, said):
    assert main(["health", "--index-dir", str(index_dir), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(said) and err.count("\n") == 1, err


def test_a_bad_setting_fails_the_health_check_too(index_dir, capsys, monkeypatch):
    monkeypatch.setenv("CITEBOT_THRESHOLD", "high")
    assert main(["health", "--index-dir", str(index_dir)]) == 2
    assert capsys.readouterr().err.startswith("error: CITEBOT_THRESHOLD='high' is not valid")


def test_without_a_shared_library_servers_own_libraries_are_healthy(index_dir, capsys):
    # A bot with CITEBOT_SHARED_LIBRARY=off serves servers' own libraries and needs no other.
    servers = index_dir.parent / "only-servers"
    (servers / "servers" / "123").mkdir(parents=True)
    assert main(["health", "--index-dir", str(servers / "index")]) == 0
    assert capsys.readouterr().out == "ok: no shared library; 1 server's library\n"
