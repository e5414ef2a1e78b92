"""The bot's features, one cog per concern: asking, browsing the library, owner commands."""
