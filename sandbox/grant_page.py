"""The grant page a person clicks through: it stands in for Taubot's page behind Discord login."""

from __future__ import annotations

from html import escape

from .economy import PERMISSIONS, AccountRecord

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; } .hint { color: #666; font-size: .9rem; } table { border-collapse: collapse; }
td, th { padding: .3rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }
button { padding: .5rem 1.2rem; font-size: 1rem; } .box { background: #f4f4f8; padding: 1rem; border-radius: 6px; }
"""


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>")


def _hidden(ref_id: str, application_id: str) -> str:
    return (f"<input type='hidden' name='ref' value='{escape(ref_id)}'>"
            f"<input type='hidden' name='aid' value='{escape(application_id)}'>")


def ask_for_user(ref_id: str, application_id: str, application_name: str) -> str:
    return _page("Grant access to your Taubot account", f"""
<p><b>{escape(application_name)}</b> wants to use your Taubot account.</p>
<div class="box"><form method="get" action="grant">
{_hidden(ref_id, application_id)}
<label>Your Discord user ID <input name="user_id" inputmode="numeric" pattern="[0-9]+" required></label>
<button type="submit">Continue</button></form>
<p class="hint">This sandbox stands in for “Log in with Discord”: type the Discord user ID you are acting as.</p>
</div>""")


def choose_permissions(ref_id: str, application_id: str, application_name: str, user_id: int,
                       accounts: list[AccountRecord]) -> str:
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
    return _page("Grant access to your Taubot account", f"""
<p>Acting as Discord user <b>{user_id}</b>. Choose what <b>{escape(application_name)}</b> may do.</p>
<form method="post" action="grant">
{_hidden(ref_id, application_id)}
<input type="hidden" name="user_id" value="{user_id}">
{table}
<p><label>Spending limit (in cents, the total this application may ever spend)
<input name="spending_limit" value="0" inputmode="numeric" pattern="[0-9]+"></label></p>
<p class="hint">A limit of 0 blocks every payment.</p>
<button type="submit">Grant access</button></form>""")


def granted() -> str:
    return _page("Access granted", "<p>You can close this page and return to Discord.</p>")


def unknown_reference() -> str:
    return _page("This link is not valid",
                 "<p>Taubot doesn't know this link (it may have restarted). Start linking again from Discord.</p>")
