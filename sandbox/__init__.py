"""A local stand-in for the Taubot API, for development, the demo and the tests (see handle.py)."""

from .economy import TRANSFER_FUNDS, VIEW_BALANCE, Economy
from .handle import DIALECTS, Sandbox
from .seed import ALICE, BOB, CAROL, DAVE

__all__ = ["ALICE", "BOB", "CAROL", "DAVE", "DIALECTS", "TRANSFER_FUNDS", "VIEW_BALANCE", "Economy", "Sandbox"]
