"""The persistent buttons' custom_ids: declared once, parsed by name, and the same as the ones already sitting
in members' DMs and messages (a press on an old message must still reach its handler)."""

import pytest

from cogs.history.buttons import PageButton
from cogs.link.buttons import CancelLinkButton, GrantedButton, KeepButton, RelinkButton, UnlinkButton, grant_ref_of
from cogs.pay.buttons import CancelPaymentButton, ConfirmPaymentButton, ShareReceiptButton

REF = "0f8fad5b-d9cb-469f-a165-70867728950e"
INTENT = "9b2f6c1e0d4a4e8f8a7b6c5d4e3f2a1b"


@pytest.mark.parametrize(("button", "custom_id", "label"), [
    (GrantedButton(ref_id=REF), f"link:granted:{REF}", "I've granted access"),
    (CancelLinkButton(ref_id=REF), f"link:cancel:{REF}", "Cancel"),
    (RelinkButton(owner_id=42), "link:again:42", "Link a new grant"),
    (KeepButton(owner_id=42, prefix="link:keep"), "link:keep:42", "Keep my current link"),
    (UnlinkButton(owner_id=42), "unlink:yes:42", "Unlink"),
    (KeepButton(owner_id=42, prefix="unlink:no"), "unlink:no:42", "Keep it"),
    (ConfirmPaymentButton(payer_id=42, intent_id=INTENT), f"pay:confirm:42:{INTENT}", "Confirm"),
    (CancelPaymentButton(payer_id=42, intent_id=INTENT), f"pay:cancel:42:{INTENT}", "Cancel"),
    (ShareReceiptButton(payer_id=42, payment_id=7), "pay:share:42:7", "Share"),
    (ShareReceiptButton(payer_id=42, payment_id=7, prefix="pay:share-memo"), "pay:share-memo:42:7", "Share with memo"),
    (PageButton(owner_id=42, session_id=INTENT, page=-1, label="Previous"), f"history:page:42:{INTENT}:-1:Previous",
     "Previous"),
])
def test_each_button_keeps_its_custom_id_and_reads_it_back(button, custom_id, label):
    assert (button.custom_id, button.item.label) == (custom_id, label)
    assert type(button).parse(custom_id) == {"prefix": button.button_name, **button.values}


def test_owners_and_foreign_ids():
    assert ConfirmPaymentButton(payer_id=42, intent_id=INTENT).owner_id == 42
    assert GrantedButton(ref_id=REF).owner_id is None  # checked against the pending link when pressed
    assert ConfirmPaymentButton.parse(f"pay:cancel:42:{INTENT}") is None
    assert RelinkButton.parse("link:again:42:extra") is None


def test_the_grant_ref_of_a_link_dm():
    assert grant_ref_of([None, "https://example.invalid", f"link:cancel:{REF}", f"link:granted:{REF}"]) == REF
    assert grant_ref_of([f"link:cancel:{REF}"]) is None
