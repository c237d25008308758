"""`python bot.py demo`: the whole product on one machine, with a console standing in for Discord."""
