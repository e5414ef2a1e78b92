"""A test that needs ../shared must not pass unseen under CI: there a missing file fails it."""

from __future__ import annotations

import pytest
from tests_paths import shared


def test_a_missing_shared_file_skips_on_a_developer_machine(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not here"):
        shared(tmp_path / "absent.json", "the data set")


def test_a_missing_shared_file_fails_under_ci(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run every test"):
        shared(tmp_path / "absent.json", "the data set")


def test_a_present_shared_file_is_returned(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    path = tmp_path / "present.json"
    path.write_text("{}")
    assert shared(path, "the data set") == path
