"""What a self-hoster runs besides the bot itself: `check` (is everything set up right?)."""
