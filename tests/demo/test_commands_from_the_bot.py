"""The console reads the bot's real command tree: a command added to the bot can be typed, is in the help,
and its options are understood, without editing the demo."""

import discord
from discord import app_commands

from demo.help import general_help

from .session import Session, assert_in_order, assert_plain_words


def add_commands(tree: app_commands.CommandTree, heard: list) -> None:
    @app_commands.command(name="tip", description="Tip a member")
    @app_commands.describe(points="How many points", member="Who gets them", note="Why, in a few words",
                           public="Show it to everyone")
    async def tip(interaction: discord.Interaction, points: app_commands.Range[int, 1, 10], member: discord.User,
                  note: str | None = None, public: bool = False) -> None:
        heard.append(("tip", points, member.name, note, public))
        await interaction.response.send_message(f"{points} points to {member.mention}: {note}", ephemeral=not public)

    admin = app_commands.Group(name="admin", description="Server tools")

    @admin.command(name="audit", description="Recent payments")
    async def audit(interaction: discord.Interaction, limit: int = 5) -> None:
        heard.append(("audit", limit))
        await interaction.response.send_message(f"The last {limit} payments.", ephemeral=True)

    @app_commands.context_menu(name="Wave")
    async def wave(interaction: discord.Interaction, member: discord.User) -> None:
        await interaction.response.send_message(f"You waved at {member.mention}.", ephemeral=True)

    @app_commands.command(name="menu", description="A message with a greyed-out button")
    async def menu(interaction: discord.Interaction) -> None:
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Later", disabled=True, custom_id="menu:later"))
        await interaction.response.send_message("Not yet.", view=view, ephemeral=True)

    for command in (tip, admin, wave, menu, thank_with_a_form(heard)):
        tree.add_command(command)


def thank_with_a_form(heard: list) -> app_commands.ContextMenu:
    """An Apps-menu command whose form has a required and an optional field, like Pay's once memos exist."""
    class ThanksForm(discord.ui.Modal, title="Thank them"):
        points = discord.ui.TextInput(label="Points", placeholder="3", max_length=2)
        memo = discord.ui.TextInput(label="Memo", required=False, max_length=20)

        async def on_submit(self, interaction: discord.Interaction) -> None:
            heard.append(("thanks", self.points.value, self.memo.value))
            await interaction.response.send_message(f"Thanked with {self.points.value} points.", ephemeral=True)

    async def thank(interaction: discord.Interaction, member: discord.User) -> None:
        await interaction.response.send_modal(ThanksForm())

    return app_commands.ContextMenu(name="Thank", callback=thank)


async def test_a_new_command_is_in_the_help_and_can_be_typed(discord, sandbox, tmp_path):
    heard: list = []
    add_commands(discord.bot.tree, heard)
    demo = Session.on(discord, sandbox, tmp_path, {"alice": 1001, "bob": 1002})
    assert_in_order(general_help(demo.console.catalogue, demo.console.members.names, 100), [
        "  /tip points member [note] [public]",
        "Tip a member",
        "  /admin audit [limit]",
        "Recent payments",
        "  wave @MEMBER",
        "Apps → Wave: right-click a member and choose Wave",
    ])
    output = await demo.type("/tip @bob 3 public note:great work, thanks!", "/tip 11 @bob", "/tip 3",
                             "/admin audit 7", "/ADMIN Audit limit:2", "/admin", "/admin audti",
                             "wave bob", "/tpi 3 @bob")
    assert heard == [("tip", 3, "bob", "great work, thanks!", True), ("audit", 7), ("audit", 2)]
    assert_in_order(output, [
        "3 points to @bob: great work, thanks!",
        "(points goes from 1 to 10; 11 is outside that, so Discord wouldn't send it.)",
        "(/tip needs member (Who gets them). Type it like: /tip points member [note] [public])",
        "The last 7 payments.",
        "The last 2 payments.",
        "(/admin needs one of: /admin audit.)",
        "(/admin has no “audti”; it has audit.)",
        "You waved at @bob.",
        "(There is no /tpi. Did you mean /tip? The commands are",
    ])
    assert_plain_words(output)


async def test_a_greyed_out_button_cannot_be_pressed(discord, sandbox, tmp_path):
    add_commands(discord.bot.tree, [])
    output = await Session.on(discord, sandbox, tmp_path, {"alice": 1001}).type("/menu", "press later")
    assert_in_order(output, ["[Later] (disabled)", "(“Later” is greyed out, so Discord won't let you press it.)"])


async def test_a_form_with_an_optional_field(discord, sandbox, tmp_path):
    heard: list = []
    add_commands(discord.bot.tree, heard)
    demo = Session.on(discord, sandbox, tmp_path, {"alice": 1001, "bob": 1002})
    output = await demo.type("thank @bob", "3", "", "THANK bob", "4", "for the help")
    assert heard == [("thanks", "3", ""), ("thanks", "4", "for the help")]
    assert_in_order(output, [
        "alice> thank @bob\n(The bot opened a form, “Thank them”.",
        "Thank them · Points (e.g. 3)> 3\n",
        "Thank them · Memo (optional, Enter to skip)> \n",
        "Thanked with 3 points.",
        "Thank them · Memo (optional, Enter to skip)> for the help\n",
        "Thanked with 4 points.",
    ])
