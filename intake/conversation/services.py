"""Conversation writes: the customer's comments (page or e-mail), staff replies, internal notes with @mentions."""

import hashlib
import logging
import re
from collections.abc import Sequence
from io import BytesIO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.exceptions import ApplicationError
from intake.choices import CommentKind, CommentSource, InboundEmailOutcome
from intake.conversation.addresses import reference_from_recipients
from intake.conversation.inbound import InboundFile, InboundMessage, UnreadableEmail, message_read
from intake.conversation.signals import comment_posted
from intake.filetypes import FileRefused, file_type_check
from intake.models import ChangeRequest, Comment, InboundEmail
from intake.services import attachment_store, customer_email_queue
from intake.uploads import CheckedUpload, max_size_label

logger = logging.getLogger(__name__)

# `@username` in a note: Django usernames are letters, digits and @.+-_; a trailing dot ends the sentence.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")


class CommentRefused(ApplicationError):
    """The demand takes no message now, or the message is empty."""


def _comment_open_check(change_request: ChangeRequest) -> None:
    if not change_request.accepts_comments:
        raise CommentRefused(
            gettext("{reference} is closed; it takes no more messages.").format(reference=change_request.reference)
        )


def _comment_create(
    *,
    change_request: ChangeRequest,
    kind: str,
    body: str,
    author: User | None = None,
    author_label: str = "",
    source: str = CommentSource.WEB,
    attachments: Sequence[UploadedFile] = (),
    mentioned: Sequence[User] = (),
) -> Comment:
    comment = Comment(
        change_request=change_request,
        kind=kind,
        body=body,
        author=author,
        author_label=author_label[:200],
        source=source,
    )
    comment.full_clean(exclude=["change_request", "author"])
    comment.save()
    for upload in attachments:
        attachment = attachment_store(change_request=change_request, upload=upload)
        attachment.comment = comment
        attachment.save(update_fields=["comment"])
    if mentioned:
        comment.mentions.set(mentioned)
    mentioned_ids = [user.pk for user in mentioned]
    transaction.on_commit(
        lambda: comment_posted.send(
            sender=Comment,
            comment_id=comment.pk,
            change_request_id=change_request.pk,
            kind=kind,
            mentioned_user_ids=mentioned_ids,
        )
    )
    return comment


def comment_customer_add(
    *,
    change_request: ChangeRequest,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    source: str = CommentSource.WEB,
    author_label: str = "",
) -> Comment:
    """The customer writes on their open demand (tracking page or e-mail); the queue shows "customer replied"."""
    body = body.strip()
    _comment_open_check(change_request)
    if not body and not attachments:
        raise CommentRefused(gettext("Please write a message or attach a file."))
    with transaction.atomic():
        comment = _comment_create(
            change_request=change_request,
            kind=CommentKind.CUSTOMER,
            body=body,
            author_label=author_label or change_request.contact_name,
            source=source,
            attachments=attachments,
        )
        now = timezone.now()
        ChangeRequest.objects.filter(pk=change_request.pk).update(customer_replied_at=now, updated_at=now)
        change_request.customer_replied_at = now
    return comment


def comment_reply_add(*, change_request: ChangeRequest, author: User, body: str) -> Comment:
    """A staff member answers the customer: shown on the tracking page and e-mailed with the reply address."""
    body = body.strip()
    if not body:
        raise CommentRefused(gettext("Please write a message."))
    with transaction.atomic():
        comment = _comment_create(change_request=change_request, kind=CommentKind.REPLY, body=body, author=author)
        ChangeRequest.objects.filter(pk=change_request.pk).update(customer_replied_at=None, updated_at=timezone.now())
        change_request.customer_replied_at = None
        customer_email_queue(change_request=change_request, name="demand_reply", context={"comment": comment})
    return comment


def mentions_resolve(body: str) -> list[User]:
    """The active staff users `@username` names in `body`, in one query; unknown names are left as text."""
    names = {name.rstrip(".") for name in MENTION.findall(body)}
    if not names:
        return []
    return list(User.objects.filter(username__in=names, is_active=True, is_staff=True).order_by("username"))


def comment_note_add(*, change_request: ChangeRequest, author: User, body: str) -> Comment:
    """A staff-only note; the users it @mentions are stored (Comment.mentions) and sent with `comment_posted`."""
    body = body.strip()
    if not body:
        raise CommentRefused(gettext("Please write a note."))
    with transaction.atomic():
        return _comment_create(
            change_request=change_request,
            kind=CommentKind.NOTE,
            body=body,
            author=author,
            mentioned=[user for user in mentions_resolve(body) if user.pk != author.pk],
        )


# --- Replies by e-mail -------------------------------------------------------------------------------------
# What the mailbox poller (core.mailbox) does with a message after `inbound_email_apply`.
DISPOSITION_DONE = "done"
DISPOSITION_REVIEW = "review"


class EmailRefused(Exception):
    """The message cannot be applied as it is (a refused file, a closed demand): kept for review, nothing applied."""


def _inbound_upload(file: InboundFile) -> CheckedUpload:
    if not file.content:
        raise EmailRefused(f"empty file {file.name!r}")
    if len(file.content) > settings.INTAKE_ATTACHMENT_MAX_BYTES:
        raise EmailRefused(f"{file.name!r} is larger than {max_size_label()}")
    try:
        content_type = file_type_check(name=file.name, file=BytesIO(file.content))
    except FileRefused as refused:
        raise EmailRefused(f"{file.name!r}: {refused.message}") from refused
    upload = CheckedUpload(file.name, content_type, len(file.content), None)
    upload.write(file.content)
    upload.flush()
    upload.seek(0)
    upload.sha256 = hashlib.sha256(file.content).hexdigest()
    return upload


def _inbound_uploads(files: list[InboundFile]) -> list[CheckedUpload]:
    """Each file checked as the form's uploads are (allow-list by name and content, size, count), or EmailRefused."""
    if len(files) > settings.INTAKE_ATTACHMENTS_MAX_FILES:
        raise EmailRefused(f"{len(files)} files, at most {settings.INTAKE_ATTACHMENTS_MAX_FILES}")
    uploads: list[CheckedUpload] = []
    try:
        for file in files:
            uploads.append(_inbound_upload(file))
    except EmailRefused:
        for upload in uploads:
            upload.close()
        raise
    return uploads


def _inbound_record(*, message_id: str, outcome: str, sender: str = "", detail: str = "", **links: object) -> None:
    InboundEmail.objects.create(
        message_id=message_id, outcome=outcome, sender=sender[:320], detail=detail[:500], **links
    )


def inbound_email_apply(*, raw: bytes) -> str:
    """Apply one e-mail from the reply mailbox, once per Message-ID; returns where the poller files it.

    Idempotent: the InboundEmail row and the comment commit together, so a poll that crashed before moving
    the message finds the row next time and only moves it. A message that cannot be applied whole (unreadable,
    a refused file, a closed demand) applies nothing and goes to the review folder; robots, loops and forged
    or unknown addresses create nothing and are logged.
    """
    try:
        message = message_read(raw)
    except UnreadableEmail as error:
        logger.warning("inbound e-mail unreadable, kept for review: %s", error)
        return DISPOSITION_REVIEW
    done = InboundEmail.objects.filter(message_id=message.message_id).values_list("outcome", flat=True).first()
    if done is not None:
        return DISPOSITION_REVIEW if done == InboundEmailOutcome.REVIEW else DISPOSITION_DONE
    try:
        with transaction.atomic():
            return _inbound_email_decide(message)
    except IntegrityError:
        # Another poller applied the same Message-ID first: its row stands, this one adds nothing.
        return DISPOSITION_DONE


def _inbound_email_decide(message: InboundMessage) -> str:
    record = {"message_id": message.message_id, "sender": message.sender}
    if message.loop or message.automatic:
        reason = "our own message coming back" if message.loop else message.automatic
        logger.info("inbound e-mail %s from %s ignored: %s", message.message_id, message.sender, reason)
        _inbound_record(outcome=InboundEmailOutcome.IGNORED, detail=reason, **record)
        return DISPOSITION_DONE
    address = reference_from_recipients(message.recipients)
    demand = ChangeRequest.objects.filter(reference=address.reference).first() if address.reference else None
    if demand is None:
        detail = f"forged tag: {address.forged}" if address.forged else "no reply address of a demand"
        logger.warning("inbound e-mail %s from %s refused: %s", message.message_id, message.sender, detail)
        _inbound_record(outcome=InboundEmailOutcome.FORGED, detail=detail, **record)
        return DISPOSITION_DONE
    uploads: list[CheckedUpload] = []
    try:
        uploads = _inbound_uploads(message.files)
        if not message.text and not uploads:
            raise EmailRefused("no text and no file")
        from_contact = message.sender.lower() == demand.contact_email.lower()
        with transaction.atomic():
            comment = comment_customer_add(
                change_request=demand,
                body=message.text,
                attachments=uploads,
                source=CommentSource.EMAIL,
                author_label=demand.contact_name if from_contact else message.sender,
            )
    except (EmailRefused, ApplicationError) as refused:
        detail = refused.message if isinstance(refused, ApplicationError) else str(refused)
        logger.warning("inbound e-mail %s for %s kept for review: %s", message.message_id, demand.reference, detail)
        _inbound_record(outcome=InboundEmailOutcome.REVIEW, detail=detail, change_request=demand, **record)
        return DISPOSITION_REVIEW
    finally:
        for upload in uploads:
            upload.close()  # the temporary file (already moved into the store, or refused), as Django does for forms
    _inbound_record(outcome=InboundEmailOutcome.APPLIED, change_request=demand, comment=comment, **record)
    return DISPOSITION_DONE
