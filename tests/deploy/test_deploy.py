"""The systemd unit and the README's VPS steps, checked the way systemd and git will read them."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from config import setting_names

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "taubot-bot.service"
NOBODY = 65534
SYSTEMD_ANALYZE, GIT, CHOWN = shutil.which("systemd-analyze"), shutil.which("git"), shutil.which("chown")
needs_systemd_analyze = pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="needs systemd-analyze")


def directives(unit_text: str) -> list[tuple[str, str]]:
    return [tuple(line.split("=", 1)) for line in unit_text.splitlines()
            if "=" in line and not line.startswith(("#", ";"))]


def test_the_unit_lets_the_bot_read_its_own_env_file():
    """`check` reads .env with python-dotenv; an EnvironmentFile= would hand the service values parsed
    differently (an inline comment kept as part of TAUBOT_APP_ID) that win over the file."""
    found = directives(UNIT.read_text())
    names = [name for name, _ in found]
    assert "EnvironmentFile" not in names
    assert not [value for name, value in found if name == "Environment" and value.split("=")[0] in setting_names()]
    working_directory = dict(found)["WorkingDirectory"]
    # bot.py reads the .env next to itself, and the unit starts the bot.py in WorkingDirectory.
    assert dict(found)["ExecStart"] == f"{working_directory}/.venv/bin/python bot.py run"
    assert dict(found)["RestartPreventExitStatus"] == "2"


def test_the_unit_leaves_the_default_database_folder_and_the_state_directory_writable():
    found = directives(UNIT.read_text())
    writable = [value for name, value in found if name == "ReadWritePaths"]
    assert writable == [f"-{dict(found)['WorkingDirectory']}/data"]  # the default DATABASE_PATH's folder
    assert dict(found)["StateDirectory"] == "taubot-bot"
    assert "ReadWritePaths=/srv/taubot" in UNIT.read_text()  # the comment shows how to add another folder


@needs_systemd_analyze
def test_the_unit_exposure_is_at_most_2():
    result = subprocess.run([SYSTEMD_ANALYZE, "security", "--offline=true", str(UNIT)],
                            capture_output=True, text=True, timeout=60)
    (score,) = re.findall(r"Overall exposure level for taubot-bot\.service: (\d+\.\d)", result.stdout)
    assert float(score) <= 2.0, result.stdout


@needs_systemd_analyze
def test_systemd_accepts_every_line_of_the_unit(tmp_path):
    """`systemd-analyze verify` on the unit with its paths pointed at this checkout: no unknown directive, no
    bad value (systemd itself would only warn in the journal and run the service less protected)."""
    text = UNIT.read_text().replace("/opt/taubot-bot/.venv/bin/python", sys.executable)
    (tmp_path / "taubot-bot.service").write_text(text.replace("/opt/taubot-bot", str(REPO)))
    result = subprocess.run([SYSTEMD_ANALYZE, "verify", str(tmp_path / "taubot-bot.service")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stderr == ""


def upgrade_commands() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### Upgrading"):readme.index("## Troubleshooting")]
    (block,) = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    return [line.split("  #")[0].strip() for line in block.splitlines()]


def test_the_readme_upgrade_runs_every_step_in_the_folder_as_its_owner():
    commands = upgrade_commands()
    assert "sudo -u taubot -H git pull --ff-only" in commands
    for command in commands:
        if command.startswith("sudo ") and ("git " in command or ".venv/bin/" in command):
            assert command.startswith("sudo -u taubot"), command
    assert "<this repository>" not in (REPO / "README.md").read_text()


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv") or GIT is None,
                    reason="needs root and git to hand a clone over")
def test_the_readme_git_pull_works_after_chown_where_roots_does_not():
    """The README's own steps on a real clone: cloned by root from an origin, chown'd to the service user, then
    upgraded. Root's `git pull` fails with "dubious ownership"; the README's, as the owner, works."""
    tmp_path = Path(tempfile.mkdtemp(prefix="taubot-upgrade-"))  # pytest's tmp_path is closed to other users
    try:
        pull_after_chown(tmp_path)
    finally:
        shutil.rmtree(tmp_path)


def pull_after_chown(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    git = [GIT, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(origin)], check=True)
    (origin / "bot.py").write_text("version 1\n")
    subprocess.run([*git, "-C", str(origin), "add", "bot.py"], check=True)
    subprocess.run([*git, "-C", str(origin), "commit", "-qm", "one"], check=True)
    install = tmp_path / "opt" / "taubot-bot"
    subprocess.run([GIT, "clone", "-q", str(origin), str(install)], check=True)
    (origin / "bot.py").write_text("version 2\n")
    subprocess.run([*git, "-C", str(origin), "commit", "-qam", "two"], check=True)
    tmp_path.chmod(0o755)
    # (the origin stands for a remote repository: it is handed over too, as only its readability matters)
    subprocess.run([CHOWN, "-R", f"{NOBODY}:{NOBODY}", str(install), str(origin)], check=True)
    home_less = {"PATH": os.environ.get("PATH", ""), "HOME": str(install)}  # `sudo -H`: the owner's home

    as_root = subprocess.run([GIT, "pull", "--ff-only"], cwd=install, env=home_less, capture_output=True,
                             text=True, timeout=60)
    assert as_root.returncode != 0 and "dubious ownership" in as_root.stderr

    (readme_pull,) = [command for command in upgrade_commands() if " git pull" in command]
    as_owner = readme_pull.replace("sudo -u taubot -H", f"setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups")
    pulled = subprocess.run(as_owner.split(), cwd=install, env=home_less, capture_output=True, text=True, timeout=60)
    assert pulled.returncode == 0, pulled.stderr
    assert (install / "bot.py").read_text() == "version 2\n"


def test_the_project_says_its_license_and_carries_it():
    """Issue 14: no LICENSE file. The MIT license is there, whole, and the README points to it."""
    license_text = (REPO / "LICENSE").read_text()
    assert license_text.startswith("MIT License\n\nCopyright (c) ")
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in license_text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in license_text
    assert "MIT: see [LICENSE](LICENSE)." in (REPO / "README.md").read_text()
