"""``/healthz`` and ``/metrics``, fetched over HTTP from the running bot, and the question log
lines: what an operator's monitoring sees after users asked through the bot."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any

import aiohttp
import pytest
from bot_helpers import (
    FakeInteraction,
    MagicMessage,
    ask_menu,
    click,
    fake_member,
    http_get,
    invoke,
    sample,
)

from index import CitebotError

pytestmark = pytest.mark.slow  # a real index with the real model

QUESTION = "Who does Russia have a defense pact with?"
UNANSWERABLE = "What is the boiling point of mercury in kelvin?"
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


async def settle() -> None:
    """Let the listeners that discord.py scheduled for an event run."""
    for _ in range(3):
        await asyncio.sleep(0)


async def test_no_server_unless_a_port_is_set(make_bot: Any) -> None:
    bot = await make_bot()
    assert bot.monitor is None
    # The bot counts all the same: the port only decides whether anyone can read it.
    await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)
    page = bot.metrics.exposition().decode()
    assert sample(page, "citebot_questions_total", way="slash", outcome="answered") == 1


async def test_healthz_follows_the_gateway_and_the_index(make_bot: Any) -> None:
    bot = await make_bot(metrics_port=0)
    version = bot.service.shared.snapshot.version.id

    status, kind, body = await http_get(bot, "/healthz")
    assert status == 503
    assert kind.startswith("application/json")
    report = json.loads(body)
    assert report["status"] == "unhealthy"
    assert report["problems"] == ["the Discord gateway is not connected"]
    assert report["index"]["open"] is True  # the index opened before the server started

    bot.dispatch("connect")  # what discord.py dispatches when the gateway's READY arrives
    await settle()
    status, _, body = await http_get(bot, "/healthz")
    report = json.loads(body)
    assert status == 200
    assert report["status"] == "ok" and report["gateway"] == "connected"
    assert report["index"]["version"] == version
    assert report["index"]["passages"] == bot.service.shared.snapshot.manifest.passages > 0
    assert report["index"]["articles"] == 3
    assert report["index"]["last_reload"].endswith("+00:00")
    assert "problems" not in report

    bot.dispatch("disconnect")
    await settle()
    assert (await http_get(bot, "/healthz"))[0] == 503
    bot.dispatch("resumed")
    await settle()
    assert (await http_get(bot, "/healthz"))[0] == 200

    await bot.service.close()  # what close() does first: the index is no longer served
    status, _, body = await http_get(bot, "/healthz")
    assert status == 503
    assert json.loads(body)["problems"] == ["no index is open"]


async def test_the_server_listens_on_loopback_and_stops_with_the_bot(make_bot: Any) -> None:
    bot = await make_bot(metrics_port=0)
    port = bot.monitor.port
    assert port > 0
    assert bot.settings.metrics_host == "127.0.0.1"
    await bot.close()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as session:
            await session.get(f"http://127.0.0.1:{port}/healthz")


async def test_a_port_in_use_is_one_line_naming_the_setting(make_bot: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CitebotError) as error:
            await make_bot(metrics_port=port)
    message = str(error.value)
    assert message.startswith(f"CITEBOT_METRICS_PORT={port}: cannot listen on 127.0.0.1:{port}")
    assert "\n" not in message


async def test_metrics_count_questions_by_way_in_and_outcome(make_bot: Any) -> None:
    bot = await make_bot(metrics_port=0, cooldown=30)
    first, second, third = (fake_member(5000 + i) for i in range(3))
    answered = (await invoke(bot, "ask", FakeInteraction(bot, user=first), question=QUESTION)).last
    await invoke(bot, "ask", FakeInteraction(bot, user=first), question=QUESTION)  # cooldown
    await invoke(bot, "ask", FakeInteraction(bot, user=second), question=UNANSWERABLE)
    await ask_menu(bot, FakeInteraction(bot, user=third), MagicMessage(QUESTION))
    await click(answered.view, answered.view.vote_up, FakeInteraction(bot, user=second))
    await click(answered.view, answered.view.vote_down, FakeInteraction(bot, user=third))
    await click(answered.view, answered.view.vote_down, FakeInteraction(bot, user=first))

    status, kind, page = await http_get(bot, "/metrics")
    assert status == 200
    assert kind.startswith("text/plain") and "version=" in kind  # Prometheus' text format

    def questions(way: str, outcome: str) -> float:
        return sample(page, "citebot_questions_total", way=way, outcome=outcome)

    assert questions("slash", "answered") == 1
    assert questions("slash", "refused") == 1
    assert questions("slash", "declined") == 1
    assert questions("menu", "answered") == 1
    assert questions("mention", "answered") == 0  # every series is there from the start
    assert sample(page, "citebot_answer_confidence_count", outcome="answered") == 2
    assert sample(page, "citebot_answer_confidence_count", outcome="declined") == 1
    # The declined question's confidence is below the threshold, the answered ones above.
    threshold = bot.service.shared.config.retrieval.threshold
    assert sample(page, "citebot_answer_confidence_sum", outcome="declined") < threshold
    assert sample(page, "citebot_answer_confidence_sum", outcome="answered") > 2 * threshold
    latency = sum(
        sample(page, "citebot_question_latency_seconds_count", outcome=outcome)
        for outcome in ("answered", "declined", "refused")
    )
    assert latency == 4
    assert (
        sample(page, "citebot_question_latency_seconds_bucket", outcome="answered", le="30.0") == 2
    )
    assert sample(page, "citebot_feedback_votes_total", vote="up") == 1
    assert sample(page, "citebot_feedback_votes_total", vote="down") == 2
    info = bot.service.shared.snapshot.manifest
    assert sample(page, "citebot_index_info", version=bot.service.shared.snapshot.version.id) == 1
    assert sample(page, "citebot_index_passages") == info.passages
    assert sample(page, "citebot_index_articles") == 3
    assert sample(page, "citebot_search_timeouts_total") == 0
    assert sample(page, "citebot_gateway_connected") == 0


async def test_a_search_that_gives_up_is_counted(make_bot: Any) -> None:
    bot = await make_bot(metrics_port=0, search_timeout=0.001)
    await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)
    page = (await http_get(bot, "/metrics"))[2]
    assert sample(page, "citebot_questions_total", way="slash", outcome="timeout") == 1
    assert sample(page, "citebot_search_timeouts_total") == 1


async def test_each_bot_counts_only_its_own_questions(make_bot: Any) -> None:
    one = await make_bot(metrics_port=0)
    two = await make_bot(metrics_port=0)
    assert one.monitor.port != two.monitor.port
    await invoke(one, "ask", FakeInteraction(one), question=QUESTION)
    pages = [(await http_get(bot, "/metrics"))[2] for bot in (one, two)]
    counts = [sample(p, "citebot_questions_total", way="slash", outcome="answered") for p in pages]
    assert counts == [1, 0]


async def test_one_log_line_per_question_without_its_text_or_the_token(
    make_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from bot import Secret

    bot = await make_bot(token=Secret(TOKEN))
    with caplog.at_level(logging.INFO, logger="bot"):
        await invoke(bot, "ask", FakeInteraction(bot), question=QUESTION)
        await invoke(bot, "ask", FakeInteraction(bot), question=UNANSWERABLE)
        await invoke(bot, "ask", FakeInteraction(bot), question="  ?! ")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("question ")]
    assert [line.split(":")[1].split()[0] for line in lines] == ["answered", "declined", "refused"]
    version = bot.service.shared.snapshot.version.id
    for line, index in zip(lines, (version, version, "-"), strict=True):  # refused: no search
        assert line.startswith("question via slash: ")
        assert " ms, confidence " in line and line.endswith(f", index {index}, server 42")
    text = caplog.text
    assert "Russia" not in text and "mercury" not in text
    assert TOKEN not in text
