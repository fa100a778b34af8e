"""E-mails as templates: each e-mail the product sends is `templates/emails/<name>/subject.txt` and `body.txt`.

One helper renders them, in the language it is given (the reader's, once the caller knows it;
settings.LANGUAGE_CODE until then), as plain text: nothing is HTML-escaped, so a title typed with `&` or `<`
reads as typed, and the subject is one line, so nothing typed can add a header. Sending stays with
`core.services.outbound_email_queue`, whose stored row is what the unsent-mail sweep delivers.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import Context, Engine
from django.utils import translation


@dataclass(frozen=True)
class RenderedEmail:
    """A subject (one line) and a plain-text body, ready for `outbound_email_queue`."""

    subject: str
    body: str


def email_render(name: str, *, context: Mapping[str, Any], language: str | None = None) -> RenderedEmail:
    """Render the e-mail `name` with `context` in `language` (default settings.LANGUAGE_CODE)."""
    engine = Engine.get_default()
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = engine.get_template(f"emails/{name}/subject.txt").render(Context(dict(context), autoescape=False))
        body = engine.get_template(f"emails/{name}/body.txt").render(Context(dict(context), autoescape=False))
    return RenderedEmail(subject=" ".join(subject.split()), body=body)


def email_destination() -> str:
    """Where this process's e-mails go, in one line for a console (the demo's printed log)."""
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    where = {
        "dummy": "discarded (EMAIL_URL=dummymail://; consolemail:// prints them, smtp://host:port sends them)",
        "console": "printed on this console (EMAIL_URL=consolemail://)",
        "locmem": "kept in memory (tests)",
        "filebased": f"written as files under {getattr(settings, 'EMAIL_FILE_PATH', '')}",
        "smtp": f"sent through SMTP at {settings.EMAIL_HOST}:{settings.EMAIL_PORT}",
    }.get(backend, settings.EMAIL_BACKEND)
    replies = (
        f"read from {settings.INBOUND_EMAIL_URL.split('@')[-1]}"
        if settings.INBOUND_EMAIL_URL
        else "not read (set INBOUND_EMAIL_URL=imap://user:password@host:port/INBOX to turn replies by e-mail on)"
    )
    reply_to = settings.REPLY_EMAIL_ADDRESS or "none"
    return f"{where}. Replies go to {reply_to} (+ each demand's signed tag), {replies}."
