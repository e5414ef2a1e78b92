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
    """At most ``rate`` events per ``per`` seconds for each key (a sliding window).

    The rate comes with each event rather than once: each server sets its own cooldown and
    channel limit, and a change applies from the next question on.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[Hashable, tuple[float, deque[float]]] = {}

    def hit(self, key: Hashable, rate: int, per: float) -> float:
        """Record an event for ``key`` and return 0, or the seconds to wait (nothing recorded)."""
        if rate <= 0 or per <= 0:
            return 0.0
        now = self._clock()
        _, events = self._windows.get(key, (per, deque()))
        self._windows[key] = (per, events)
        while events and events[0] <= now - per:
            events.popleft()
        if len(events) >= rate:
            return events[0] + per - now
        events.append(now)
        self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop keys whose window has passed, so memory follows active users, not all users."""
        if len(self._windows) < 1024:
            return
        idle = [k for k, (per, events) in self._windows.items() if events[-1] <= now - per]
        for key in idle:
            del self._windows[key]
