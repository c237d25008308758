"""Every sentence a member reads when something fails or is refused, and the words of /help: in one place,
grouped by situation.

Each says what happened and what to do. Amounts and names arrive already formatted, so this file holds only
words; the feature that shows a sentence decides when.
"""

from __future__ import annotations

import math
from datetime import datetime

import discord

from taubot import (
    DialectUnknown,
    InsufficientFunds,
    KeyExpired,
    KeyOutdated,
    MissingPermission,
    NotFound,
    ProtocolError,
    RateLimited,
    Rejected,
    ServerError,
    TaubotError,
    TransferRefused,
    Unauthorized,
    Unavailable,
)

# -- any command -------------------------------------------------------------------------------------------

NOT_LINKED = "You haven't linked a Taubot account yet. Run /link-account to link one."
RELINK_FOR_VIEW_BALANCE = "Run /link-account again and tick VIEW BALANCE on your account."
SOMETHING_WENT_WRONG = "Something went wrong on my side. Nothing was changed; please try again."
STOPPING = "I'm restarting right now. Nothing was changed; try again in a minute."
# Unlike STOPPING, something may have happened (a payment may have been sent): the member must check.
CUT_OFF = "I had to restart before this finished. Check /history or /balance before trying again."
NOT_YOUR_BUTTONS = "These buttons belong to someone else."
# The bot's database file was deleted or replaced under it (storage/file_identity.py): it stores nothing more.
BOT_UNAVAILABLE = ("I'm unavailable right now: I can't keep records, so I won't pay or link anything. Nothing was "
                   "changed. The bot's host has been alerted; please try again later.")
# A check of the command refused it (none of the bot's own checks but the cooldowns: see cooldowns.py).
NOT_ALLOWED_NOW = "You can't use this command here or right now. Nothing was changed."


def on_cooldown(command: str, retry_after: float) -> str:
    """A member ran `command` more often than the bot allows (cooldowns.py); `retry_after` in seconds."""
    seconds = max(1, math.ceil(retry_after))
    wait = f"{seconds} second{'s' if seconds != 1 else ''}" if seconds < 90 else f"{math.ceil(seconds / 60)} minutes"
    return f"You've run /{command} many times in a short while, so I'm pausing it for you. Try again in {wait}."



def not_a_linked_account(named: str, linked: list[str]) -> str:
    """A command named an account (from:, account:) that the member has not linked; `linked`: shown names."""
    yours = f" Your linked accounts: {', '.join(linked)}." if linked else ""
    return (f"You haven't linked an account called “{named}”, so I can't act for it. Nothing was changed.{yours} "
            f"To link it, run /link-account with its name.")

# -- Taubot unreachable or failing -----------------------------------------------------------------------

TAUBOT_UNREACHABLE = "I couldn't reach Taubot just now. Nothing was changed; try again in a minute."
TAUBOT_BUSY = "Taubot is busy right now. Nothing was changed; try again in a minute."
TAUBOT_FAILED = "Taubot had a problem answering. Nothing was changed; try again in a minute."
TAUBOT_REJECTED = "Taubot rejected the request. Nothing was changed."


def describe_unavailable(error: TaubotError) -> str:
    """Taubot could not answer (or refused in a way no feature explains better)."""
    if isinstance(error, Unavailable):
        return TAUBOT_UNREACHABLE
    if isinstance(error, RateLimited):
        return TAUBOT_BUSY
    if isinstance(error, ServerError | ProtocolError | DialectUnknown):
        return TAUBOT_FAILED
    if isinstance(error, Rejected):
        return TAUBOT_REJECTED
    return SOMETHING_WENT_WRONG


# -- reading an account (a 401 here means the link was refused) -------------------------------------------

LINK_REFUSED = "Taubot refused your link (it may have been revoked). Run /link-account to link again."


# The operator upgraded Taubot (v2 → v2.1): keys made before no longer work.
LINK_FROM_BEFORE_THE_UPGRADE = ("Taubot was upgraded since you linked, and links made before that no longer work. "
                                "Run /link-account to link again.")


def link_expired(expired_at: datetime) -> str:
    """Taubot refused a key whose own claims say it has expired (Taubot v2.1's keys live 90 days)."""
    return f"Your Taubot link expired on {discord.utils.format_dt(expired_at, 'D')}. Run /link-account to link again."


def describe_lookup_failure(error: TaubotError, *, what: str = "such account", name: str | None = None) -> str:
    """One sentence for a failed read: of the account called `name`, or of `what`."""
    if isinstance(error, NotFound):
        if name is not None:
            return f"Taubot has no account called “{name}”. Check the spelling: names are case-sensitive."
        return f"Taubot has no {what}."
    if isinstance(error, KeyExpired):
        return link_expired(error.expired_at)
    if isinstance(error, KeyOutdated):
        return LINK_FROM_BEFORE_THE_UPGRADE
    if isinstance(error, Unauthorized):
        return LINK_REFUSED
    if name is not None and isinstance(error, ServerError) and error.status == 500:
        # The real server crashes (500) when two accounts share the name being looked up.
        return (f"Taubot failed to look up “{name}”. It does this when several accounts share that name; "
                "if that's not it, try again in a minute.")
    return describe_unavailable(error)


# -- /balance ----------------------------------------------------------------------------------------------

EMPTY_ACCOUNT_NAME = "That account name is empty. Give the account's exact name."
OWN_BALANCE_HIDDEN = f"Hidden: your link does not allow viewing this balance. {RELINK_FOR_VIEW_BALANCE}"
OTHER_BALANCE_HIDDEN = "Hidden: your link does not allow viewing this account's balance."

# -- /history (a 401 here is ambiguous) -------------------------------------------------------------------

# Taubot answers 401 both for a revoked link and for one without VIEW BALANCE; it can't tell us which.
HISTORY_REFUSED = ("Taubot refused to show your history, either because your link doesn't allow viewing your "
                   "balance or because it was revoked: run /link-account again and tick VIEW BALANCE.")
# Taubot v2.1 says which: the link is valid but lacks VIEW BALANCE.
HISTORY_NOT_ALLOWED = ("Your link doesn't allow viewing your balance, so Taubot won't show your history. Run "
                       "/link-account to link again.")
HISTORY_EXPIRED = "This history view has expired. Run /history again."
NOT_YOUR_HISTORY = "Only the member who ran /history can turn its pages."


def describe_history_failure(error: TaubotError) -> str:
    """Why the log could not be read: Taubot v2 answers 401 both for a revoked link and for one without VIEW
    BALANCE; v2.1 tells the two apart. An expired or outdated link reads as everywhere else."""
    if isinstance(error, MissingPermission):
        return HISTORY_NOT_ALLOWED
    if isinstance(error, Unauthorized) and not isinstance(error, KeyExpired | KeyOutdated):
        return HISTORY_REFUSED
    return describe_lookup_failure(error, what="transaction log for your account")

# -- /pay: refused before anything is sent ------------------------------------------------------------------

PAYING_YOURSELF = "You can't pay yourself."
PAYING_A_BOT = "Bots don't have Taubot accounts. Pick a member instead."
PAY_FORM_RECIPIENT_GONE = ("I can't find the member this form was for any more, so nothing was sent. Right-click "
                           "them → Apps → Pay to start again.")
# /pay user or Apps → Pay in the DM with the bot, where Discord offers only the member and the bot to pick.
ONLY_US_IN_THIS_DM = ("In our DM, Discord only lets you pick yourself or me. To pay a member, run /pay user where "
                      "they are (a server or a group DM), or use /pay account with the name of their account.")
YOUR_OWN_ACCOUNT = "That's your own account. Pick someone else to pay."
# Never "try again": the other payment may be moving money right now, and a second one would pay twice.
PAYMENT_IN_FLIGHT = "Your other payment is still being sent — wait for its receipt."
# The account stays locked after an unknown outcome until Taubot can no longer apply that transfer.
PAYMENT_OUTCOME_OPEN = ("Your last payment's outcome isn't known yet, so I'm holding new payments from your account "
                        "for a minute or two, until Taubot can no longer apply it. I'll tell you what became of it.")
BALANCE_HIDDEN = ("I can't see your balance with your current link, so I couldn't check whether a payment went "
                  f"through. {RELINK_FOR_VIEW_BALANCE}")
NOT_YOUR_PAYMENT = "Only the payer can confirm or cancel this payment."
LINK_CHANGED = "Your link changed since this confirmation, so nothing was sent. Run /pay again."
CONFIRMATION_INVALID = ("This confirmation is no longer valid (it expired or the bot restarted). Nothing was sent; "
                        "run /pay again.")
CONFIRMATION_EXPIRED = "You didn't confirm in time, so nothing was sent. Run /pay again."
# A press on Cancel (or Confirm again) while the transfer is going out: never "nothing was sent".
PAYMENT_BEING_SENT = ("This payment is being sent right now, so it can't be cancelled. Its receipt will replace the "
                      "confirmation.")
BALANCE_NOT_VISIBLE = "Not visible with your link"


# -- memos (on /pay, the Pay form and /request) -------------------------------------------------------------

MEMO_CONTROL_CHARACTERS = ("Your memo contains a control character (a line break or tab, for example). Write it on "
                           "one line of plain text. Nothing was sent.")
MEMO_MENTIONS = ("Memos can't mention anyone (no @user, @role, #channel, @everyone or @here), so that a memo never "
                 "pings people. Write the name without the @. Nothing was sent.")


def memo_too_long(length: int, most: int) -> str:
    return f"Your memo is {length} characters long; a memo can be at most {most}. Shorten it. Nothing was sent."


def no_personal_account(mention: str) -> str:
    return f"{mention} has no Taubot personal account, so they can't be paid yet."


def not_enough(balance: str, amount: str) -> str:
    return f"You have {balance}, which is not enough to pay {amount}."


def already_handled(status_words: str) -> str:
    """A second press on a confirmation whose payment already went out (status_words: 'was sent'…)."""
    return f"This payment {status_words}; it won't be sent again."


# -- /pay: at Confirm, just before sending (nothing was sent) -------------------------------------------

BALANCE_HIDDEN_AT_CONFIRM = ("I can't see your balance with your current link any more, so I couldn't check a "
                             f"payment. Nothing was sent. {RELINK_FOR_VIEW_BALANCE}")


def balance_unreadable_at_confirm(error: TaubotError) -> str:
    return ("I couldn't read your balance just before sending, so nothing was sent. "
            + describe_lookup_failure(error, what="account linked to you"))


def not_enough_at_confirm(balance: str, amount: str) -> str:
    return f"You now have {balance}, which is not enough to pay {amount}. Nothing was sent."


def log_unreadable_at_confirm(error: TaubotError) -> str:
    return ("I couldn't read your transaction log just before sending (I check every payment against it), so "
            "nothing was sent. " + describe_lookup_failure(error, what="account linked to you"))


KEY_ID_UNREADABLE = ("I can't tell which of Taubot's log entries your link makes, so I couldn't check a payment. "
                     "Nothing was sent. Run /link-account to link again.")
SENDING_FAILED = "Something went wrong on my side before the payment went out. Nothing was sent; run /pay again."
JOURNAL_UNAVAILABLE = ("I couldn't write this payment to my journal (my database is unavailable), so nothing was "
                       "sent. Try again in a few minutes.")
LOCK_LOST = "Checking your account took too long, so nothing was sent. Run /pay again."
NOT_SENT_IN_TIME = ("I was held up too long between writing this payment down and sending it, so I didn't "
                    "send it: nothing moved. Run /pay again.")


# -- /pay: what Taubot did with the transfer ---------------------------------------------------------------

TRANSFER_INVALID = ("I refused to send this payment because its amount or accounts are invalid. Nothing was sent; "
                    "run /pay again.")
TRANSFER_REJECTED = ("Taubot refused the payment: there isn't enough money in your account (or the recipient is in "
                     "another economy). Nothing was sent.")
# Where Taubot says exactly why (v2.1's codes), the member reads exactly that.
TRANSFER_INSUFFICIENT = "Taubot refused the payment: there isn't enough money in your account. Nothing was sent."
TRANSFER_NOT_ALLOWED = ("Taubot refused the payment: your link may not transfer funds, or the recipient is in "
                        "another economy. Nothing was sent.")
TRANSFER_KEY_REFUSED = ("Taubot refused your link (it may have expired or been revoked), so nothing was sent. Run "
                        "/link-account to link again.")


BLOCKS_ALL_ZERO = "A limit of 0 (the grant page's default) blocks every payment."
BLOCKS_ALL_NEGATIVE = "A negative limit blocks every payment."


def over_spending_limit(*, spent: str, amount: str, cents: int, refused_count: bool, blocking_limit: str | None,
                        or_revoked: bool) -> str:
    """Taubot refused a payment over the link's spending limit. spent: what this link has spent through the bot
    (from the journal); refused_count: Taubot counts refused payments against the limit too; blocking_limit: a
    limit that blocks every payment and may be this link's (BLOCKS_ALL_*), None where it cannot be (the link
    paid before); or_revoked: Taubot's answer also means a revoked link."""
    text = "Taubot refused the payment: it would go over your link's spending limit"
    text += " (or your link was revoked). " if or_revoked else ". "
    text += f"Nothing was sent. Through me, this link has spent {spent} so far"
    text += " (refused payments count too). " if refused_count else ". "
    text += f"Spending limits are in cents: paying {amount} needs {cents:,} cents of limit left."
    if blocking_limit:
        text += f" {blocking_limit}"
    return text + " To change it, run /link-account and set a new spending limit."


TRANSFER_NOT_FOUND = ("Taubot couldn't find one of the accounts (or your link has no spending limit set). Nothing "
                      "was sent; run /link-account if this keeps happening.")
KEEP_CHECKING = "I won't retry it, and I'll keep checking Taubot's log and tell you what became of it."
PAYMENT_MAY_HAVE_MOVED = ("I couldn't get a clear answer from Taubot, so this payment may or may not have happened. "
                          f"Check /history before paying again. {KEEP_CHECKING}")
NOTHING_MOVED = ("Taubot said OK, but no money moved: your link doesn't allow transfers from this account. Run "
                 "/link-account again and tick TRANSFER FUNDS.")
UNVERIFIED = ("Taubot accepted the payment, but I couldn't check its transaction log afterwards. Check /history "
              f"before paying again. {KEEP_CHECKING}")
# A v2 "OK" is not proof, and this link cannot read the log that would prove it: never "not moved".
UNCONFIRMED_WITHOUT_LOG = ("Taubot accepted the payment, but your link doesn't let me read your transaction log, so "
                           "I can't confirm that it moved. Check your balance on Taubot before paying again, and "
                           "run /link-account with VIEW BALANCE ticked so I can confirm payments.")
STILL_SENDING = ("Taubot hasn't answered yet. I'll put the receipt here (or send it by DM) as soon as I know what "
                 "happened; don't pay again before then.")
NOT_RECORDED = "I couldn't record this in my journal; I'll double-check it after my next restart."
LINK_UNREADABLE = ("I couldn't read your stored Taubot link (the bot's database was copied or damaged), so I dropped "
                   "it. Run /link-account to link again.")


# What became of a payment whose outcome was open, keyed by the journal's status.
SETTLED_WORDS = {
    "paid": "it went through",
    "failed": "it did not go through",
    "not_moved": "Taubot said OK, but its log shows no money moved (your link may not allow transfers)",
    "unknown": ("it may or may not have gone through; check /history. I'll keep checking Taubot's log and tell "
                "you"),
}


def payment_settled(amount: str, recipient: str, what_happened: str, *, interrupted: bool) -> str:
    """The DM (or, with DMs closed, the notice) when a payment whose outcome was open is settled from the log.
    interrupted: the bot stopped while sending it; otherwise its receipt said the outcome was unknown."""
    if interrupted:
        return f"I restarted while sending your payment of {amount} to {recipient}: {what_happened}."
    return f"Update on your payment of {amount} to {recipient}, whose outcome I couldn't tell you: {what_happened}."


def undelivered_receipt(amount: str, recipient: str, headline: str, reason: str | None) -> str:
    """The notice for a payer whose receipt reached them nowhere (not in the channel, not by DM)."""
    return f"Your payment of {amount} to {recipient}: {headline}." + (f" {reason}" if reason else "")



def describe_transfer_refusal(error: TaubotError) -> str | None:
    """What a transfer Taubot refused (nothing moved) means for the payer, most specific first; None when the
    answer does not say that nothing moved. Over the spending limit is `over_spending_limit`'s (it needs what
    the link spent)."""
    if isinstance(error, KeyExpired):
        return link_expired(error.expired_at)
    return next((text for refusal, text in _TRANSFER_REFUSALS if isinstance(error, refusal)), None)


_TRANSFER_REFUSALS: tuple[tuple[type[TaubotError], str], ...] = (
    (KeyOutdated, LINK_FROM_BEFORE_THE_UPGRADE),
    (InsufficientFunds, TRANSFER_INSUFFICIENT),
    (TransferRefused, TRANSFER_NOT_ALLOWED),
    (Rejected, TRANSFER_REJECTED),
    (Unauthorized, TRANSFER_KEY_REFUSED),
    (NotFound, TRANSFER_NOT_FOUND),
)

# -- Share: a paid receipt's public copy (nothing is posted when refused) -------------------------------------

SHARE_ONLY_PAID = ("Only a payment Taubot's log shows as paid can be shared, and this one isn't (its receipt says what "
                   "became of it). Nothing was posted.")
SHARE_NOT_YOURS = "Only the member who made this payment can share its receipt. Nothing was posted."
SHARE_IN_OUR_DM = ("Here, in our DM, nobody else would see it. To show a payment, pay in a server channel I'm in and "
                   "press Share on its receipt there. Nothing was posted.")
SHARE_NOT_IN_THIS_CHAT = ("I can't post in this chat: I'm not in it (you use me here through your own account). "
                          "Nothing was posted.")
SHARE_NOT_IN_THIS_SERVER = ("I can't post in this server: I wasn't added to it (you use me here through your own "
                            "account). Nothing was posted.")
SHARE_NOT_ALLOWED = ("I'm not allowed to post in this channel (I need Send Messages and Embed Links here). Nothing "
                     "was posted.")
SHARE_NOT_POSTED = "Discord didn't take the message, so nothing was posted. Try again in a minute."
SHARE_NOT_UPDATED = ("I couldn't update the copy of this receipt you shared before (I may no longer be allowed to "
                     "post there), so it stays as it was.")
SHARE_UNDER_WAY = "This receipt is being shared right now; its copy will appear in a moment."


def receipt_shared(link: str, with_memo: bool | None) -> str:
    """The copy was posted; with_memo None when the payment has no memo."""
    memo = "" if with_memo is None else (", with the memo" if with_memo else ", without the memo")
    return f"Shared in this channel{memo}: {link}"


def receipt_already_shared(link: str, memo_now: bool | None) -> str:
    """Shared again: the one copy was updated; memo_now None when whether it shows the memo did not change."""
    change = "" if memo_now is None else (" I've added the memo to it." if memo_now else " I've taken the memo off it.")
    return f"You shared this receipt already: {link}{change}"


# -- /notifications: the "X paid you" DMs a member can turn off -----------------------------------------------

def paid_you_dms_setting(on: bool, *, changed: bool) -> str:
    """/notifications: the member's choice about "X paid you" DMs, just made (`changed`) or as it stands."""
    if on:
        state = "I'll DM you" if changed else "You get a DM from me"
        how = "Turn these off with /notifications paid-you:off."
    else:
        state = "I won't DM you any more" if changed else "You don't get a DM from me"
        how = "Turn these back on with /notifications paid-you:on."
    return (f"{state} when someone pays you through me. {how} (Taubot itself may DM account owners too; that is "
            "Taubot's own setting.)")


# -- money requests (/request, /requests and the Pay and Decline buttons) ---------------------------------------

REQUEST_NO_LONGER_OPEN = ("This request is no longer open (it was paid, is being paid, or was declined, cancelled "
                          "or expired), so nothing was sent. Run /requests to see where it stands.")


def requester_unlinked(requester: str) -> str:
    return (f"{requester} has unlinked the account this request would pay into, so it can't be paid through me. "
            "Nothing was sent. If you still want to pay them, use /pay.")


# /request, refused before anything is stored or sent
REQUEST_FROM_YOURSELF = "You can't ask yourself for money. Pick the member who should pay you."
REQUEST_FROM_A_BOT = "Bots don't have Taubot accounts, so they can't pay you. Pick a member instead."
REQUESTER_NOT_LINKED = ("A request is paid into your Taubot account, so link one first with /link-account. Nothing "
                        "was sent.")


def request_muted(payer: str) -> str:
    """The payer chose not to take requests from this requester (/requests mute). Said plainly: a requester told
    "sent" would wait for a payment that cannot come, with the request holding one of their open slots."""
    return f"{payer} isn't taking money requests from you, so nothing was sent."


def too_many_requests(most: int) -> str:
    return (f"You already have {most} open requests, the most you can have at once. Nothing was sent. Cancel one "
            "with /requests list, or wait until one is paid, declined or expires.")


def request_sent(payer: str, amount: str, account: str, request_id: int, expires: str, *, by_dm: bool) -> str:
    """The requester's confirmation: where the request went."""
    where = (f"I've sent {payer} a DM with your request" if by_dm else
             f"I couldn't DM {payer}, so they'll see your request the next time they use me (and in /requests list)")
    return (f"{where}: **{amount}** into {account} (request #{request_id}). It expires {expires}; /requests list "
            "shows it, and lets you cancel it.")


# The payer's side of a request
REQUEST_PAYER_NOT_LINKED = "You haven't linked a Taubot account yet: run /link-account, then press Pay here."
REQUEST_FOOTER = "Pay shows a confirmation first: nothing is sent until you press Confirm."
NOT_YOUR_REQUEST_TO_PAY = "Only the member who was asked to pay can pay or decline this request."
NOT_YOUR_REQUEST = "Only the member who made this request can cancel it."


def request_waiting(requester: str, amount: str, account: str, request_id: int, expires: str) -> str:
    """The notice for a payer whose DMs are closed (a notice has no buttons)."""
    return (f"{requester} asks you to pay {amount} into {account} (request #{request_id}, expires {expires}). Run "
            "/requests list to pay or decline it.")


# How a request that is no longer open stands, keyed by its state's value (storage's RequestState); `when` is a
# Discord timestamp. Said to whoever pressed Pay, Decline or Cancel.
REQUEST_STATE_TEXT = {
    "paid": "This request was paid {when}, so it won't be paid again. Here is the receipt.",
    "paying": ("A payment for this request is being sent, or its outcome isn't known yet, so it can't be paid, "
               "declined or cancelled now. Nothing new was sent; the payer will be told what became of it."),
    "declined": "This request was declined {when}, so it can't be paid or cancelled any more. Nothing was sent.",
    "cancelled": "This request was cancelled {when}, so there is nothing to pay. Nothing was sent.",
    "expired": "This request expired {when}, so it can't be paid or declined any more. Nothing was sent.",
}
REQUEST_UNKNOWN = "I have no such request. Nothing was sent; /requests list shows the open ones."


def request_declined_for_payer(requester: str) -> str:
    return f"Declined. I've told {requester}. Nothing was sent."


def request_declined_for_requester(payer: str, amount: str, request_id: int) -> str:
    return f"{payer} declined your request #{request_id} for {amount}."


def request_paid_for_requester(payer: str, amount: str, account: str, request_id: int) -> str:
    return f"{payer} paid your request #{request_id}: {amount} into {account} on Taubot."


def request_cancelled(payer: str, request_id: int) -> str:
    return f"Cancelled request #{request_id}. {payer} can no longer pay it."


def requests_muted(requester: str, *, already: bool) -> str:
    if already:
        return f"You had already muted {requester}'s money requests."
    return (f"Muted: {requester} can't send you money requests any more (their open ones stay until they expire). "
            f"/requests unmute undoes this.")


def requests_unmuted(requester: str, *, was_muted: bool) -> str:
    if not was_muted:
        return f"You hadn't muted {requester}, so there was nothing to undo."
    return f"Unmuted: {requester} can send you money requests again."


NO_OPEN_REQUESTS = "You have no open money requests, to you or from you. /request asks a member for money."


# -- linking -------------------------------------------------------------------------------------------------

CREDENTIALS_REJECTED = ("The bot's Taubot credentials were rejected, so linking is unavailable. Please tell the "
                        "server admins; nothing was changed.")
# Discord refused the link DM (DMs closed, or no server shared with the bot): the link is shown privately instead.
LINK_SHOWN_HERE = ("I couldn't DM you, so here is your link: only you can see this message. It won't change when "
                   "you're linked: press I've granted access, or run /link-status. (To get my DMs, e.g. when "
                   "someone pays you, allow direct messages from a server we share: server name → Privacy Settings.)")
DM_NOT_DELIVERED = "Discord didn't deliver my DM, so I cancelled the link. Please run /link-account again."
LINK_REPLACED = "This link was replaced by a newer /link-account: use the newest DM."
LINK_NOT_STARTED = "I couldn't start your link, so there is nothing to do here. Run /link-account again."
NOT_YOUR_LINK = "This link belongs to someone else."
NOTHING_TO_CANCEL = "This link is already finished; there is nothing to cancel."


def link_finished_linked(name: str) -> str:
    """'I've granted access' pressed on a link that had just been finished (by the background check)."""
    return f"This link is already finished: {name} is linked. Run /link-status to see your links."
TOO_LATE_TO_CANCEL = "Too late to cancel: this link had already finished. Run /link-status to see where you stand."
NOTHING_TO_UNLINK = "You have no linked Taubot account, so there is nothing to unlink."
CANCEL_THE_PENDING_LINK = " To stop the link you started, press Cancel in its DM."
NOTHING_WAS_UNLINKED = "You have no linked Taubot account, so there was nothing to unlink."
NOTHING_TO_RELINK = "You unlinked that account meanwhile, so there is nothing to link again. Run /link-account."
UNLINKED = ("Unlinked. I've deleted your grant keys; run /link-account whenever you want to link again. The grants "
            "themselves still exist on Taubot's side.")
UNLINKED_ONE = ("Unlinked that account. I've deleted its grant key (your other links stay); the grant itself still "
                "exists on Taubot's side.")

# How a link attempt stands (see cogs/link/flow.py's LinkState), as the member reads it in the DM or as the
# answer to "I've granted access". Keyed by the state's value, so this file needs nothing from the feature.
LINK_STATE_TEXT = {
    "waiting": (
        "Taubot hasn't received your grant yet. On Taubot's page, tick VIEW BALANCE and TRANSFER FUNDS, set a "
        "spending limit and submit; I'll notice within a few seconds, or press the button again."
    ),
    "waiting_one_account": (
        "Taubot hasn't received your grant yet. On Taubot's page, pick your personal account, set a spending limit "
        "and submit; I'll notice within a few seconds, or press the button again."
    ),
    "taubot_trouble": (
        "I couldn't reach Taubot to check your grant. I'll keep checking; you can also press the button again "
        "in a minute."
    ),
    "credentials_rejected": CREDENTIALS_REJECTED,
    "being_checked": (
        "Your grant is being checked right now; the link message will say how it went in a moment. If it doesn't, "
        "press the button again."
    ),
    "expired": "This link has expired, so nothing was linked. Run /link-account to get a new one.",
    "already_finished": (
        "This link is already finished (linked, cancelled, expired or replaced). Run /link-status to see where "
        "you stand."
    ),
    "reference_unknown": (
        "Taubot no longer knows this link (it restarted, or the link expired or was pushed out by newer ones on "
        "Taubot's side), so nothing was linked. Run /link-account to start again."
    ),
    "wrong_granter": (
        "This link was completed from a different Discord account, so I threw that key away and linked "
        "nothing. Run /link-account for a new link, and open it yourself without sharing it."
    ),
    "wrong_account": (
        "This link was completed for an account that isn't your personal account (another account was picked "
        "on Taubot's page, or someone else opened your link), so I threw that key away and linked nothing. Run "
        "/link-account for a new link, open it yourself and pick your personal account."
    ),
    "grant_misses_account": (
        "The grant you gave doesn't let me see the account you asked to link, so I threw that key away and linked "
        "nothing. Run /link-account again and tick VIEW BALANCE and TRANSFER FUNDS on that account."
    ),
    "no_account": (
        "Taubot says you don't have a personal account yet, so there is nothing to link. Create one with "
        "Taubot first, then run /link-account again."
    ),
    "key_unusable": (
        "Taubot gave me a key that doesn't work, so nothing was linked. Run /link-account to try again."
    ),
    "cancelled": "Link cancelled. Nothing was changed. Run /link-account to start again.",
    "unlinked": "You unlinked your Taubot account, so I cancelled this link too. Run /link-account to link again.",
}


def link_state_for_account(state: str, name: str) -> str | None:
    """How a link for an account other than the member's personal one stands, where the words name it (`state`:
    a LinkState's value, or "waiting_one_account"); None where the general words fit."""
    return {
        "waiting": (f"Taubot hasn't received your grant yet. On Taubot's page, tick VIEW BALANCE and TRANSFER FUNDS "
                    f"on {name}, set a spending limit and submit; I'll notice within a few seconds, or press the "
                    "button again."),
        "waiting_one_account": (f"Taubot hasn't received your grant yet. On Taubot's page, pick {name}, set a "
                                "spending limit and submit; I'll notice within a few seconds, or press the button "
                                "again."),
        "wrong_account": (f"This link was completed for an account other than {name} (another account was picked on "
                          "Taubot's page, or someone else opened your link), so I threw that key away and linked "
                          f"nothing. Run /link-account account:{name} for a new link, open it yourself and pick "
                          f"{name}."),
        "grant_misses_account": (f"The grant you gave doesn't let me see {name}, so I threw that key away and linked "
                                 f"nothing. Run /link-account account:{name} again and, on Taubot's page, tick VIEW "
                                 f"BALANCE and TRANSFER FUNDS on {name}."),
    }.get(state)


def spent_through_the_bot(spent: str, refused_count: bool | None, sharing: list[str], still_open: str | None
                          ) -> str:
    """/link-status: what a link's grant key spent through the bot (from the journal). refused_count: whether
    Taubot counts refused payments against the limit (None: not known); sharing: names of the other linked
    accounts the same grant covers (Taubot v2), whose payments count against the same limit; still_open: what its
    payments whose outcome is not known add up to (None: there are none)."""
    text = spent + (" (refused payments count too)" if refused_count else "")
    if sharing:
        text += f", with {', '.join(sharing)} (the same grant)"
    if still_open is not None:
        text += f", and {still_open} whose outcome I don't know yet"
    return text + ". Spending limits are in cents."


def linked_with_a_grant_you_gave(name: str) -> str:
    """Taubot v2: a grant the member already gave covers the account they asked to link."""
    return (f"Linked {name} with the grant you already gave (it lets me see {name}'s balance): pay from it with "
            f"/pay … from:{name}, and see it with /balance account:{name}. Whether the grant lets me transfer from "
            "it shows at your first payment.")


def linked_without_view_balance(linked_to: str) -> str:
    return f"{linked_to}, but this grant doesn't let me see your balance. {RELINK_FOR_VIEW_BALANCE}"

# -- /help: a member's first minute (not a failure, but member-facing words all the same) ----------------

HELP_TITLE = "Taubot for Discord"
HELP_INTRO = ("I let you use your Taubot account here: see your balance, pay members and accounts, and read your "
              "history. Whatever I answer you, only you can see.")
HELP_NOT_LINKED = "You're not linked yet: start with /link-account."
HELP_LINKING = ("/link-account gives you a link to Taubot's own page (by DM, or right here if I can't DM you). Log "
                "in there with Discord and choose what I may do with your account. I never see your password: "
                "Taubot gives me a key for just what you allowed, which I keep encrypted, and /unlink-account "
                "makes me forget it.")
HELP_SHARING = ("A paid receipt has a **Share** button: I post a copy of it in that channel for everyone to see "
                "(the amount, who paid and who was paid; the memo only if you press **Share with memo**), pinging "
                "no one. Pressing it again updates that copy. (This works in server channels where I may post.)")
LIMIT_EXAMPLE_CENTS = 5000  # the example in the help's spending-limit sentence
# What a spending limit of 0 means, by whether this Taubot reads 0 as "no limit" (v2.1) or not (v2).
LIMIT_ZERO_WORDS = {
    False: "0 (where the page starts) blocks every payment.",
    True: "0, or an empty field, means no limit.",
}
NEGATIVE_LIMIT_WORDS = "A negative limit blocks every payment."  # where one does (v2.1)


def help_linked(account: str) -> str:
    return f"You're linked to **{account}**; /link-status shows the details."


def help_spending_limit(example_amount: str, zero_means_unlimited: bool | None) -> str:
    """The spending limit explained; `zero_means_unlimited` None when this Taubot's version is not known yet."""
    zero = "" if zero_means_unlimited is None else " " + LIMIT_ZERO_WORDS[zero_means_unlimited]
    return (f"On Taubot's page you also set a spending limit: the most I may spend for you in total through this "
            f"link. It is in **cents**: {LIMIT_EXAMPLE_CENTS} allows {example_amount}.{zero} To change it, run "
            "/link-account again.")
