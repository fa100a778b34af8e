"""What other parts of the product may listen to: a message of a conversation was committed.

`comment_posted` is sent after the transaction that wrote the message commits (never for a rolled-back one),
with `comment_id`, `change_request_id`, `kind` (intake.choices.CommentKind) and `mentioned_user_ids` (the staff
users an internal note @mentions; empty otherwise). Notifications are meant to hang here; nothing listens yet.
"""

from django.dispatch import Signal

comment_posted = Signal()
