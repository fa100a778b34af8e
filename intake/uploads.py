"""Attachments are checked while they stream in: too many, too large or not an allowed type stops at once.

What an allowed type is, and how a file is checked (by its name and its whole content), is intake.filetypes.
"""

import hashlib

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from intake.filetypes import FileRefused, FileTypeCheck

ATTACHMENT_FIELD = "attachments"


def max_size_label() -> str | Promise:
    """The size limit in words, in the language active when it is shown ("10 MB", "10 Mo")."""
    return format_lazy(_("{megabytes} MB"), megabytes=settings.INTAKE_ATTACHMENT_MAX_BYTES // (1024 * 1024))


class CheckedUpload(TemporaryUploadedFile):
    """An uploaded file whose size, type and digest were established while it streamed in."""

    sha256: str = ""


def upload_errors(request: HttpRequest) -> list[str]:
    """What the attachment handler refused in this request, in words for the customer."""
    return list(getattr(request, "attachment_errors", []))


class AttachmentUploadHandler(FileUploadHandler):
    """Stream `attachments` to temporary files, refusing a file the moment it breaks a rule.

    The sixth file, the byte past 10 MB, a name off the allow-list, a first 8 KiB that are not that type
    and any later chunk that breaks its type's rules (intake.filetypes) each stop that file there: the
    rest of it is discarded as it arrives, never stored. Refusals are kept on the request for the form to
    show next to the field.
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
        try:
            self.type_check = FileTypeCheck(file_name)
        except FileRefused as refused:
            self._refuse(refused.message)
        self.file = CheckedUpload(file_name, "application/octet-stream", 0, None, content_type_extra)
        self.received = 0
        self.digest = hashlib.sha256()

    def _too_large_message(self) -> str:
        return gettext("“{name}” is larger than {size}; please send a smaller file.").format(
            name=self.file_name, size=max_size_label()
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > settings.INTAKE_ATTACHMENT_MAX_BYTES:
            self._refuse(self._too_large_message())
        try:
            self.type_check.feed(raw_data)
        except FileRefused as refused:
            self._refuse(refused.message)
        self.digest.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> CheckedUpload | None:
        if "file" not in self.__dict__:
            return None
        upload: CheckedUpload = self.file
        upload.flush()
        try:
            content_type = self.type_check.finish(upload)
        except FileRefused as refused:
            try:
                self._refuse(refused.message)
            except SkipFile:
                return None
        self.__dict__.pop("file")
        upload.seek(0)
        upload.size = file_size
        upload.content_type = content_type
        upload.sha256 = self.digest.hexdigest()
        self.accepted_files += 1
        return upload

    def upload_interrupted(self) -> None:
        self._drop_file()
