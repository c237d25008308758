"""The one exception type the storage package raises for a database that cannot be used, which the command line
prints as one line (its subclasses say why: damage.py, key_check.py)."""


class DatabaseError(Exception):
    """The database cannot be used; the message says why and what to do."""
