"""A demand's conversation: the customer's comments, staff replies, internal notes, and replies by e-mail.

- `addresses`: each demand's reply address, signed with the server's secret.
- `inbound`: reading one e-mail (pure: no database), stripping quotes and signatures, spotting robots.
- `services`: every write (comments, replies, notes with @mentions, an inbound e-mail applied).
- `selectors`: every read (the conversation for staff or for the customer).
- `signals`: `comment_posted`, sent once a message is committed (for notifications).
"""
