"""What the bot counts, in Prometheus' terms, in a registry of its own.

Each bot owns one ``Metrics`` (never prometheus-client's global registry): a process may hold
several bots (the tests build dozens), and each must count only its own questions. Events are
pushed as they happen (a question answered, a vote, a feed sync); state is read when scraped
(the index in use, the gateway, the search time-outs the answer service counted), so a scrape
always shows what is true now and nothing has to remember to update it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from insights import OUTCOMES, WAYS, Outcome, Way

# Confidence is a probability; latency runs from milliseconds to the search time limit (20 s).
CONFIDENCE_BUCKETS = tuple(round(0.1 * i, 1) for i in range(1, 11))
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0)


@dataclass(frozen=True, slots=True)
class State:
    """What a scrape reads from the running bot."""

    gateway_connected: bool
    index_version: str | None  # the shared library's; None: not open
    passages: int  # in the shared library
    articles: int
    # Whether the shared library must be open to answer (no server has a library of its own),
    # and how many libraries are open in all.
    shared_required: bool
    libraries_open: int
    loaded_at: float  # Unix time the index in use was opened (at start or by a reload)
    search_timeouts: int


class Metrics:
    """The bot's counters and histograms; ``exposition()`` is the ``/metrics`` page."""

    def __init__(self, state: Callable[[], State]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.questions = Counter(
            "citebot_questions",
            "Questions received, by way in and outcome.",
            ["way", "outcome"],
            registry=registry,
        )
        self.confidence = Histogram(
            "citebot_answer_confidence",
            "Confidence of the best passage, for questions answered or declined.",
            ["outcome"],
            buckets=CONFIDENCE_BUCKETS,
            registry=registry,
        )
        self.latency = Histogram(
            "citebot_question_latency_seconds",
            "From a question's arrival to its reply being ready (searched and rendered).",
            ["outcome"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.feed_syncs = Counter(
            "citebot_feed_syncs",
            "Feed syncs, by result (ok, failed).",
            ["result"],
            registry=registry,
        )
        self.feed_items = Counter(
            "citebot_feed_items",
            "Feed items met by syncs: added to the library, or skipped (with a reason logged).",
            ["result"],
            registry=registry,
        )
        self.votes = Counter(
            "citebot_feedback_votes",
            "Feedback votes recorded, by vote.",
            ["vote"],
            registry=registry,
        )
        # Every series exists from the start: a rate over a series that appears late is wrong.
        for way in WAYS:
            for outcome in OUTCOMES:
                self.questions.labels(way, outcome)
        for outcome in OUTCOMES:
            self.latency.labels(outcome)
        for outcome in ("answered", "declined"):
            self.confidence.labels(outcome)
        for result in ("ok", "failed"):
            self.feed_syncs.labels(result)
        for result in ("added", "skipped"):
            self.feed_items.labels(result)
        for vote in ("up", "down"):
            self.votes.labels(vote)
        registry.register(_StateCollector(state))

    def question(
        self, way: Way, outcome: Outcome, seconds: float, confidence: float | None
    ) -> None:
        self.questions.labels(way, outcome).inc()
        self.latency.labels(outcome).observe(seconds)
        if confidence is not None and outcome in ("answered", "declined"):
            self.confidence.labels(outcome).observe(confidence)

    def vote(self, vote: str) -> None:
        self.votes.labels(vote).inc()

    def feed_sync(self, added: int, skipped: int) -> None:
        self.feed_syncs.labels("ok").inc()
        self.feed_items.labels("added").inc(added)
        self.feed_items.labels("skipped").inc(skipped)

    def feed_sync_failed(self) -> None:
        self.feed_syncs.labels("failed").inc()

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)


class _StateCollector(Collector):
    """Gauges read from the bot at scrape time."""

    def __init__(self, state: Callable[[], State]) -> None:
        self._state = state

    def collect(self) -> Iterator[Metric]:
        state = self._state()
        yield GaugeMetricFamily(
            "citebot_gateway_connected",
            "1 when every gateway connection (shard) is up.",
            value=int(state.gateway_connected),
        )
        info = GaugeMetricFamily(
            "citebot_index_info", "The shared library's index version (value 1; none when closed).",
            labels=["version"],
        )  # fmt: skip
        if state.index_version is not None:
            info.add_metric([state.index_version], 1)
        yield info
        yield GaugeMetricFamily(
            "citebot_index_passages", "Passages in the shared library.", value=state.passages
        )
        yield GaugeMetricFamily(
            "citebot_index_articles", "Articles in the shared library.", value=state.articles
        )
        yield GaugeMetricFamily(
            "citebot_libraries_open",
            "Libraries open now: the shared one and servers' own (CITEBOT_OPEN_LIBRARIES).",
            value=state.libraries_open,
        )
        yield GaugeMetricFamily(
            "citebot_index_loaded_timestamp_seconds",
            "When the index in use was opened (start or reload), Unix time.",
            value=state.loaded_at,
        )
        yield CounterMetricFamily(
            "citebot_search_timeouts",
            "Library calls (searches, context) that gave up at the search time limit.",
            value=state.search_timeouts,
        )
