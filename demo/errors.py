"""The one error the console raises at a person: what they typed cannot become an action."""


class InputError(Exception):
    """A line the console cannot turn into what a member would do; the message says what to type instead."""
