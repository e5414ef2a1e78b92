"""Fixtures of the web tests: a local site on 127.0.0.1, started and stopped per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_site import Site, start, stop


@pytest.fixture
def tls_site() -> Iterator[Site]:
    server = start("https")
    yield server
    stop(server)
