"""A small cog that exercises each thing the harness must model; loaded only by the harness self-tests."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

FRUITS = ("apple", "apricot", "banana", "blueberry", "cherry")


class PersistentCounter(discord.ui.DynamicItem[discord.ui.Button], template=r"probe:counter:(?P<count>\d+)"):
    """A button that survives restarts: its state lives in its custom_id."""

    def __init__(self, count: int):
        super().__init__(discord.ui.Button(label=f"Count {count}", custom_id=f"probe:counter:{count}",
                                           style=discord.ButtonStyle.primary))
        self.count = count

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]):
        return cls(int(match["count"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(PersistentCounter(self.count + 1))
        await interaction.response.edit_message(content=f"Counted to {self.count + 1}", view=view)


class ConfirmView(discord.ui.View):
    def __init__(self, owner_id: int):
        super().__init__(timeout=60)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("These buttons are not yours.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        for child in self.children:
            child.disabled = True
        await interaction.response.edit_message(content="Confirmed.", view=self)

    @discord.ui.button(label="Explode", style=discord.ButtonStyle.danger)
    async def explode(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        raise RuntimeError("a bug inside a View callback")


class AmountModal(discord.ui.Modal, title="Send an amount"):
    amount = discord.ui.TextInput(label="Amount", placeholder="12.50", max_length=20)
    note = discord.ui.TextInput(label="Note", required=False, style=discord.TextStyle.paragraph)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"You typed {self.amount.value} ({self.note.value or 'no note'})",
                                                ephemeral=True)


class ProbeCog(commands.Cog):
    @app_commands.command(name="probe-member", description="Show a member in an ephemeral embed")
    async def probe_member(self, interaction: discord.Interaction, member: discord.Member, amount: str) -> None:
        embed = discord.Embed(title="Member", description=f"{member.mention} gets {amount}")
        embed.add_field(name="Display name", value=member.display_name)
        embed.add_field(name="Is a Member", value=str(isinstance(member, discord.Member)))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="probe-where", description="Say where this is, then try to post in the channel")
    async def probe_where(self, interaction: discord.Interaction) -> None:
        context = interaction.context
        kind = "server" if context.guild else "bot DM" if context.dm_channel else "private channel"
        await interaction.response.send_message(
            f"{kind} guild={interaction.guild_id} user_install={interaction.is_user_integration()} "
            f"server_install={interaction.is_guild_integration()}", ephemeral=True)
        try:
            await interaction.channel.send("hello")  # type: ignore[union-attr]
        except discord.Forbidden as error:
            await interaction.followup.send(f"posting failed: {error.code}", ephemeral=True)
        else:
            await interaction.followup.send("posted", ephemeral=True)

    @app_commands.command(name="probe-slow", description="Defer, then follow up")
    async def probe_slow(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("Finished the slow work.", ephemeral=True)

    @app_commands.command(name="probe-buttons", description="A confirmation with buttons")
    async def probe_buttons(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Confirm?", view=ConfirmView(interaction.user.id), ephemeral=True)

    @app_commands.command(name="probe-counter", description="A persistent button")
    async def probe_counter(self, interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(PersistentCounter(0))
        await interaction.response.send_message("Counted to 0", view=view)

    @app_commands.command(name="probe-dm", description="Send yourself a DM")
    async def probe_dm(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.user.send("Hello in your DMs.")
        except discord.Forbidden as error:
            await interaction.response.send_message(f"I can't DM you (code {error.code}).", ephemeral=True)
        else:
            await interaction.response.send_message("Check your DMs.", ephemeral=True)

    @app_commands.command(name="probe-fruit", description="Pick a fruit")
    async def probe_fruit(self, interaction: discord.Interaction, fruit: str,
                          count: app_commands.Range[int, 1, 10] = 1) -> None:
        await interaction.response.send_message(f"{count} × {fruit}", ephemeral=True)

    @probe_fruit.autocomplete("fruit")
    async def fruit_choices(self, interaction: discord.Interaction, current: str):
        return [app_commands.Choice(name=f.title(), value=f) for f in FRUITS if f.startswith(current.lower())]

    @app_commands.command(name="probe-checked", description="A command whose check always refuses")
    @app_commands.check(lambda interaction: False)
    async def probe_checked(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("The check let me through.", ephemeral=True)

    @app_commands.command(name="probe-form", description="Open a modal")
    async def probe_form(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(AmountModal())

    @app_commands.command(name="probe-file", description="Attach a CSV")
    async def probe_file(self, interaction: discord.Interaction) -> None:
        import io
        await interaction.response.send_message(
            "Here it is.", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="rows.csv"), ephemeral=True)


@app_commands.context_menu(name="Probe user")
async def probe_user_menu(interaction: discord.Interaction, user: discord.Member) -> None:
    await interaction.response.send_message(f"You picked {user.display_name}", ephemeral=True)


async def install(bot: commands.Bot) -> None:
    await bot.add_cog(ProbeCog())
    bot.tree.add_command(probe_user_menu)
    bot.add_dynamic_items(PersistentCounter)
