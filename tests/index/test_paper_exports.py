"""Plain-text exports of papers and read-later tools: their header is attribution, not text.

Paper exports carry a link, an author list and "Key: value" lines (DOI, licence) before the
text; quoted as passages they only ever mislead, and the attribution loses its author and date.
"""

from __future__ import annotations

from pathlib import Path

from index.articles import read_articles


def _read(path: Path, text: str):
    path.write_text(text, encoding="utf-8")
    (article,), problems = read_articles(path, path.parent)
    assert problems == []
    return article.meta, [span.of(article.text) for span in article.paragraphs]


def test_bare_header_lines_are_link_authors_and_date(tmp_path):
    meta, paragraphs = _read(
        tmp_path / "paper.txt",
        "Tidal Mixing in Shallow Estuaries\n\nhttps://example.org/papers/4411/\n\n"
        "Okafor, Mira; van Dijk, Joost; Li, X.\n\n2019-04-02\n\nDOI:10.1000/xyz.123\n\n"
        "License:cc-by\n\nAbstract: We measured tidal mixing in four estuaries.\n\n"
        "Text: Mixing was strongest at spring tide.\n",
    )

    assert meta.title == "Tidal Mixing in Shallow Estuaries"
    assert meta.url == "https://example.org/papers/4411/"
    assert meta.author == "Okafor, Mira; van Dijk, Joost; Li, X."
    assert meta.date == "2019-04-02"
    assert paragraphs == [
        "Abstract: We measured tidal mixing in four estuaries.",
        "Text: Mixing was strongest at spring tide.",
    ]


def test_labelled_header_lines_in_one_block(tmp_path):
    meta, paragraphs = _read(
        tmp_path / "paper.txt",
        "Resistance in a field isolate of Eimeria spp.\n\nhttps://example.org/p/77/\n\n"
        "SHA: 0123abcd\n\nAuthors: Odden, Ane; Ruiz, Antonio\nDate: 2018-07-05\n"
        "DOI: 10.1186/s1\nLicense: cc-by\n\nAbstract: nan\n\n"
        "Text: Lambs were treated on day one.\n",
    )

    # A title may end in a full stop ("spp.") when a labelled header line follows it.
    assert meta.title == "Resistance in a field isolate of Eimeria spp."
    assert meta.author == "Odden, Ane; Ruiz, Antonio"
    assert meta.date == "2018-07-05"
    assert meta.url == "https://example.org/p/77/"
    assert paragraphs == ["Text: Lambs were treated on day one."]  # "Abstract: nan" is no text


def test_a_text_that_opens_like_a_header_keeps_its_words(tmp_path):
    # Only known keys are header lines: "Summary:" opens the text, and a sentence is no title.
    meta, paragraphs = _read(
        tmp_path / "notes.txt",
        "The river rose two metres overnight.\n\nSummary: it fell by noon.\n\nBy evening, calm.\n",
    )

    assert meta.title == "Notes"
    assert meta.author is None
    assert paragraphs == [
        "The river rose two metres overnight.",
        "Summary: it fell by noon.",
        "By evening, calm.",
    ]


def test_a_labelled_line_that_reads_as_text_stays_text(tmp_path):
    # A known key does not make a header line of a sentence, a non-link or a non-date.
    meta, paragraphs = _read(
        tmp_path / "news.txt",
        "Minister Quits\n\nLink: javascript:alert(1)\n\n"
        "Updated: the minister resigned on Tuesday after a vote.\n\n"
        "Source: the ministry, which declined to say more.\n\nResults:\n",
    )

    assert meta.url is None and meta.date is None and meta.source is None
    assert paragraphs == [
        "Link: javascript:alert(1)",
        "Updated: the minister resigned on Tuesday after a vote.",
        "Source: the ministry, which declined to say more.",
        "Results:",
    ]
