"""DATABASE_URL: a PostgreSQL URL selects PostgreSQL; a wrong one is one line naming the variable, never its
password; the password is redacted from logs like every other secret."""

import pytest

from config import load_settings
from logging_setup import SecretRedactor
from tests.config.test_config import problems_for, valid_environment

URL = "postgresql://taubot:s3cret%2Fpass@db.internal:5432/taubot"


def test_without_database_url_the_sqlite_file_is_used():
    settings = load_settings(valid_environment(DATABASE_PATH="/tmp/x/bot.db"))
    assert settings.database_url is None
    assert str(settings.database) == "/tmp/x/bot.db"


def test_a_postgresql_url_selects_postgresql_and_its_password_is_a_secret():
    settings = load_settings(valid_environment(DATABASE_URL=URL))
    assert settings.database == URL
    assert "s3cret" not in repr(settings)
    assert {"s3cret%2Fpass", "s3cret/pass"} <= set(settings.secret_values())
    logged = SecretRedactor(settings.secret_values()).redact(f"connecting to {URL} failed (s3cret/pass)")
    assert "s3cret" not in logged


@pytest.mark.parametrize(("url", "says"), [
    ("mysql://taubot:s3cret@db/taubot", "DATABASE_URL must be a PostgreSQL URL starting with postgresql://"),
    ("postgresql://taubot:s3cret@db:port/taubot", "DATABASE_URL is not a valid URL"),
    ("postgresql://taubot:s3cret@/taubot", "DATABASE_URL names no host"),
    ("postgresql://taubot:s3cret@db.internal:5432", "DATABASE_URL names no database"),
])
def test_a_wrong_database_url_is_one_line_without_the_password(url, says):
    (problem,) = problems_for(valid_environment(DATABASE_URL=url))
    assert problem.startswith(says)
    assert "\n" not in problem and "s3cret" not in problem
