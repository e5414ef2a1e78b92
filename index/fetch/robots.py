"""robots.txt: what a site asks crawlers to leave alone, read once an hour per site.

The file is fetched through the same client as pages (public addresses, limits, redirects
checked), and read as RFC 9309 says:

- found (200): its rules for ``citebot`` (or for ``*``) decide;
- unavailable (a 4xx status, 404 above all): the site has no rules, everything is allowed;
- unreachable (a 5xx status, a time-out, a refused connection or redirect, a file over
  512 KiB): the site may be down or may be refusing us, and a crawler must then assume it is
  asked to stay away, so every page of the site is refused with the reason. That answer is
  kept for ten minutes only, so that a site back up is read again soon.

Answers are kept per origin (scheme, host, port), for at most 256 origins, the least recently
used dropped first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.robotparser import RobotFileParser

from index.articles.files import decode
from index.errors import ArticleError, shown
from index.fetch.addresses import Target
from index.fetch.policy import AGENT

MAX_ROBOTS_BYTES = 512 * 2**10
FOUND_SECONDS = 3600.0
UNREACHABLE_SECONDS = 600.0
MAX_ORIGINS = 256


@dataclass(frozen=True, slots=True)
class Rules:
    """One site's answer: its parsed rules, or the reason everything is refused."""

    parser: RobotFileParser | None
    problem: str | None
    expires: float

    def refusal(self, target: Target) -> str | None:
        if self.problem:
            return f"refused: robots.txt of {target.host} could not be read ({self.problem})"
        if self.parser is None or self.parser.can_fetch(AGENT, target.url):
            return None
        return f"refused: robots.txt of {target.host} asks robots not to fetch {shown(target.path)}"


def found(status: int, body: bytes, now: float) -> Rules:
    """The rules from a robots.txt answered with ``status`` (not a redirect)."""
    if 400 <= status < 500:
        return Rules(None, None, now + FOUND_SECONDS)
    if status != 200:
        return unreachable(f"the server answered {status}", now)
    parser = RobotFileParser()
    try:
        text = decode(body)
    except ArticleError:
        text = ""  # not text: no rules in it
    parser.parse(text.splitlines())
    return Rules(parser, None, now + FOUND_SECONDS)


def unreachable(reason: str, now: float) -> Rules:
    return Rules(None, reason, now + UNREACHABLE_SECONDS)


class RobotsCache:
    """Rules per origin, loaded on first use by ``load`` and kept until they expire."""

    def __init__(
        self,
        load: Callable[[Target], Rules],
        *,
        clock: Callable[[], float] = time.monotonic,
        size: int = MAX_ORIGINS,
    ) -> None:
        self._load = load
        self._clock = clock
        self._size = size
        self._rules: OrderedDict[tuple[str, str, int], Rules] = OrderedDict()
        self._lock = threading.Lock()

    def refusal(self, target: Target) -> str | None:
        """Why robots.txt refuses ``target``, or ``None`` when it may be fetched."""
        with self._lock:
            rules = self._rules.get(target.origin)
            if rules is not None and rules.expires > self._clock():
                self._rules.move_to_end(target.origin)
                return rules.refusal(target)
        # Loaded outside the lock: one slow site must not hold up every other. Two threads
        # asking about one new site at once may both load it; the rate limit spaces them.
        rules = self._load(target)
        with self._lock:
            self._rules[target.origin] = rules
            self._rules.move_to_end(target.origin)
            while len(self._rules) > self._size:
                self._rules.popitem(last=False)
        return rules.refusal(target)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
