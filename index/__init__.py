"""citebot's retrieval engine: articles in, quoted and attributed answers out.

The public API is what this module exports; front ends (the CLI, the Discord bot) use nothing
else. It never imports ``bot`` or discord.

Use::

    from pathlib import Path
    from index import EngineConfig, build, open_library
    config = EngineConfig(index_dir=Path("data/index"))
    build([Path("samples")], config)
    open_library(config).search("who does Russia have a defense pact with?")
"""

from index.config import DEFAULT_MODEL, EngineConfig, RetrievalConfig
from index.embedder import Embedder
from index.errors import (
    ArticleError,
    CitebotError,
    IndexBusy,
    IndexIncompatible,
    IndexUnavailable,
    LastArticle,
    ModelUnavailable,
    QuestionError,
)
from index.library import Library, open_library
from index.merge import merge
from index.records import (
    Answer,
    Article,
    ArticleMeta,
    BuildReport,
    Hit,
    IndexInfo,
    Passage,
    SkippedFile,
    Span,
)
from index.writer import Progress, add, build, list_articles, remove

__all__ = [
    "DEFAULT_MODEL",
    "Answer",
    "Article",
    "ArticleError",
    "ArticleMeta",
    "BuildReport",
    "CitebotError",
    "Embedder",
    "EngineConfig",
    "Hit",
    "IndexBusy",
    "IndexIncompatible",
    "IndexInfo",
    "IndexUnavailable",
    "LastArticle",
    "Library",
    "ModelUnavailable",
    "Passage",
    "Progress",
    "QuestionError",
    "RetrievalConfig",
    "SkippedFile",
    "Span",
    "add",
    "build",
    "list_articles",
    "merge",
    "open_library",
    "remove",
]
