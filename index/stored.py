"""Reading the index's own small JSON files (the manifest, the BM25 vocabulary), trusting
nothing in them.

A file damaged on disk or edited by hand must fail when the index is opened, with the one line
that names it and the fix, and never as a traceback, nor later at the first question: a value
of the wrong type (``"384"``, ``[]``, ``Infinity``, which Python's JSON reader accepts as a
float) would otherwise travel on until something uses it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from index.errors import IndexCorrupt

_FIX = "rebuild the index with `citebot index build DIR`."


def damaged(path: Path, problem: str) -> IndexCorrupt:
    """The error for a file of the index that is not what the writer wrote."""
    return IndexCorrupt(f"{path} is damaged ({problem}): {_FIX}")


def read_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"{path} is missing: {_FIX}") from None
    except (OSError, ValueError, RecursionError) as error:
        # A folder or unreadable; not UTF-8 or not JSON; nested deeper than the parser goes.
        raise damaged(path, type(error).__name__) from None
    if not isinstance(data, dict):
        raise damaged(path, f"a JSON {type(data).__name__}, not an object")
    return data


def value(data: dict[str, Any], name: str, kind: type, path: Path) -> Any:
    """``data[name]``, which must be a ``kind``; a number must be a whole one and not negative
    (every number the index stores is a count, a size or a version)."""
    if name not in data:
        raise damaged(path, f"no {name}")
    found = data[name]
    wrong = isinstance(found, bool) or not isinstance(found, kind)
    if wrong or (kind is int and found < 0):
        raise damaged(path, f"{name} is {json.dumps(found)[:40]}, not a {_NAMES[kind]}")
    return found


_NAMES = {int: "whole number", str: "text", dict: "JSON object", list: "JSON list"}
