"""deploy/citebot.service: systemd accepts it, it is hardened, and it runs `citebot run` with
settings citebot reads and paths it may write."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
from recipes import UNIT, handler, known_variables, ours, tool

import cli.main
from bot import Settings

HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "Restart": "on-failure",
}


def _service() -> dict[str, list[str]]:
    """Every ``Key=value`` of the [Service] section; a key may repeat."""
    section = UNIT.read_text(encoding="utf-8").split("[Service]", 1)[1].split("\n[", 1)[0]
    keys: dict[str, list[str]] = {}
    for line in section.splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            keys.setdefault(key, []).append(value)
    return keys


def _environment() -> dict[str, str]:
    return dict(
        pair.split("=", 1) for line in _service()["Environment"] for pair in shlex.split(line)
    )


@pytest.fixture
def runnable_unit(tmp_path) -> Path:
    """The unit with ExecStart pointed at this venv's real ``citebot`` (verify checks that the
    program exists; /opt/citebot is where a host installs it, not where tests run)."""
    text = UNIT.read_text(encoding="utf-8")
    real = Path(sys.executable).parent / "citebot"
    assert real.exists()
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace("ExecStart=/opt/citebot/.venv/bin/citebot ", f"ExecStart={real} "))
    assert copy.read_text() != text
    return copy


def test_systemd_analyze_verify_accepts_it(runnable_unit):
    result = subprocess.run(
        [tool("systemd-analyze"), "verify", str(runnable_unit)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_systemd_rates_its_exposure_ok(runnable_unit):
    result = subprocess.run(
        [tool("systemd-analyze"), "security", "--offline=true", "--no-pager", str(runnable_unit)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    level = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert level, result.stdout + result.stderr
    assert float(level.group(1)) <= 4.0, result.stdout[-2000:]  # "OK" ends at 4.9; we keep margin


def test_it_runs_citebot_run_from_the_venv_as_its_own_user():
    service = _service()
    (exec_start,) = service["ExecStart"]
    program, *args = shlex.split(exec_start)
    assert program.endswith("/.venv/bin/citebot")
    assert handler(["citebot", *args]) is cli.main._run
    assert service["User"] == ["citebot"] and service["Group"] == ["citebot"]
    for key, value in HARDENING.items():
        assert service.get(key) == [value], key
    assert "EnvironmentFile" in service and "WorkingDirectory" in service


def test_its_settings_are_known_and_its_data_is_where_it_may_write():
    environment = _environment()
    assert ours(environment) <= known_variables(), ours(environment) - known_variables()
    assert environment["HF_HUB_OFFLINE"] == "1"
    service = _service()
    writable = [PurePosixPath(p) for line in service["ReadWritePaths"] for p in line.split()]
    settings = Settings.from_env(environment)
    for path in (
        settings.engine.index_dir,
        settings.store.path,
        settings.engine.cache_dir,
        *service["WorkingDirectory"],
    ):
        assert any(PurePosixPath(path).is_relative_to(w) for w in writable), path
