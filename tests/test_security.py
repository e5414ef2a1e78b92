"""What citebot loads from disk is data, never code: no module unpickles or evaluates, and
every NumPy load has pickling off. A scan of the source, because the promise is about every
code path, including ones no test reaches."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from tests_paths import REPO

PACKAGES = ("index", "bot", "cli")
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "joblib", "marshal", "shelve"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}


def sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py"))


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_code_is_loaded_from_data(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & FORBIDDEN_MODULES
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] not in FORBIDDEN_MODULES
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):  # the builtins, not re.compile
                assert node.func.id not in FORBIDDEN_CALLS, f"{path}:{node.lineno}"
            elif (
                getattr(node.func, "attr", None) == "load"
                and getattr(node.func.value, "id", None) == "np"
            ):
                pickle = {k.arg: k.value for k in node.keywords}.get("allow_pickle")
                assert isinstance(pickle, ast.Constant) and pickle.value is False, (
                    f"{path}:{node.lineno}: np.load without allow_pickle=False"
                )


def test_the_scan_sees_the_loaders() -> None:
    """Guard against a scan that passes because it reads nothing."""
    text = "".join(p.read_text(encoding="utf-8") for p in sources())
    assert text.count("np.load(") >= 2
