"""The command line as a user runs it: output, JSON, and one-line errors with status 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main

pytestmark = pytest.mark.slow


@pytest.fixture
def articles(tram_articles):
    (tram_articles / "broken.bin.txt").write_bytes(b"\x00\xff" * 40)
    return tram_articles


@pytest.fixture
def index_dir(articles, tmp_path):
    target = tmp_path / "index"
    assert main(["index", "build", str(articles), "--index-dir", str(target)]) == 0
    return target


def test_build_prints_a_summary_with_what_was_skipped(articles, tmp_path, capsys):
    code = main(["index", "build", str(articles), "--index-dir", str(tmp_path / "index")])

    out = capsys.readouterr().out
    assert code == 0
    assert "Indexed 1 article, 2 passages" in out
    assert "broken.bin.txt" in out
    assert "binary file" in out


def test_ask_json_prints_the_answer_object(index_dir, capsys):
    capsys.readouterr()
    code = main(["ask", "--json", "How often do the trams run?", "--index-dir", str(index_dir)])

    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["answered"] is True
    assert data["passage"]["sentence"] == "Trams will run every six minutes at peak hours."
    assert data["passage"]["paragraph"] == 2
    assert data["article"]["author"] == "Ana Ruiz"
    assert data["article"]["date"] == "2026-03-02"
    assert data["article"]["url"] == "https://example.org/tram"


def test_ask_prints_quote_and_attribution(index_dir, capsys):
    capsys.readouterr()
    assert main(["ask", "How often do the trams run?", "--index-dir", str(index_dir)]) == 0

    out = capsys.readouterr().out
    assert "every six minutes" in out
    assert "A tram for the harbour — Ana Ruiz, 2026-03-02, paragraph 2 of 2" in out


def test_info_shows_counts_and_model(index_dir, capsys):
    capsys.readouterr()
    assert main(["index", "info", "--index-dir", str(index_dir)]) == 0

    out = capsys.readouterr().out
    assert "all-MiniLM-L6-v2 (384 dimensions)" in out
    assert re.search(r"^ *articles +1 *$", out, re.MULTILINE), out
    assert re.search(r"^ *passages +2 *$", out, re.MULTILINE), out
    assert re.search(r"^ *dense index +flat *$", out, re.MULTILINE), out
    assert re.search(r"^ *segments +1 *$", out, re.MULTILINE), out


def test_an_add_is_a_segment_and_merge_makes_one_again(index_dir, tmp_path, capsys):
    article = tmp_path / "more" / "ferry.md"
    article.parent.mkdir()
    article.write_text("---\ntitle: Ferry\n---\n\nThe ferry leaves every hour.\n")
    assert main(["index", "add", str(article), "--index-dir", str(index_dir)]) == 0
    capsys.readouterr()
    assert main(["index", "info", "--index-dir", str(index_dir)]) == 0
    assert re.search(r"^ *segments +2 *$", capsys.readouterr().out, re.MULTILINE)

    assert main(["index", "merge", "--index-dir", str(index_dir)]) == 0
    assert "Merged 2 segments into one." in capsys.readouterr().out
    assert main(["index", "info", "--index-dir", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^ *segments +1 *$", out, re.MULTILINE), out
    assert re.search(r"^ *articles +2 *$", out, re.MULTILINE), out


@pytest.mark.parametrize("step", ["build an empty folder", "remove the last article"])
def test_a_change_that_leaves_no_text_is_refused_and_the_index_kept(
    index_dir, tmp_path, capsys, step
):
    empty = tmp_path / "empty"
    empty.mkdir()
    change, message = {
        "build an empty folder": (["index", "build", str(empty)], "No article text to index"),
        "remove the last article": (["index", "remove", "tram.md"], "That would remove every"),
    }[step]
    capsys.readouterr()

    code = main([*change, "--index-dir", str(index_dir)])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: {message}") and err.count("\n") == 1
    assert main(["ask", "How often do the trams run?", "--index-dir", str(index_dir)]) == 0
    assert "every six minutes" in capsys.readouterr().out


def test_errors_are_one_line_with_status_2(cli_env, capsys):
    code = main(["ask", "anything", "--index-dir", str(cli_env / "nowhere")])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error:")
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "citebot index build" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["--threshold", "2"], {}, "error: --threshold=2.0 is not valid: it must be 1 or less."),
        ([], {"CITEBOT_BACKEND": "cuda"}, "error: CITEBOT_BACKEND='cuda' is not valid: it must be"),
        ([], {"CITEBOT_THREADS": "-1"}, "error: CITEBOT_THREADS='-1' is not valid: it must be"),
    ],
)
def test_a_bad_setting_or_flag_is_one_line_before_anything_loads(
    cli_env, capsys, monkeypatch, args, env, said
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["ask", "anything", "--index-dir", str(cli_env / "nowhere"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(said) and err.count("\n") == 1, err


def test_empty_question_is_refused_without_traceback(index_dir, capsys):
    capsys.readouterr()
    assert main(["ask", "   ", "--index-dir", str(index_dir)]) == 2
    assert "empty" in capsys.readouterr().err


def test_installed_command_runs_from_any_folder(tmp_path):
    """`make install` puts `citebot` in .venv/bin; it must import the installed packages, not
    whatever the current folder holds (an editable install once resolved them as namespaces)."""
    script = Path(sys.executable).parent / "citebot"
    result = subprocess.run(
        [str(script), "index", "info", "--index-dir", str(tmp_path / "none")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ")
    assert "citebot index build" in result.stderr
    assert "Traceback" not in result.stderr
