"""`check` against the sandbox, on both Taubot dialects, for the settings that pass every other check and still
break linking: a wrong TAUBOT_APP_ID (every grant link would fail), a TAUBOT_API_URL without /api, and a master
key whose application owner has a Taubot account (v2's /users/me then answers it like a grant key)."""

from check import run_checks
from tests.cli.test_check_and_backup import environment, lines

ANOTHER_APPLICATION = "123e4567-e89b-12d3-a456-426614174000"


async def test_a_wrong_application_id(settings, sandbox, fake_discord_client):
    checks = await run_checks(environment(settings, TAUBOT_APP_ID=ANOTHER_APPLICATION),
                              make_discord_client=fake_discord_client)
    found = lines(checks)
    assert found["taubot"][0] is True  # the master key itself is fine
    if sandbox.dialect == "v2.1":  # /applications/me names the master key's application
        assert found["application"] == (False, f"the master key belongs to application {sandbox.application_id}, "
                                               f"but TAUBOT_APP_ID is {ANOTHER_APPLICATION}. Grant links would fail.")
    else:  # v2 has no /applications/me, and its grant page refuses an application it does not know
        assert found["application"] == (False, f"Taubot knows no application {ANOTHER_APPLICATION}: its grant page "
                                               "refuses TAUBOT_APP_ID, so every grant link would fail. Put the "
                                               "application ID that came with the master key in TAUBOT_APP_ID.")
        (asked,) = [r for r in sandbox.requests if r.query.get("aid")]
        assert (asked.path, asked.key_kind, asked.status) == ("/api/oauth/grant", "none", 400)
    assert "PROBLEM  application" in [check.line()[:20] for check in checks]
    assert not sandbox.economy.references  # nothing registered: the check changed nothing


async def test_a_url_without_api_is_named_and_never_gets_the_master_key(settings, sandbox, fake_discord_client):
    site = sandbox.api_url.removesuffix("/api")
    found = lines(await run_checks(environment(settings, TAUBOT_API_URL=site), make_discord_client=fake_discord_client))
    ok, detail = found["taubot"]
    assert not ok
    assert detail.startswith("TAUBOT_API_URL does not look like the Taubot API: it answered HTTP ")
    assert detail.endswith(f"The API base ends in /api: try TAUBOT_API_URL={site}/api")
    assert "dialect" not in found and "application" not in found  # no "master key accepted" after a 404
    assert {request.key_kind for request in sandbox.requests} == {"none"}


async def test_the_application_owners_own_account_does_not_make_the_master_key_look_like_a_grant_key(
        settings, sandbox, fake_discord_client):
    sandbox.create_account("Owner", owner_id=1)  # the sandbox application's owner: v2's /users/me now answers 200
    found = lines(await run_checks(environment(settings), make_discord_client=fake_discord_client))
    assert found["taubot"] == (True, f"{settings.taubot_api_url} reachable, master key accepted")
    assert found["application"][0] is True
    if sandbox.dialect == "v2":
        assert [(r.path, r.status) for r in sandbox.requests if r.key_kind == "master"][:2] == [
            ("/api/users/me", 200), ("/api/accounts/00000000-0000-0000-0000-000000000000", 401)]
