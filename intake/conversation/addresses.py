"""Each demand's reply address, `demands+CR-2026-00042.<tag>@example.com`: the tag is an HMAC of the reference
with the server's secret, so nobody can write an address that posts onto another demand."""

import re
from email.utils import getaddresses

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

TAG_SALT = "intake.conversation.reply-address"
TAG_LENGTH = 16
ADDRESS_PATTERN = re.compile(
    r"^(?P<local>[^+@\s]+)\+(?P<reference>CR-\d{4}-\d{5,})\.(?P<tag>[0-9a-f]+)@(?P<domain>[^@\s]+)$", re.IGNORECASE
)


def reply_tag(reference: str) -> str:
    return salted_hmac(TAG_SALT, reference.upper(), algorithm="sha256").hexdigest()[:TAG_LENGTH]


def reply_address(reference: str) -> str:
    """The address replies about `reference` go to; empty when no reply mailbox is configured."""
    base = settings.REPLY_EMAIL_ADDRESS
    if not base or "@" not in base:
        return ""
    local, domain = base.rsplit("@", 1)
    return f"{local}+{reference}.{reply_tag(reference)}@{domain}"


def is_reply_mailbox(address: str) -> bool:
    """`address` is our reply mailbox, with or without a demand's tag (a message from it is one of ours)."""
    base = settings.REPLY_EMAIL_ADDRESS.lower()
    if not base or "@" not in base:
        return False
    local, domain = base.rsplit("@", 1)
    address = address.strip().lower()
    return address == base or (address.startswith(f"{local}+") and address.endswith(f"@{domain}"))


class AddressRead:
    """What the recipients of an e-mail say: a demand's reference with a good tag, a bad tag, or nothing of ours."""

    def __init__(self, *, reference: str = "", forged: str = "") -> None:
        self.reference = reference
        self.forged = forged


def reference_from_recipients(header_values: list[str]) -> AddressRead:
    """The demand the message is addressed to, through our reply address; a bad tag is reported, never trusted."""
    base = settings.REPLY_EMAIL_ADDRESS.lower()
    base_local, _, base_domain = base.partition("@")
    forged = ""
    for _name, address in getaddresses(header_values):
        match = ADDRESS_PATTERN.match(address.strip())
        if not match or match["local"].lower() != base_local or match["domain"].lower() != base_domain:
            continue
        reference = match["reference"].upper()
        if constant_time_compare(match["tag"].lower(), reply_tag(reference)):
            return AddressRead(reference=reference)
        forged = address
    return AddressRead(forged=forged)
