"""A fetched page read as an article, with the attribution the page gives."""

from __future__ import annotations

import json

import pytest
from local_site import Reply, fast_policy
from pages import TRAM, article_page

from index import ArticleError
from index.articles import read_articles
from index.fetch import Fetched, Fetcher, FetchError, WebArticle, extract, fetch_article


def test_a_page_with_metadata_becomes_an_attributed_article(site):
    page = article_page("A tram for the harbour", TRAM, canonical=site.url("/news/tram"))
    url = site.page("/p?id=7", page)

    article = fetch_article(Fetcher(fast_policy()), url)

    assert article == WebArticle(
        url=site.url("/news/tram"),
        requested=url,
        title="A tram for the harbour",
        author="Ana Ruiz",
        date="2026-03-02",
        site="Harbour News",
        text="\n\n".join(TRAM),
    )


def test_without_a_canonical_link_the_url_is_where_the_redirects_ended(site):
    site.page("/final", article_page("Tram", TRAM))
    url = site.serve("/old", Reply(status=301, headers={"Location": "/final"}))

    article = fetch_article(Fetcher(fast_policy()), url)

    assert (article.url, article.requested) == (site.url("/final"), url)


def test_a_canonical_link_to_another_site_is_not_believed(site):
    page = article_page("Tram", TRAM, canonical="https://trusted-paper.example/tram")
    url = site.page("/p", page)

    assert fetch_article(Fetcher(fast_policy()), url).url == url


def test_the_record_reads_back_as_the_same_article(site, tmp_path):
    url = site.page("/p", article_page("A tram for the harbour", TRAM))
    article = fetch_article(Fetcher(fast_policy()), url)
    path = tmp_path / "tram.json"
    path.write_text(json.dumps(article.record()), encoding="utf-8")

    [parsed], _ = read_articles(path, tmp_path)

    assert article.record().keys() == {"title", "author", "date", "source", "url", "text"}
    assert (parsed.meta.title, parsed.meta.author, parsed.meta.date) == (
        article.title,
        article.author,
        article.date,
    )
    assert (parsed.meta.source, parsed.meta.url, parsed.text) == (
        article.site,
        article.url,
        article.text,
    )


def test_fields_the_page_does_not_give_are_left_out_of_the_record():
    article = WebArticle("https://a.example/x", "https://a.example/x", "T", None, None, None, "x")

    assert article.record() == {"title": "T", "url": "https://a.example/x", "text": "x"}


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><nav><a href='/'>Home</a> <a href='/b'>About</a></nav></body></html>",
        "<html><body></body></html>",
        "",
    ],
)
def test_a_page_without_article_text_is_one_line(html):
    fetched = Fetched(
        "https://a.example/x", "https://a.example/x", 200, "text/html", html.encode(), None, None
    )

    with pytest.raises(ArticleError) as caught:
        extract(fetched)

    assert str(caught.value) == "https://a.example/x: no article text found on the page"


def test_a_plain_text_page_is_read_as_plain_text(site):
    text = "A tram for the harbour\n\nBy Ana Ruiz\n\n" + "\n\n".join(TRAM) + "\n"
    url = site.serve("/t.txt", Reply(body=text.encode(), content_type="text/plain; charset=utf-8"))

    article = fetch_article(Fetcher(fast_policy()), url)

    assert (article.title, article.author, article.text) == (
        "A tram for the harbour",
        "Ana Ruiz",
        "\n\n".join(TRAM),
    )


def test_the_charset_the_server_names_decodes_the_page(site):
    page = article_page("Café à la gare", TRAM).replace("utf-8", "")
    url = site.serve(
        "/p", Reply(body=page.encode("latin-1"), content_type="text/html; charset=ISO-8859-1")
    )

    assert fetch_article(Fetcher(fast_policy()), url).title == "Café à la gare"


def test_hostile_metadata_is_cut_to_a_bound(site):
    page = article_page("word " * 5000, TRAM, author="Name " * 1000, site="S" * 5000)
    url = site.page("/p", page)

    article = fetch_article(Fetcher(fast_policy()), url)

    assert len(article.title) <= 300 and article.title.endswith("…")
    assert len(article.author or "") <= 200
    assert len(article.site or "") <= 200


def test_only_a_page_is_extracted():
    fetched = Fetched(
        "https://a.example/f",
        "https://a.example/f",
        200,
        "application/rss+xml",
        b"<rss/>",
        None,
        None,
    )

    with pytest.raises(FetchError, match="not a page to read"):
        extract(fetched)
