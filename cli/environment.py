"""The settings every citebot process reads: the real environment over the ``.env`` file.

Both front ends (the CLI and the bot) start from this one mapping, so ``citebot ask`` and
``citebot run`` can never disagree about where the index is or which model built it.
"""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import dotenv_values


def environment(dotenv: Path = Path(".env")) -> dict[str, str]:
    """``.env`` values (when the file exists), overridden by the process environment."""
    values = {k: v for k, v in dotenv_values(dotenv).items() if v is not None}
    return {**values, **os.environ}
