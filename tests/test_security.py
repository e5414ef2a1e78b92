"""What citebot loads from disk is data, never code: no module unpickles or evaluates, every
NumPy load has pickling off, YAML is read with a safe loader and torch loads weights only.
A scan of the source (its syntax tree, so aliases and line breaks do not hide a call),
because the promise is about every code path, including ones no test reaches."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from tests_paths import REPO

PACKAGES = ("index", "bot", "cli")
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "dill", "joblib", "marshal", "shelve"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
# Loaders that build arbitrary Python objects whatever their arguments.
UNSAFE_LOADERS = {
    "yaml.unsafe_load",
    "yaml.unsafe_load_all",
    "yaml.full_load",
    "yaml.full_load_all",
    "pandas.read_pickle",
    "torch.jit.load",
}
SAFE_YAML_LOADERS = {"yaml.SafeLoader", "yaml.CSafeLoader", "yaml.BaseLoader", "yaml.CBaseLoader"}


def sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py"))


def unsafe_loads(source: str) -> list[str]:
    """``line: what`` for every place in ``source`` that could turn data into code."""
    tree = ast.parse(source)
    names = _imported_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            )
            found += [
                f"{node.lineno}: imports {m}"
                for m in modules
                if (m or "").split(".")[0] in FORBIDDEN_MODULES
            ]
        elif isinstance(node, ast.Call):
            problem = _unsafe_call(node, names)
            if problem:
                found.append(f"{node.lineno}: {problem}")
    return found


def _imported_names(tree: ast.AST) -> dict[str, str]:
    """Local name → dotted origin: ``np`` → ``numpy``, ``load`` (from yaml) → ``yaml.load``."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                names[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr, names: dict[str, str]) -> str | None:
    """``np.lib.format.read_array`` → ``numpy.lib.format.read_array``; None for ``f().x``."""
    if isinstance(node, ast.Name):
        return names.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, names)
        return f"{base}.{node.attr}" if base else None
    return None


def _unsafe_call(call: ast.Call, names: dict[str, str]) -> str | None:
    keywords = {k.arg: k.value for k in call.keywords}
    if isinstance(call.func, ast.Name) and call.func.id in FORBIDDEN_CALLS:
        return f"calls {call.func.id}"  # the builtins, not re.compile
    if "allow_pickle" in keywords and not _is(keywords["allow_pickle"], False):
        return "allow_pickle is not False"  # np.load, read_array, np.save: any of them
    name = _dotted(call.func, names) or ""
    if name in UNSAFE_LOADERS or name.endswith(".read_pickle"):
        return f"calls {name}"
    if name == "numpy.load" and ("allow_pickle" not in keywords or len(call.args) > 2):
        return "numpy.load without allow_pickle=False"
    if name == "torch.load" and not _is(keywords.get("weights_only"), True):
        return "torch.load without weights_only=True"
    if name in ("yaml.load", "yaml.load_all"):
        loader = keywords.get("Loader", call.args[1] if len(call.args) > 1 else None)
        if loader is None or _dotted(loader, names) not in SAFE_YAML_LOADERS:
            return f"{name} without a safe Loader"
    return None


def _is(node: ast.expr | None, value: bool) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_code_is_loaded_from_data(path: Path) -> None:
    assert unsafe_loads(path.read_text(encoding="utf-8")) == [], path


PLANTED = {
    "pickle": "import pickle",
    "pickle-from": "from pickle import loads",
    "marshal-as": "import marshal as m",
    "eval": "eval(text)",
    "exec": "exec(text)",
    "np-load-default": "import numpy as np\nnp.load(path)",
    "np-load-pickle": "import numpy as np\nnp.load(path, allow_pickle=True)",
    "np-load-variable": "import numpy as np\nnp.load(path, allow_pickle=flag)",
    "np-load-positional": "import numpy as np\nnp.load(path, None, True)",
    "numpy-load": "import numpy\nnumpy.load(path)",
    "numpy-load-from": "from numpy import load\nload(path)",
    "read-array": "import numpy as np\nnp.lib.format.read_array(file, allow_pickle=True)",
    "read-array-from": "from numpy.lib.format import read_array\nread_array(f, allow_pickle=True)",
    "any-allow-pickle": "store.read(path, allow_pickle=True)",
    "yaml-load": "import yaml\nyaml.load(text)",
    "yaml-load-loader": "import yaml\nyaml.load(text, Loader=yaml.Loader)",
    "yaml-load-positional": "import yaml\nyaml.load(text, yaml.UnsafeLoader)",
    "yaml-load-from": "from yaml import load\nload(text)",
    "yaml-load-all": "import yaml\nyaml.load_all(text)",
    "yaml-unsafe": "import yaml\nyaml.unsafe_load(text)",
    "yaml-full": "import yaml\nyaml.full_load(text)",
    "torch-load": "import torch\ntorch.load(path)",
    "torch-load-unsafe": "import torch\ntorch.load(path, weights_only=False)",
    "torch-load-from": "from torch import load\nload(path)",
    "read-pickle": "import pandas as pd\npd.read_pickle(path)",
    "in-a-function": "import numpy as np\ndef f(p):\n    return np.load(\n        p,\n    )",
}


@pytest.mark.parametrize("snippet", PLANTED.values(), ids=PLANTED.keys())
def test_the_scan_catches_a_planted_unsafe_load(snippet: str) -> None:
    """The scan itself must be able to fail: every way of loading code from data is caught."""
    assert unsafe_loads(snippet), snippet


SAFE = {
    "np-load": "import numpy as np\nnp.load(path, mmap_mode='r', allow_pickle=False)",
    "np-save": "import numpy as np\nnp.save(path, array, allow_pickle=False)",
    "read-array-default": "from numpy.lib.format import read_array\nread_array(file)",
    "yaml-safe-load": "import yaml\nyaml.safe_load(text)",
    "yaml-safe-loader": "import yaml\nyaml.load(text, Loader=yaml.SafeLoader)",
    "torch-weights": "import torch\ntorch.load(path, weights_only=True)",
    "re-compile": "import re\nre.compile('x')",
    "json-load": "import json\njson.load(file)",
    "other-load": "library.load(path)",
}


@pytest.mark.parametrize("snippet", SAFE.values(), ids=SAFE.keys())
def test_the_scan_passes_safe_loads(snippet: str) -> None:
    assert unsafe_loads(snippet) == []


def test_the_scan_reads_the_loaders_of_the_source() -> None:
    """Guard against a scan that passes because it reads nothing: the source's own loads
    (NumPy with pickling off, YAML's safe loader) are seen, resolved through their imports."""
    calls = set()
    for path in sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _imported_names(tree)
        calls |= {_dotted(n.func, names) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert {"numpy.load", "numpy.save", "yaml.safe_load"} <= calls
