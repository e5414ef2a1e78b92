"""Which addresses are public, and how URLs are taken apart (no network: pure functions)."""

from __future__ import annotations

import ipaddress

import pytest

from index.fetch import FetchError
from index.fetch.addresses import checked_addresses, parse, refusal

REFUSED = {
    "127.0.0.1": "loopback",
    "127.8.9.10": "loopback",
    "10.0.0.5": "private",
    "172.16.0.1": "private",
    "192.168.1.1": "private",
    "169.254.169.254": "link-local",
    "100.64.0.1": "non-public",
    "0.0.0.0": "unspecified",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "255.255.255.255": "private",
    "240.0.0.1": "private",
    "192.0.2.1": "private",
    "198.18.0.1": "private",
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fc00::1": "private",
    "fd12:3456::1": "private",
    "ff02::1": "multicast",
    "2001:db8::1": "private",
    "::ffff:127.0.0.1": "loopback",
    "::ffff:10.0.0.1": "private",
    "::ffff:169.254.169.254": "link-local",
    "64:ff9b::a00:1": "private",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1": "loopback",  # NAT64 of 127.0.0.1
    "2002:a00:1::1": "private",  # 6to4 of 10.0.0.1
    "2002:7f00:1::1": "loopback",
    "::7f00:1": "reserved",  # IPv4-compatible, deprecated
    "2001:0:4136:e378:8000:63bf:3fff:fdd2": "private",  # Teredo
}
PUBLIC = ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize(("address", "kind"), REFUSED.items())
def test_every_non_public_address_is_refused_with_its_kind(address, kind):
    reason = refusal(ipaddress.ip_address(address))

    assert reason is not None
    assert f" {kind} address (set CITEBOT_FETCH_PRIVATE=on to allow)" in reason


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert refusal(ipaddress.ip_address(address)) is None


def test_every_address_of_a_name_is_checked():
    target = parse("http://mixed.test/")

    with pytest.raises(FetchError, match=r"refused: fe80::1 is a link-local address"):
        checked_addresses(target, target.url, lambda h, p: ["8.8.8.8", "fe80::1"], refusal)
    assert checked_addresses(target, target.url, lambda h, p: ["8.8.8.8"], refusal) == ["8.8.8.8"]
    assert checked_addresses(target, target.url, lambda h, p: ["10.0.0.1"], None) == ["10.0.0.1"]


def test_a_name_that_does_not_resolve_is_one_line_and_may_pass():
    def fails(host, port):
        raise OSError(-2, "Name or service not known")

    with pytest.raises(FetchError) as caught:
        checked_addresses(parse("http://gone.test/"), "http://gone.test/", fails, refusal)

    assert str(caught.value) == (
        "http://gone.test/: cannot resolve the host name gone.test (Name or service not known)"
    )
    assert caught.value.transient


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("HTTP://Example.ORG/a?b=1#frag", "http://example.org/a?b=1"),
        ("https://example.org:443/", "https://example.org/"),
        ("http://example.org:8080", "http://example.org:8080/"),
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("http://[2606:4700::1111]:81/x", "http://[2606:4700::1111]:81/x"),
        ("  http://example.org/a b  ".strip().replace(" ", "%20"), "http://example.org/a%20b"),
    ],
)
def test_urls_are_kept_in_one_normal_form(url, normal):
    target = parse(url)

    assert target.url == normal
    assert (
        target.robots_url == normal.split("/", 3)[0] + "//" + normal.split("/")[2] + "/robots.txt"
    )
