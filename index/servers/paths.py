"""Where servers' libraries are on disk: which exist, and deleting one."""

from __future__ import annotations

import os
import re
import secrets
import shutil

from index import stores
from index.config import EngineConfig
from index.errors import CitebotError

_SERVER_FOLDER = re.compile(r"[1-9][0-9]*")  # what ``EngineConfig.for_server`` names a folder


def has_library(config: EngineConfig) -> bool:
    """Whether ``config`` names a published library (cheap: one readlink, or with the Qdrant
    store a look at its aliases)."""
    return stores.of(config).current_id(config) is not None


def server_ids(config: EngineConfig) -> list[int]:
    """The servers that have a folder under the servers root (a library, feeds or copies).

    Only folders named as ``for_server`` names them count: ``str.isdigit`` alone takes "007"
    (whose server's folder is "7") and "²" (which ``int`` refuses).
    """
    try:
        names = [entry.name for entry in os.scandir(config.servers_root) if entry.is_dir()]
    except FileNotFoundError:
        return []
    return sorted(int(name) for name in names if _SERVER_FOLDER.fullmatch(name))


def delete_server(config: EngineConfig, server_id: int) -> bool:
    """Delete a server's library folder (and its collections, with the Qdrant store); False
    when it had none.

    The folder is first renamed out of the way (one rename(2)), so a reader or writer that
    comes next finds no library rather than half of one. Refused (``IndexBusy``) while a
    writer is at work on it.
    """
    server = config.for_server(server_id)
    stores.check_writable(server)
    root = server.index_dir
    store = stores.of(server)
    if not root.is_dir():
        return store.drop(server)
    with stores.writing(server):
        store.drop(server)  # what the store keeps elsewhere (Qdrant's collections)
        doomed = root.with_name(f".deleted-{server_id}-{secrets.token_hex(4)}")
        try:
            root.rename(doomed)
        except OSError as error:
            raise CitebotError(f"Cannot delete {root}: {error.strerror}.") from None
    shutil.rmtree(doomed, ignore_errors=True)
    return True
