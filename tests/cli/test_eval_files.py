"""``citebot eval --articles --questions``: end to end from raw files, as users meet answers."""

from __future__ import annotations

import json

import pytest

from cli.main import main

pytestmark = pytest.mark.slow


@pytest.fixture
def library(tmp_path, write_markdown, monkeypatch):
    monkeypatch.setenv("CITEBOT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "articles"
    write_markdown(
        folder, "tram.md", "A tram for the harbour",
        ["The council approved a tram line to the harbour with fourteen stops.",
         "Trams will run every six minutes at peak hours, the operator said."],
    )  # fmt: skip
    (folder / "lighthouse.txt").write_text(
        "The Last Keeper\n\nThe Last Keeper\n\nHannah Lind\n\n2024-03-18\n\n"
        "The last keeper left Skerrow Point on 30 September 1989.\n\n"
        "The light could be seen 22 nautical miles out to sea.\n",
        encoding="utf-8",
    )
    questions = tmp_path / "questions.tsv"
    questions.write_text(
        "# question, tab, answer as it stands in the article\n"
        "How many stops will the tram have?\tfourteen  STOPS\n"
        "How often do trams run at rush hour?\tevery six minutes\n"
        "When did the last keeper leave Skerrow Point?\t30 September 1989\n"
        "Who won the 1998 World Cup final in Paris?\t-\n",
        encoding="utf-8",
    )
    return folder, questions


def test_scores_answers_end_to_end_with_details(library, tmp_path, capsys):
    folder, questions = library
    details = tmp_path / "details.jsonl"

    code = main(
        ["eval", "--articles", str(folder), "--questions", str(questions), "--json",
         "--details", str(details), "--index-dir", str(tmp_path / "eval-index")]
    )  # fmt: skip

    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["questions"] == 3  # the "-" question is scored as one to decline
    assert result["articles"] == 2
    assert result["answer_in_passage"] == 1.0  # white space and case do not matter
    assert result["answer_in_top5"] == 1.0
    assert result["declined"] == 0.0
    assert result["declined_unanswerable"] == 1.0
    assert result["sentence_hit"] == 1.0
    assert result["p95_ms"] >= result["p50_ms"] > 0
    rows = [json.loads(line) for line in details.read_text(encoding="utf-8").splitlines()]
    assert [r["question"] for r in rows[:1]] == ["How many stops will the tram have?"]
    assert rows[2]["article"] == "lighthouse.txt" and rows[2]["in_passage"]
    assert rows[3]["answer"] == "" and not rows[3]["answered"]
    # The index was built where it was asked to be, as `index build` builds it.
    assert main(["index", "list", "--index-dir", str(tmp_path / "eval-index")]) == 0


def test_a_malformed_question_file_is_one_line_naming_its_line(library, tmp_path, capsys):
    folder, _ = library
    bad = tmp_path / "bad.tsv"
    bad.write_text("What is it?\tan answer\nno tab on this line\n", encoding="utf-8")

    code = main(["eval", "--articles", str(folder), "--questions", str(bad)])

    assert code == 2
    err = capsys.readouterr().err
    assert f"{bad}:2" in err
    assert len(err.strip().splitlines()) == 1


def test_eval_needs_a_squad_file_or_articles_and_questions(library, capsys):
    folder, _ = library

    assert main(["eval", "--articles", str(folder)]) == 2
    assert main(["eval"]) == 2
    assert "--questions" in capsys.readouterr().err
