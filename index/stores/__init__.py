"""Where libraries are kept: the index directory (FAISS, the default) or Qdrant.

``of(config)`` is the store ``config.store`` names; ``base`` says what a store does. Each store
is imported when first asked for, so the default needs nothing of Qdrant's client and importing
one does not pull in the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.config import EngineConfig

if TYPE_CHECKING:
    from index.stores.base import LibraryStore


def of(config: EngineConfig) -> LibraryStore:
    """The store that holds ``config``'s libraries."""
    if config.store == "qdrant":
        from index.stores.qdrant import STORE as qdrant

        return qdrant
    from index.stores.faiss import STORE as faiss

    return faiss


__all__ = ["of"]
