"""Reading one inbound e-mail, with no database: who sent it, to which address, the new text only, its files,
and whether a robot sent it. The decisions (which demand, what is kept) are in intake.conversation.services."""

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from django.utils.html import strip_tags

from core.services import LOOP_HEADER
from intake.conversation.addresses import is_reply_mailbox


class UnreadableEmail(Exception):
    """The message cannot be parsed into a sender, a text and files: it goes to the review folder."""


@dataclass(frozen=True)
class InboundFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class InboundMessage:
    message_id: str
    sender: str
    recipients: list[str]
    subject: str
    text: str
    files: list[InboundFile] = field(default_factory=list)
    # Why no person wrote it (an out-of-office, a bounce, a list), or why it is one of our own coming back.
    automatic: str = ""
    loop: bool = False


# Where the quoted history begins: the line a mail program writes above it, in English and French.
QUOTE_STARTS = [
    re.compile(r"^On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^Le\b.{0,300}\ba [ée]crit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*(Original Message|Message d'origine|Forwarded message|Message transféré)\s*-{2,}", re.I),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^(From|De)\s*:\s*\S.*$"),
]
# Where a signature begins: the standard "-- " line and the phones' lines.
SIGNATURE_STARTS = [
    re.compile(r"^--\s*$"),
    re.compile(r"^(Sent from my|Envoyé de mon|Envoyé depuis mon)\b", re.IGNORECASE),
]
AUTOMATIC_SUBJECTS = re.compile(
    r"^\s*(auto:|automatic reply|auto-reply|autoreply|out of office|réponse automatique|absent|absence|"
    r"undeliverable|undelivered|delivery status notification|mail delivery failed|non remis)",
    re.IGNORECASE,
)
BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}


def new_text(text: str) -> str:
    """The part of a reply its writer typed: no quoted history, no signature, no trailing blank lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        # Some programs wrap "On <date>, <name> wrote:" onto two lines.
        joined = f"{stripped} {lines[index + 1].strip()}" if index + 1 < len(lines) else stripped
        if any(pattern.match(stripped) for pattern in SIGNATURE_STARTS):
            break
        if any(pattern.match(stripped) or pattern.match(joined) for pattern in QUOTE_STARTS[:2]):
            break
        if any(pattern.match(stripped) for pattern in QUOTE_STARTS[2:]):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def automatic_reason(message: EmailMessage) -> str:
    """Why a robot rather than a person sent `message` (RFC 3834 and the usual signs), or ''."""
    auto_submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if message.get(header):
            return header
    if message.get_content_type() == "multipart/report":
        return "delivery report"
    if str(message.get("Return-Path", "")).strip() == "<>":
        return "empty Return-Path (a bounce)"
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    if sender.split("@", 1)[0] in BOUNCE_SENDERS:
        return f"sender {sender}"
    if AUTOMATIC_SUBJECTS.match(str(message.get("Subject", ""))):
        return "automatic subject"
    return ""


def _payload(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def message_read(raw: bytes) -> InboundMessage:
    """Parse `raw` (RFC 5322 bytes); UnreadableEmail if it has no sender or no readable text part."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        sender = parseaddr(str(message.get("From", "")))[1]
        message_id = str(message.get("Message-ID", "")).strip()[:255] or f"sha256:{hashlib.sha256(raw).hexdigest()}"
        recipients = [
            str(value)
            for header in ("To", "Cc", "Delivered-To", "X-Original-To")
            for value in message.get_all(header, [])
        ]
        automatic = automatic_reason(message)
        body = message.get_body(preferencelist=("plain", "html"))
        text = ""
        if body is not None:
            content = body.get_content()
            text = strip_tags(content) if body.get_content_type() == "text/html" else content
        files = [
            InboundFile(name=part.get_filename() or "", content=_payload(part))
            for part in message.iter_attachments()
            if part.get_filename()
        ]
    except UnreadableEmail:
        raise
    except Exception as error:  # a malformed message can break the parser anywhere; it is kept for review
        raise UnreadableEmail(f"{error.__class__.__name__}: {error}"[:300]) from error
    if not sender or "@" not in sender:
        raise UnreadableEmail("no sender address")
    if body is None and not files and not automatic:
        raise UnreadableEmail("no text part")
    loop = bool(message.get(LOOP_HEADER)) or is_reply_mailbox(sender)
    return InboundMessage(
        message_id=message_id,
        sender=sender,
        recipients=recipients,
        subject=str(message.get("Subject", ""))[:500],
        text=new_text(text),
        files=files,
        automatic=automatic,
        loop=loop,
    )
