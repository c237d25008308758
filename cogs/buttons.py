"""The bases of the bot's buttons and modals, and how a button finds the cog that handles it.

Every button is persistent (a discord.py DynamicItem): its state lives in its custom_id, so a press still
works after a restart. A subclass states its prefix, label, style and fields once:

    class ConfirmPaymentButton(PaymentButton):
        prefix, label, style = "pay:confirm", "Confirm", discord.ButtonStyle.success
        # PaymentButton: fields = {"payer_id": r"\\d+", "intent_id": r"[0-9a-f]{32}"}, owner_field = "payer_id"

and its custom_id is `pay:confirm:<payer_id>:<intent_id>`, parsed back with named regex groups.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self, TypeVar, cast

import discord
from discord.ext import commands

from .guarded import run_guarded
from .interaction_log import logged_as
from .limits import BUTTON_LABEL, clip
from .messages import NOT_YOUR_BUTTONS

CogT = TypeVar("CogT")
NEVER_MATCHES = r"(?!)"  # the template of the abstract bases: discord.py wants one on every subclass


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button], template=NEVER_MATCHES):
    prefix: ClassVar[str | tuple[str, ...]]  # several: one class for buttons that differ only in words
    fields: ClassVar[dict[str, str]] = {}  # name → regex, in custom_id order
    label: ClassVar[str] = ""
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary
    owner_field: ClassVar[str | None] = None  # the field naming the only member who may press it
    not_yours: ClassVar[str] = NOT_YOUR_BUTTONS

    def __init_subclass__(cls) -> None:
        concrete = "prefix" in cls.__dict__
        super().__init_subclass__(template=cls._template() if concrete else NEVER_MATCHES)

    @classmethod
    def _template(cls) -> str:
        prefixes = "|".join(re.escape(prefix) for prefix in cls.prefixes())
        return f"(?P<prefix>{prefixes})" + "".join(f":(?P<{name}>{regex})" for name, regex in cls.fields.items())

    @classmethod
    def parse(cls, custom_id: str | None) -> dict[str, str] | None:
        """The prefix and fields of `custom_id` if it is one of this button's, else None."""
        match = re.fullmatch(cls._template(), custom_id or "")
        return match.groupdict() if match else None

    @classmethod
    def prefixes(cls) -> tuple[str, ...]:
        return (cls.prefix,) if isinstance(cls.prefix, str) else cls.prefix

    def __init__(self, *, disabled: bool = False, prefix: str | None = None, **values: object) -> None:
        self.prefix_used = prefix or self.prefixes()[0]
        self.values = {name: str(values[name]) for name in self.fields}
        custom_id = ":".join([self.prefix_used, *self.values.values()])
        super().__init__(discord.ui.Button(label=clip(self.button_label(), BUTTON_LABEL), style=self.style,
                                           custom_id=custom_id, disabled=disabled))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> Self:
        # The groups are the prefix and the fields, by name (never `disabled`: no template has that group).
        return cls(**cast("dict[str, Any]", match.groupdict()))

    def button_label(self) -> str:
        return self.label

    @property
    def button_name(self) -> str:
        """What the log line calls it, e.g. 'pay:confirm': the prefix without the ids it carries."""
        return self.prefix_used

    @property
    def owner_id(self) -> int | None:
        return int(self.values[self.owner_field]) if self.owner_field else None

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if self.owner_id is None or interaction.user.id == self.owner_id:
            return True
        with logged_as(f"button={self.button_name}", interaction, "refused"):
            await interaction.response.send_message(self.not_yours, ephemeral=True)
        return False

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_guarded("button", self.button_name, interaction, lambda: self.handle(interaction))

    async def handle(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class GuardedModal(discord.ui.Modal):
    """A modal whose submission is handled like a command: turned away while stopping, logged, one error path."""

    log_name: ClassVar[str]  # the log line says modal=<log_name>

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        await run_guarded("modal", self.log_name, interaction, lambda: self.handle(interaction))

    async def handle(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


def cog_of(interaction: discord.Interaction, handler: type[CogT]) -> CogT:
    """The loaded cog that implements `handler`, the interface a feature's buttons call: so the buttons and the
    cog that shows them need not import each other."""
    return cog_implementing(interaction.client, handler)


def cog_implementing(client: discord.Client, handler: type[CogT]) -> CogT:
    """The loaded cog that implements `handler` (see cogs/handoffs.py); LookupError when none does."""
    if isinstance(client, commands.Bot | commands.AutoShardedBot):
        for cog in client.cogs.values():
            if isinstance(cog, handler):
                return cog
    raise LookupError(f"no loaded cog implements {handler.__name__}")
