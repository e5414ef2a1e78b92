"""The commands that talk with a user or measure: ``start`` (what ``make run`` runs), ``chat``
and ``eval --split`` / ``--unanswerable``, each through ``cli.main.main`` with a typed stdin."""

from __future__ import annotations

import io
import json

import pytest
from squad_sets import ARTICLES, IN_LIBRARY, OUT_OF_LIBRARY, write_out_of_library, write_squad
from tests_paths import SAMPLES

from cli.main import main

pytestmark = pytest.mark.slow

REFUSAL = "There is nothing to search for in that question: use some words."


@pytest.fixture
def typed(monkeypatch):
    """``typed("line 1", "line 2")``: what the user types; returns stdin, to see what is left."""

    def type_lines(*lines: str) -> io.StringIO:
        stdin = io.StringIO("".join(f"{line}\n" for line in lines))
        monkeypatch.setattr("sys.stdin", stdin)
        return stdin

    return type_lines


def test_start_builds_the_sample_library_then_chats_without_a_token(cli_env, typed, capsys):
    index_dir = cli_env / "index"
    typed("who does Valdoria have a defense pact with?", "")

    assert main(["start", "--index-dir", str(index_dir), "--library", str(SAMPLES)]) == 0

    out = capsys.readouterr().out
    assert "No index yet: building the sample library" in out
    assert "Indexed 9 articles" in out
    assert "DISCORD_TOKEN is not set: chatting in the terminal" in out
    assert "Republic of Ostren" in out  # the answer, quoted
    assert "Marek Sorensen" in out  # and its attribution
    assert (index_dir / "current" / "manifest.json").is_file()


def test_start_with_an_index_chats_without_rebuilding(cli_env, typed, capsys, write_markdown):
    index_dir = cli_env / "index"
    library = write_markdown(cli_env / "own", "a.md", "Glacier", ["The glacier lost ten metres."])
    assert main(["index", "build", str(library.parent), "--index-dir", str(index_dir)]) == 0
    version = (index_dir / "current").resolve()
    capsys.readouterr()
    typed("How much did the glacier lose?")  # then Ctrl-D

    assert main(["start", "--index-dir", str(index_dir), "--library", str(SAMPLES)]) == 0

    out = capsys.readouterr().out
    assert "No index yet" not in out
    assert "ten metres" in out
    assert (index_dir / "current").resolve() == version


@pytest.fixture
def tram_index(tram_articles, cli_env, capsys):
    index_dir = cli_env / "index"
    assert main(["index", "build", str(tram_articles), "--index-dir", str(index_dir)]) == 0
    capsys.readouterr()
    return index_dir


def test_chat_answers_refuses_in_one_line_and_stops_at_an_empty_line(
    tram_index, typed, capsys, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "60")  # narrower than the refusal and its prompt
    stdin = typed("How often do the trams run?", "?!...", "", "Never asked?")

    assert main(["chat", "--index-dir", str(tram_index)]) == 0

    out = capsys.readouterr().out
    assert "minutes" in out
    assert f"? {REFUSAL}" in out.splitlines()
    assert "Traceback" not in out
    assert stdin.read() == "Never asked?\n"  # the empty line ended the chat


def test_chat_ends_at_the_end_of_input(tram_index, typed, capsys):
    typed("How many stops will the tram have?")

    assert main(["chat", "--index-dir", str(tram_index)]) == 0

    assert "fourteen stops" in capsys.readouterr().out


@pytest.fixture
def question_set(cli_env):
    return write_squad(cli_env / "set.json", ARTICLES, [(q, a) for q, a, _ in IN_LIBRARY])


def _eval(capsys, *args: str) -> dict:
    assert main(["eval", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_eval_split_declines_the_questions_of_the_articles_left_out(question_set, capsys):
    result = _eval(capsys, str(question_set), "--split")

    # Articles 1 and 3 (bees, railway) are indexed; the volcano's two questions are asked
    # of a library that does not hold it.
    assert result["passages"] == 4
    assert result["questions"] == 4
    assert result["recall@1"] == 1.0
    assert result["answered_answerable"] == 1.0
    assert result["declined_unanswerable"] == 1.0
    bands = result["bands"]
    assert sum(b["questions"] for b in bands) == 4
    assert sum(b["unanswerable"] for b in bands) == 2


def test_eval_unanswerable_declines_another_sets_questions(question_set, cli_env, capsys):
    other = write_out_of_library(cli_env / "other.json")

    result = _eval(capsys, str(question_set), "--unanswerable", str(other))

    assert result["questions"] == len(IN_LIBRARY)
    assert result["declined_unanswerable"] == 1.0
    assert sum(b["unanswerable"] for b in result["bands"]) == len(OUT_OF_LIBRARY)


def test_eval_without_out_of_library_questions_reports_no_decline_rate(question_set, capsys):
    result = _eval(capsys, str(question_set))

    assert "declined_unanswerable" not in result
    assert result["answered_answerable"] == 1.0
