"""Polling an IMAP mailbox (imaplib, the standard library), knowing nothing of what the messages mean.

Each message of the inbox is handed to a handler as bytes; the handler answers where it goes ("done" or
"review"), and the poller moves it there. Nothing is ever deleted: a message too large to read is moved to the
review folder unread. The handler must be idempotent (the poller may crash between applying and moving), and
MailboxStatus keeps the backoff after failures and what /readyz reports.
"""

import contextlib
import imaplib
import logging
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.models import MailboxStatus

logger = logging.getLogger(__name__)

REPLY_MAILBOX = "replies"
BATCH_SIZE = 50
POLL_LEASE = timedelta(seconds=120)
SIZE_PATTERN = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


@dataclass(frozen=True)
class MailboxPoll:
    """What one poll did: skipped while backing off, failed, or how many messages went where."""

    skipped: bool = False
    failed: str = ""
    done: int = 0
    review: int = 0


def _connect(url: str) -> tuple[imaplib.IMAP4, str]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    if parts.scheme == "imaps":
        connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            host, port or 993, ssl_context=ssl.create_default_context(), timeout=10
        )
    else:
        connection = imaplib.IMAP4(host, port or 143, timeout=10)
    connection.login(unquote(parts.username or ""), unquote(parts.password or ""))
    return connection, unquote(parts.path.lstrip("/")) or "INBOX"


def _folder_ensure(connection: imaplib.IMAP4, folder: str) -> None:
    status, _data = connection.select(_quoted(folder), readonly=True)
    if status != "OK":
        connection.create(_quoted(folder))


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _move(connection: imaplib.IMAP4, uid: bytes, folder: str) -> None:
    """Move one message (RFC 6851 MOVE when offered, else copy, flag deleted, expunge)."""
    try:
        status, data = connection.uid("MOVE", uid.decode(), _quoted(folder))
    except imaplib.IMAP4.error:
        status, data = "NO", [b"MOVE not supported"]
    if status != "OK":
        status, data = connection.uid("COPY", uid.decode(), _quoted(folder))
        if status == "OK":
            connection.uid("STORE", uid.decode(), "+FLAGS.SILENT", r"(\Deleted)")
            connection.expunge()
    if status != "OK":
        raise imaplib.IMAP4.error(f"cannot move message {uid.decode()} to {folder}: {data!r}")


def _sizes(connection: imaplib.IMAP4) -> list[tuple[bytes, int]]:
    status, data = connection.uid("SEARCH", "ALL")
    uids = data[0].split() if status == "OK" and data and data[0] else []
    uids = uids[:BATCH_SIZE]
    if not uids:
        return []
    status, data = connection.uid("FETCH", b",".join(uids).decode(), "(UID RFC822.SIZE)")
    sizes: dict[bytes, int] = {}
    for line in data:
        raw = line if isinstance(line, bytes) else (line[0] if isinstance(line, tuple) else b"")
        match = SIZE_PATTERN.search(raw)
        if match:
            uid, size = (match[1], match[2]) if match[1] else (match[4], match[3])
            sizes[uid] = int(size)
    return [(uid, sizes.get(uid, 0)) for uid in uids]


def _fetch(connection: imaplib.IMAP4, uid: bytes) -> bytes:
    status, data = connection.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
    for part in data:
        if isinstance(part, tuple):
            return part[1]
    raise imaplib.IMAP4.error(f"message {uid.decode()} has no body: {status}")


def _poll_once(url: str, handler: Callable[[bytes], str]) -> MailboxPoll:
    done_folder, review_folder = settings.INBOUND_EMAIL_DONE_FOLDER, settings.INBOUND_EMAIL_REVIEW_FOLDER
    connection, inbox = _connect(url)
    try:
        for folder in (done_folder, review_folder):
            _folder_ensure(connection, folder)
        status, data = connection.select(_quoted(inbox))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open {inbox}: {data!r}")
        done = review = 0
        for uid, size in _sizes(connection):
            if size > settings.INBOUND_EMAIL_MAX_BYTES:
                logger.warning("inbound e-mail %s is %s bytes, kept for review unread", uid.decode(), size)
                disposition = "review"
            else:
                disposition = handler(_fetch(connection, uid))
            _move(connection, uid, review_folder if disposition == "review" else done_folder)
            if disposition == "review":
                review += 1
            else:
                done += 1
        return MailboxPoll(done=done, review=review)
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            connection.logout()


def backoff_delay(failures: int) -> timedelta:
    """30 s after the first failure, doubling, at most INBOUND_EMAIL_BACKOFF_MAX_SECONDS."""
    seconds = settings.INBOUND_EMAIL_BACKOFF_SECONDS * 2 ** min(max(failures - 1, 0), 20)
    return timedelta(seconds=min(seconds, settings.INBOUND_EMAIL_BACKOFF_MAX_SECONDS))


def mailbox_poll(
    *, url: str, handler: Callable[[bytes], str], name: str = REPLY_MAILBOX, now: datetime | None = None
) -> MailboxPoll:
    """Read the inbox of `url` once (unless backing off after failures) and record how it went."""
    now = now or timezone.now()
    status, _created = MailboxStatus.objects.get_or_create(name=name)
    if status.next_attempt_at is not None and now < status.next_attempt_at:
        return MailboxPoll(skipped=True)
    # One poll at a time: claim the mailbox with a guarded update; a poll that died lets go when its lease ends
    # (longer than the task's hard time limit).
    claimed = (
        MailboxStatus.objects.filter(name=name)
        .filter(Q(polling_until__isnull=True) | Q(polling_until__lt=now))
        .update(polling_until=now + POLL_LEASE)
    )
    if not claimed:
        return MailboxPoll(skipped=True)
    try:
        return _mailbox_poll_claimed(url=url, handler=handler, name=name, now=now, status=status)
    finally:
        MailboxStatus.objects.filter(name=name).update(polling_until=None)


def _mailbox_poll_claimed(
    *, url: str, handler: Callable[[bytes], str], name: str, now: datetime, status: MailboxStatus
) -> MailboxPoll:
    try:
        poll = _poll_once(url, handler)
    except (OSError, imaplib.IMAP4.error, EOFError) as error:
        failures = status.consecutive_failures + 1
        message = f"{error.__class__.__name__}: {error}"[:300]
        logger.warning("mailbox %s unreachable (%s failures in a row): %s", name, failures, message)
        MailboxStatus.objects.filter(name=name).update(
            consecutive_failures=failures,
            last_error=message,
            last_failure_at=now,
            next_attempt_at=now + backoff_delay(failures),
        )
        return MailboxPoll(failed=message)
    MailboxStatus.objects.filter(name=name).update(
        consecutive_failures=0, last_error="", last_success_at=now, next_attempt_at=None
    )
    return poll


def mailbox_health(name: str = REPLY_MAILBOX) -> dict:
    """What /readyz says of the mailbox: reachable at the last poll, failures in a row, the last error."""
    status = MailboxStatus.objects.filter(name=name).first()
    if status is None:
        return {"ok": True, "polled": False}
    return {
        "ok": status.is_reachable,
        "failures": status.consecutive_failures,
        "error": status.last_error,
        "last_success_at": status.last_success_at.isoformat() if status.last_success_at else None,
        "next_attempt_at": status.next_attempt_at.isoformat() if status.next_attempt_at else None,
    }
