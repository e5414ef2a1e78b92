"""What the bot shows, as pure functions: records from the engine in, ``discord.Embed`` out.

Nothing here touches the network or the library, so every reply can be tested on its own.
Article and question text is untrusted: ``bot.markup`` shows it as plain text (no Markdown,
links, mentions or other Discord markup of its own, nothing invisible) and ``NO_MENTIONS`` is
sent with every reply as well. Every part of a reply has a budget below, and the budgets add up
to Discord's limits (``bot.discord_limits``), so a reply fits whatever the articles hold;
long text is cut at a sentence or a word, with an ellipsis, keeping the answering sentence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot import discord_limits as limits
from bot.markup import cut, safe_url, shown
from bot.quoting import quote
from guilds import SETTINGS, ServerSettings
from guilds.settings import MAX_CHANNELS, MAX_ROLE
from index import Answer, Article, Hit, IndexBusy, IndexInfo, Passage, Span
from insights import Report, StoreConfig, headline

if TYPE_CHECKING:
    from bot.librarian import Change
    from index.feeds import Feed

NO_MENTIONS = discord.AllowedMentions.none()
"""Sent with every message: nothing the bot says may ping a user, a role or everyone."""

SOURCES_PER_PAGE = 10
UNTITLED = "(untitled)"

# The answer: title, quote, "Source" field, footer; with context two more fields, so the quote
# gets what the 6,000 characters of a whole embed leave.
ATTRIBUTION = 600  # author 200, date 60, source 200, "paragraph N of M" and separators
FOOTER = 100  # "Confidence 100% (medium) · source N of M"
CONTEXT_NAME = 64  # "Before (paragraphs N–M)"
QUOTE_WITH_CONTEXT = (
    limits.EMBED_TOTAL
    - limits.TITLE
    - (len("Source") + ATTRIBUTION)
    - 2 * (CONTEXT_NAME + limits.FIELD_VALUE)
    - FOOTER
)
QUESTION = 300  # the question echoed back in "not found"
CLOSEST_SOURCE = 300  # "title, attribution" under the closest passage
# One line of /sources, "NNNNNNNNNN. [title](url) — author · date", takes at most 402
# characters: ten lines and their nine newlines fit the 4,096 of a description.
SOURCE_TITLE, SOURCE_URL, SOURCE_AUTHOR, SOURCE_DATE = 100, 200, 50, 30

ANSWER_COLOUR = discord.Colour.blurple()
NO_ANSWER_COLOUR = discord.Colour.light_grey()

# Short replies, in one place so every front door says the same thing.
APOLOGY = (
    "Sorry, something went wrong on my side while answering. It has been logged; please try again."
)
TOO_SLOW = "That is taking too long (the library is busy). Please try again in a moment."
UNAVAILABLE = "The library is not available right now; an owner needs to rebuild the index."
EMPTY_MENTION = "Ask me a question after the mention, e.g. `@citebot who signed the treaty?`"
DMS_OFF = "I don't answer direct messages here: ask me in a server channel."
VIEW_EXPIRED = "These buttons have expired: ask again to get fresh ones."
FEEDBACK_THANKS = "Thanks, your feedback was recorded."
ONLY_ASKER = "Only the person who asked can page this answer: ask your own with /ask."
NOT_HERE = "These buttons belong to an answer given elsewhere: ask here to get your own."
OWN_LIBRARY = "This server now has a library of its own: questions here are answered from it alone."
FIRST_ADD = (
    "This server is answered from the shared library. An article or feed added here gives it a "
    "library of its own, which holds only what is added here: the shared library will no "
    "longer answer questions in this server. Go on?"
)
FIRST_ADD_CONFIRM = "Go on: this server gets its own library"
ADDING = "Adding it: this may take a moment."
BUSY = "The library is busy with another change: try again in a minute."
NOTHING_ADDED = "Nothing was added: this server is still answered from the shared library."
LIBRARY_EMPTIED = "The server's library held nothing else: it has no library of its own now."
NO_LIBRARY = (
    "This server has no library yet: an owner can add articles with `/library add` "
    "(or from the host, `citebot index build DIR --guild <server id>`)."
)


def message_text(text: str) -> str:
    """A message's text within Discord's 2,000 characters (refusals name settings' values)."""
    return cut(text, limits.CONTENT)


def hits(answer: Answer) -> tuple[Hit, ...]:
    """The passages a user can page through: the best one, then the alternatives."""
    return (answer.best, *answer.alternatives) if answer.best else ()


def answer_embed(
    answer: Answer,
    page: int = 0,
    context: tuple[Sequence[Passage], Sequence[Passage]] | None = None,
) -> discord.Embed:
    """The reply to a question: the ``page``-th passage quoted, attributed, with confidence."""
    if not answer.answered or answer.best is None:
        return no_answer_embed(answer)
    found = hits(answer)
    hit = found[page % len(found)]
    passage = hit.passage
    embed = discord.Embed(
        # Titles show plain text in Discord, but escaping keeps a stray `*` from bolding half.
        title=_title(hit.article, limits.TITLE),
        url=safe_url(hit.article.url),
        colour=ANSWER_COLOUR,
        description=quote(
            passage.text,
            passage.sentences,
            QUOTE_WITH_CONTEXT if context else limits.DESCRIPTION,
            hit.sentence,
        ),
    )
    embed.add_field(name="Source", value=attribution(hit), inline=False)
    if context:
        before, after = context
        for label, passages in (("Before", before), ("After", after)):
            if passages:
                name, value = _context_field(label, passages)
                embed.add_field(name=name, value=value, inline=False)
    footer = f"Confidence {confidence(hit.score)}"
    if len(found) > 1:
        footer += f" · source {page % len(found) + 1} of {len(found)}"
    embed.set_footer(text=footer)
    return embed


def no_answer_embed(answer: Answer) -> discord.Embed:
    """ "Not in the library", plainly; the closest passage only under a label that says so."""
    embed = discord.Embed(
        title="Not found in the library",
        colour=NO_ANSWER_COLOUR,
        description=(
            f"I found nothing in the library that answers “{shown(answer.question, QUESTION)}”."
        ),
    )
    closest = answer.best
    if closest is not None:
        passage = closest.passage
        source = cut(f"{_title(closest.article, 100)}, {attribution(closest)}", CLOSEST_SOURCE)
        text = quote(passage.text, passage.sentences, limits.FIELD_VALUE - CLOSEST_SOURCE - 3)
        embed.add_field(
            name="Closest passage (not a confident match)",
            value=f"{text}\n— {source}",
            inline=False,
        )
        embed.set_footer(text=f"Confidence {confidence(closest.score)}")
    return embed


def _context_field(label: str, passages: Sequence[Passage]) -> tuple[str, str]:
    """The paragraphs on one side of the answer as one quoted field, cut to fit."""
    numbers = sorted({p.paragraph for p in passages})
    where = (
        f"paragraph {numbers[0]}" if len(numbers) == 1 else f"paragraphs {numbers[0]}–{numbers[-1]}"
    )
    text = " ".join(p.text for p in passages)
    spans = [
        Span(s.start + offset, s.end + offset)
        for passage, offset in _offsets(passages)
        for s in passage.sentences
    ]
    return f"{label} ({where})", quote(text, spans, limits.FIELD_VALUE)


def _offsets(passages: Sequence[Passage]) -> list[tuple[Passage, int]]:
    offsets: list[tuple[Passage, int]] = []
    position = 0
    for passage in passages:
        offsets.append((passage, position))
        position += len(passage.text) + 1
    return offsets


def attribution(hit: Hit) -> str:
    """ "author · date · source · paragraph N of M", leaving out what the article lacks."""
    article = hit.article
    parts = [
        shown(article.author, 200),
        shown(article.date, 60),
        shown(article.source, 200),
        f"paragraph {hit.passage.paragraph} of {article.paragraph_count}",
    ]
    return cut(" · ".join(part for part in parts if part), ATTRIBUTION)


def confidence(score: float) -> str:
    """The score as a percent with a word, so a reader can tell a guess from a match."""
    score = min(max(score, 0.0), 1.0) if math.isfinite(score) else 0.0
    band = "high" if score >= 0.8 else "medium" if score >= 0.5 else "low"
    return f"{math.floor(score * 100)}% ({band})"


def sources_pages(count: int) -> int:
    return max(1, math.ceil(count / SOURCES_PER_PAGE))


def sources_embed(articles: Sequence[Article], page: int) -> discord.Embed:
    """One page of what is indexed: title (linked when it has a url), author and date."""
    pages = sources_pages(len(articles))
    page %= pages
    shown_here = articles[page * SOURCES_PER_PAGE : (page + 1) * SOURCES_PER_PAGE]
    lines = [
        _source_line(number, article)
        for number, article in enumerate(shown_here, start=page * SOURCES_PER_PAGE + 1)
    ]
    embed = discord.Embed(
        title="Sources in the library",
        colour=ANSWER_COLOUR,
        description="\n".join(lines) or "The library is empty.",
    )
    embed.set_footer(text=f"Page {page + 1} of {pages} · {len(articles)} articles")
    return embed


def _source_line(number: int, article: Article) -> str:
    """ "N. [title](url) — author · date", each part within its budget."""
    title = _title(article, SOURCE_TITLE)
    url = safe_url(article.url, SOURCE_URL)
    line = f"{number}. [{title}]({url})" if url else f"{number}. {title}"
    byline = [shown(article.author, SOURCE_AUTHOR), shown(article.date, SOURCE_DATE)]
    byline_text = " · ".join(part for part in byline if part)
    return f"{line} — {byline_text}" if byline_text else line


def about_embed(
    info: IndexInfo, threshold: float, store: StoreConfig, *, own_library: bool
) -> discord.Embed:
    """What the bot is, which model answers, how much it knows (here: this server's own
    library, or the shared one), and what it keeps."""
    embed = discord.Embed(
        title="About citebot",
        colour=ANSWER_COLOUR,
        description=(
            "I answer questions about a library of articles by quoting the passage that answers "
            "them, with the answering sentence in bold and its source. When nothing in the "
            "library answers, I say so. Ask with `/ask`, by mentioning me, or with the "
            "*Ask citebot* message menu."
        ),
    )
    embed.add_field(
        name="Library", value="This server's own" if own_library else "Shared", inline=False
    )
    embed.add_field(name="Articles", value=f"{info.articles:,}")
    embed.add_field(name="Passages", value=f"{info.passages:,}")
    embed.add_field(name="Model", value=shown(info.model, 200) or "unknown")
    embed.add_field(name="Index built", value=shown(info.built_at, 100) or "unknown")
    embed.add_field(name="Answers from", value=f"{math.floor(threshold * 100)}% confidence")
    embed.add_field(name="Questions kept", value=questions_kept(store), inline=False)
    return embed


def questions_kept(store: StoreConfig) -> str:
    """What the bot keeps of questions, in the words /about shows users."""
    votes = "A 👍/👎 keeps the question, the passage and your user id until you run /forget."
    if not store.log_questions:
        return f"Off: questions are not logged. {votes}"
    days = store.retention_days
    return (
        f"On: each question is kept with your user id, its outcome and the passage quoted, "
        f"for {days} day{'s' if days != 1 else ''}, for the owners' report. /forget deletes "
        f"yours. {votes}"
    )


def _title(article: Article, limit: int) -> str:
    return shown(article.title, limit) or UNTITLED


STATS_CHART = "stats.png"  # the file name /stats attaches its chart as
STATS_PASSAGES = 5  # passages voted down, listed in /stats
STATS_LINE = 150  # characters of one of those lines


def stats_embed(report: Report) -> discord.Embed:
    """``/stats``: the report's headline figures, the passages voted down most, and its chart.

    Fits by construction: the figures are numbers under fixed names, and at most
    ``STATS_PASSAGES`` lines of at most ``STATS_LINE`` characters hold article text.
    """
    embed = discord.Embed(
        title=f"citebot · the last {report.since_days} days",
        colour=ANSWER_COLOUR,
    )
    for name, value in headline(report):
        embed.add_field(name=name, value=value)
    if report.passages:
        lines = [
            cut(
                f"👎 {p.down} · 👍 {p.up} · {_title_or_key(p.title, p.key)}, "
                f"paragraph {p.paragraph}",
                STATS_LINE,
            )
            for p in report.passages[:STATS_PASSAGES]
        ]
        embed.add_field(name="Passages voted down most", value="\n".join(lines), inline=False)
    embed.set_image(url=f"attachment://{STATS_CHART}")
    embed.set_footer(
        text="Questions per day below; `citebot report` has the rest."
        if report.questions_logged
        else "Questions are not logged (CITEBOT_LOG_QUESTIONS=off): votes only."
    )
    return embed


def _title_or_key(title: str | None, key: str) -> str:
    return shown(title, STATS_LINE) or shown(key, STATS_LINE) or UNTITLED


# What /library replies: at most this many lines of titles or failures, each bounded.
CHANGE_LINES = 10
CHANGE_LINE = 150


def change_text(change: Change) -> str:
    """An owner's change in a few lines: what was added (title, passages), removed, or why not.

    Titles, URLs and reasons come from pages and files: escaped, each line bounded, and only
    the first few listed, so the reply fits one message whatever was fetched.
    """
    lines = [
        f"Added **{shown(a.title, CHANGE_LINE)}** ({a.passage_count} "
        f"passage{'s' if a.passage_count != 1 else ''})"
        for a in change.articles
    ]
    lines += [f"Removed `{shown(key, CHANGE_LINE)}`" for key in change.removed]
    lines += [
        f"Not added: {shown(where, CHANGE_LINE // 2)}: {shown(why, CHANGE_LINE)}"
        for where, why in change.failed
    ]
    if not lines:
        return "Nothing new to add."
    more = len(lines) - CHANGE_LINES
    listed = lines[:CHANGE_LINES] + ([f"… and {more} more"] if more > 0 else [])
    return message_text("\n".join(listed))


def feeds_text(feeds: Sequence[Feed]) -> str:
    """The feeds a library follows, one line each (the first few), for ``/library feeds``."""
    if not feeds:
        return "No feeds yet: add one with `/library feeds action:add url:…`."
    lines = [
        f"• {shown(feed.url, CHANGE_LINE)}"
        + (f" · last sync {feed.last_sync[:16]}" if feed.last_sync else " · not synced yet")
        + (f" · {shown(feed.last_error, CHANGE_LINE // 2)}" if feed.last_error else "")
        for feed in feeds[:CHANGE_LINES]
    ]
    if len(feeds) > CHANGE_LINES:
        lines.append(f"… and {len(feeds) - CHANGE_LINES} more")
    noun = "feed" if len(feeds) == 1 else "feeds"
    return message_text(f"Following {len(feeds)} {noun}:\n" + "\n".join(lines))


def change_error(error: Exception) -> str:
    """Why a change was not made, in one line (the engine's messages quote URLs and files; a
    busy index's names the host's folder, which is not for Discord)."""
    if isinstance(error, IndexBusy):
        return BUSY
    return message_text(shown(str(error), limits.CONTENT))


def choice_name(article: Article) -> str:
    """An article in an autocomplete list: its title, then its key (choices are plain text)."""
    name = " ".join(f"{article.title} · {article.key}".split())
    return name if len(name) <= limits.CHOICE_NAME else name[: limits.CHOICE_NAME - 1] + "…"


SETTINGS_IN_DMS = "Settings are per server: use /settings in the server whose settings to change."


def settings_embed(settings: ServerSettings, own: frozenset[str]) -> discord.Embed:
    """``/settings show``: every setting with its value, and whether it is the server's own.

    Fits by construction: six fields, the longest at most ``MAX_CHANNELS`` channel mentions.
    """
    embed = discord.Embed(title="Settings in this server", colour=ANSWER_COLOUR)
    for name in SETTINGS:
        whose = "this server's own" if name in own else "the default"
        embed.add_field(name=name, value=f"{setting_value(settings, name)} · {whose}", inline=False)
    embed.set_footer(text="Owners change them with /settings set, and undo with /settings reset.")
    return embed


def setting_value(settings: ServerSettings, name: str) -> str:
    """One setting's value in words; channels and roles as mentions (which never ping)."""
    return _SETTING_WORDS[name](getattr(settings, name))


def setting_changed(settings: ServerSettings, name: str) -> str:
    """What ``/settings set`` replies."""
    return message_text(f"{name} is now {setting_value(settings, name)} in this server.")


def setting_reset(settings: ServerSettings, name: str | None, dropped: bool) -> str:
    """What ``/settings reset`` replies: back to the default, or it was the default already."""
    if name is None:
        return (
            "Every setting is back to its default."
            if dropped
            else "This server has no settings of its own: they are all the defaults."
        )
    state = "is back to" if dropped else "already is"
    return message_text(f"{name} {state} the default: {setting_value(settings, name)}.")


def _channels(ids: frozenset[int]) -> str:
    if not ids:
        return "every channel"
    listed = " ".join(f"<#{channel}>" for channel in sorted(ids)[:MAX_CHANNELS])
    more = len(ids) - MAX_CHANNELS
    return f"{listed} … and {more} more" if more > 0 else listed


def owners(role: str | None) -> str:
    """Who may run owner commands, in words: "the Librarians role" (a role id as its mention,
    which never pings), or "the Manage Server permission" without a role."""
    if role is None:
        return "the Manage Server permission"
    name = f"<@&{role}>" if role.isascii() and role.isdigit() else shown(role, MAX_ROLE)
    return f"the {name} role"


def still_owner(role: str | None) -> str:
    """Why an owner role was not changed: its author would no longer be an owner."""
    return message_text(
        f"Not changed: only members with {owners(role)} would be owners here, and you would "
        "not be one. Take that role first, or choose another."
    )


_SETTING_WORDS: dict[str, Callable[[Any], str]] = {
    "channels": _channels,
    "threshold": lambda value: f"{value:g}",
    "cooldown": lambda seconds: f"{seconds:g} seconds" if seconds else "off",
    "channel_limit": lambda limit: f"{limit} questions a minute" if limit else "no limit",
    "mentions": lambda on: "on" if on else "off",
    "owner_role": owners,
}
