"""What every evaluation reports the same way: latency percentiles and calibration by band."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# Confidence bands for "how often is the quoted passage right at this confidence".
BANDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


@dataclass(frozen=True, slots=True)
class Band:
    """Questions whose top confidence fell in ``[low, high)``, and how often it was right.

    ``correct`` counts in-library questions only (is the top passage the gold one?);
    ``right`` also counts the out-of-library questions in the band, for which any quote is
    wrong: with ``--unanswerable``/``--split`` it is the calibration users experience.
    """

    low: float
    high: float
    questions: int
    correct: float  # share of the band's in-library questions whose top passage is the gold one
    unanswerable: int = 0  # out-of-library questions in the band
    right: float = 0.0  # share right among all the band's questions


def bands(top: Sequence[tuple[float, bool | None]]) -> tuple[Band, ...]:
    """Right-rate per confidence band; ``None`` marks an out-of-library question."""
    found = []
    for low, high in itertools.pairwise(BANDS):
        inside = [ok for score, ok in top if low <= score < high]
        if not inside:
            continue
        known = [ok for ok in inside if ok is not None]
        correct = sum(known) / len(known) if known else 0.0
        found.append(
            Band(
                low,
                min(high, 1.0),
                len(known),
                correct,
                unanswerable=len(inside) - len(known),
                right=sum(bool(ok) for ok in inside) / len(inside),
            )
        )
    return tuple(found)


def percentile(values: Sequence[float], q: int) -> float:
    """The ``q``-th percentile, interpolated (the benchmark's p99 and the evaluation's p95)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]
