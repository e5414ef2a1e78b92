"""compose.yaml: the service runs what the image runs, keeps its data in a named volume, and
sets only settings that citebot reads, with values it accepts."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest
import yaml
from recipes import COMPOSE, exec_form, final_stage, handler, known_variables, ours

import cli.main
from bot import Settings


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def service(compose) -> dict:
    return compose["services"]["citebot"]


def _mounts(service) -> dict[str, tuple[str, str]]:
    """Container path → (source, options) of each short-syntax volume."""
    mounts = {}
    for volume in service["volumes"]:  # a source may be ${VARIABLE:-default}, colon and all
        source, target, options = re.fullmatch(r"(\$\{.*?\}|[^:]+):([^:]+):?(.*)", volume).groups()
        mounts[target] = (source, options)
    return mounts


def test_the_service_runs_the_images_command(service):
    (cmd,) = [exec_form(args) for kind, args in final_stage() if kind == "CMD"]
    assert service["command"] == cmd
    assert handler(service["command"]) is cli.main._run
    assert service["build"] == "." and service["restart"] in {"unless-stopped", "always"}
    assert service["init"] is True


def test_settings_come_from_the_env_file_and_name_only_known_settings(service):
    env_file = service["env_file"]
    assert ".env" in ([env_file] if isinstance(env_file, str) else env_file)
    environment = service["environment"]
    assert ours(environment) <= known_variables(), ours(environment) - known_variables()
    assert "DISCORD_TOKEN" not in environment  # the token lives in .env only


def test_the_data_is_in_a_named_volume_where_the_settings_point(compose, service):
    mounts = _mounts(service)
    volume, _ = mounts["/data"]
    assert volume in compose["volumes"], "a named volume survives `docker compose down`"
    settings = Settings.from_env(service["environment"])
    for path in (settings.engine.index_dir, settings.store.path):
        assert PurePosixPath(path).is_relative_to("/data"), path
    (image_volume,) = [exec_form(args) for kind, args in final_stage() if kind == "VOLUME"]
    assert image_volume == ["/data"]
    # The articles are mounted read-only where docs/deploy.md's build command reads them.
    assert mounts["/data/articles"][1] == "ro"
    assert handler(["citebot", "index", "build", "/data/articles"]) is cli.main._build


def test_the_health_check_is_the_images(service):
    (check,) = [args for kind, args in final_stage() if kind == "HEALTHCHECK"]
    image_test = exec_form(check.split("CMD", 1)[1].strip())
    assert service["healthcheck"]["test"] == ["CMD", *image_test]
    for option in ("interval", "timeout", "start_period", "retries"):
        flag = f"--{option.replace('_', '-')}={service['healthcheck'][option]}"
        assert flag in check, f"compose and the Dockerfile disagree on {option}"
