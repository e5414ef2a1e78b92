"""Whatever people type: every question gets a sensible reply or a one-line refusal, never a
traceback, a ping, or formatting smuggled in; a burst from one user stays rate-limited."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from bot_helpers import FakeInteraction, Sent, invoke

from bot import render

pytestmark = pytest.mark.slow  # the real model answers

HOSTILE = {
    "whitespace": " \t \n ",
    "one character": "a",
    "ten thousand characters": "why " * 2500,
    "only emoji": "🤔🔥🙂",
    "only punctuation": "?!?...;;",
    "cyrillic": "С кем у России оборонный пакт?",
    "chinese": "俄罗斯与谁有防御条约？",
    "zero-width and control": "who\u200b does\u200d Russia\x00 have\x07 a pact\ufeff with?",
    "user mention": "<@123456789> who does Russia have a defense pact with?",
    "everyone": "@everyone @here who does Russia have a defense pact with?",
    "channel and role": "<#42> <@&77> defense pact?",
    "masked link": "[click me](https://evil.example) who does Russia have a pact with?",
    "url": "https://example.com/karabakh?id=7",
    "markdown": "**bold** __under__ `code` > quote ||spoiler|| defense pact",
}


def shown(reply: Sent) -> str:
    """Everything of a reply a user reads."""
    parts = [reply.content or ""]
    if reply.embed:
        embed = reply.embed
        parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
        parts += [f"{f.name} {f.value}" for f in embed.fields]
        parts += [embed.author.name or ""]
    return "\n".join(parts)


@pytest.mark.parametrize("question", HOSTILE.values(), ids=HOSTILE.keys())
async def test_hostile_questions_get_a_reply_not_a_traceback(
    make_bot: Any, question: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await make_bot()

    reply = (await invoke(bot, "ask", FakeInteraction(bot), question=question)).last

    text = shown(reply)
    assert reply.allowed_mentions.to_dict() == {"parse": []}  # pings no one
    assert "Traceback" not in text
    assert render.APOLOGY not in text  # the bot's "something went wrong" path
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    # An answer, or a refusal in one short line.
    assert reply.embed is not None or (reply.content and "\n" not in reply.content.strip())
    assert "@everyone" not in text and "@here" not in text
    assert "](https://evil" not in text
    assert len(text) <= 6000


async def test_a_burst_from_one_user_is_answered_once(make_bot: Any) -> None:
    bot = await make_bot(cooldown=30)

    replies = await asyncio.gather(
        *(invoke(bot, "ask", FakeInteraction(bot), question="defense pact?") for _ in range(20))
    )

    answered = [r for r in replies if r.last.embed is not None]
    limited = [r for r in replies if r.last.embed is None]
    assert len(answered) == 1
    assert len(limited) == 19
    assert all(r.last.ephemeral for r in limited)
