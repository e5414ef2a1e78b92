"""The Dockerfile: hadolint's rules, then citebot's own: what runs, as whom, with which data."""

from __future__ import annotations

import re
import subprocess
from pathlib import PurePosixPath

from recipes import (
    DOCKERFILE,
    DOCKERIGNORE,
    assignments,
    exec_form,
    final_stage,
    handler,
    instructions,
    known_variables,
    ours,
    tool,
)
from tests_paths import REPO

import cli.main
from bot import Settings


def _env() -> dict[str, str]:
    return {
        k: v for kind, args in final_stage() if kind == "ENV" for k, v in assignments(args).items()
    }


def _volume() -> PurePosixPath:
    (volume,) = [exec_form(args) for kind, args in final_stage() if kind == "VOLUME"]
    assert len(volume) == 1
    return PurePosixPath(volume[0])


def test_hadolint_finds_nothing():
    result = subprocess.run(
        [tool("hadolint"), "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_base_image_is_pinned_to_a_full_version():
    args = {k: v for kind, a in instructions() if kind == "ARG" for k, v in assignments(a).items()}
    bases = [args.split()[0] for kind, args in instructions() if kind == "FROM"]
    assert len(bases) >= 2, "build and runtime stages"
    for base in bases:
        image = args.get(base.removeprefix("${").removesuffix("}"), base)
        tag = image.partition(":")[2]
        assert re.fullmatch(r"\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", tag), image
        assert "latest" not in image


def test_it_runs_the_bot_as_a_user_that_owns_only_the_data():
    stage = final_stage()
    users = [args for kind, args in stage if kind == "USER"]
    assert users, "no USER: the bot would run as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000
    created = " ".join(args for kind, args in stage if kind == "RUN")
    assert f"--uid {uid}" in created
    # The user comes before the command, and nothing after it switches back.
    kinds = [kind for kind, _ in stage]
    assert kinds.index("USER") < kinds.index("CMD") and users[-1] != "root"


def test_every_pip_install_keeps_no_cache_and_honours_the_constraints():
    runs = [args for kind, args in instructions() if kind == "RUN"]
    installs = [part for run in runs for part in run.split("&&") if "pip install" in part]
    assert installs
    assert all("--no-cache-dir" in part for part in installs), installs
    # citebot with the Qdrant client, so that the image runs either store (docs/scaling.md).
    assert any(
        "-c constraints.txt" in part and part.rstrip().endswith(' ".[qdrant]"') for part in installs
    )
    args = {k: v for kind, a in instructions() if kind == "ARG" for k, v in assignments(a).items()}
    # torch goes in first, at the version constraints.txt pins (the CPU build, as `make install`).
    pins = (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines()
    assert args["TORCH_SPEC"] in pins
    assert installs[0].strip().endswith('"$PIP_SPEC"') and re.fullmatch(
        r"pip==[\d.]+", args["PIP_SPEC"]
    )
    assert "$TORCH_SPEC" in installs[1]


def test_the_command_and_the_health_check_are_real_citebot_commands():
    stage = final_stage()
    (cmd,) = [exec_form(args) for kind, args in stage if kind == "CMD"]
    (check,) = [args for kind, args in stage if kind == "HEALTHCHECK"]
    assert handler(cmd) is cli.main._run
    assert handler(exec_form(check.split("CMD", 1)[1].strip())) is cli.main._health
    assert not [kind for kind, _ in stage if kind == "ENTRYPOINT"]  # `run --rm citebot citebot …`


def test_its_settings_are_ones_citebot_reads_and_keep_the_data_in_the_volume():
    env = _env()
    assert ours(env) <= known_variables(), ours(env) - known_variables()
    assert env["HF_HUB_OFFLINE"] == "1"
    settings = Settings.from_env(env)  # values of the right type, or SettingsError
    volume = _volume()
    assert PurePosixPath(settings.engine.index_dir).is_relative_to(volume)
    assert PurePosixPath(settings.store.path).is_relative_to(volume)
    # The model export cache is outside the volume, and created writable for the user.
    cache = str(settings.engine.cache_dir)
    assert not PurePosixPath(cache).is_relative_to(volume)
    made = [args for kind, args in final_stage() if kind == "RUN" and "install -d" in args]
    assert any("-o citebot" in args and cache in args and str(volume) in args for args in made)


def test_the_build_context_holds_the_packages_and_never_the_env_file():
    ignore = [line for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines() if line]
    patterns = [line for line in ignore if not line.startswith("#")]
    assert patterns[0] == "*", "an allow-list: a new file stays out until named"
    allowed = {p.removeprefix("!").rstrip("/") for p in patterns if p.startswith("!")}
    assert not {".env", ".venv", "data", ".git"} & allowed
    copied = [
        word.rstrip("/")
        for kind, args in instructions()
        if kind == "COPY" and "--from=" not in args
        for word in args.split()[:-1]
        if not word.startswith("--")
    ]
    assert set(copied) <= allowed, set(copied) - allowed
    # Every package that pyproject.toml installs is copied into the build stage.
    packages = re.search(r"include = \[(.*?)\]", (REPO / "pyproject.toml").read_text()).group(1)
    assert {name.strip(' "*') for name in packages.split(",")} <= set(copied)
