"""The layers stay layers: the engine knows no front end, and the bot knows no command line.

``index`` is a library that a vector database, a web front end or a test can stand behind, so
it never imports ``bot``, ``cli``, ``insights``, ``guilds`` or discord; ``insights`` (the feedback
store and the owner's report, which both front ends show) and ``guilds`` (a server's own
settings and membership) each stand on ``index`` alone; ``bot`` is a front end beside the CLI
and takes nothing from it (its settings come from ``index.config.environment``, as the CLI's
do). The CLI's one reach into ``bot`` is ``citebot run`` starting it.
"""

from __future__ import annotations

import ast

import pytest
from tests_paths import REPO


def _imports(package: str) -> dict[str, set[str]]:
    """Top-level package of every import, by module file."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level > 1:
                names.add("..")  # reaches out of its own package: never done here
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(REPO))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("index", {"bot", "cli", "insights", "guilds", "discord", ".."}),
        ("insights", {"bot", "cli", "guilds", "discord", ".."}),
        ("guilds", {"bot", "cli", "insights", "discord", ".."}),
        ("bot", {"cli", ".."}),
    ],
)
def test_a_layer_never_imports_the_ones_above_it(package, forbidden):
    imports = _imports(package)
    offenders = {f: names & forbidden for f, names in imports.items() if names & forbidden}

    assert len(imports) > 3  # the scan read the package
    assert offenders == {}


def test_the_scan_sees_imports(tmp_path):
    # A scan that finds nothing proves nothing: the CLI does import the engine and the bot.
    cli = set().union(*_imports("cli").values())

    assert {"index", "bot", "rich"} <= cli
