"""Pages and feeds the web tests serve."""

from __future__ import annotations

from html import escape

from local_site import Reply


def article_page(
    title: str,
    paragraphs: list[str],
    *,
    author: str = "Ana Ruiz",
    date: str = "2026-03-02",
    site: str = "Harbour News",
    canonical: str | None = None,
) -> str:
    canon = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!doctype html><html><head><title>{escape(title)}</title>{canon}
<meta name="author" content="{escape(author)}">
<meta property="og:site_name" content="{escape(site)}">
<meta property="article:published_time" content="{date}">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>{escape(title)}</h1>{body}</article>
<footer>Copyright Harbour News. All rights reserved.</footer></body></html>"""


TRAM = [
    "The council approved a tram line to the harbour with fourteen stops on Tuesday evening.",
    "Trams will run every six minutes at peak hours and every ten minutes in the evening.",
    "Building starts in the spring and the first trams are expected to carry passengers in 2028.",
]


def story(number: int) -> list[str]:
    return [
        f"Story {number} opens with a sentence long enough for the extractor to keep as text.",
        f"Its second paragraph of story {number} adds more words so that the page reads as prose.",
    ]


def rss(base: str, items: list[tuple[str, str]], title: str = "Harbour News") -> bytes:
    """RSS 2.0 with (title, path) items."""
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{base}{p}</link><guid>{base}{p}</guid></item>"
        for t, p in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{base}/</link>{entries}</channel></rss>"
    ).encode()


def atom(base: str, items: list[tuple[str, str]], title: str = "Harbour Atom") -> bytes:
    entries = "".join(
        f'<entry><title>{escape(t)}</title><link rel="alternate" href="{p}"/>'
        f"<id>tag:harbour,2026:{escape(p)}</id><updated>2026-03-02T10:00:00Z</updated></entry>"
        for t, p in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        f'xml:base="{base}/"><title>{escape(title)}</title><id>tag:harbour,2026:feed</id>'
        f"<updated>2026-03-02T10:00:00Z</updated>{entries}</feed>"
    ).encode()


def rdf(base: str, items: list[tuple[str, str]], title: str = "Harbour RDF") -> bytes:
    """RSS 1.0."""
    entries = "".join(
        f'<item rdf:about="{base}{p}"><title>{escape(t)}</title><link>{base}{p}</link></item>'
        for t, p in items
    )
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/">'
        f'<channel rdf:about="{base}/feed"><title>{escape(title)}</title><link>{base}/</link>'
        f"</channel>{entries}</rdf:RDF>"
    ).encode()


FEED_TYPE = "application/rss+xml"


class Newsroom:
    """A site with a feed whose items can be added, answering 304 to a conditional GET."""

    def __init__(self, site, kind=rss):
        self.site = site
        self.kind = kind
        self.items: list[tuple[str, str]] = []
        site.serve("/feed", self.feed)

    def publish(self, number: int, *, page: bool = True) -> str:
        path = f"/news/{number}"
        self.items.insert(0, (f"Story {number}", path))
        if page:
            self.site.page(path, article_page(f"Story {number}", story(number)))
        return self.site.url(path)

    def feed(self, request):
        tag = f'"{len(self.items)}"'
        if request.headers.get("if-none-match") == tag:
            return Reply(status=304, content_type=None, headers={"ETag": tag})
        return Reply(
            body=self.kind(self.site.base, self.items),
            content_type=FEED_TYPE,
            headers={"ETag": tag},
        )

    def fetches(self, path: str) -> int:
        return len(self.site.hits(path))
