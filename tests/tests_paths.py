"""Where tests find the data the repo ships and the data ../shared provides."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
SHARED = REPO.parent / "shared"
KARABAKH = SHARED / "articles" / "karabakh-2020-10-07.txt"
SQUAD = SHARED / "data" / "squad-dev-a" / "squad-dev-a.json"
SAMPLE_QUESTIONS = REPO / "tests" / "data" / "sample-questions.json"
