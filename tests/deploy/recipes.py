"""Reading the deploy recipes as Docker, Compose and systemd read them, for the tests beside.

The Dockerfile is read instruction by instruction (continuation lines joined, comments dropped);
exec-form commands (``["citebot", "run"]``) are JSON. The names a recipe sets are checked
against the settings models, and its commands against the real ``citebot`` parser.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from tests_paths import REPO

import cli.main
from bot.settings import BotSettings
from index.config import EngineSettings
from insights import StoreSettings

DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
COMPOSE = REPO / "compose.yaml"
UNIT = REPO / "deploy" / "citebot.service"


def known_variables() -> set[str]:
    """Every variable citebot reads: the settings models', and the CLI's logging level."""
    models = (EngineSettings, BotSettings, StoreSettings)
    return set().union(*(model.variables() for model in models)) | {"CITEBOT_LOG_LEVEL"}


def ours(names: set[str] | dict[str, str]) -> set[str]:
    """The names a recipe sets that claim to be citebot's."""
    return {name for name in names if name.startswith("CITEBOT_") or name == "DISCORD_TOKEN"}


def handler(command: list[str]) -> Callable[..., int]:
    """The handler the real parser picks for ``command`` (``citebot ...``); exits on a typo."""
    assert command[0] == "citebot", command
    return cli.main._parser().parse_args(command[1:]).handler


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` in order, as Docker reads them: comment lines dropped, then
    continued lines joined."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()]
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    logical = [line.strip() for line in re.sub(r"\\\n", " ", text).splitlines() if line.strip()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in logical]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (kind, _) in enumerate(steps) if kind == "FROM")
    return steps[last_from:]


def exec_form(arguments: str) -> list[str]:
    """An exec-form command; a shell-form one fails the test (signals would not reach it)."""
    assert arguments.startswith("["), f"use the exec form: {arguments}"
    return json.loads(arguments)


def assignments(arguments: str) -> dict[str, str]:
    """``ENV``/``ARG`` arguments of the ``KEY=value`` form."""
    return dict(word.split("=", 1) for word in shlex.split(arguments))


def tool(name: str) -> str:
    """An external tool's path: in the venv's bin (a pip-installed tool) or on PATH. Missing,
    the test is skipped on a developer's machine and fails under CI, which must run it."""
    found = shutil.which(
        name, path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    )
    if found:
        return found
    reason = f"{name} is not installed"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run every test")
    pytest.skip(reason)
