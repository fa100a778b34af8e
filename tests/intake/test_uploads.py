"""The streaming attachment handler: type by content, size and count refused while the bytes arrive."""

import pytest
from django.core.files.uploadhandler import SkipFile
from django.test import RequestFactory

from intake.uploads import AttachmentUploadHandler, CheckedUpload, sniff_content_type
from tests.intake import files

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (files.pdf_bytes(), "offer.pdf", "application/pdf"),
        (files.png_bytes(), "screen.png", "image/png"),
        (files.jpeg_bytes(), "photo.jpg", "image/jpeg"),
        (files.docx_bytes(), "spec.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (files.xlsx_bytes(), "data.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (files.CSV, "figures.csv", "text/csv"),
        (files.TEXT, "notes.txt", "text/plain"),
        (files.png_bytes(), "renamed.pdf", "image/png"),  # the content decides, not the name
    ],
)
def test_allowed_types_are_recognised_by_content(content, name, expected):
    assert sniff_content_type(content, file_name=name, valid_utf8=_is_utf8(content)) == expected


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (files.exe_bytes(), "invoice.pdf"),
        (files.elf_bytes(), "report.pdf"),
        (files.HTML, "page.pdf"),
        (files.SVG, "logo.png"),
        (files.SHELL_SCRIPT, "notes.txt"),
        (b"<?xml version='1.0'?><svg/>", "drawing.txt"),
        (b"plain text with a NUL \x00 byte", "notes.txt"),
        (b"\xff\xfe\xfa not utf-8", "notes.txt"),
        (b"PK\x03\x04" + b"\x00" * 100, "archive.docx"),  # a zip that is no Office document
    ],
)
def test_dangerous_or_unknown_content_is_refused_whatever_its_name(content, name):
    assert sniff_content_type(content, file_name=name, valid_utf8=_is_utf8(content)) is None


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode()
    except UnicodeDecodeError:
        return False
    return True


def _handler_for(name: str) -> tuple[AttachmentUploadHandler, object]:
    request = RequestFactory().post("/requests/new/")
    handler = AttachmentUploadHandler(request)
    handler.new_file("attachments", name, "application/pdf", None)
    return handler, request


def test_a_file_growing_past_10_mb_is_refused_at_that_chunk_and_never_stored_whole(settings):
    handler, request = _handler_for("big.pdf")
    chunk = files.pdf_bytes().ljust(handler.chunk_size, b" ")
    written = 0
    with pytest.raises(SkipFile):
        while True:
            handler.receive_data_chunk(chunk, written)
            written += len(chunk)
            assert written <= settings.INTAKE_ATTACHMENT_MAX_BYTES
    assert written == settings.INTAKE_ATTACHMENT_MAX_BYTES  # refused at the first byte past the limit
    assert "file" not in handler.__dict__  # the partial temporary file is closed and gone
    assert request.attachment_errors == ["“big.pdf” is larger than 10 MB; please send a smaller file."]


def test_a_declared_length_over_10_mb_is_refused_before_any_byte_is_read():
    request = RequestFactory().post("/requests/new/")
    handler = AttachmentUploadHandler(request)
    with pytest.raises(SkipFile):
        handler.new_file("attachments", "huge.pdf", "application/pdf", 20 * MB)
    assert "larger than" in request.attachment_errors[0]


def test_an_executable_is_refused_as_soon_as_its_first_8_kib_arrive():
    handler, request = _handler_for("setup.pdf")
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(files.exe_bytes().ljust(handler.chunk_size, b"\x00"), 0)
    assert "not a file type we accept" in request.attachment_errors[0]


def test_text_that_turns_binary_after_the_first_chunk_is_refused():
    handler, request = _handler_for("notes.txt")
    handler.receive_data_chunk(b"a" * handler.chunk_size, 0)
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"more\x00binary", handler.chunk_size)
    assert request.attachment_errors


def test_an_accepted_file_carries_its_detected_type_size_and_digest():
    import hashlib

    handler, request = _handler_for("screen.pdf")
    content = files.png_bytes()
    handler.receive_data_chunk(content, 0)
    upload = handler.file_complete(len(content))
    assert isinstance(upload, CheckedUpload)
    assert (upload.content_type, upload.size) == ("image/png", len(content))
    assert upload.sha256 == hashlib.sha256(content).hexdigest()
    assert upload.read() == content
    assert request.attachment_errors == []


def test_the_sixth_file_is_refused(settings):
    request = RequestFactory().post("/requests/new/")
    handler = AttachmentUploadHandler(request)
    for number in range(settings.INTAKE_ATTACHMENTS_MAX_FILES):
        handler.new_file("attachments", f"{number}.txt", "text/plain", None)
        handler.receive_data_chunk(files.TEXT, 0)
        assert handler.file_complete(len(files.TEXT)) is not None
    with pytest.raises(SkipFile):
        handler.new_file("attachments", "6.txt", "text/plain", None)
    assert request.attachment_errors == ["“6.txt” was not attached: at most 5 files can be sent."]


def test_an_empty_file_is_refused_with_a_message():
    handler, request = _handler_for("empty.txt")
    assert handler.file_complete(0) is None
    assert request.attachment_errors == ["“empty.txt” is empty."]
