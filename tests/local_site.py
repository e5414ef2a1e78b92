"""A web site of the test's own on 127.0.0.1: pages, feeds, redirects and misbehaving servers.

A test says what each path answers (``site.serve(path, Reply(...))`` or a function of the
request), and reads what the server received (``site.requests``). Nothing else on the network
is reached: every test address is this server, or an address the fetcher must refuse before
connecting.
"""

from __future__ import annotations

import contextlib
import ipaddress
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from index.fetch import Fetcher, FetchPolicy

DATA = Path(__file__).parent / "web" / "data"
CERT = DATA / "citebot-test.pem"  # a self-signed certificate for citebot.test, test use only
KEY = DATA / "citebot-test.key"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    length: int | None = None  # the Content-Length sent; None: the body's own; -1: none at all
    chunks: Callable[[], Iterable[bytes]] | None = None  # a body made as it is sent
    drip: float = 0.0  # seconds before each byte of the body
    header_drip: float = 0.0  # seconds before each byte of the header block


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived


Route = Reply | Callable[[Request], Reply]


class Site:
    def __init__(self, server: ThreadingHTTPServer, scheme: str = "http") -> None:
        self.server = server
        self.port = server.server_address[1]
        self.scheme = scheme
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def serve(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def page(self, path: str, html: str, **options: object) -> str:
        return self.serve(path, Reply(body=html.encode(), **options))  # type: ignore[arg-type]

    def hits(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def reply(self, request: Request) -> Reply:
        route = self.routes.get(request.path)
        if route is None:
            return Reply(status=404, body=b"not here", content_type="text/plain")
        return route(request) if callable(route) else route


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        site: Site = self.server.site  # type: ignore[attr-defined]
        request = Request(
            self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()
        )
        with site.lock:
            site.requests.append(request)
        reply = site.reply(request)
        with contextlib.suppress(OSError):  # the client hung up: often what the test wanted
            self._send(reply)

    def _send(self, reply: Reply) -> None:
        body = reply.body
        lines = [f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}"]
        if reply.content_type is not None:
            lines.append(f"Content-Type: {reply.content_type}")
        if reply.length != -1 and reply.chunks is None:
            lines.append(
                f"Content-Length: {reply.length if reply.length is not None else len(body)}"
            )
        elif reply.length not in (None, -1):
            lines.append(f"Content-Length: {reply.length}")
        lines += [f"{k}: {v}" for k, v in reply.headers.items()]
        lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.close_connection = True
        self._write(head, reply.header_drip)
        for piece in reply.chunks() if reply.chunks else [body]:
            self._write(piece, reply.drip)
        self.wfile.flush()

    def _write(self, data: bytes, drip: float) -> None:
        """``data``, at once or a byte every ``drip`` seconds."""
        if not drip:
            self.wfile.write(data)
            return
        for byte in data:
            time.sleep(drip)
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        pass


def start(scheme: str = "http") -> Site:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    if scheme == "https":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(CERT, KEY)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    site = Site(server, scheme)
    server.site = site  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return site


def stop(site: Site) -> None:
    site.server.shutdown()
    site.server.server_close()


LOOPBACK = ipaddress.ip_address("127.0.0.1")


def only_this_server(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """The real public-address check, except that 127.0.0.1 (the test server) passes as if it
    were public: every other private address stays refused."""
    from index.fetch.addresses import refusal

    return None if ip == LOOPBACK else refusal(ip)


def names(mapping: dict[str, str]) -> Callable[[str, int], list[str]]:
    """A resolver that knows the test's host names (``name -> address``) and resolves IP
    literals as the system does; any other name fails as an unknown host would."""

    def resolve(host: str, port: int) -> list[str]:
        if host in mapping:
            return [mapping[host]]
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            raise OSError(f"unknown host {host}") from None

    return resolve


def fast_policy(**changes: object) -> FetchPolicy:
    """The default policy, but private addresses allowed and 10 ms between requests."""
    options: dict[str, object] = {"allow_private": True, "per_host_interval": 0.01, **changes}
    return FetchPolicy(**options)  # type: ignore[arg-type]


def guarded_fetcher(**changes: object) -> Fetcher:
    """A fetcher with the real address policy that reaches the test server (127.0.0.1) and the
    test's host names, and refuses every other private address as production would."""
    return Fetcher(
        fast_policy(allow_private=False, **changes),
        resolver=names({"news.test": "127.0.0.1", "citebot.test": "127.0.0.1"}),
        address_check=only_this_server,
    )
