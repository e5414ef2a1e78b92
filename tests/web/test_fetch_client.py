"""The fetcher against a real server on 127.0.0.1: limits, redirects, robots.txt, rate, TLS."""

from __future__ import annotations

import gzip
import itertools
import ssl
import threading
import time

import pytest
from local_site import CERT, Reply, fast_policy, guarded_fetcher, names, only_this_server

from index import CitebotError, EngineConfig
from index.fetch import FEED_TYPES, Fetcher, FetchError, FetchPolicy

HTML = "<html><body><p>hello</p></body></html>"


def test_a_page_comes_back_with_its_type_and_validators(site):
    url = site.page("/a", HTML, headers={"ETag": '"v1"', "Last-Modified": "Mon, 02 Mar 2026"})

    fetched = Fetcher(fast_policy()).get(url)

    assert (fetched.status, fetched.body, fetched.final_url) == (200, HTML.encode(), url)
    assert fetched.media_type == "text/html"
    assert fetched.charset == "utf-8"
    assert (fetched.etag, fetched.last_modified) == ('"v1"', "Mon, 02 Mar 2026")


def test_the_user_agent_names_citebot_and_the_contact(site):
    url = site.page("/a", HTML)

    Fetcher(fast_policy(contact="mailto:bot@example.org")).get(url)

    agent = site.hits("/a")[0].headers["user-agent"]
    assert agent.startswith("citebot/") and agent.endswith(" (+mailto:bot@example.org)")
    assert FetchPolicy().user_agent.startswith("citebot/") and "(" not in FetchPolicy().user_agent


def test_a_conditional_get_of_an_unchanged_page_is_304_with_no_body(site):
    def page(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(status=304, content_type=None, headers={"ETag": '"v1"'})
        return Reply(body=HTML.encode(), headers={"ETag": '"v1"'})

    url = site.serve("/a", page)
    fetcher = Fetcher(fast_policy())

    first = fetcher.get(url)
    again = fetcher.get(url, etag=first.etag)

    assert (again.status, again.body, again.etag) == (304, b"", '"v1"')


@pytest.mark.parametrize(
    ("status", "transient"), [(404, False), (410, False), (500, True), (503, True), (429, True)]
)
def test_an_error_status_is_one_line_saying_whether_to_try_again(site, status, transient):
    url = site.serve("/a", Reply(status=status, body=b"no"))

    with pytest.raises(FetchError) as caught:
        Fetcher(fast_policy()).get(url)

    assert str(caught.value).startswith(f"{url}: the server answered {status}")
    assert "\n" not in str(caught.value)
    assert caught.value.transient is transient


@pytest.mark.parametrize(
    ("content_type", "kinds"),
    [("image/png", None), (None, None), ("text/html", FEED_TYPES), ("application/json", None)],
)
def test_a_wrong_content_type_is_refused(site, content_type, kinds):
    url = site.serve("/a", Reply(body=b"x", content_type=content_type))
    fetcher = Fetcher(fast_policy())

    with pytest.raises(FetchError, match="refused: the content type is"):
        fetcher.get(url, kinds=kinds) if kinds else fetcher.get(url)


def test_a_feed_type_is_taken_when_feeds_are_asked_for(site):
    url = site.serve("/feed", Reply(body=b"<rss/>", content_type="application/rss+xml"))

    assert Fetcher(fast_policy()).get(url, kinds=FEED_TYPES).body == b"<rss/>"


# Size


def test_a_declared_length_over_the_limit_is_refused_before_the_body(site):
    url = site.serve("/big", Reply(body=b"x" * 100, length=50 * 2**20))

    with pytest.raises(FetchError, match=r"refused: larger than 1 MiB"):
        Fetcher(fast_policy(max_bytes=2**20)).get(url)


def test_a_body_with_no_length_is_cut_off_at_the_limit_while_it_streams(site):
    sent = []

    def endless():
        for _ in range(2000):  # 128 MiB if nobody stops it
            sent.append(1)
            yield b"y" * 65536

    url = site.serve("/big", Reply(chunks=endless, length=-1, content_type="text/plain"))

    with pytest.raises(FetchError, match=r"refused: larger than 1 MiB"):
        Fetcher(fast_policy(max_bytes=2**20)).get(url)
    time.sleep(0.2)
    assert len(sent) < 200  # the client hung up; the server did not send 128 MiB


def test_a_content_length_that_lies_low_gets_no_more_than_it_declared(site):
    url = site.serve(
        "/lie", Reply(chunks=lambda: [b"z" * 100] * 50_000, length=100, content_type="text/plain")
    )

    assert Fetcher(fast_policy(max_bytes=2**20)).get(url).body == b"z" * 100


def test_a_compressed_bomb_is_counted_after_decompression(site):
    bomb = gzip.compress(b"\0" * 64 * 2**20)  # 64 KiB on the wire, 64 MiB inflated
    url = site.serve("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))

    started = time.monotonic()
    with pytest.raises(FetchError, match=r"refused: larger than 1 MiB"):
        Fetcher(fast_policy(max_bytes=2**20)).get(url)
    assert time.monotonic() - started < 5


def test_a_compressed_page_is_read_inflated(site):
    url = site.serve(
        "/gz", Reply(body=gzip.compress(HTML.encode()), headers={"Content-Encoding": "gzip"})
    )

    assert Fetcher(fast_policy()).get(url).body == HTML.encode()


# Time


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_server_that_drips_is_cut_off_at_the_time_limit(site, where):
    drip = {"drip": 0.05} if where == "body" else {"header_drip": 0.05}
    url = site.serve("/slow", Reply(body=b"a" * 10_000, **drip))

    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0.5 s") as caught:
        Fetcher(fast_policy(timeout=0.5)).get(url)

    assert time.monotonic() - started < 1.5  # every byte came well within a read time-out
    assert caught.value.transient


# Redirects


def _chain(site, length: int) -> str:
    for n in range(length, 0, -1):
        target = "/end" if n == 1 else f"/r{length}-{n - 1}"
        site.serve(f"/r{length}-{n}", Reply(status=302, headers={"Location": target}))
    site.page("/end", HTML)
    return site.url(f"/r{length}-{length}")


def test_five_redirects_are_followed_and_each_hop_is_requested(site):
    fetched = Fetcher(fast_policy()).get(_chain(site, 5))

    assert fetched.final_url == site.url("/end")
    assert fetched.body == HTML.encode()
    assert len([r for r in site.requests if r.path != "/robots.txt"]) == 6


def test_a_sixth_redirect_is_refused(site):
    url = _chain(site, 6)

    with pytest.raises(FetchError) as caught:
        Fetcher(fast_policy()).get(url)

    assert str(caught.value) == f"{url}: refused: more than 5 redirects"
    assert not site.hits("/end")


def test_a_redirect_without_a_location_is_one_line(site):
    url = site.serve("/r", Reply(status=301))

    with pytest.raises(FetchError, match="answered 301 with no Location"):
        Fetcher(fast_policy()).get(url)


# Addresses


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "refused: only http and https addresses are fetched, not file:"),
        ("ftp://example.org/a", "refused: only http and https addresses are fetched, not ftp:"),
        ("data:text/html,<p>hi</p>", "refused: only http and https addresses are fetched"),
        ("javascript:alert(1)", "refused: only http and https addresses are fetched"),
        ("localhost:8080/a", "not a web address"),
        ("example.org/page", "not a web address"),
        ("//example.org/page", "not a web address"),
        ("http://user:secret@example.org/", "refused: the address holds a user name or password"),
        ("http:///nohost", "not a valid address (no host name)"),
        ("http://exa mple.org/", "spaces or control characters"),
        ("http://example.org:99999/", "not a valid address"),
        ("http://" + "a" * 3000 + ".org/", "the address is too long"),
    ],
)
def test_only_http_and_https_addresses_without_credentials_are_fetched(url, reason):
    fetcher = Fetcher(FetchPolicy(), resolver=pytest.fail)  # nothing gets as far as a lookup

    with pytest.raises(FetchError) as caught:
        fetcher.get(url)

    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "0x7f.1", "[::1]"])
def test_the_default_policy_refuses_this_machine_before_connecting(site, host):
    url = f"http://{host}:{site.port}/a"
    site.page("/a", HTML)

    with pytest.raises(FetchError) as caught:
        Fetcher(FetchPolicy(per_host_interval=0)).get(url)

    assert "refused:" in str(caught.value)
    assert "loopback address (set CITEBOT_FETCH_PRIVATE=on to allow)" in str(caught.value)
    assert site.requests == []


def test_the_refusal_reads_as_one_line_for_the_user(site):
    with pytest.raises(FetchError) as caught:
        Fetcher(FetchPolicy()).get(f"http://127.0.0.1:{site.port}/a")

    assert str(caught.value) == (
        f"http://127.0.0.1:{site.port}/a: refused: 127.0.0.1 is a loopback address "
        "(set CITEBOT_FETCH_PRIVATE=on to allow)"
    )


def test_allow_private_reaches_this_machine(site):
    url = site.page("/a", HTML)

    assert Fetcher(FetchPolicy(allow_private=True, per_host_interval=0)).get(url).status == 200


def test_a_name_with_one_private_address_among_public_ones_is_refused():
    resolver = names({})
    fetcher = Fetcher(
        FetchPolicy(),
        resolver=lambda host, port: ["93.184.216.34", "10.0.0.7", *resolver("1.1.1.1", port)],
    )

    with pytest.raises(FetchError, match=r"refused: 10\.0\.0\.7 is a private address"):
        fetcher.get("http://mixed.test/")


def test_the_connection_goes_to_the_checked_address_with_the_host_named(site):
    site.page("/a", HTML)
    asked = []

    def resolver(host, port):
        asked.append(host)
        return ["127.0.0.1"]  # news.test exists nowhere else: only the checked address works

    fetcher = Fetcher(
        fast_policy(allow_private=False), resolver=resolver, address_check=only_this_server
    )
    fetched = fetcher.get(f"http://news.test:{site.port}/a")

    assert fetched.body == HTML.encode()
    assert site.hits("/a")[0].headers["host"] == f"news.test:{site.port}"
    assert asked == ["news.test", "news.test"]  # robots.txt, then the page: one lookup each


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://10.0.0.1/admin", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://127.0.0.2:{port}/a", "127.0.0.2 is a loopback address"),
        ("http://[::1]:{port}/a", "::1 is a loopback address"),
        ("http://[::ffff:10.0.0.1]/", "::ffff:a00:1 is a private address"),
        ("http://100.64.0.1/", "100.64.0.1 is a non-public address"),
        ("http://0.0.0.0:{port}/a", "0.0.0.0 is an unspecified address"),
        ("file:///etc/passwd", "refused: only http and https addresses are fetched, not file:"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused_before_connecting(site, location, reason):
    url = site.serve(
        "/go", Reply(status=302, headers={"Location": location.format(port=site.port)})
    )
    site.page("/a", HTML)

    with pytest.raises(FetchError) as caught:
        guarded_fetcher(respect_robots=False).get(url)

    message = str(caught.value)
    assert message.startswith(f"{url}: redirected to ")
    assert reason in message
    assert [r.path for r in site.requests] == ["/go"]


def test_a_feed_link_to_the_test_server_by_its_address_passes_the_guarded_check(site):
    url = site.page("/a", HTML)

    assert guarded_fetcher().get(url).status == 200


# robots.txt


def test_robots_txt_is_respected_and_read_once_per_site(site):
    site.serve(
        "/robots.txt",
        Reply(body=b"User-agent: citebot\nDisallow: /private\n", content_type="text/plain"),
    )
    site.page("/private/a", HTML)
    site.page("/public", HTML)
    fetcher = Fetcher(fast_policy())

    assert fetcher.get(site.url("/public")).status == 200
    with pytest.raises(FetchError) as caught:
        fetcher.get(site.url("/private/a"))
    fetcher.get(site.url("/public"))

    assert str(caught.value) == (
        f"{site.url('/private/a')}: refused: robots.txt of 127.0.0.1 asks robots not to fetch "
        "/private/a"
    )
    assert not site.hits("/private/a")
    assert len(site.hits("/robots.txt")) == 1


def test_rules_for_other_robots_do_not_apply(site):
    site.serve(
        "/robots.txt", Reply(body=b"User-agent: other\nDisallow: /\n", content_type="text/plain")
    )

    assert Fetcher(fast_policy()).get(site.page("/a", HTML)).status == 200


def test_a_missing_robots_txt_allows_everything(site):
    assert Fetcher(fast_policy()).get(site.page("/a", HTML)).status == 200
    assert len(site.hits("/robots.txt")) == 1


@pytest.mark.parametrize(
    "robots", [Reply(status=503), Reply(status=302, headers={"Location": "http://10.0.0.1/r"})]
)
def test_an_unreachable_robots_txt_refuses_the_site(site, robots):
    site.serve("/robots.txt", robots)
    url = site.page("/a", HTML)

    with pytest.raises(FetchError, match=r"refused: robots.txt of 127.0.0.1 could not be read"):
        guarded_fetcher().get(url)

    assert not site.hits("/a")


def test_robots_txt_is_not_asked_when_the_policy_says_so(site):
    site.serve(
        "/robots.txt", Reply(body=b"User-agent: *\nDisallow: /\n", content_type="text/plain")
    )

    assert Fetcher(fast_policy(respect_robots=False)).get(site.page("/a", HTML)).status == 200
    assert not site.hits("/robots.txt")


def test_a_redirect_into_a_disallowed_path_is_refused(site):
    site.serve(
        "/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private\n", content_type="text/plain")
    )
    url = site.serve("/go", Reply(status=301, headers={"Location": "/private/x"}))

    with pytest.raises(FetchError, match=r"redirected to .*/private/x: refused: robots\.txt"):
        Fetcher(fast_policy()).get(url)


# Rate


def test_two_requests_to_one_host_are_a_second_apart(site):
    url = site.page("/a", HTML)
    fetcher = Fetcher(FetchPolicy(allow_private=True, respect_robots=False))

    fetcher.get(url)
    fetcher.get(url)

    first, second = (r.at for r in site.hits("/a"))
    assert second - first >= 0.95


def test_threads_asking_one_host_at_once_are_spaced(site):
    url = site.page("/a", HTML)
    fetcher = Fetcher(fast_policy(per_host_interval=0.2, respect_robots=False))

    threads = [threading.Thread(target=fetcher.get, args=(url,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    times = sorted(r.at for r in site.hits("/a"))
    assert len(times) == 4
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.15


def test_another_host_does_not_wait(site):
    site.page("/a", HTML)
    fetcher = Fetcher(
        FetchPolicy(respect_robots=False),
        resolver=names({"news.test": "127.0.0.1"}),
        address_check=only_this_server,
    )

    started = time.monotonic()
    fetcher.get(site.url("/a"))
    fetcher.get(site.url("/a", host="news.test"))

    assert time.monotonic() - started < 0.9


# TLS


def _trusting_the_test_certificate() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(CERT))


def test_https_goes_to_the_checked_address_and_checks_the_certificate_against_the_name(tls_site):
    tls_site.page("/a", HTML)
    fetcher = Fetcher(
        fast_policy(allow_private=False),
        resolver=names({"citebot.test": "127.0.0.1", "other.test": "127.0.0.1"}),
        address_check=only_this_server,
        ssl_context=_trusting_the_test_certificate(),
    )

    fetched = fetcher.get(f"https://citebot.test:{tls_site.port}/a")
    with pytest.raises(FetchError, match="refused: the TLS certificate was not accepted"):
        fetcher.get(f"https://other.test:{tls_site.port}/a")

    assert fetched.body == HTML.encode()
    assert tls_site.hits("/a")[0].headers["host"] == f"citebot.test:{tls_site.port}"
    assert len(tls_site.hits("/a")) == 1


def test_https_with_an_unknown_authority_is_refused(tls_site):
    url = tls_site.page("/a", HTML)

    with pytest.raises(FetchError, match="refused: the TLS certificate was not accepted"):
        Fetcher(fast_policy()).get(url)


# The fetcher itself


def test_a_closed_fetcher_refuses_to_fetch(site):
    fetcher = Fetcher(fast_policy())
    fetcher.close()

    with pytest.raises(CitebotError, match="closed"):
        fetcher.get(site.page("/a", HTML))


@pytest.mark.parametrize("contact", ["bot@example.org", "https://example.org/bot"])
def test_the_contact_is_an_address_or_a_url(contact):
    assert FetchPolicy(contact=contact).user_agent.endswith(f"(+{contact})")


@pytest.mark.parametrize("contact", ["me\r\nX-Evil: 1", "not a contact", "javascript:x"])
def test_a_contact_that_could_break_the_header_is_refused(contact):
    with pytest.raises(CitebotError, match="CITEBOT_FETCH_CONTACT"):
        FetchPolicy(contact=contact)


def test_the_policy_reads_its_two_settings():
    config = EngineConfig.from_env(
        {"CITEBOT_FETCH_PRIVATE": "on", "CITEBOT_FETCH_CONTACT": "ops@example.org"}
    )

    assert (config.fetch.allow_private, config.fetch.contact) == (True, "ops@example.org")
    assert EngineConfig.from_env({}).fetch == FetchPolicy()
    with pytest.raises(CitebotError, match="CITEBOT_FETCH_PRIVATE='maybe' is not valid"):
        EngineConfig.from_env({"CITEBOT_FETCH_PRIVATE": "maybe"})
    with pytest.raises(CitebotError, match="CITEBOT_FETCH_CONTACT"):
        EngineConfig.from_env({"CITEBOT_FETCH_CONTACT": "me\r\nX-Evil: 1"})
