"""Where libraries are kept: the index directory (FAISS, the default) or Qdrant.

``of(config)`` is the store ``config.store`` names; ``base`` says what a store does. Each store
is imported when first asked for, so the default needs nothing of Qdrant's client and importing
one does not pull in the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from index.config import EngineConfig
from index.errors import ReadOnly

if TYPE_CHECKING:
    from index.stores.base import LibraryStore


def of(config: EngineConfig) -> LibraryStore:
    """The store that holds ``config``'s libraries."""
    if config.store == "qdrant":
        from index.stores.qdrant import STORE as qdrant

        return qdrant
    from index.stores.faiss import STORE as faiss

    return faiss


def check_writable(config: EngineConfig) -> None:
    """``ReadOnly`` on a host that only reads the libraries: said before any work is done (a
    page fetched, a feed read) that the change could not keep."""
    if config.read_only:
        raise ReadOnly(
            "This host only reads the library (CITEBOT_READ_ONLY): change it from the host "
            "that writes it."
        )


@contextmanager
def writing(config: EngineConfig) -> Iterator[object]:
    """The writer's hold on ``config``'s library, for one change at a time; every change of a
    library goes through here, so a read-only host refuses all of them in one place."""
    check_writable(config)
    with of(config).writing(config) as held:
        yield held


__all__ = ["check_writable", "of", "writing"]
