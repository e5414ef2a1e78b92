"""``.env.example`` documents every setting (README says so): the variables it names are the
ones the settings models read, no more and no fewer."""

from __future__ import annotations

import re

from recipes import known_variables
from tests_paths import REPO


def test_env_example_names_exactly_the_settings_citebot_reads():
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert documented == known_variables()
