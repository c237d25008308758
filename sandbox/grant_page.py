"""The grant pages a person clicks through: they stand in for Taubot's pages behind Discord login.

v2 ticks permissions per account and takes a spending limit whose 0 blocks everything; v2.1 picks one
account, never shows the permissions asked for, and treats 0 or an empty limit as "no limit".
"""

from __future__ import annotations

from html import escape

from .economy import PERMISSIONS, AccountRecord

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; } .hint { color: #666; font-size: .9rem; } table { border-collapse: collapse; }
td, th { padding: .3rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }
button { padding: .5rem 1.2rem; font-size: 1rem; } .box { background: #f4f4f8; padding: 1rem; border-radius: 6px; }
"""
_TITLE = "Grant access to your Taubot account"


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>")


def _hidden(fields: dict[str, str]) -> str:
    return "".join(f"<input type='hidden' name='{escape(name)}' value='{escape(str(value))}'>"
                   for name, value in fields.items())


def ask_for_user(fields: dict[str, str], application_name: str, *, action: str) -> str:
    """The stand-in for "Log in with Discord"; `fields` carry the reference through (ref/aid or ref_id/app_id)."""
    return _page(_TITLE, f"""
<p><b>{escape(application_name)}</b> wants to use your Taubot account.</p>
<div class="box"><form method="get" action="{escape(action)}">
{_hidden(fields)}
<label>Your Discord user ID <input name="user_id" inputmode="numeric" pattern="[0-9]+" required></label>
<button type="submit">Continue</button></form>
<p class="hint">This sandbox stands in for “Log in with Discord”: type the Discord user ID you are acting as.</p>
</div>""")


def choose_permissions(ref_id: str, application_id: str, application_name: str, user_id: int,
                       accounts: list[AccountRecord]) -> str:
    """v2: permissions ticked per account, and a limit (0 blocks every payment)."""
    if accounts:
        rows = "".join(
            f"<tr><td>{escape(account.account_name)}</td><td>{escape(account.account_type.title())}</td>"
            + "".join(f"<td><label><input type='checkbox' name='perm' value='{escape(account.account_id)}:{perm}'>"
                      f" {perm.replace('_', ' ')}</label></td>" for perm in PERMISSIONS)
            + "</tr>"
            for account in accounts
        )
        table = f"<table><tr><th>Account</th><th>Type</th><th colspan='2'>Allow</th></tr>{rows}</table>"
    else:
        table = "<p>You have no Taubot accounts. You can still submit, but there will be nothing to grant.</p>"
    return _page(_TITLE, f"""
<p>Acting as Discord user <b>{user_id}</b>. Choose what <b>{escape(application_name)}</b> may do.</p>
<form method="post" action="grant">
{_hidden({"ref": ref_id, "aid": application_id, "user_id": str(user_id)})}
{table}
<p><label>Spending limit (in cents, the total this application may ever spend)
<input name="spending_limit" value="0" inputmode="numeric" pattern="[0-9]+"></label></p>
<p class="hint">A limit of 0 blocks every payment.</p>
<button type="submit">Grant access</button></form>""")


def choose_account(fields: dict[str, str], application_name: str, accounts: list[AccountRecord]) -> str:
    """v2.1: one account, and a limit (0, empty or "no limit" allow everything; a negative one blocks)."""
    rows = "".join(
        f"<tr><td><label><input type='radio' name='account' value='{escape(account.account_id)}'"
        f"{' checked' if index == 0 else ''} required> {escape(account.account_name)}</label></td>"
        f"<td>{escape(account.account_type.title())}</td></tr>"
        for index, account in enumerate(accounts))
    return _page(_TITLE, f"""
<p>Acting as Discord user <b>{escape(fields.get('user_id', ''))}</b>. Choose the account
<b>{escape(application_name)}</b> may use.</p>
<form method="post" action="../submit">
{_hidden(fields)}
<table><tr><th>Account</th><th>Type</th></tr>{rows}</table>
<p><label>Spending limit (in cents, the total this application may ever spend)
<input name="spending_limit" value="" inputmode="numeric" pattern="-?[0-9]*"></label>
<label><input type="checkbox" name="no_limit" value="on"> No limit</label></p>
<p class="hint">0 or an empty limit means no limit; a negative limit blocks every payment.</p>
<button type="submit">Authorize</button></form>""")


def granted() -> str:
    return _page("Access granted", "<p>You can close this page and return to Discord.</p>")


def unknown_reference() -> str:
    return _page("This link is not valid",
                 "<p>Taubot doesn't know this link (it may have restarted). Start linking again from Discord.</p>")
