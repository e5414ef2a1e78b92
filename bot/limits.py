"""Rate limits: how often one user, and one channel, may ask.

A question costs real CPU (the model runs on a few threads), so a single user or one busy
channel must not be able to queue work for everyone else. discord.py's own cooldowns only cover
commands; these also cover mentions, direct messages and the context menu, through one check.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable


class RateLimit:
    """At most ``rate`` events per ``per`` seconds for each key (a sliding window)."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._events: dict[Hashable, deque[float]] = {}

    def hit(self, key: Hashable) -> float:
        """Record an event for ``key`` and return 0, or the seconds to wait (nothing recorded)."""
        if self.rate <= 0 or self.per <= 0:
            return 0.0
        now = self._clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.per:
            events.popleft()
        if len(events) >= self.rate:
            return events[0] + self.per - now
        events.append(now)
        self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop keys whose window has passed, so memory follows active users, not all users."""
        if len(self._events) < 1024:
            return
        for key in [k for k, events in self._events.items() if events[-1] <= now - self.per]:
            del self._events[key]
