"""Discord's size limits for what a bot sends, in one place.

Discord refuses a whole message when one part is over its limit, so a reply that is too long
is not shortened: it is lost, and the user sees nothing. Everything the bot builds is cut to
these numbers by construction (``bot.render``), and the tests check every reply against them.
Source: the developer docs, "Embed limits", "Create message" and "Message components".
"""

from __future__ import annotations

TITLE = 256
DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
FIELDS = 25
FOOTER = 2048
AUTHOR_NAME = 256
EMBED_TOTAL = 6000
"""Title, description, field names and values, footer and author name together."""
CONTENT = 2000
"""A message's text."""
BUTTON_LABEL = 80
SELECT_OPTIONS = 25
COMPONENTS_PER_ROW = 5
ROWS = 5
URL = 2048
"""Not documented for embeds; the longest link the bot offers is well below it."""
CHOICE_NAME = 100
"""An autocomplete choice's name (and its value, when a string)."""
CHOICES = 25
"""Choices an autocomplete may offer."""
