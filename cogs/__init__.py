"""The bot's features, one extension each, and what they share.

Features: link/ (linking an account), pay/ (paying), balance.py, history/, notifications.py, requests/ (money
requests), help.py. Shared by them: ui.py (how things are shown and answered), messages.py (every sentence a
member reads when something fails), buttons.py (the button and modal bases), interaction_log.py (each
interaction's log line), guarded.py (how every interaction runs, and the one error path), in_flight.py (the
shutdown bookkeeping), member_names.py (members' names for Taubot's default account names), seen_accounts.py
(the accounts each member has seen, for suggestions), handoffs.py (what one feature asks of another).
"""

# Every feature cog, loaded in this order. A new cog is one line here.
EXTENSIONS: tuple[str, ...] = ("cogs.link", "cogs.balance", "cogs.pay", "cogs.history", "cogs.notifications",
                               "cogs.requests", "cogs.help")
