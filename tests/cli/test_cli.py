"""The command line a self-hoster meets first: `python bot.py` with bad configuration, `sync --dry-run`,
`gen-key`. Run as real subprocesses with an empty environment."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SECRET = "eyJhbGciOiJIUzI1NiJ9.eyJrZXkiOiJtYXN0ZXIifQ.c2lnbmF0dXJlLW9mLXRoZS1tYXN0ZXIta2V5"


def run_bot(*arguments: str, env: dict[str, str] | None = None, cwd: Path) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ.get("PATH", ""), **(env or {})}
    return subprocess.run([sys.executable, str(REPO / "bot.py"), "--env-file", os.devnull,
                           *arguments], env=environment, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_no_configuration_lists_every_missing_variable_and_exits_2(tmp_path):
    result = run_bot(env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("The bot cannot start: 4 configuration problems.")
    for name in ("DISCORD_TOKEN", "TAUBOT_MASTER_KEY", "TAUBOT_APP_ID", "KEY_ENCRYPTION_KEY"):
        assert f"{name} is missing" in result.stderr


def test_malformed_configuration_is_explained_without_echoing_secrets(tmp_path):
    env = {"DISCORD_TOKEN": "Bot abc.def.ghi", "TAUBOT_MASTER_KEY": f"Bearer {SECRET}", "TAUBOT_APP_ID": "nope",
           "KEY_ENCRYPTION_KEY": "too-short-secret", "LINK_TIMEOUT_MINUTES": "soon"}
    result = run_bot("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "5 configuration problems" in result.stderr
    for secret in ("abc.def.ghi", SECRET, "too-short-secret"):
        assert secret not in result.stderr


def test_the_env_file_is_read(tmp_path):
    (tmp_path / "settings.env").write_text("TAUBOT_APP_ID=not-a-uuid\n")
    result = subprocess.run([sys.executable, str(REPO / "bot.py"), "--env-file", str(tmp_path / "settings.env")],
                            env={"PATH": os.environ.get("PATH", "")}, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert "TAUBOT_APP_ID is not a UUID (got 'not-a-uuid')" in result.stderr


def test_sync_dry_run_prints_the_command_payloads_offline_without_configuration(tmp_path):
    result = run_bot("sync", "--dry-run", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    payloads = json.loads(result.stdout)
    assert [(p["name"], p["type"]) for p in payloads] == [
        ("link-account", 1), ("unlink-account", 1), ("link-status", 1), ("balance", 1), ("pay", 1),
        ("history", 1), ("notifications", 1), ("request", 1), ("requests", 1), ("help", 1), ("Pay", 2)]
    for payload in payloads:  # installable in servers and by members; usable in servers, the bot's DMs, group DMs
        assert (payload["name"], payload["integration_types"], payload["contexts"]) == (
            payload["name"], [0, 1], [0, 1, 2])
    assert not (tmp_path / "data").exists()  # no database was created


def test_gen_key_prints_a_fresh_key(tmp_path):
    first, second = (run_bot("gen-key", env={}, cwd=tmp_path).stdout.strip() for _ in range(2))
    assert first != second
    assert len(base64.urlsafe_b64decode(first)) == 32


def test_sync_with_a_bad_guild_id_is_refused_by_argparse(tmp_path):
    result = run_bot("sync", "--guild", "my-server", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "'my-server' is not a server ID" in result.stderr


def configured(**overrides: str) -> dict[str, str]:
    """A complete, well-formed configuration (nothing here is contacted: the database fails first)."""
    from config import generate_encryption_key

    return {"DISCORD_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB",
            "TAUBOT_MASTER_KEY": SECRET, "TAUBOT_APP_ID": "123e4567-e89b-12d3-a456-426614174000",
            "KEY_ENCRYPTION_KEY": generate_encryption_key(), "TAUBOT_API_URL": "http://127.0.0.1:9/api",
            **overrides}


def message_lines(stderr: str) -> list[str]:
    """stderr without discord.py's own log lines (e.g. its warning that voice support is not installed)."""
    return [line for line in stderr.strip().splitlines() if "discord.client" not in line]


def test_a_database_path_that_cannot_exist_is_one_line_and_exit_2(tmp_path):
    result = run_bot(env=configured(DATABASE_PATH="/proc/nope/bot.db"), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = message_lines(result.stderr)
    assert line.startswith("The bot cannot start: DATABASE_PATH (/proc/nope/bot.db) cannot be opened:")


def test_a_database_path_that_is_not_sqlite_is_one_line_exit_2_and_the_file_is_untouched(tmp_path):
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database")
    foreign.chmod(0o644)
    result = run_bot(env=configured(DATABASE_PATH=str(foreign)), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = message_lines(result.stderr)
    assert "DATABASE_PATH" in line and "is a file that is not a SQLite database" in line
    assert foreign.read_text() == "not a database"
    assert foreign.stat().st_mode & 0o777 == 0o644
