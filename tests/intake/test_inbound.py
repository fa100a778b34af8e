"""Reading an inbound e-mail, with no server: the new text only, robots recognized, reply addresses verified."""

from email.message import EmailMessage

from intake.conversation.addresses import reference_from_recipients, reply_address, reply_tag
from intake.conversation.inbound import automatic_reason, message_read, new_text


def test_new_text_drops_english_and_french_quoted_history_and_signatures():
    assert new_text("Yes, nightly.\n\nOn Mon, 7 Dec 2026 at 10:00, Demand Desk\n<d@x.example> wrote:\n> Q?\n") == (
        "Yes, nightly."
    )
    assert new_text("Oui.\n\nLe lun. 7 déc. 2026 à 10:00, Demand Desk a écrit :\n> Q ?") == "Oui."
    assert new_text("Fine.\n\n-----Original Message-----\nFrom: Demand Desk\nSent: Monday") == "Fine."
    assert new_text("Fine.\n________________________________\nFrom: Demand Desk <d@x.example>\n") == "Fine."
    assert new_text("Thanks!\n-- \nAnn Buyer\n+33 1 23 45 67 89") == "Thanks!"
    assert new_text("Ok\n\nSent from my iPhone") == "Ok"
    assert new_text("Line one\n> quoted inline\nLine two") == "Line one\nLine two"


def _message(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "ann@buyer.example")
    message["Subject"] = headers.pop("Subject", "Re: CR-2026-00001")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Hello")
    return message


def test_robots_are_recognized_and_people_are_not():
    assert automatic_reason(_message()) == ""
    assert automatic_reason(_message(Auto_Submitted="no")) == ""
    assert automatic_reason(_message(Auto_Submitted="auto-replied"))
    assert automatic_reason(_message(Precedence="junk"))
    assert automatic_reason(_message(Return_Path="<>"))
    assert automatic_reason(_message(From="postmaster@buyer.example"))
    assert automatic_reason(_message(Subject="Réponse automatique : absent"))
    report = EmailMessage()
    report["From"] = "x@y.example"
    report.set_type("multipart/report")
    assert automatic_reason(report) == "delivery report"


def test_a_reply_address_is_trusted_only_with_its_own_tag():
    address = reply_address("CR-2026-00042")
    assert address == f"demands+CR-2026-00042.{reply_tag('CR-2026-00042')}@example.com"
    assert reference_from_recipients([f"Demand Desk <{address}>"]).reference == "CR-2026-00042"
    assert (
        reference_from_recipients(
            [address.upper().replace(reply_tag("CR-2026-00042").upper(), reply_tag("CR-2026-00042"))]
        ).reference
        == "CR-2026-00042"
    )
    forged = address.replace("CR-2026-00042", "CR-2026-00043")
    read = reference_from_recipients([forged])
    assert read.reference == "" and read.forged == forged
    assert reference_from_recipients(["someone@else.example"]).reference == ""


def test_a_message_without_a_message_id_is_known_by_its_digest():
    message = _message()
    read = message_read(message.as_bytes())
    assert read.message_id.startswith("sha256:") and read.text == "Hello" and read.sender == "ann@buyer.example"
    assert message_read(message.as_bytes()).message_id == read.message_id
