"""Which URLs the fetcher takes, and which network addresses it connects to.

A URL is taken when it is http or https, names a host and holds no user name or password.
The host name is resolved here, every address it resolves to is checked, and the connection
goes to a checked address, never to the name again: a DNS answer that changes between the
check and the connection (DNS rebinding) cannot move the request to an address the check
refused. An address is refused unless it is public: loopback, private, link-local (the cloud
metadata service at 169.254.169.254), multicast, reserved, unspecified and shared (carrier NAT)
addresses are, in IPv4 and IPv6, and so are IPv6 addresses that carry one of those IPv4
addresses inside them (IPv4-mapped ``::ffff:10.0.0.1``, NAT64 ``64:ff9b::a00:1``, 6to4
``2002:a00:1::``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from index.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
"""``(host, port)`` to the IP addresses to connect to, as text."""
AddressCheck = Callable[[IPAddress], str | None]
"""A reason to refuse connecting to an address, or ``None`` to allow it."""

MAX_URL_CHARS = 2048
SCHEMES = {"http": 80, "https": 443}
PRIVATE_HINT = "set CITEBOT_FETCH_PRIVATE=on to allow"

# Schemes named as such in a refusal; anything else without a host is "not a web address".
_OTHER_SCHEMES = {"file", "ftp", "ftps", "sftp", "data", "javascript", "mailto", "gopher", "feed"}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# What a path or query may hold as it is; anything else is percent-encoded.
_SAFE = "/%:@!$&'()*+,;=-._~"


@dataclass(frozen=True, slots=True)
class Target:
    """A URL the fetcher takes, taken apart for the request."""

    url: str  # normalised: no fragment, no credentials, host in lower-case ASCII
    scheme: str
    host: str  # a host name in ASCII (IDNA), or an IP address without brackets
    port: int
    path: str  # path and query, as sent in the request line

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == SCHEMES[self.scheme] else f"{host}:{self.port}"

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    @property
    def robots_url(self) -> str:
        return f"{self.scheme}://{self.netloc}/robots.txt"


def parse(url: str) -> Target:
    """``url`` as a ``Target``, or a ``FetchError`` saying why it is not fetched."""
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise FetchError(url, f"the address is too long (over {MAX_URL_CHARS} characters)")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise FetchError(url, "not a valid address (it holds spaces or control characters)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchError(url, f"not a valid address ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        if scheme and (scheme in _OTHER_SCHEMES or parts.netloc):
            raise FetchError(
                url, f"refused: only http and https addresses are fetched, not {scheme}:"
            )
        raise FetchError(url, "not a web address (it must start with http:// or https://)")
    if parts.username is not None or parts.password is not None:
        raise FetchError(url, "refused: the address holds a user name or password")
    host = _ascii_host(url, parts.hostname or "")
    path = quote(parts.path or "/", safe=_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_SAFE + "?")
    target = Target("", scheme, host, port or SCHEMES[scheme], path)
    return Target(f"{scheme}://{target.netloc}{path}", scheme, host, target.port, path)


def _ascii_host(url: str, host: str) -> str:
    if not host:
        raise FetchError(url, "not a valid address (no host name)")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise FetchError(url, f"not a valid host name ({host})") from None
    if not all(c.isalnum() or c in "-._" for c in ascii_host):
        raise FetchError(url, f"not a valid host name ({host})")
    return ascii_host


def resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``, in its order, each once."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(ip: IPAddress) -> str | None:
    """Why connecting to ``ip`` is refused, or ``None`` when it is a public address."""
    kind = _kind(ip)
    if kind is None:
        return None
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{ip} is {article} {kind} address ({PRIVATE_HINT})"


def _kind(ip: IPAddress) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded(ip)
        if inner is not None:
            return _kind(inner)
    checks = (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("non-public", not ip.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)


def _embedded(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, where it carries one: the mapped form
    (``::ffff:a.b.c.d``), NAT64's well-known prefix (``64:ff9b::/96``) and 6to4 (``2002::/16``).
    A socket connected to one of those may reach the IPv4 address itself."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def checked_addresses(
    target: Target, url: str, resolver: Resolver, check: AddressCheck | None
) -> list[str]:
    """The addresses to connect to for ``target``, every one of them allowed by ``check``
    (``None`` allows all); a ``FetchError`` about ``url`` when one is refused or none is found.
    """
    try:
        found = resolver(target.host, target.port)
    except (OSError, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise FetchError(
            url, f"cannot resolve the host name {target.host} ({reason})", transient=True
        ) from None
    addresses = []
    for text in found:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            raise FetchError(url, f"the host name resolved to something else ({text})") from None
        problem = check(ip) if check else None
        if problem:
            raise FetchError(url, f"refused: {problem}")
        addresses.append(str(ip))
    if not addresses:
        raise FetchError(url, f"the host name {target.host} has no address", transient=True)
    return addresses
