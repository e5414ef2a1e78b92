"""What the fetcher may do: which addresses, how much, how fast, and who it says it is.

The defaults are for fetching pages people name in a Discord server from a machine inside
someone's network: public addresses only, 10 MiB, 20 seconds a request, five redirects, one
request a second to a host, robots.txt respected. An operator may change two of them
(``CITEBOT_FETCH_PRIVATE``, ``CITEBOT_FETCH_CONTACT``: ``EngineConfig.fetch``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

from index.errors import CitebotError

PAGE_TYPES: frozenset[str] = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
FEED_TYPES: frozenset[str] = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "text/rss+xml",
        "text/atom+xml",
    }
)
# The product token sites name in robots.txt ("User-agent: citebot").
AGENT = "citebot"

# A contact is a URL or an e-mail address: printable, no spaces, so that it cannot end the
# User-Agent header or add one of its own.
_CONTACT = re.compile(r"^(?:https?://[!-~]+|[^\s@()]+@[^\s@()]+\.[^\s@()]+)$")


def _version() -> str:
    try:
        return metadata.version("citebot")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0"


VERSION = _version()


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits for every request the fetcher makes."""

    # Fetch from loopback, private, link-local and other non-public addresses. Off, a URL in a
    # chat message cannot make the bot read a router's page, a cloud metadata service
    # (169.254.169.254) or a service bound to localhost (CITEBOT_FETCH_PRIVATE=on).
    allow_private: bool = False
    # Largest body read, counted while it streams (after decompression).
    max_bytes: int = 10 * 2**20
    # Seconds one exchange may take, from connecting to the last byte of the body: a server
    # that sends a byte a second is cut off, not waited on.
    timeout: float = 20.0
    max_redirects: int = 5
    # Seconds between two requests to one host (robots.txt included).
    per_host_interval: float = 1.0
    # A URL or an e-mail address, put in the User-Agent so that a site can reach the operator
    # (CITEBOT_FETCH_CONTACT).
    contact: str | None = None
    respect_robots: bool = True

    def __post_init__(self) -> None:
        if self.contact is not None and not _CONTACT.match(self.contact):
            raise CitebotError(
                "CITEBOT_FETCH_CONTACT must be an http(s) URL or an e-mail address, "
                f"not {self.contact!r}."
            )
        if self.max_bytes < 1 or self.timeout <= 0 or self.max_redirects < 0:
            raise CitebotError("The fetch limits must be positive.")
        if self.per_host_interval < 0:
            raise CitebotError("The interval between requests to a host cannot be negative.")

    @property
    def user_agent(self) -> str:
        product = f"{AGENT}/{VERSION}"
        return f"{product} (+{self.contact})" if self.contact else product
