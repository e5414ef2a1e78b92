"""Errors the library raises for things a user can fix. Their text is the message to show.

Front ends catch ``CitebotError`` and print ``str(error)``: one line that says what went wrong
and what to do, never a traceback.
"""

from __future__ import annotations


class CitebotError(Exception):
    """Base of every error whose message is meant for the user."""


class ArticleError(CitebotError):
    """A file could not be read or parsed as an article; the build skips it and goes on."""


class QuestionError(CitebotError):
    """The question cannot be asked as it is (empty, too long, nothing searchable)."""


class IndexUnavailable(CitebotError):
    """The index cannot be opened: missing, corrupt, built with another model or format."""


class IndexMissing(IndexUnavailable):
    pass


class IndexCorrupt(IndexUnavailable):
    pass


class IndexIncompatible(IndexUnavailable):
    """Built with another embedding model, or by a newer citebot."""


class ModelUnavailable(CitebotError):
    """The embedding model cannot be loaded (not installed, no hub access)."""


class IndexBusy(CitebotError):
    """Another process is writing the index right now."""
