"""Where tests find the data the repo ships and the data ../shared provides."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
SHARED = REPO.parent / "shared"
KARABAKH = SHARED / "articles" / "karabakh-2020-10-07.txt"
SQUAD = SHARED / "data" / "squad-dev-a" / "squad-dev-a.json"
SAMPLE_QUESTIONS = REPO / "tests" / "data" / "sample-questions.json"


def shared(path: Path, what: str) -> Path:
    """``path`` from ../shared, or the test stops: skipped on a developer's machine that lacks
    it, failed under CI (``CI=true``), where a skip would hide that the check never ran."""
    if path.is_file():
        return path
    reason = f"{what} {path} is not here (../shared beside the repo)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run every test")
    pytest.skip(reason)
