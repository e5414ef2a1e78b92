"""Settings, start-up errors and the token: one line naming the setting, never the secret."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any

import discord
import pytest
from bot_helpers import FakeFollowup, FakeInteraction, FakeResponse
from discord.ext import commands

import bot.runner
import cli.main
from bot import Settings, SettingsError, create_bot
from index import EngineConfig
from insights import StoreConfig

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No token and no .env: the process as a fresh checkout would start it."""
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "CITEBOT_INDEX_DIR", "CITEBOT_COOLDOWN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_the_token_never_shows_in_repr_or_str() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN})
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)
    assert TOKEN not in f"{settings.token} {settings.token!r}"
    assert settings.token.get_secret_value() == TOKEN
    assert settings.check_token() == TOKEN


def test_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "CITEBOT_INDEX_DIR": "/srv/index",
            "CITEBOT_COOLDOWN": "2.5",
            "CITEBOT_CHANNELS": "111, 222",
            "CITEBOT_OWNER_ROLE": "librarian",
            "CITEBOT_GUILD_ID": "333",
            "CITEBOT_ALLOW_DMS": "off",
            "CITEBOT_PREFIX_COMMANDS": "on",
            "CITEBOT_SHARDED": "no",
        }
    )
    assert settings.engine.index_dir == Path("/srv/index")
    assert settings.cooldown == 2.5
    assert settings.channels == frozenset({111, 222})
    assert settings.owner_role == "librarian"
    assert settings.guild_id == 333
    assert (settings.allow_dms, settings.prefix_commands, settings.sharded) == (False, True, False)
    served = Settings.from_env({"CITEBOT_METRICS_PORT": "9100", "CITEBOT_METRICS_HOST": "0.0.0.0"})
    assert (served.metrics_port, served.metrics_host) == (9100, "0.0.0.0")
    # Off by default, and on loopback only when turned on without a host.
    assert Settings.from_env({"CITEBOT_METRICS_PORT": ""}).metrics_port is None
    assert Settings.from_env({}).metrics_host == "127.0.0.1"
    assert Settings.from_env({}) == Settings(store=StoreConfig(Path("data/feedback.sqlite3")))
    kept = Settings.from_env(
        {
            "CITEBOT_FEEDBACK_DB": "/srv/f.sqlite3",
            "CITEBOT_LOG_QUESTIONS": "on",
            "CITEBOT_RETENTION_DAYS": "7",
        }
    ).store
    assert kept == StoreConfig(Path("/srv/f.sqlite3"), log_questions=True, retention_days=7)
    assert Settings.from_env({}).store.log_questions is False  # off unless the owner says


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CITEBOT_COOLDOWN", "-1"),
        ("CITEBOT_COOLDOWN", "soon"),
        ("CITEBOT_CHANNELS", "123,general"),
        ("CITEBOT_GUILD_ID", "my server"),
        ("CITEBOT_ALLOW_DMS", "maybe"),
        ("CITEBOT_SEARCH_TIMEOUT", "0"),
        ("CITEBOT_METRICS_PORT", "http"),
        ("CITEBOT_METRICS_PORT", "70000"),
        ("CITEBOT_RETENTION_DAYS", "0"),
        ("CITEBOT_LOG_QUESTIONS", "sometimes"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({name: value})
    assert name in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("env", "overrides", "said"),
    [
        ({"CITEBOT_BACKEND": "gpu"}, {}, "CITEBOT_BACKEND='gpu' is not valid: it must be 'torch',"),
        ({"CITEBOT_THRESHOLD": "1.5"}, {}, "CITEBOT_THRESHOLD='1.5' is not valid: it must be 1 or"),
        ({"CITEBOT_THREADS": "two"}, {}, "CITEBOT_THREADS='two' is not valid: it must be a whole"),
        ({"CITEBOT_THRESHOLD": "0.5"}, {"threshold": 2.0}, "--threshold=2.0 is not valid"),
        ({}, {"backend": "gpu"}, "--backend='gpu' is not valid: it must be 'torch', 'onnx' or"),
    ],
)
def test_a_bad_engine_setting_or_flag_is_one_line_naming_it_and_what_is_allowed(
    env: dict[str, str], overrides: dict[str, object], said: str
) -> None:
    with pytest.raises(SettingsError) as error:
        EngineConfig.from_env(env, **overrides)
    assert str(error.value).startswith(said)
    assert "\n" not in str(error.value)
    assert "pydantic" not in str(error.value)


def test_flags_win_over_the_environment_and_unset_ones_keep_it() -> None:
    env = {"CITEBOT_BACKEND": "torch", "CITEBOT_THRESHOLD": "0.4", "CITEBOT_INDEX_DIR": "/srv/i"}
    config = EngineConfig.from_env(env, backend="onnx-int8", threshold=0.6, index_dir=None)
    assert (config.backend, config.retrieval.threshold) == ("onnx-int8", 0.6)
    assert config.index_dir == Path("/srv/i")  # None is a flag not given
    assert EngineConfig.from_env({}) == EngineConfig()


def test_every_bad_setting_is_named_on_the_one_line() -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env(
            {"CITEBOT_WORKERS": "0", "CITEBOT_COOLDOWN": "soon", "DISCORD_TOKEN": TOKEN}
        )
    message = str(error.value)
    assert "CITEBOT_WORKERS='0'" in message and "CITEBOT_COOLDOWN='soon'" in message
    assert "\n" not in message and TOKEN not in message


def test_an_empty_variable_is_unset_and_values_are_trimmed() -> None:
    # .env.example leaves optional settings empty (`CITEBOT_GUILD_ID=`): that means "not set".
    settings = Settings.from_env(
        {
            "CITEBOT_GUILD_ID": "",
            "CITEBOT_THREADS": "",
            "CITEBOT_PREFIX": " ?",
            "DISCORD_TOKEN": f" {TOKEN} ",
        }
    )
    assert (settings.guild_id, settings.engine.threads, settings.prefix) == (None, None, "?")
    assert settings.check_token() == TOKEN


def test_create_bot_reads_the_same_environment_as_citebot_run(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / ".env").write_text("CITEBOT_INDEX_DIR=from-dotenv\nCITEBOT_COOLDOWN=3\n")
    monkeypatch.setenv("CITEBOT_COOLDOWN", "4")  # the real environment wins over .env
    built = create_bot()
    assert built.settings.engine.index_dir == Path("from-dotenv")
    assert built.settings.cooldown == 4
    assert isinstance(built, commands.AutoShardedBot)
    assert built.intents.message_content is False
    assert built.intents.members is False
    assert built.allowed_mentions.everyone is False


@pytest.mark.parametrize(
    ("token", "said"),
    [("", "DISCORD_TOKEN is not set"), ("not-a-token", "DISCORD_TOKEN does not look like")],
)
def test_a_missing_or_malformed_token_is_one_line_and_exit_2(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    token: str,
    said: str,
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", token)
    assert bot.runner.run() == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {said}")
    assert err.count("\n") == 1
    assert "not-a-token" not in err


def test_a_token_discord_refuses_is_one_line_and_never_logged(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``citebot run -vv`` as a user starts it, down to discord.py's login, which Discord
    refuses: a well-formed token is only refused by Discord, so the HTTP login call is the one
    thing replaced (no network), and it checks that it got the token."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    logins: list[str] = []

    async def refused(http: discord.http.HTTPClient, token: str) -> Any:
        logins.append(token)
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", refused)
    caplog.set_level(logging.DEBUG)

    assert cli.main.main(["run", "-vv"]) == 2

    assert logins == [TOKEN]  # the real start-up path reached the login
    out, err = capsys.readouterr()
    assert err.startswith("error: Discord refused the token in DISCORD_TOKEN")
    assert err.count("\n") == 1
    assert "logging in using static token" in caplog.text  # discord.py's own login, logged
    assert TOKEN not in out + err + caplog.text
    assert TOKEN.split(".")[0] not in out + err + caplog.text  # nor a recognisable part of it


@pytest.mark.parametrize(
    ("fake", "real"),
    [
        (FakeResponse.defer, discord.InteractionResponse.defer),
        (FakeResponse.send_message, discord.InteractionResponse.send_message),
        (FakeResponse.edit_message, discord.InteractionResponse.edit_message),
        (FakeFollowup.send, discord.Webhook.send),
        (FakeInteraction.edit_original_response, discord.Interaction.edit_original_response),
    ],
)
def test_fakes_match_discord_py(fake: Any, real: Any) -> None:
    """The fakes accept nothing discord.py would refuse, so the bot cannot rely on a typo."""
    ours = set(inspect.signature(fake).parameters)
    theirs = set(inspect.signature(real).parameters)
    assert ours <= theirs
