"""Attachments are checked while they stream in: too many, too large or not an allowed type stops at once."""

import codecs
import hashlib

import filetype
from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ATTACHMENT_FIELD = "attachments"
# Types recognised by their content (the `filetype` package's signatures); anything else binary is refused.
ALLOWED_BINARY_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/msword",
        "application/vnd.ms-excel",
    }
)
ALLOWED_DESCRIPTION = _("PDF, PNG, JPEG, plain text, CSV, Word, Excel or PowerPoint")
# `filetype` needs the first 8 KiB to tell Office documents apart.
SNIFF_BYTES = 8192
# Text that a browser or a shell would run rather than show: refused even though it is valid UTF-8.
ACTIVE_CONTENT_SIGNS = (
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<svg",
    b"<!doctype",
    b"<?xml",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<meta",
    b"<?php",
)


def max_size_label() -> str | Promise:
    """The size limit in words, in the language active when it is shown ("10 MB", "10 Mo")."""
    return format_lazy(_("{megabytes} MB"), megabytes=settings.INTAKE_ATTACHMENT_MAX_BYTES // (1024 * 1024))


class CheckedUpload(TemporaryUploadedFile):
    """An uploaded file whose size, type and digest were established while it streamed in."""

    sha256: str = ""


def sniff_content_type(head: bytes, *, file_name: str, valid_utf8: bool) -> str | None:
    """The allowed content type these first bytes show, or None when the file must be refused."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED_BINARY_TYPES else None
    if not valid_utf8 or b"\x00" in head:
        return None
    lowered = head.lower()
    if lowered.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"#!") or any(
        sign in lowered for sign in ACTIVE_CONTENT_SIGNS
    ):
        return None
    # Both are plain text by content; the name only picks the label a spreadsheet program expects.
    return "text/csv" if file_name.lower().endswith(".csv") else "text/plain"


def upload_errors(request: HttpRequest) -> list[str]:
    """What the attachment handler refused in this request, in words for the customer."""
    return list(getattr(request, "attachment_errors", []))


class AttachmentUploadHandler(FileUploadHandler):
    """Stream `attachments` to temporary files, refusing a file the moment it breaks a rule.

    The sixth file, the byte past 10 MB and a first chunk that is not an allowed type each stop that
    file there: the rest of it is discarded as it arrives, never stored. Refusals are kept on the
    request for the form to show next to the field.
    """

    chunk_size = 64 * 1024

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.accepted_files = 0
        if request is not None:
            request.attachment_errors = []  # type: ignore[attr-defined]

    def _refuse(self, message: str) -> None:
        if self.request is not None:
            self.request.attachment_errors.append(message)  # type: ignore[attr-defined]
        self._drop_file()
        raise SkipFile(message)

    def _drop_file(self) -> None:
        # Django's parser closes `handler.file` after a SkipFile, if there is one: so there is none
        # unless it is the file in progress (never an accepted upload already handed over).
        file = self.__dict__.pop("file", None)
        if file is not None:
            file.close()

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):  # type: ignore[no-untyped-def]
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.__dict__.pop("file", None)
        if field_name != ATTACHMENT_FIELD:
            raise SkipFile(f"unexpected file field {field_name!r}")
        max_files = settings.INTAKE_ATTACHMENTS_MAX_FILES
        if self.accepted_files >= max_files:
            self._refuse(
                gettext("“{name}” was not attached: at most {count} files can be sent.").format(
                    name=file_name, count=max_files
                )
            )
        if content_length is not None and content_length > settings.INTAKE_ATTACHMENT_MAX_BYTES:
            self._refuse(self._too_large_message())
        self.file = CheckedUpload(file_name, "application/octet-stream", 0, None, content_type_extra)
        self.head = bytearray()
        self.detected_type: str | None = None
        self.received = 0
        self.digest = hashlib.sha256()
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.valid_utf8 = True

    def _too_large_message(self) -> str:
        return gettext("“{name}” is larger than {size}; please send a smaller file.").format(
            name=self.file_name, size=max_size_label()
        )

    def _not_allowed_message(self) -> str:
        return gettext("“{name}” is not a file type we accept ({types}).").format(
            name=self.file_name, types=ALLOWED_DESCRIPTION
        )

    def _decide_type(self) -> None:
        self.detected_type = sniff_content_type(
            bytes(self.head), file_name=self.file_name or "", valid_utf8=self.valid_utf8
        )
        if self.detected_type is None:
            self._refuse(self._not_allowed_message())

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > settings.INTAKE_ATTACHMENT_MAX_BYTES:
            self._refuse(self._too_large_message())
        if self.valid_utf8:
            try:
                self.utf8.decode(raw_data)
            except UnicodeDecodeError:
                self.valid_utf8 = False
        if self.detected_type is None:
            self.head.extend(raw_data[: SNIFF_BYTES - len(self.head)])
            if len(self.head) >= SNIFF_BYTES:
                self._decide_type()
        elif self.detected_type.startswith("text/") and (not self.valid_utf8 or b"\x00" in raw_data):
            self._refuse(self._not_allowed_message())
        self.digest.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> CheckedUpload | None:
        if "file" not in self.__dict__:
            return None
        try:
            if file_size == 0:
                self._refuse(gettext("“{name}” is empty.").format(name=self.file_name))
            if self.detected_type is None:
                self._decide_type()
            if self.detected_type is not None and self.detected_type.startswith("text/"):
                try:
                    self.utf8.decode(b"", final=True)
                except UnicodeDecodeError:
                    self._refuse(self._not_allowed_message())
        except SkipFile:
            return None
        upload: CheckedUpload = self.__dict__.pop("file")
        upload.seek(0)
        upload.size = file_size
        upload.content_type = self.detected_type
        upload.sha256 = self.digest.hexdigest()
        self.accepted_files += 1
        return upload

    def upload_interrupted(self) -> None:
        self._drop_file()
