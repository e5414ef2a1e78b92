"""The connection to Qdrant: the client, imported only when this store is used, one per server
or folder, and its errors as one line naming the server.

The client is the optional extra ``pip install citebot[qdrant]``; this is the only module that
imports it, so the FAISS default needs nothing of it.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.config import QdrantConfig
from index.errors import CitebotError, IndexUnavailable, shown

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

INSTALL = "pip install 'citebot[qdrant]'"


def require() -> Any:
    """The ``qdrant_client`` module, or one line saying how to install it."""
    try:
        import qdrant_client  # the optional extra: imported only when this store is used
    except ImportError:
        raise CitebotError(
            f"CITEBOT_STORE=qdrant needs the Qdrant client: {INSTALL} (or set CITEBOT_STORE=faiss)."
        ) from None
    return qdrant_client


def qdrant_models() -> Any:
    """``qdrant_client.models``: the requests' and points' types."""
    return require().models


class _Serialized:
    """A local-mode client used by one call at a time: local mode keeps its points in numpy
    arrays and SQLite, and the bot searches from several threads while its librarian writes."""

    def __init__(self, client: QdrantClient) -> None:
        self._client = client
        self._lock = threading.RLock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: object, **kwargs: object) -> object:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


@dataclass(frozen=True, slots=True)
class Connection:
    client: Any  # QdrantClient, or _Serialized around a local one
    where: str  # for messages: the server's URL or the local folder
    local: bool


_connections: dict[tuple[str, str], Connection] = {}
_connections_lock = threading.Lock()


@atexit.register
def _close_connections() -> None:
    """Close the clients before the interpreter tears their modules down (a local client's
    own ``__del__`` at that point fails noisily)."""
    with _connections_lock:
        for connection in _connections.values():
            with contextlib.suppress(Exception):
                connection.client.close()
        _connections.clear()


def connect(settings: QdrantConfig) -> Connection:
    """The process's client for ``settings`` (one per server or folder: local mode's folder
    admits one client, and a server's connections are pooled)."""
    qdrant_client = require()
    if settings.url and settings.path:
        raise CitebotError(
            "Set CITEBOT_QDRANT_URL (a Qdrant server) or CITEBOT_QDRANT_PATH (local mode), "
            "not both."
        )
    if not (settings.url or settings.path):
        raise CitebotError(
            "CITEBOT_STORE=qdrant needs CITEBOT_QDRANT_URL (a Qdrant server, e.g. "
            "http://localhost:6333) or CITEBOT_QDRANT_PATH (a folder, for local mode)."
        )
    if settings.url:
        key = ("url", settings.url)
    else:
        key = ("path", str(Path(str(settings.path)).resolve()))
    with _connections_lock:
        found = _connections.get(key)
        if found is not None:
            return found
        if settings.url:
            key_value = settings.api_key.get_secret_value() if settings.api_key else None
            # No version check at start: it warns on stderr when the server is down, and a
            # library's own layout is checked when it is opened.
            client = qdrant_client.QdrantClient(
                url=settings.url, api_key=key_value, timeout=30, check_compatibility=False
            )
            found = Connection(client, settings.url, local=False)
        else:
            path = key[1]
            try:
                local = qdrant_client.QdrantClient(path=path, force_disable_check_same_thread=True)
            except RuntimeError:  # the folder is another process's
                raise IndexUnavailable(
                    f"Qdrant's local folder {path} is in use by another process: local mode "
                    "serves one process at a time; run a Qdrant server and set "
                    "CITEBOT_QDRANT_URL to share a library."
                ) from None
            found = Connection(_Serialized(local), path, local=True)
        _connections[key] = found
        return found


@contextlib.contextmanager
def answering(connection: Connection) -> Iterator[None]:
    """Qdrant's errors as one line naming the server (``IndexUnavailable``)."""
    exceptions = require().http.exceptions
    try:
        yield
    except exceptions.UnexpectedResponse as error:
        reason = _line((error.content or b"").decode("utf-8", "replace")) or _line(str(error))
        raise IndexUnavailable(
            f"Qdrant at {connection.where} answered {error.status_code}: {reason}"
        ) from None
    except exceptions.ApiException as error:
        raise IndexUnavailable(
            f"Cannot reach Qdrant at {connection.where}: {_line(str(error))}"
        ) from None
    except ValueError as error:  # local mode: a collection deleted under a reader
        if "not found" not in str(error):
            raise
        raise IndexUnavailable(f"Qdrant at {connection.where}: {_line(str(error))}") from None


def _line(text: str) -> str:
    """An error's text as one short line."""
    return shown(" ".join(text.split()))
