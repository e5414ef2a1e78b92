"""Reading article files: each format's attribution and paragraphs, and every way a file can
be unreadable reported as a reason for that file alone."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index import ArticleError
from index.articles import discover, read_articles
from index.articles.fields import Source, assemble


def read_one(path: Path) -> tuple:
    articles, problems = read_articles(path, path.parent)
    assert problems == []
    assert len(articles) == 1
    article = articles[0]
    return article.meta, [span.of(article.text) for span in article.paragraphs]


def test_news_export_header_is_attribution_not_passages(tmp_path):
    path = tmp_path / "pact.txt"
    path.write_text(
        "Valdoria Signs Pact\n\nValdoria Signs Pact\n\nMira Okafor\n\nWed, 10/07/2020 – 15:15\n\n"
        "Valdoria signed a defence pact with Ostren.\n\nThe pact was ratified\nin March.\n",
        encoding="utf-8",
    )

    meta, paragraphs = read_one(path)

    assert meta.title == "Valdoria Signs Pact"
    assert meta.author == "Mira Okafor"
    assert meta.date == "2020-10-07"
    assert paragraphs == [
        "Valdoria signed a defence pact with Ostren.",
        "The pact was ratified in March.",
    ]


def test_reference_article_header(karabakh):
    meta, paragraphs = read_one(karabakh)

    assert meta.author == "Tyler Durden"
    assert meta.date == "2020-10-07"
    assert meta.title.startswith("France Confirms Turkish")
    assert not any(p.startswith(("France Confirms", "Tyler Durden")) for p in paragraphs)


def test_plain_text_without_header_is_titled_after_its_file(tmp_path):
    path = tmp_path / "field-notes_2024.txt"
    path.write_text("The river rose two metres overnight.\n\nBy noon it fell.\n", encoding="utf-8")

    meta, paragraphs = read_one(path)

    assert meta.title == "Field notes 2024"
    assert meta.author is None
    assert paragraphs == ["The river rose two metres overnight.", "By noon it fell."]


def test_markdown_front_matter_and_markup(tmp_path):
    path = tmp_path / "bees.md"
    path.write_text(
        "---\ntitle: Quiet Hives\nauthor: Lea Brandt\ndate: 2024-05-02\nsource: Field Journal\n"
        "url: https://example.org/bees\n---\n\n# Ignored heading\n\n"
        "Colonies *shrank* by [a third](https://example.org/x) in `2023`.\n\n"
        "```\ncode is not prose\n```\n\n- a list item that is long enough to be text\n",
        encoding="utf-8",
    )

    meta, paragraphs = read_one(path)

    assert (meta.title, meta.author, meta.date) == ("Quiet Hives", "Lea Brandt", "2024-05-02")
    assert (meta.source, meta.url) == ("Field Journal", "https://example.org/bees")
    assert paragraphs == [
        "Colonies shrank by a third in 2023.",
        "a list item that is long enough to be text",
    ]


def test_markdown_without_front_matter_takes_its_first_heading(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Tidal Power\n\nThe barrage opened in 1966.\n", encoding="utf-8")

    meta, paragraphs = read_one(path)

    assert meta.title == "Tidal Power"
    assert paragraphs == ["The barrage opened in 1966."]


def test_html_body_and_metadata_without_boilerplate(tmp_path):
    body = " ".join(["The tapestry was woven in Arras around 1420 by a guild of weavers."] * 3)
    path = tmp_path / "tapestry.html"
    path.write_text(
        f"""<html><head><title>Restoring the Hunt Tapestry | City Museum</title>
        <meta name="author" content="Iris Vogel">
        <meta property="article:published_time" content="2023-09-14T08:00:00Z">
        <meta property="og:site_name" content="City Museum Journal">
        <link rel="canonical" href="https://example.org/tapestry"></head>
        <body><nav><a href="/">Home</a> <a href="/shop">Shop</a></nav>
        <article><h1>Restoring the Hunt Tapestry</h1><p>{body}</p>
        <p>Conservators removed a 1950s lining that had trapped moisture for decades.</p></article>
        <footer>Copyright 2023 City Museum. All rights reserved. Privacy policy.</footer>
        </body></html>""",
        encoding="utf-8",
    )

    meta, paragraphs = read_one(path)

    assert "Hunt Tapestry" in meta.title
    assert meta.author == "Iris Vogel"
    assert meta.date == "2023-09-14"
    assert meta.source == "City Museum Journal"
    assert meta.url == "https://example.org/tapestry"
    assert paragraphs[0] == body
    assert any("1950s lining" in p for p in paragraphs)
    assert not any("Copyright" in p or "Shop" in p for p in paragraphs)


def test_json_records_are_articles_keyed_by_number(tmp_path):
    path = tmp_path / "feed.json"
    records = [
        {"title": "One", "author": "A", "date": "March 3, 2021", "text": "First.\n\nSecond."},
        {"title": "Two", "paragraphs": ["Only paragraph here."], "url": "https://example.org/2"},
    ]
    path.write_text(json.dumps(records), encoding="utf-8")

    articles, problems = read_articles(path, tmp_path)

    assert problems == []
    assert [a.key for a in articles] == ["feed.json#1", "feed.json#2"]
    assert articles[0].meta.date == "2021-03-03"
    assert [s.of(articles[0].text) for s in articles[0].paragraphs] == ["First.", "Second."]
    assert articles[1].meta.url == "https://example.org/2"


def test_jsonl_loses_only_its_broken_line(tmp_path):
    path = tmp_path / "feed.jsonl"
    good = json.dumps({"title": "Good", "text": "A readable record."})
    path.write_text(f'{good}\n{{"title": "cut off\n\n{good.replace("Good", "Also")}\n')

    articles, problems = read_articles(path, tmp_path)

    assert [a.meta.title for a in articles] == ["Good", "Also"]
    assert [p.path for p in problems] == [f"{path}:2"]
    assert "not valid JSON" in problems[0].reason


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "no article text"),
        ("blank.md", b"   \n\n  \n", "no article text"),
        ("binary.txt", bytes(range(256)) * 4, "binary"),
        ("broken.md", b"---\ntitle: [unclosed\n---\n\nText.\n", "front matter is not valid YAML"),
        ("list.md", b"---\n- a\n- b\n---\n\nText.\n", "front matter"),
        ("nobody.html", b"<html><body><nav>Home</nav></body></html>", "no article text"),
        ("bad.json", b'{"title": "x", ', "not valid JSON"),
        ("notext.json", b'{"title": "x"}', "no `text` or `paragraphs`"),
        ("picture.png", b"\x89PNG", "not an article format"),
    ],
)
def test_unreadable_files_raise_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(ArticleError, match=reason):
        read_articles(path, tmp_path)


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1", "cp1252", "utf-8-sig"])
def test_encodings(tmp_path, encoding):
    path = tmp_path / "café.txt"
    path.write_bytes("Café Culture\n\nThe café opened in Zürich in 1911.\n".encode(encoding))

    meta, paragraphs = read_one(path)

    assert meta.title == "Café Culture"
    assert paragraphs == ["The café opened in Zürich in 1911."]


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "dump.txt"
    with path.open("wb") as file:
        file.truncate(50 * 2**20)  # sparse: 50 MiB on paper, nothing on disk

    with pytest.raises(ArticleError, match="too large"):
        read_articles(path, tmp_path)


def test_discover_skips_hidden_reports_others_and_survives_symlink_loops(tmp_path):
    (tmp_path / "a.md").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.TXT").write_text("x")
    (tmp_path / "sub" / "report.pdf").write_bytes(b"%PDF")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "c.md").write_text("x")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)

    found, skipped = discover(tmp_path)

    assert found == [tmp_path / "a.md", tmp_path / "sub" / "b.TXT"]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert "not an article format" in reasons["report.pdf"]
    assert "symlink loop" in reasons["loop"]


def test_discover_never_follows_a_link_out_of_the_folder(tmp_path):
    """A link to a secret elsewhere (a `.env`, a key) is reported, not indexed and quoted;
    links that stay inside the folder are followed, and a file the user names is read."""
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / ".env").write_text("DISCORD_TOKEN=secret\n")
    (outside / "notes.md").write_text("private")
    library = tmp_path / "library"
    (library / "sub").mkdir(parents=True)
    (library / "sub" / "a.md").write_text("x")
    (library / ".drafts").mkdir()
    (library / ".drafts" / "b.md").write_text("x")
    (library / "env.txt").symlink_to(outside / ".env")
    (library / "sub" / "up.md").symlink_to("../../home/notes.md")
    (library / "home").symlink_to(outside, target_is_directory=True)
    (library / "alias.md").symlink_to(library / "sub" / "a.md")
    (library / "drafts").symlink_to(".drafts", target_is_directory=True)
    (library / "loop.md").symlink_to("loop.md")
    (library / "gone.md").symlink_to(outside / "gone.md")
    (tmp_path / "link-to-library").symlink_to(library, target_is_directory=True)

    for folder in (library, tmp_path / "link-to-library"):
        found, skipped = discover(folder)

        assert found == [folder / "alias.md", folder / "drafts" / "b.md", folder / "sub" / "a.md"]
        outward = {Path(s.path).relative_to(folder).as_posix(): s.reason for s in skipped}
        assert set(outward) == {"env.txt", "home", "sub/up.md", "loop.md", "gone.md"}
        assert all("out of the folder" in outward[name] for name in ("env.txt", "home"))
        assert "loop of links" in outward["loop.md"]
    assert discover(library / "env.txt") == ([library / "env.txt"], [])


def _without_permission(path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path.write_text("Secret\n\nText.\n")
    path.chmod(0)


@pytest.mark.parametrize(
    "make_unreadable",
    [_without_permission, Path.mkdir],  # a folder named like an article fails even for root
    ids=["no-permission", "a-folder"],
)
def test_a_file_that_cannot_be_read_is_reported(tmp_path, make_unreadable):
    path = tmp_path / "secret.txt"
    make_unreadable(path)

    with pytest.raises(ArticleError, match="cannot be read"):
        read_articles(path, tmp_path)


def _has_text(paragraph: str, title: str) -> bool:
    """Whether ``paragraph`` shows anything but white space, format and control characters,
    and is not the title again (told without the reader's own cleaning code)."""
    visible = "".join(
        c for c in paragraph if not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc")
    )
    return bool(visible) and visible.casefold() != "".join(title.split()).casefold()


paragraph_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=200
)


@settings(max_examples=200, deadline=None)
@given(st.lists(paragraph_text, max_size=12))
def test_assembled_paragraph_spans_point_at_their_text(paragraphs):
    try:
        article = assemble(Source("k", "k", "k"), paragraphs, title="A title")
    except ArticleError as error:
        # Reported, not indexed, only when no paragraph has text of its own: white space,
        # invisible characters, or the title repeated. Any other failure is a bug.
        assert "no article text" in str(error)
        assert not any(_has_text(p, "A title") for p in paragraphs), paragraphs
        return
    texts = [span.of(article.text) for span in article.paragraphs]
    assert texts == [t for t in texts if t.strip() == t and t]
    assert "\n\n".join(texts) == article.text
    words = "".join(article.text.split())
    assert words == "".join("".join(texts).split())


# Plain-text exports of papers and read-later tools: a link, an author list and "Key: value"
# lines (DOI, licence) before the text are attribution; quoted as passages they only mislead.


def test_bare_header_lines_are_link_authors_and_date(tmp_path):
    path = tmp_path / "paper.txt"
    path.write_text(
        "Tidal Mixing in Shallow Estuaries\n\nhttps://example.org/papers/4411/\n\n"
        "Okafor, Mira; van Dijk, Joost; Li, X.\n\n2019-04-02\n\nDOI:10.1000/xyz.123\n\n"
        "License:cc-by\n\nAbstract: We measured tidal mixing in four estuaries.\n\n"
        "Text: Mixing was strongest at spring tide.\n",
        encoding="utf-8",
    )

    meta, paragraphs = read_one(path)

    assert meta.title == "Tidal Mixing in Shallow Estuaries"
    assert meta.url == "https://example.org/papers/4411/"
    assert meta.author == "Okafor, Mira; van Dijk, Joost; Li, X."
    assert meta.date == "2019-04-02"
    assert paragraphs == [
        "Abstract: We measured tidal mixing in four estuaries.",
        "Text: Mixing was strongest at spring tide.",
    ]


def test_labelled_header_lines_in_one_block(tmp_path):
    path = tmp_path / "paper.txt"
    path.write_text(
        "Resistance in a field isolate of Eimeria spp.\n\nhttps://example.org/p/77/\n\n"
        "SHA: 0123abcd\n\nAuthors: Odden, Ane; Ruiz, Antonio\nDate: 2018-07-05\n"
        "DOI: 10.1186/s1\nLicense: cc-by\n\nAbstract: nan\n\n"
        "Text: Lambs were treated on day one.\n",
        encoding="utf-8",
    )

    meta, paragraphs = read_one(path)

    # A title may end in a full stop ("spp.") when a labelled header line follows it.
    assert meta.title == "Resistance in a field isolate of Eimeria spp."
    assert meta.author == "Odden, Ane; Ruiz, Antonio"
    assert meta.date == "2018-07-05"
    assert meta.url == "https://example.org/p/77/"
    assert paragraphs == ["Text: Lambs were treated on day one."]  # "Abstract: nan" is no text


def test_a_text_that_opens_like_a_header_keeps_its_words(tmp_path):
    # Only known keys are header lines: "Summary:" opens the text, and a sentence is no title.
    path = tmp_path / "notes.txt"
    path.write_text(
        "The river rose two metres overnight.\n\nSummary: it fell by noon.\n\nBy evening, calm.\n",
        encoding="utf-8",
    )

    meta, paragraphs = read_one(path)

    assert meta.title == "Notes"
    assert meta.author is None
    assert paragraphs == [
        "The river rose two metres overnight.",
        "Summary: it fell by noon.",
        "By evening, calm.",
    ]


def test_a_labelled_line_that_reads_as_text_stays_text(tmp_path):
    # A known key does not make a header line of a sentence, a non-link or a non-date.
    path = tmp_path / "news.txt"
    path.write_text(
        "Minister Quits\n\nLink: javascript:alert(1)\n\n"
        "Updated: the minister resigned on Tuesday after a vote.\n\n"
        "Source: the ministry, which declined to say more.\n\nResults:\n",
        encoding="utf-8",
    )

    meta, paragraphs = read_one(path)

    assert meta.url is None and meta.date is None and meta.source is None
    assert paragraphs == [
        "Link: javascript:alert(1)",
        "Updated: the minister resigned on Tuesday after a vote.",
        "Source: the ministry, which declined to say more.",
        "Results:",
    ]
