"""Fetching web pages safely, and reading the article in them.

Use::

    from index.fetch import Fetcher, fetch_article
    fetcher = Fetcher(EngineConfig.from_env(environment()).fetch)
    article = fetch_article(fetcher, url)   # blocking: run it in a worker thread
    article.record()                        # a JSON article record, as the index reads them

What is refused and why: docs/security.md, "Fetching pages and feeds".
"""

from index.errors import FetchError
from index.fetch.addresses import AddressCheck, Resolver
from index.fetch.client import Fetched, Fetcher
from index.fetch.extract import WebArticle, extract, fetch_article
from index.fetch.policy import FEED_TYPES, PAGE_TYPES, FetchPolicy

__all__ = [
    "FEED_TYPES",
    "PAGE_TYPES",
    "AddressCheck",
    "FetchError",
    "FetchPolicy",
    "Fetched",
    "Fetcher",
    "Resolver",
    "WebArticle",
    "extract",
    "fetch_article",
]
