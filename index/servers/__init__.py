"""Libraries of single servers beside the shared one, all answered with one model.

A bot in many servers gives each its own library: ``EngineConfig.for_server(id)`` says where
that library lives (``<servers root>/<id>``, a complete index directory of its own, with its
copies of fetched articles and its feeds), so every engine call (build, add, remove, search)
works on it unchanged. ``LibraryPool`` keeps the libraries a process has open, the least
recently used closed beyond a bound, so a thousand small servers cost what they are asked.
"""

from index.servers.paths import delete_server, has_library, server_ids
from index.servers.pool import LibraryPool, ServerId

__all__ = ["LibraryPool", "ServerId", "delete_server", "has_library", "server_ids"]
