"""The streaming attachment handler: type by content, size and count refused while the bytes arrive."""

import io

import pytest
from django.core.files.uploadhandler import SkipFile
from django.test import RequestFactory

from intake.filetypes import FileRefused, download_name, file_type_check
from intake.uploads import AttachmentUploadHandler, CheckedUpload
from tests.intake import files

MB = 1024 * 1024


OOXML = "application/vnd.openxmlformats-officedocument."


def check(name: str, content: bytes) -> str:
    return file_type_check(name=name, file=io.BytesIO(content))


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (files.pdf_bytes(), "offer.pdf", "application/pdf"),
        (files.png_bytes(), "screen.png", "image/png"),
        (files.jpeg_bytes(), "photo.jpg", "image/jpeg"),
        (files.jpeg_bytes(), "photo.JPEG", "image/jpeg"),
        (files.gif_bytes(), "diagram.gif", "image/gif"),
        (files.webp_bytes(), "mock-up.webp", "image/webp"),
        (files.docx_bytes(), "spec.docx", OOXML + "wordprocessingml.document"),
        (files.xlsx_bytes(), "data.xlsx", OOXML + "spreadsheetml.sheet"),
        (files.pptx_bytes(), "pitch.pptx", OOXML + "presentationml.presentation"),
        (files.odt_bytes(), "spec.odt", "application/vnd.oasis.opendocument.text"),
        (files.ods_bytes(), "data.ods", "application/vnd.oasis.opendocument.spreadsheet"),
        (files.odp_bytes(), "pitch.odp", "application/vnd.oasis.opendocument.presentation"),
        (files.doc_bytes(), "old-spec.doc", "application/msword"),
        (files.xls_bytes(), "old-data.xls", "application/vnd.ms-excel"),
        (files.CSV, "figures.csv", "text/csv"),
        (files.TEXT, "notes.txt", "text/plain"),
        (b"a < b and <b>bold</b> are just text\n", "notes.txt", "text/plain"),
    ],
)
def test_allowed_types_are_recognised_by_name_and_content(content, name, expected):
    assert check(name, content) == expected


REFUSED = "is not a file type we accept"
NOT_WHAT_ITS_NAME_SAYS = "is not the kind of file its name says"
ACTIVE = "contains web page or script code"
MACROS = "contains macros"


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        # The files of issue 19's report, under their own names and renamed.
        (files.REPORT_HTML, "report.html", REFUSED),
        (files.REPORT_HTML, "report.txt", ACTIVE),  # the script comes after the first 8 KiB
        (files.IMG_ONERROR, "chart.html", REFUSED),
        (files.IMG_ONERROR, "chart.txt", ACTIVE),
        (files.HTA, "update.hta", REFUSED),
        (files.HTA, "update.txt", ACTIVE),
        (files.SVG, "logo.svg", REFUSED),
        (files.SVG, "logo.png", NOT_WHAT_ITS_NAME_SAYS),
        (files.SVG, "logo.txt", ACTIVE),
        (files.exe_bytes(), "setup.exe", REFUSED),
        (files.exe_bytes(), "invoice.pdf", REFUSED),  # a renamed .exe: its content is no allowed type
        (files.elf_bytes(), "report.pdf", REFUSED),
        (files.pdf_bytes(), "invoice.pdf.exe", REFUSED),
        (files.pdf_bytes(), "invoice.exe.", REFUSED),  # Windows drops the trailing dot
        (files.pdf_bytes(), "invoice", REFUSED),
        # Other markup and scripts.
        (files.HTML, "page.pdf", NOT_WHAT_ITS_NAME_SAYS),
        (files.SHELL_SCRIPT, "notes.txt", ACTIVE),
        (b"@echo off\r\ndel /q C:\\*\r\n", "notes.txt", ACTIVE),
        (b"<?xml version='1.0'?><svg/>", "drawing.txt", ACTIVE),
        (b"name;comment\nx;<iframe src=//evil.example>\n", "list.csv", ACTIVE),
        (b"<body onload=alert(1)>", "notes.txt", ACTIVE),
        # Content that is not what its name says, or carries macros.
        (files.png_bytes(), "renamed.pdf", NOT_WHAT_ITS_NAME_SAYS),
        (b"plain text with a NUL \x00 byte", "notes.txt", NOT_WHAT_ITS_NAME_SAYS),
        (b"\xff\xfe\xfa not utf-8", "notes.txt", NOT_WHAT_ITS_NAME_SAYS),
        (b"PK\x03\x04" + b"\x00" * 100, "archive.docx", REFUSED),  # a zip that is no document
        (files.macro_docx_bytes(), "spec.docx", MACROS),
        (files.odt_bytes("Basic/Standard/Module1.xml"), "spec.odt", MACROS),
        (files.doc_bytes(macros=True), "old-spec.doc", MACROS),  # named past the first 8 KiB
        (files.xls_bytes(macros=True), "old-data.xls", MACROS),
        (files.docx_bytes(), "spec.xlsx", NOT_WHAT_ITS_NAME_SAYS),
    ],
)
def test_dangerous_or_mismatched_files_are_refused_whatever_their_name(content, name, reason):
    with pytest.raises(FileRefused) as refused:
        check(name, content)
    assert reason in refused.value.message


@pytest.mark.parametrize(
    ("name", "content_type", "saved_as"),
    [
        ("offer.pdf", "application/pdf", "offer.pdf"),
        ("photo.JPEG", "image/jpeg", "photo.JPEG"),
        ("report.html", "text/plain", "report.html.txt"),  # kept before this check existed: saved as text
        ("logo.svg", "image/png", "logo.svg.png"),
        ("update.hta.", "text/plain", "update.hta.txt"),
        ("blob", "application/x-msdownload", "blob.bin"),
    ],
)
def test_a_download_is_always_named_with_an_extension_of_its_checked_type(name, content_type, saved_as):
    assert download_name(name, content_type) == saved_as


def test_the_check_of_a_whole_file_reads_it_all_and_leaves_it_at_its_start():
    content = io.BytesIO(files.REPORT_HTML.replace(b"<script>", b"<em>"))
    assert file_type_check(name="report.txt", file=content, chunk_size=1024) == "text/plain"
    assert content.tell() == 0


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


def test_a_dangerous_name_is_refused_before_any_byte_is_read():
    request = RequestFactory().post("/requests/new/")
    handler = AttachmentUploadHandler(request)
    with pytest.raises(SkipFile):
        handler.new_file("attachments", "report.html", "text/html", None)
    assert request.attachment_errors == [
        "“report.html” is not a file type we accept "
        "(PDF, images (PNG, JPEG, GIF, WebP), Word, Excel, PowerPoint, OpenDocument, plain text or CSV)."
    ]


def test_html_arriving_after_the_first_8_kib_stops_the_upload_at_that_chunk():
    handler, request = _handler_for("report.txt")
    harmless = b"All figures are in the table below.\n" * 1900  # 68 KiB of text
    handler.receive_data_chunk(harmless[: handler.chunk_size], 0)
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(harmless[handler.chunk_size :] + b"<script>alert(1)</script>", handler.chunk_size)
    assert "contains web page or script code" in request.attachment_errors[0]
    assert "file" not in handler.__dict__


def test_text_that_turns_binary_after_the_first_chunk_is_refused():
    handler, request = _handler_for("notes.txt")
    handler.receive_data_chunk(b"a" * handler.chunk_size, 0)
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"more\x00binary", handler.chunk_size)
    assert request.attachment_errors


def test_an_accepted_file_carries_its_detected_type_size_and_digest():
    import hashlib

    handler, request = _handler_for("screen.png")
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
