"""Conversation reads: one query for a demand's messages, whatever their number; files grouped in Python."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User

from intake.choices import CUSTOMER_VISIBLE_COMMENT_KINDS
from intake.models import Attachment, ChangeRequest, Comment


@dataclass
class ConversationEntry:
    """A message with its files (from the demand's attachment list the page already read)."""

    comment: Comment
    attachments: list[Attachment] = field(default_factory=list)


def conversation_list(
    *, change_request: ChangeRequest, customer_view: bool, attachments: Iterable[Attachment] | None = None
) -> list[ConversationEntry]:
    """The demand's messages, oldest first; the customer's view never holds an internal note.

    `attachments` is the demand's attachment list, already read by the page: each message gets its files from
    it with no query of its own (None: messages without their files, for a reader not allowed to see them).
    """
    comments = Comment.objects.filter(change_request=change_request).select_related("author")
    if customer_view:
        comments = comments.filter(kind__in=CUSTOMER_VISIBLE_COMMENT_KINDS)
    by_comment: dict[int, list[Attachment]] = defaultdict(list)
    for attachment in attachments or ():
        if attachment.comment_id is not None:
            by_comment[attachment.comment_id].append(attachment)
    return [
        ConversationEntry(comment=comment, attachments=by_comment.get(comment.pk, []))
        for comment in comments.order_by("created_at", "pk")
    ]


def comment_mentioned_users(*, comment_id: int) -> list[User]:
    """The staff users an internal note @mentioned (for notifications)."""
    return list(User.objects.filter(comment_mentions__pk=comment_id).order_by("username"))
