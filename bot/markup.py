"""Untrusted text made safe to show in Discord: article fields, passages, questions, links.

Article data is whatever a file said (an HTML page's canonical link, a title full of ``*``),
so every function here takes any input without raising, shows it as plain text and reads only
as much of it as can be shown. The last point is what keeps a reply cheap: escaping is the
costly step (discord.py's Markdown escaper looks ahead to the end of its input at every ``*``,
``_``, `` ` ``, ``~`` or ``|``), and here it only ever sees about as many characters as fit.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote, urlsplit

import discord

from bot import discord_limits

ELLIPSIS = "…"

# Characters that change how the text around them shows without being seen themselves: control
# characters (whitespace aside: it is folded) and the bidirectional embeddings, overrides and
# isolates that can make a line read backwards.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")
# Discord's `<…>` markup beyond user and role mentions: channels `<#id>`, slash commands
# `</name:id>`, timestamps `<t:…>`, custom emoji `<:name:id>`, server guide links `<id:…>`.
_ANGLE_MARKUP = re.compile(r"<(?=\S)")
_ZERO_WIDTH_SPACE = "\u200b"
# What may stand in a link as it is; anything else is percent-encoded or refused.
_URL_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#@!$&'*+,;=%")


def text_of(value: object) -> str:
    """The text of an article field: "" when it is missing, ``str`` of a non-text value."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def plain(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text`` as one line, with nothing invisible in it.

    Whitespace runs (newlines too: article text must not start a quote or heading of its own)
    fold to one space and the ends are stripped. ``text`` is read a chunk at a time until
    ``limit`` characters are in hand, so a megabyte of text costs what is kept.
    """
    parts: list[str] = []
    kept = 0
    step = max(2 * limit, 256)
    for start in range(0, len(text), step):
        part = _SPACE.sub(" ", _INVISIBLE.sub("", text[start : start + step]))
        parts.append(part)
        kept += len(part)
        # Joining may fold one space at each seam, stripping two at the ends.
        if kept >= limit + len(parts) + 1:
            break
    return _SPACE.sub(" ", "".join(parts)).strip()[:limit]


def escape(text: str) -> str:
    """``text`` that shows as itself: Markdown escaped, and masked links, mentions and
    Discord's other ``<…>`` markup broken so they neither format, link, ping nor render."""
    escaped = discord.utils.escape_markdown(text)
    # escape_markdown escapes one `[..](..)` per line; breaking every `](` stops them all.
    escaped = escaped.replace("](", "]\\(")
    escaped = discord.utils.escape_mentions(escaped)
    return _ANGLE_MARKUP.sub("<" + _ZERO_WIDTH_SPACE, escaped)


def shown(value: object, limit: int) -> str:
    """``value`` as one escaped line of at most ``limit`` characters ("" when missing), cut at
    a word with an ellipsis. Escaping sees at most ``limit + 1`` characters of it."""
    text = plain(text_of(value), limit + 1)
    escaped = escape(text)
    return escaped if len(text) <= limit and len(escaped) <= limit else cut(escaped, limit)


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word with an ellipsis.

    Safe on escaped text: no escape holds a space, and a backslash left dangling at the cut is
    dropped, so a cut never turns an escaped character back into Markdown.
    """
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    word = head.rsplit(" ", 1)[0]
    if len(word) >= len(head) // 2:  # a very long word is cut inside instead
        head = word
    head = head.rstrip()
    if (len(head) - len(head.rstrip("\\"))) % 2:
        head = head[:-1]
    return head + ELLIPSIS


def safe_url(value: object, limit: int = discord_limits.URL) -> str | None:
    """``value`` as a link Discord accepts and Markdown cannot break out of, else None.

    Only well-formed ``http(s)`` links with a host: a malformed one (``http://[::1``, a host
    with a full-width colon) is left unlinked rather than failing the reply. Characters
    outside ASCII in the path are percent-encoded; a host that needs them is refused.
    """
    url = text_of(value)
    if not url or len(url) > limit or not url.isprintable():
        return None
    if not url.isascii():
        url = quote(url, safe="".join(_URL_CHARACTERS))
    if len(url) > limit or not set(url) <= _URL_CHARACTERS:
        return None
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or "%" in host or "@" in parts.netloc:
        return None  # a user name before the host hides where a link goes ("discord.com@…")
    # "@" in a path reads as "@everyone" or "@here" in the message: the same link, encoded.
    url = url.replace("@", "%40")
    return url if len(url) <= limit else None
