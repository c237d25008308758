"""Configuration: every problem is reported at once, by variable name, without echoing secrets."""

import base64
import uuid
from pathlib import Path

import pytest

from config import PROJECT_ROOT, ConfigError, generate_encryption_key, load_settings, read_environment

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
MASTER_KEY = "eyJhbGciOiJIUzI1NiJ9.eyJrZXkiOiJtYXN0ZXIifQ.c2lnbmF0dXJlLW9mLXRoZS1tYXN0ZXIta2V5"
APP_ID = "123e4567-e89b-12d3-a456-426614174000"
VALID_KEY = "PTvBzVhOmR-Y-jzuo6270YrqRRfVuEzY5JQsPNoHTc0="


def valid_environment(**overrides: str) -> dict[str, str]:
    environment = {
        "DISCORD_TOKEN": TOKEN,
        "TAUBOT_MASTER_KEY": MASTER_KEY,
        "TAUBOT_APP_ID": APP_ID,
        "KEY_ENCRYPTION_KEY": generate_encryption_key(),
    }
    environment.update(overrides)
    return {name: value for name, value in environment.items() if value is not None}


def problems_for(environment: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(environment)
    return caught.value.problems


def test_a_complete_environment_gives_typed_settings_with_defaults():
    settings = load_settings(valid_environment())
    assert settings.taubot_app_id == uuid.UUID(APP_ID)
    assert settings.taubot_api_url == "https://taubot.qzz.io/api"
    assert settings.database_path == PROJECT_ROOT / "data" / "taubot-bot.sqlite3"
    assert settings.database_path.is_absolute()
    assert settings.currency_symbol == "t"
    assert settings.link_timeout_minutes == 30
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.taubot_api_dialect == "auto"
    assert len(settings.key_encryption_key) == 32


@pytest.mark.parametrize(("value", "expected"), [("v2", "v2"), ("V2.1", "v2.1"), ("Auto", "auto")])
def test_the_taubot_dialect_can_be_pinned(value, expected):
    assert load_settings(valid_environment(TAUBOT_API_DIALECT=value)).taubot_api_dialect == expected


def test_an_unknown_taubot_dialect_is_named():
    (problem,) = problems_for(valid_environment(TAUBOT_API_DIALECT="v3"))
    assert problem.startswith("TAUBOT_API_DIALECT must be one of auto, v2, v2.1 (got 'v3').")


def test_optional_values_are_parsed():
    settings = load_settings(valid_environment(
        TAUBOT_API_URL="http://127.0.0.1:8080/api/", DATABASE_PATH="/tmp/x/bot.db", DEV_GUILD_ID="1234567890",
        LOG_LEVEL="debug", CURRENCY_SYMBOL="£", LINK_TIMEOUT_MINUTES="5", SHARD_COUNT="4", SHARD_IDS="0, 2",
    ))
    assert settings.taubot_api_url == "http://127.0.0.1:8080/api"
    assert settings.database_path == Path("/tmp/x/bot.db")
    assert settings.dev_guild_id == 1234567890
    assert settings.log_level == "DEBUG"
    assert settings.currency_symbol == "£"
    assert settings.link_timeout_minutes == 5
    assert (settings.shard_count, settings.shard_ids) == (4, (0, 2))


def test_an_empty_environment_names_every_missing_required_variable_in_one_message():
    with pytest.raises(ConfigError) as caught:
        load_settings({})
    message = str(caught.value)
    assert message.startswith("The bot cannot start: 4 configuration problems.")
    for name in ("DISCORD_TOKEN", "TAUBOT_MASTER_KEY", "TAUBOT_APP_ID", "KEY_ENCRYPTION_KEY"):
        assert f"{name} is missing" in message
    assert "python bot.py gen-key" in message
    assert "config.example.env" in message


def test_blank_values_count_as_missing():
    assert problems_for(valid_environment(DISCORD_TOKEN="   ")) == [
        "DISCORD_TOKEN is missing. Copy the bot token from https://discord.com/developers/applications "
        "(your application → Bot → Reset Token)."
    ]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TAUBOT_APP_ID", "not-a-uuid", "TAUBOT_APP_ID is not a UUID (got 'not-a-uuid')"),
        ("TAUBOT_API_URL", "taubot.qzz.io/api", "TAUBOT_API_URL is not an http(s) URL"),
        ("TAUBOT_API_URL", "ftp://taubot.qzz.io/api", "TAUBOT_API_URL is not an http(s) URL"),
        ("TAUBOT_API_URL", "https://taubot.qzz.io/api?x=1", "TAUBOT_API_URL must not contain '?' or '#'"),
        ("DEV_GUILD_ID", "my server", "DEV_GUILD_ID is not a Discord server ID (got 'my server')"),
        ("DEV_GUILD_ID", "-5", "DEV_GUILD_ID is not a Discord server ID"),
        ("DEV_GUILD_ID", "١٢٣", "DEV_GUILD_ID is not a Discord server ID"),
        ("LINK_TIMEOUT_MINUTES", "ten", "LINK_TIMEOUT_MINUTES must be a whole number from 1 to 1440 (got 'ten')"),
        ("LINK_TIMEOUT_MINUTES", "0", "LINK_TIMEOUT_MINUTES must be a whole number from 1 to 1440"),
        ("LINK_TIMEOUT_MINUTES", "2.5", "LINK_TIMEOUT_MINUTES must be a whole number"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got 'LOUD')"),
        ("CURRENCY_SYMBOL", "1t", "CURRENCY_SYMBOL must be at most 8 characters"),
        ("TAUBOT_TIMEOUT_SECONDS", "forever", "TAUBOT_TIMEOUT_SECONDS must be a number of seconds"),
        ("SHARD_COUNT", "0", "SHARD_COUNT must be a whole number from 1 to 10000"),
        ("SHARD_IDS", "a,b", "SHARD_IDS must be a comma-separated list of shard numbers"),
    ],
)
def test_each_malformed_value_is_named_with_what_is_wrong(name, value, expected):
    problems = problems_for(valid_environment(**{name: value}))
    assert len(problems) == 1
    assert problems[0].startswith(expected)


@pytest.mark.parametrize("value", ["https://taubot.qzz.io/api?token=s3cret-token", "ftp://host/api?token=s3cret-token",
                                   "https://taubot.qzz.io/api#s3cret-token"])
def test_a_url_problem_never_echoes_its_query_or_fragment(value):
    (problem,) = problems_for(valid_environment(TAUBOT_API_URL=value))
    assert "s3cret-token" not in problem


def test_database_path_that_is_a_folder_is_refused(tmp_path):
    (problem,) = problems_for(valid_environment(DATABASE_PATH=str(tmp_path)))
    assert problem.startswith("DATABASE_PATH points to a folder")


def test_shard_ids_need_a_shard_count_that_covers_them():
    assert problems_for(valid_environment(SHARD_IDS="0,1")) == [
        "SHARD_IDS is set but SHARD_COUNT is not. Set both, or neither."
    ]
    assert problems_for(valid_environment(SHARD_COUNT="2", SHARD_IDS="0,2")) == [
        "SHARD_IDS must all be smaller than SHARD_COUNT (2)."
    ]


def test_a_shard_listed_twice_is_refused():
    assert problems_for(valid_environment(SHARD_COUNT="4", SHARD_IDS="0,0")) == [
        "SHARD_IDS lists shard 0 more than once (got '0,0'). List each shard once."
    ]
    assert problems_for(valid_environment(SHARD_COUNT="4", SHARD_IDS="1, 3,1,3,2"))[0].startswith(
        "SHARD_IDS lists shards 1, 3 more than once")


@pytest.mark.parametrize(
    "bad_key",
    ["short", "!!!not base64!!!", base64.urlsafe_b64encode(b"x" * 16).decode(),
     base64.urlsafe_b64encode(b"x" * 33).decode(),
     # the standard alphabet's '+' and '/' are not URL-safe base64
     base64.b64encode(bytes([0xfb, 0xff] * 16)).decode(),
     # junk around a valid key, which a lenient decoder would skip
     "!" + VALID_KEY, VALID_KEY + "junk", VALID_KEY[:20] + " " + VALID_KEY[20:],
     # 43 characters whose last one carries stray bits: not what gen-key ever prints
     base64.urlsafe_b64encode(b"\0" * 32).decode()[:42] + "B"],
)
def test_a_bad_encryption_key_is_reported_without_echoing_it(bad_key):
    (problem,) = problems_for(valid_environment(KEY_ENCRYPTION_KEY=bad_key))
    assert problem.startswith("KEY_ENCRYPTION_KEY is not a valid key (it must be 32 bytes in URL-safe base64")
    assert bad_key not in problem


def test_encryption_key_without_base64_padding_is_accepted():
    key = generate_encryption_key()
    settings = load_settings(valid_environment(KEY_ENCRYPTION_KEY=key.rstrip("=")))
    assert settings.key_encryption_key == base64.urlsafe_b64decode(key)


def test_malformed_secrets_are_named_but_never_echoed():
    bad_token = "Bot " + TOKEN
    bearer_key = "Bearer " + MASTER_KEY
    with pytest.raises(ConfigError) as caught:
        load_settings(valid_environment(DISCORD_TOKEN=bad_token, TAUBOT_MASTER_KEY=bearer_key))
    message = str(caught.value)
    assert "DISCORD_TOKEN starts with 'Bot '" in message
    assert "TAUBOT_MASTER_KEY starts with 'Bearer '" in message
    assert TOKEN not in message
    assert MASTER_KEY not in message


def test_a_token_with_the_wrong_shape_is_reported():
    (problem,) = problems_for(valid_environment(DISCORD_TOKEN="just-some-text"))
    assert problem.startswith("DISCORD_TOKEN does not look like a Discord bot token")
    assert "just-some-text" not in problem


def test_every_problem_is_listed_together():
    problems = problems_for({"TAUBOT_APP_ID": "nope", "LOG_LEVEL": "LOUD", "LINK_TIMEOUT_MINUTES": "-1"})
    assert len(problems) == 6
    assert [problem.split()[0] for problem in problems] == [
        "DISCORD_TOKEN", "TAUBOT_MASTER_KEY", "TAUBOT_APP_ID", "KEY_ENCRYPTION_KEY", "LOG_LEVEL",
        "LINK_TIMEOUT_MINUTES",
    ]


def test_settings_repr_hides_secrets():
    settings = load_settings(valid_environment())
    assert TOKEN not in repr(settings)
    assert MASTER_KEY not in repr(settings)


def test_dotenv_file_is_read_and_real_environment_wins(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(f"TAUBOT_APP_ID={APP_ID}\nCURRENCY_SYMBOL=c\n")
    monkeypatch.setenv("CURRENCY_SYMBOL", "t$")
    merged = read_environment(env_file)
    assert merged["TAUBOT_APP_ID"] == APP_ID
    assert merged["CURRENCY_SYMBOL"] == "t$"


def test_a_missing_dotenv_file_is_fine(tmp_path):
    assert "PATH" in read_environment(tmp_path / "absent.env")


def test_generated_keys_are_fresh_and_valid():
    first, second = generate_encryption_key(), generate_encryption_key()
    assert first != second
    assert len(base64.urlsafe_b64decode(first)) == 32


def test_secret_values_include_the_encryption_key_exactly_as_configured():
    configured = generate_encryption_key().rstrip("=")
    settings = load_settings(valid_environment(KEY_ENCRYPTION_KEY=f"  {configured}  "))
    secrets = settings.secret_values()
    assert f"  {configured}  " in secrets
    assert configured in secrets
    assert base64.b64encode(settings.key_encryption_key).decode() in secrets  # the standard-alphabet form too
    assert TOKEN in secrets and MASTER_KEY in secrets


@pytest.mark.parametrize("url", ["https://bot:hunter2-secret@taubot.qzz.io/api", "http://:hunter2-secret@127.0.0.1/api",
                                 "https://bot@taubot.qzz.io/api", "bot:hunter2-secret@taubot.qzz.io/api"])
def test_an_api_url_with_credentials_is_refused_without_echoing_them(url):
    (problem,) = problems_for(valid_environment(TAUBOT_API_URL=url))
    assert problem.startswith("TAUBOT_API_URL contains a user name or password")
    assert "hunter2" not in problem
    assert "taubot.qzz.io" not in problem and "127.0.0.1" not in problem


def test_an_api_url_that_does_not_parse_is_refused():
    for url in ("http://[::1/api", "http://127.0.0.1:port/api"):
        (problem,) = problems_for(valid_environment(TAUBOT_API_URL=url))
        assert problem.startswith("TAUBOT_API_URL is not a valid URL")


def test_a_relative_database_path_is_relative_to_the_project_folder_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(valid_environment(DATABASE_PATH="state/bot.sqlite3"))
    assert settings.database_path == PROJECT_ROOT / "state" / "bot.sqlite3"
    assert load_settings(valid_environment()).database_path == PROJECT_ROOT / "data" / "taubot-bot.sqlite3"
    assert PROJECT_ROOT == Path(__file__).resolve().parents[2]  # the folder bot.py is in
    assert (PROJECT_ROOT / "bot.py").is_file()
