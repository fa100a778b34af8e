"""What other parts of the product may listen to: a message of a conversation was committed.

`comment_posted` is sent after the transaction that wrote the message commits (never for a rolled-back one),
with `comment_id`, `change_request_id`, `kind` (intake.choices.CommentKind) and `mentioned_user_ids` (the staff
users an internal note @mentions; empty otherwise). notifications.apps listens: a customer's message tells the
owner and the staff who replied, a note tells whom it mentions.
"""

from django.dispatch import Signal

comment_posted = Signal()
