"""The settings file (.env) as a self-hoster really writes it: saved by Notepad, owned by root, misspelt,
commented. Every mistake is one line (or one problem in the list) naming the file and the fix, never a
traceback; start-up cases run the bot as a real subprocess."""

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

import config
import supported_python
from config import (
    ConfigError,
    SettingsFileError,
    load_discord_settings,
    load_settings,
    read_environment,
    read_environment_or_exit,
    setting_names,
)
from env_file_problems import likely_setting

REPO = Path(__file__).resolve().parents[2]
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
MASTER_KEY = "eyJhbGciOiJIUzI1NiJ9.eyJrZXkiOiJtYXN0ZXIifQ.c2lnbmF0dXJlLW9mLXRoZS1tYXN0ZXIta2V5"
APP_ID = "123e4567-e89b-12d3-a456-426614174000"
KEY = "PTvBzVhOmR-Y-jzuo6270YrqRRfVuEzY5JQsPNoHTc0="
SETTINGS_TEXT = (f"DISCORD_TOKEN={TOKEN}\nTAUBOT_MASTER_KEY={MASTER_KEY}\nTAUBOT_APP_ID={APP_ID}\n"
                 f"KEY_ENCRYPTION_KEY={KEY}\n")
NOBODY = 65534


def start_bot(env_file: Path, *, as_user: int | None = None) -> subprocess.CompletedProcess:
    """`python bot.py --env-file FILE run` in an environment holding no setting, as a self-hoster starts it."""
    command = [sys.executable, str(REPO / "bot.py"), "--env-file", str(env_file), "run"]
    if as_user is not None:
        command = ["setpriv", f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups", *command]
    return subprocess.run(command, env={"PATH": os.environ.get("PATH", "")}, cwd=env_file.parent,
                          capture_output=True, text=True, timeout=60)


def _python_runs_as_nobody() -> bool:
    """Root, setpriv, and an interpreter the user nobody may run (a pyenv Python built under /root is not one:
    its libpython is closed to other users)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return False
    probe = subprocess.run([setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable,
                            "-c", "pass"], cwd="/", capture_output=True, timeout=60)
    return probe.returncode == 0


AS_NOBODY = pytest.mark.skipif(not _python_runs_as_nobody(), reason="needs root, setpriv and a Python nobody may run")


def assert_one_line_exit_2(result: subprocess.CompletedProcess, *expected: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("The bot cannot start: ")
    for text in expected:
        assert text in line
    return line


@pytest.fixture
def open_folder():
    """A folder every user may enter (pytest's own tmp_path is closed to other users)."""
    folder = Path(tempfile.mkdtemp(prefix="taubot-env-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@AS_NOBODY
def test_a_root_owned_0600_env_file_is_one_line_naming_the_owner_and_the_fix(open_folder):
    env_file = open_folder / ".env"  # as the README's VPS steps leave it before the chown
    env_file.write_text(SETTINGS_TEXT)
    env_file.chmod(0o600)
    assert_one_line_exit_2(start_bot(env_file, as_user=NOBODY), str(env_file),
                           "user nobody may not read it (it belongs to root). Run the bot as root, or give the file "
                           f"to this user: sudo chown nobody {env_file} && sudo chmod 600 {env_file}")


@AS_NOBODY
def test_an_env_file_in_a_folder_closed_to_the_bot_user_is_one_line(open_folder):
    closed = open_folder / "closed"
    closed.mkdir(mode=0o700)
    (closed / ".env").write_text(SETTINGS_TEXT)
    assert_one_line_exit_2(start_bot(closed / ".env", as_user=NOBODY),
                           "user nobody may not open it (a folder on the way is closed to it)")


@pytest.mark.parametrize(("encoded", "expected"), [
    (SETTINGS_TEXT.encode("utf-16"), "is saved as UTF-16 (Notepad's “Unicode”)"),  # Notepad's "Unicode": a BOM
    (SETTINGS_TEXT.encode("utf-16-le"), "is saved as UTF-16"),
    (b"\xef\xbb\xbf" + SETTINGS_TEXT.encode(), "starts with a byte-order mark (BOM)"),
    (SETTINGS_TEXT.encode() + "CURRENCY_SYMBOL=€\n".encode("cp1252"), "is not UTF-8 text (line 5 has the byte 0x80"),
])
def test_an_env_file_in_the_wrong_encoding_is_one_line_with_the_fix(tmp_path, encoded, expected):
    env_file = tmp_path / ".env"
    env_file.write_bytes(encoded)
    assert_one_line_exit_2(start_bot(env_file), str(env_file), expected, "Save it as UTF-8")


@pytest.mark.parametrize("command", [["run"], ["sync"], ["check"], ["backup", "copy.sqlite3"]])
def test_a_missing_env_file_named_with_env_file_stops_every_command_with_one_line(tmp_path, command):
    missing = tmp_path / "missing.env"
    result = subprocess.run([sys.executable, str(REPO / "bot.py"), "--env-file", str(missing), *command],
                            env={"PATH": os.environ.get("PATH", "")}, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert_one_line_exit_2(result, f"{missing}: no such file. Check the path given to --env-file")
    assert result.stdout == ""


@AS_NOBODY
def test_check_on_an_unreadable_env_file_is_one_line_too(open_folder):
    env_file = open_folder / ".env"
    env_file.write_text(SETTINGS_TEXT)
    env_file.chmod(0o600)
    command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
               sys.executable, str(REPO / "bot.py"), "--env-file", str(env_file), "check"]
    result = subprocess.run(command, env={"PATH": os.environ.get("PATH", "")}, cwd="/", capture_output=True,
                            text=True, timeout=60)
    assert_one_line_exit_2(result, "user nobody may not read it (it belongs to root)")


def test_an_env_file_named_on_the_command_line_must_exist(tmp_path):
    missing = tmp_path / "missing.env"
    with pytest.raises(SettingsFileError) as caught:
        read_environment(missing, required=True)
    assert str(caught.value) == (f"The bot cannot start: {missing}: no such file. Check the path given to "
                                 "--env-file, or create it from config.example.env.")
    assert "DISCORD_TOKEN" not in read_environment(missing, required=False)  # the default .env may be absent


def test_the_command_line_exits_2_with_one_line_for_a_missing_env_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(config, "DEFAULT_ENV_FILE", tmp_path / "absent-default.env")
    assert "PATH" in read_environment_or_exit(None)  # no --env-file: the default .env may be absent
    with pytest.raises(SystemExit) as exited:
        read_environment_or_exit(tmp_path / "missing.env")  # --env-file /missing
    assert exited.value.code == 2
    assert capsys.readouterr().err == (f"The bot cannot start: {tmp_path / 'missing.env'}: no such file. Check the "
                                       "path given to --env-file, or create it from config.example.env.\n")


def test_a_folder_given_as_the_env_file_is_one_line(tmp_path):
    with pytest.raises(SettingsFileError, match="is a folder, not a settings file"):
        read_environment(tmp_path, required=True)


def write_env(tmp_path: Path, text: str) -> Path:
    env_file = tmp_path / ".env"
    env_file.write_text(text)
    return env_file


def problems_in(env_file: Path, monkeypatch) -> list[str]:
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as caught:
        load_settings(read_environment(env_file))
    return caught.value.problems


def test_a_misspelt_required_setting_is_named_where_it_is_missing(tmp_path, monkeypatch):
    env_file = write_env(tmp_path, SETTINGS_TEXT.replace("TAUBOT_MASTER_KEY=", "TAUBOT_MASTERKEY="))
    assert problems_in(env_file, monkeypatch) == [
        f"TAUBOT_MASTER_KEY is missing, but {env_file} line 2 sets TAUBOT_MASTERKEY: did you mean "
        "TAUBOT_MASTER_KEY? Rename it."
    ]


def test_misspelt_optional_settings_are_problems_too(tmp_path, monkeypatch):
    env_file = write_env(tmp_path, SETTINGS_TEXT + "LOGLEVEL=DEBUG\n# a note\nlog_level=DEBUG\nEDITOR=nano\n")
    assert problems_in(env_file, monkeypatch) == [
        f"{env_file} line 5 sets LOGLEVEL, which is not a setting: did you mean LOG_LEVEL?",
        f"{env_file} line 7 sets log_level, which is not a setting: did you mean LOG_LEVEL?",
    ]  # EDITOR resembles no setting: left alone


@pytest.mark.parametrize(("written", "meant"), [
    ("TAUBOT_MASTERKEY", "TAUBOT_MASTER_KEY"), ("MASTER_KEY", "TAUBOT_MASTER_KEY"), ("TOKEN", "DISCORD_TOKEN"),
    ("DISCORD_BOT_TOKEN", "DISCORD_TOKEN"), ("TAUBOT_APPLICATION_ID", "TAUBOT_APP_ID"), ("APP_ID", "TAUBOT_APP_ID"),
    ("ENCRYPTION_KEY", "KEY_ENCRYPTION_KEY"), ("DB_PATH", "DATABASE_PATH"), ("discord_token", "DISCORD_TOKEN"),
    ("PATH", None), ("HOME", None), ("DEBUG", None), ("PYTHONPATH", None), ("LANG", None),
])
def test_which_names_count_as_a_misspelt_setting(written, meant):
    assert likely_setting(written, setting_names()) == meant


def test_a_line_that_is_not_name_value_is_reported_with_its_number(tmp_path, monkeypatch):
    env_file = write_env(tmp_path, SETTINGS_TEXT + 'CURRENCY_SYMBOL="t\nLOG_LEVEL=DEBUG\n')
    (problem,) = problems_in(env_file, monkeypatch)
    assert problem.startswith(f"{env_file} line 5: not NAME=value, so the bot cannot read it.")


def test_misspellings_and_missing_settings_stop_start_up_in_one_message(tmp_path):
    env_file = write_env(tmp_path, SETTINGS_TEXT.replace("DISCORD_TOKEN=", "DISCORD_TOKN="))
    result = start_bot(env_file)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"DISCORD_TOKEN is missing, but {env_file} line 1 sets DISCORD_TOKN: did you mean DISCORD_TOKEN?" \
        in result.stderr


def test_inline_comments_and_quotes_are_read_as_the_operator_meant(tmp_path, monkeypatch):
    """The .env that `check` accepts is the one the bot runs with: the bot reads it itself, never systemd."""
    env_file = write_env(tmp_path, (
        f'DISCORD_TOKEN="{TOKEN}"\n'
        f"TAUBOT_MASTER_KEY='{MASTER_KEY}'   # from the operator\n"
        f"TAUBOT_APP_ID={APP_ID} # from the operator\n"
        f"export KEY_ENCRYPTION_KEY={KEY}\n"
        "CURRENCY_SYMBOL='t$' # shown after amounts\n"
    ))
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(read_environment(env_file))
    assert (settings.discord_token, settings.taubot_master_key) == (TOKEN, MASTER_KEY)
    assert str(settings.taubot_app_id) == APP_ID
    assert settings.currency_symbol == "t$"


def test_every_setting_in_config_example_env_is_one_the_bot_reads():
    documented = set()
    for line in (REPO / "config.example.env").read_text().splitlines():
        name = line.lstrip("# ").split("=", 1)[0]
        if "=" in line and name.isupper() and " " not in name:
            documented.add(name)
    assert documented == setting_names()


def test_discord_commands_need_only_the_discord_token():
    settings = load_discord_settings({"DISCORD_TOKEN": TOKEN, "DEV_GUILD_ID": "1234567890"})
    assert (settings.discord_token, settings.dev_guild_id) == (TOKEN, 1234567890)
    assert (settings.taubot_master_key, settings.key_encryption_key, settings.taubot_app_id.int) == ("", b"", 0)
    assert settings.secret_values() == (TOKEN,)  # no blank or stand-in value to scrub from every log line
    with pytest.raises(ConfigError) as caught:
        load_discord_settings({"TAUBOT_API_URL": "taubot.qzz.io"})
    assert [problem.split()[0] for problem in caught.value.problems] == ["DISCORD_TOKEN", "TAUBOT_API_URL"]


def test_discord_settings_keep_taubot_settings_that_are_set():
    settings = load_discord_settings({"DISCORD_TOKEN": TOKEN, "TAUBOT_MASTER_KEY": MASTER_KEY, "TAUBOT_APP_ID": APP_ID})
    assert (settings.taubot_master_key, str(settings.taubot_app_id)) == (MASTER_KEY, APP_ID)


PYTHON_3_10 = Path("/root/.pyenv/versions/3.10.13/bin/python")


@pytest.mark.skipif(not PYTHON_3_10.exists(), reason="needs a Python 3.10 interpreter")
@pytest.mark.parametrize("script", ["bot.py", "cli.py"])
def test_python_3_10_gets_one_line_before_any_import_can_fail(tmp_path, script):
    """Ubuntu 22.04's python3: the install succeeded, then every command died on `cannot import name 'UTC'`."""
    result = subprocess.run([str(PYTHON_3_10), str(REPO / script), "check"], cwd=tmp_path,
                            env={"PATH": os.environ.get("PATH", "")}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"The bot cannot start: it needs Python 3.11 or newer, and {PYTHON_3_10} is Python 3.10.13.")
    assert "python3.11 -m venv .venv" in line


def test_the_refusal_matches_requires_python():
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=" + ".".join(map(str, supported_python.MINIMUM))
    assert supported_python.refusal(sys.version_info, sys.executable) is None
    assert supported_python.refusal((3, 10, 12, "final", 0), "/usr/bin/python3").startswith(
        "The bot cannot start: it needs Python 3.11 or newer, and /usr/bin/python3 is Python 3.10.12.")
