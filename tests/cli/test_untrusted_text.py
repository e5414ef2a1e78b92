"""Text from article files and from users prints as written: rich markup in a file name, a
title, an author or a key is text, never markup that crashes a report or forges a link."""

from __future__ import annotations

import json

import pytest

from cli.main import main

pytestmark = pytest.mark.slow

TITLE = "[/red] Harbour [link=file:///etc/passwd]tram[/link] :warning:"
AUTHOR = "[/] Ana [bold]Ruiz"
NAME = "[i]harbour[link=mailto:x].json"  # a file name cannot hold "/", so no closing tag
BROKEN = "[b]broken.txt"


@pytest.fixture
def hostile(cli_env):
    folder = cli_env / "articles"
    folder.mkdir()
    record = {
        "title": TITLE,
        "author": AUTHOR,
        "paragraphs": ["The harbour tram has fourteen stops and runs every six minutes."],
    }
    (folder / NAME).write_text(json.dumps(record), encoding="utf-8")
    (folder / BROKEN).write_bytes(b"\x00\xff" * 40)
    return folder


@pytest.fixture
def hostile_index(hostile, cli_env, capsys):
    target = cli_env / "index"
    assert main(["index", "build", str(hostile), "--index-dir", str(target)]) == 0
    return target, capsys.readouterr().out


def test_build_report_prints_hostile_file_names_as_written(hostile_index):
    _, out = hostile_index

    assert "Indexed 1 article" in out
    assert BROKEN in out  # the skipped table, printed after the index was published


def test_list_prints_hostile_titles_authors_and_keys_as_written(hostile_index, capsys):
    index_dir, _ = hostile_index

    assert main(["index", "list", "--index-dir", str(index_dir)]) == 0

    out = capsys.readouterr().out
    for text in (TITLE, AUTHOR, NAME):
        assert text in out, text


def test_answer_attribution_prints_hostile_metadata_as_written(hostile_index, capsys):
    index_dir, _ = hostile_index

    assert main(["ask", "How many stops has the tram?", "--index-dir", str(index_dir)]) == 0

    out = capsys.readouterr().out
    assert f"{TITLE} — {AUTHOR}" in out


def test_errors_quoting_hostile_text_print_it_as_written(hostile_index, capsys):
    index_dir, _ = hostile_index

    assert main(["index", "remove", "[/red]", "--index-dir", str(index_dir)]) == 2

    assert capsys.readouterr().err == (
        "error: Not in the index: [/red]. `citebot index list` shows the keys.\n"
    )


def test_a_long_error_is_one_line_however_narrow_the_console(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")  # what a log file or a pipe gets: 80, or less
    missing = cli_env / ("a-long-folder-name-" * 8) / "index"

    assert main(["ask", "anything", "--index-dir", str(missing)]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("error: ")
    assert str(missing) in err
    assert "citebot index build" in err
