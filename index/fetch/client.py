"""The HTTP client: one GET, redirects followed by hand, each hop checked as the first was.

For every hop the URL is parsed and refused unless it is http(s) without credentials
(``addresses.parse``); robots.txt is asked; the host name is resolved here and every address
checked; and the connection goes to the checked address with the ``Host`` header (and, for
https, the TLS server name and certificate check) naming the host. Then the host's clock is
waited for, and one exchange runs under a watchdog that shuts the socket at the deadline,
whatever stage it is in (connecting, the TLS handshake, headers that drip, a body that drips).
The body is read in pieces and counted after decompression, so neither a Content-Length that
lies nor a compressed bomb gets past ``max_bytes``.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

import certifi
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import SSLError

from index.errors import CitebotError, FetchError, shown
from index.fetch import addresses, robots
from index.fetch.addresses import AddressCheck, Resolver, Target
from index.fetch.policy import PAGE_TYPES, FetchPolicy

REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 2**10
_MAX_HOSTS = 4096  # clocks kept; older ones are dropped once their time has passed


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a GET brought back."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int  # 200, or 304 when the page has not changed since ``etag``/``last_modified``
    content_type: str  # the header as sent, e.g. "text/html; charset=utf-8"
    body: bytes
    etag: str | None
    last_modified: str | None

    @property
    def media_type(self) -> str:
        return media_type(self.content_type)

    @property
    def charset(self) -> str | None:
        for parameter in self.content_type.split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "charset" and value.strip(' "'):
                return value.strip(' "')
        return None


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes


class HostClock:
    """At most one request per ``interval`` seconds to each host, across threads.

    Each caller reserves the next free moment for its host under a lock, then sleeps until it
    outside the lock, so two threads asking for one host at once go ``interval`` apart and a
    thread waiting for one host holds up no other host.
    """

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self._interval
            if len(self._next) > _MAX_HOSTS:
                self._next = {h: t for h, t in self._next.items() if t > now}
        if slot > now:
            self._sleep(slot - now)


class _Watchdog:
    """Shuts the sockets of one exchange down at its deadline: a blocked read returns at once,
    however the server drips its bytes."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """A connection whose new socket is handed to the exchange's watchdog."""

    watchdog: _Watchdog

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        self.watchdog.attach(sock)
        return sock


class _HTTP(_Watched, HTTPConnection):
    pass


class _HTTPS(_Watched, HTTPSConnection):
    pass


class Fetcher:
    """Fetches web pages and feeds under a ``FetchPolicy``. Thread-safe and blocking: callers
    on an event loop run ``get`` in a worker thread.

    ``resolver`` and ``address_check`` replace the system resolver and the public-address
    check (tests reach their own server on 127.0.0.1 that way while other private addresses
    stay refused); ``ssl_context`` replaces the system's certificate authorities.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        resolver: Resolver | None = None,
        address_check: AddressCheck | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self._resolve = resolver or addresses.resolve
        self._check = None if policy.allow_private else (address_check or addresses.refusal)
        self._ssl = ssl_context or ssl.create_default_context(cafile=certifi.where())
        self._clock = HostClock(policy.per_host_interval)
        self._robots = robots.RobotsCache(self._load_robots)
        self._closed = False

    def get(
        self,
        url: str,
        *,
        kinds: Collection[str] = PAGE_TYPES,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> Fetched:
        """The body at ``url`` when it is one of ``kinds`` (media types), or a ``FetchError``.

        With ``etag`` or ``last_modified`` (from an earlier ``Fetched``) the request is
        conditional, and a page that has not changed comes back with status 304 and no body.
        ``max_bytes`` lowers the policy's limit for this request.
        """
        if self._closed:
            raise CitebotError("The fetcher is closed.")
        headers = {"Accept": ", ".join(sorted(kinds))}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        limit = min(max_bytes or self.policy.max_bytes, self.policy.max_bytes)
        final, reply = self._request(
            url, headers, kinds=kinds, limit=limit, robots=self.policy.respect_robots
        )
        conditional = bool(etag or last_modified)
        if reply.status == 304 and conditional:
            return Fetched(
                url,
                final,
                304,
                reply.headers.get("content-type", ""),
                b"",
                reply.headers.get("etag") or etag,
                reply.headers.get("last-modified") or last_modified,
            )
        if reply.status not in (200, 203):
            raise FetchError(
                url,
                f"the server answered {reply.status} {shown(reply.reason, 60)}".rstrip(),
                transient=reply.status >= 500 or reply.status in (408, 429),
            )
        return Fetched(
            url,
            final,
            200,
            reply.headers.get("content-type", ""),
            reply.body,
            reply.headers.get("etag"),
            reply.headers.get("last-modified"),
        )

    def close(self) -> None:
        self._closed = True
        self._robots.clear()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _request(
        self,
        url: str,
        headers: dict[str, str],
        *,
        kinds: Collection[str] | None,
        limit: int,
        robots: bool,
    ) -> tuple[str, _Reply]:
        """The final URL and the reply after following redirects (any status but a redirect);
        the body is read only for a 200 of one of ``kinds`` (any type when ``None``)."""
        current = url
        for hop in range(self.policy.max_redirects + 1):
            try:
                target = addresses.parse(current)
                ips = addresses.checked_addresses(target, current, self._resolve, self._check)
                refusal = self._robots.refusal(target) if robots else None
                if refusal:
                    raise FetchError(current, refusal)
                reply = self._exchange(target, ips, headers, kinds, limit)
            except FetchError as error:
                if hop == 0:
                    raise
                raise FetchError(
                    url,
                    f"redirected to {shown(current, 120)}: {error.reason}",
                    transient=error.transient,
                ) from None
            if reply.status not in REDIRECTS:
                return current, reply
            location = reply.headers.get("location", "").strip()
            if not location:
                raise FetchError(url, f"the server answered {reply.status} with no Location")
            current = urljoin(target.url, location)
        raise FetchError(url, f"refused: more than {self.policy.max_redirects} redirects")

    def _exchange(
        self,
        target: Target,
        ips: list[str],
        headers: dict[str, str],
        kinds: Collection[str] | None,
        limit: int,
    ) -> _Reply:
        self._clock.wait(target.host)
        sent = {
            **headers,
            "Host": target.netloc,
            "User-Agent": self.policy.user_agent,
            "Accept-Encoding": "gzip, deflate",
        }
        timeout = self.policy.timeout
        with _Watchdog(timeout) as watchdog:
            try:
                connection = self._connect(target, ips, watchdog)
                try:
                    connection.request("GET", target.path, headers=sent, preload_content=False)
                    response = connection.getresponse()
                    received = {k.lower(): v for k, v in response.headers.items()}
                    body = b""
                    if response.status in (200, 203):
                        self._check_type(target, received, kinds)
                        body = _read(target, response, received, limit, watchdog)
                    return _Reply(response.status, response.reason or "", received, body)
                finally:
                    connection.close()
            except FetchError:
                raise
            except (OSError, http.client.HTTPException, Urllib3Error) as error:
                if watchdog.expired:
                    raise FetchError(
                        target.url, f"timed out after {timeout:g} s", transient=True
                    ) from None
                raise _failure(target.url, error) from None

    def _connect(self, target: Target, ips: list[str], watchdog: _Watchdog) -> HTTPConnection:
        """A connection to the first of ``ips`` that answers, named after the host."""
        failure: Exception | None = None
        for ip in ips:
            connection: HTTPConnection
            if target.scheme == "https":
                connection = _HTTPS(
                    ip,
                    target.port,
                    timeout=self.policy.timeout,
                    ssl_context=self._ssl,
                    # The context checks the certificate against this name in the
                    # handshake (check_hostname), though the socket goes to an address.
                    server_hostname=target.host,
                )
            else:
                connection = _HTTP(ip, target.port, timeout=self.policy.timeout)
            connection.watchdog = watchdog  # type: ignore[attr-defined]
            try:
                connection.connect()
            except (OSError, Urllib3Error) as error:
                connection.close()
                if isinstance(error, SSLError) or watchdog.expired:
                    raise
                failure = error
                continue
            return connection
        assert failure is not None  # ips is never empty
        raise failure

    @staticmethod
    def _check_type(
        target: Target, headers: Mapping[str, str], kinds: Collection[str] | None
    ) -> None:
        if kinds is None:
            return
        found = media_type(headers.get("content-type", ""))
        if found not in kinds:
            raise FetchError(
                target.url,
                f"refused: the content type is {shown(found, 60) or 'not given'}, "
                f"not one of {', '.join(sorted(kinds))}",
            )

    def _load_robots(self, target: Target) -> robots.Rules:
        now = time.monotonic()
        try:
            _, reply = self._request(
                target.robots_url, {}, kinds=None, limit=robots.MAX_ROBOTS_BYTES, robots=False
            )
        except FetchError as error:
            return robots.unreachable(error.reason, now)
        return robots.found(reply.status, reply.body, now)


def _read(
    target: Target,
    response: urllib3.BaseHTTPResponse,
    headers: Mapping[str, str],
    limit: int,
    watchdog: _Watchdog,
) -> bytes:
    """The body, decompressed, refused as soon as it passes ``limit`` bytes."""
    too_large = f"refused: larger than {_size(limit)}"
    declared = headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit and "content-encoding" not in headers:
        raise FetchError(target.url, too_large)
    body = bytearray()
    while chunk := response.read(_CHUNK, decode_content=True):
        body += chunk
        if len(body) > limit:
            raise FetchError(target.url, too_large)
        if watchdog.expired:
            raise TimeoutError
    return bytes(body)


def _size(count: int) -> str:
    if count >= 2**20:
        return f"{count / 2**20:g} MiB"
    if count >= 2**10:
        return f"{count / 2**10:g} KiB"
    return f"{count} bytes"


def _failure(url: str, error: Exception) -> FetchError:
    """A connection or protocol failure in one line."""
    if isinstance(error, SSLError | ssl.SSLError):
        detail = str(error).split(":")[-1].strip(" )'\"") or "handshake failed"
        return FetchError(
            url, f"refused: the TLS certificate was not accepted ({shown(detail, 120)})"
        )
    if isinstance(error, ConnectionRefusedError) or "refused" in str(error).lower():
        return FetchError(url, "the connection was refused", transient=True)
    if isinstance(error, TimeoutError | socket.timeout) or "timed out" in str(error).lower():
        return FetchError(url, "timed out", transient=True)
    return FetchError(url, f"the connection failed ({type(error).__name__})", transient=True)
