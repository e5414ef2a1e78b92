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


class FetchError(CitebotError):
    """A web page or feed could not be fetched, or fetching it was refused.

    ``str(error)`` is one line naming the address and the reason; ``transient`` is true when
    trying again later may work (a time-out, a refused connection, a server error), false when
    it will not (a refused address, a missing page, a wrong content type).
    """

    def __init__(self, url: str, reason: str, *, transient: bool = False) -> None:
        self.url = url
        self.reason = reason
        self.transient = transient
        super().__init__(f"{shown(url)}: {reason}")


def shown(text: str, limit: int = 200) -> str:
    """Text from outside (an address, a title) as one short line: control characters and line
    breaks dropped, the end cut with an ellipsis."""
    line = "".join(c for c in text if c.isprintable() or c == " ")
    return line if len(line) <= limit else line[: limit - 1] + "…"


class LastArticle(CitebotError):
    """A remove would take every article of a library, and an index needs one: the caller may
    delete the library instead (a server's, from Discord), or build a new one."""

    def __init__(self, message: str, keys: tuple[str, ...]) -> None:
        super().__init__(message)
        self.keys = keys  # the articles the remove named, all the library had


class ReadOnly(CitebotError):
    """This host only reads the libraries (``CITEBOT_READ_ONLY``): another host changes them."""
