"""Small SQuAD v1.1 question sets written by the tests, for ``citebot eval`` and the retrieval
tests: three articles on unrelated subjects, questions each answered by one sentence, and
questions no article answers."""

from __future__ import annotations

import json
from pathlib import Path

ARTICLES = {
    "Honey bee": [
        "The honey bee lives in large colonies. A colony has a single queen, thousands of "
        "female workers and, in summer, a few hundred male drones. Workers gather nectar and "
        "pollen from flowers within a few kilometres of the hive.",
        "Bees communicate the location of food with the waggle dance. The angle of the dance "
        "relative to vertical gives the direction of the food relative to the sun. The "
        "duration of the waggle run tells the distance to the flowers.",
    ],
    "Mount Etna": [
        "Mount Etna is an active stratovolcano on the east coast of Sicily. It is the highest "
        "active volcano in Europe outside the Caucasus. Its height is about 3,357 metres, "
        "though it changes with every eruption.",
        "Etna erupts frequently. A major eruption in 1669 destroyed part of the city of "
        "Catania. The lava flows of that year reached the sea south of the city walls.",
    ],
    "Trans-Siberian Railway": [
        "The Trans-Siberian Railway connects Moscow with Vladivostok on the Pacific coast. "
        "It was built between 1891 and 1916 on the orders of Tsar Alexander III. The main "
        "line is 9,289 kilometres long.",
        "A journey over the whole line takes about seven days. The route crosses eight time "
        "zones and passes along the southern shore of Lake Baikal.",
    ],
}

IN_LIBRARY = [
    ("How many queens does a bee colony have?", "a single queen", "Honey bee"),
    ("What tells bees the distance to the flowers?", "duration of the waggle run", "Honey bee"),
    ("Which city did the 1669 eruption destroy?", "Catania", "Mount Etna"),
    ("What is the height of Etna?", "3,357 metres", "Mount Etna"),
    ("On whose orders was the railway to Vladivostok built?", "Alexander III", "Trans"),
    ("How long does the journey on the Trans-Siberian take?", "seven days", "Trans"),
]

OUT_OF_LIBRARY = [
    "Which team won the 1998 FIFA World Cup final?",
    "What is the boiling point of nitrogen in kelvin?",
    "Who wrote the novel Pride and Prejudice?",
    "What programming language did Guido van Rossum create?",
]


def write_squad(
    path: Path, articles: dict[str, list[str]], questions: list[tuple[str, str]]
) -> Path:
    """A SQuAD v1.1 file: ``questions`` are (question, answer) pairs placed by their answer."""
    data = []
    for title, paragraphs in articles.items():
        items = []
        for text in paragraphs:
            qas = [
                {"id": q, "question": q, "answers": [{"text": a, "answer_start": text.find(a)}]}
                for q, a in questions
                if a in text
            ]
            items.append({"context": text, "qas": qas})
        data.append({"title": title, "paragraphs": items})
    path.write_text(json.dumps({"data": data}), encoding="utf-8")
    return path


def write_out_of_library(path: Path) -> Path:
    """A set whose questions (``OUT_OF_LIBRARY``) none of ``ARTICLES`` answers."""
    other = {"Elsewhere": ["An unrelated paragraph that holds the answers " + "x" * 20 + "."]}
    return write_squad(path, other, [(q, "unrelated") for q in OUT_OF_LIBRARY])
