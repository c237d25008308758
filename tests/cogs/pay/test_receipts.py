"""What a payment shows, drawn from its data alone (no bot, no Discord)."""

from datetime import UTC, datetime

from cogs.pay import receipts
from cogs.pay.sender import PaymentIntent, PaymentResult, Verdict
from storage import Payment, PaymentStatus
from taubot import Account, AccountType

BOB = Account("b" * 32, 2002, "Bob", AccountType.USER, None)
INTENT = PaymentIntent("i" * 32, 1001, "a" * 32, BOB, 2002, 12_50, 100_00)
MOMENT = datetime(2026, 1, 1, tzinfo=UTC)
PAYMENT = Payment(7, INTENT.intent_id, 1001, "a" * 32, BOB.account_id, "Bob", 2002, 12_50, PaymentStatus.PAID, "",
                  100_00, 87_50, MOMENT, MOMENT)


def test_the_confirmation_shows_the_balance_before_and_after_and_when_it_expires():
    embed = receipts.confirmation(INTENT, "t", expires_in_seconds=60)
    assert embed.description == "Pay **12.50t** to <@2002> (Bob)?"
    assert embed.fields[0].value == "100t → 87.50t"
    assert embed.footer.text == "Nothing is sent until you press Confirm. This expires in 1 minute."


def test_a_receipt_says_what_happened_and_whether_the_journal_has_it():
    paid = receipts.receipt(INTENT, PaymentResult(Verdict.PAID, "Paid.", 87_50), PAYMENT, "t")
    assert (paid.title, [f.name for f in paid.fields], paid.footer.text) == ("Payment sent", ["Your balance"],
                                                                             "Payment #7")
    unknown = receipts.receipt(INTENT, PaymentResult(Verdict.UNKNOWN, "Check /history.", recorded=False), PAYMENT,
                               "t")
    assert unknown.title == "Payment outcome unknown"
    assert [(f.name, f.value) for f in unknown.fields] == [
        ("What happened", "Check /history."),
        ("Journal", "I couldn't record this in my journal; I'll double-check it after my next restart.")]
    refused_early = receipts.receipt(INTENT, PaymentResult(Verdict.FAILED, "Not enough."), None, "t")
    assert (refused_early.title, refused_early.description) == ("Payment not made", "Not enough.")
