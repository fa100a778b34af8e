"""Which files a customer may send: an allow-list of types, each checked by its name AND its content, whole.

One check for every way a file arrives: `FileTypeCheck` is fed the bytes as they stream in (the upload
handler, intake.uploads) and `file_type_check` runs it over a file already whole (an e-mail attachment,
a comment's file). Either gives the content type to store, or raises `FileRefused` with a message for
the customer.

A file passes when its extension is on the list, its content is that type (by signature, for the
binary types; valid UTF-8 without markup, for text) and nothing in the whole file makes it something a
browser or an interpreter would run. Everything else is refused, whatever its name: HTML (however late
in the file, `<img onerror>` included), SVG, HTA, XML, scripts with a `#!` line, executables, archives,
and Office documents with macros. A file that passes is stored under a random name without extension
and served as an attachment, with its own type, `nosniff`, a sandbox CSP and a download name whose
extension is one of its type's (`download_name`): a browser saves it as what it is, never as `.html`.
"""

import codecs
import re
import unicodedata
import zipfile
from typing import IO

import filetype
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Content type → the extensions a file of that type may carry; the first one names downloads that lack one.
# - PDF, PNG, JPEG, GIF and WebP: documents, screenshots and photos, each recognised by its signature and
#   opened by a viewer that runs nothing of what they hold.
# - Office Open XML (docx, xlsx, pptx) and OpenDocument (odt, ods, odp, the LibreOffice twins): zip
#   packages, checked whole by their directory: the parts of their type must be there, macros must not be.
# - Legacy Word and Excel (doc, xls): many customers' tools still export them. They are OLE files, refused
#   whole when they carry a VBA project (macros); Office also opens a downloaded file in Protected View.
#   Legacy PowerPoint (ppt) is left out: nobody asked for it, and it is one more macro container.
# - Plain text and CSV: UTF-8 without NUL bytes and without the markup a browser would render or run.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
}
ALLOWED_EXTENSIONS = frozenset(extension for extensions in ALLOWED_TYPES.values() for extension in extensions)
# For the file input's `accept`: browsers offer these first.
ACCEPTED_EXTENSIONS = ",".join(sorted(ALLOWED_EXTENSIONS))
ALLOWED_DESCRIPTION = _("PDF, images (PNG, JPEG, GIF, WebP), Word, Excel, PowerPoint, OpenDocument, plain text or CSV")
TEXT_TYPES = {".txt": "text/plain", ".csv": "text/csv"}
# An animated PNG is a PNG.
SIGNATURE_ALIASES = {"image/apng": "image/png"}
# The parts a package of each type must hold (beside its manifest), read from the zip's directory.
OOXML = "application/vnd.openxmlformats-officedocument."
PACKAGE_PARTS = {
    OOXML + "wordprocessingml.document": ("[Content_Types].xml", "word/document.xml"),
    OOXML + "spreadsheetml.sheet": ("[Content_Types].xml", "xl/workbook.xml"),
    OOXML + "presentationml.presentation": ("[Content_Types].xml", "ppt/presentation.xml"),
    "application/vnd.oasis.opendocument.text": ("mimetype", "content.xml"),
    "application/vnd.oasis.opendocument.spreadsheet": ("mimetype", "content.xml"),
    "application/vnd.oasis.opendocument.presentation": ("mimetype", "content.xml"),
}
OLE_TYPES = {"application/msword", "application/vnd.ms-excel"}
# The type is decided on the first 8 KiB (what `filetype` needs to tell Office documents apart); every
# later check reads the whole file.
SNIFF_BYTES = 8192
# Markup that makes text a web page, an HTA, an SVG or XML, or server script, anywhere in the file: the
# document and active elements, and any element with an event handler (`<img src=x onerror=...>`). Plain
# `<b>` or `a < b` stays allowed: on its own it runs nothing.
ACTIVE_MARKUP = re.compile(
    rb"<(?:!doctype|\?xml|\?php|hta:application|"
    rb"(?:html|head|body|script|iframe|frame|frameset|object|embed|applet|meta|link|style|base|form|svg|math"
    rb"|img|image|video|audio|source|template|xsl:[a-z]+)(?=[\s/>])"
    rb"|[a-z][a-z0-9:-]*\s[^<>]*\bon[a-z]+\s*=[^<>]*>)"
)
SCRIPT_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:#!|@echo\s+off)")
# A VBA project's stream name, in the UTF-16 of an OLE file's directory: Word's and Excel's macros.
OLE_MACROS = "_VBA_PROJECT".encode("utf-16-le")
# Matches may straddle two chunks; this much of the previous chunk is searched again with the next.
OVERLAP_BYTES = 4096


class FileRefused(Exception):
    """A file that is not allowed, with the reason in words for the customer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def display_name(name: str) -> str:
    """The customer's file name without any path, control characters or excess length; shown, never used."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip()
    if name in {"", ".", ".."}:
        return "attachment"
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:190] + dot + extension[:9]) if dot and len(extension) < 10 else name[:200]
    return name


def extension_of(name: str) -> str:
    """The extension a desktop would open the file by (`.pdf`), lower case; Windows ignores trailing dots and spaces."""
    stem, dot, extension = display_name(name).rstrip(". ").rpartition(".")
    return f".{extension.lower()}" if dot and stem else ""


def download_name(name: str, content_type: str) -> str:
    """The name to save a stored file under: the customer's, ending in an extension of its type, never another.

    Files accepted by this module already do; older ones (`report.html` stored as text) get the type's
    extension added (`report.html.txt`), and a type off the list saves as `.bin`.
    """
    name = display_name(name)
    extensions = ALLOWED_TYPES.get(content_type, (".bin",))
    return name if extension_of(name) in extensions else f"{name.rstrip('. ')}{extensions[0]}"


def served_content_type(content_type: str) -> str:
    """The type to serve a stored file with: its own when on the list, else opaque bytes."""
    return content_type if content_type in ALLOWED_TYPES else "application/octet-stream"


def _not_allowed(name: str) -> FileRefused:
    return FileRefused(
        gettext("“{name}” is not a file type we accept ({types}).").format(name=name, types=ALLOWED_DESCRIPTION)
    )


class FileTypeCheck:
    """The allow-list check of one file, fed its bytes in order; raises FileRefused as soon as a rule breaks."""

    def __init__(self, file_name: str) -> None:
        self.name = display_name(file_name)
        self.extension = extension_of(file_name)
        if self.extension not in ALLOWED_EXTENSIONS:
            raise _not_allowed(self.name)
        self.content_type: str | None = None
        self.head = bytearray()
        self.overlap = b""
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.valid_utf8 = True
        self.has_nul = False
        self.has_markup = False
        self.has_macros = False

    def feed(self, chunk: bytes) -> None:
        if self.valid_utf8:
            try:
                self.utf8.decode(chunk)
            except UnicodeDecodeError:
                self.valid_utf8 = False
        window = self.overlap + chunk
        self.has_nul = self.has_nul or b"\x00" in chunk
        self.has_markup = self.has_markup or ACTIVE_MARKUP.search(window.lower()) is not None
        self.has_macros = self.has_macros or OLE_MACROS in window
        self.overlap = window[-OVERLAP_BYTES:]
        if self.content_type is None:
            self.head.extend(chunk[: SNIFF_BYTES - len(self.head)])
            if len(self.head) >= SNIFF_BYTES:
                self._decide()
        self._judge_so_far()

    def finish(self, file: IO[bytes]) -> str:
        """The content type, once the whole file was fed; `file` is that file, for the checks of its structure."""
        if not self.head:
            raise FileRefused(gettext("“{name}” is empty.").format(name=self.name))
        if self.content_type is None:
            self._decide()
        if self.content_type in TEXT_TYPES.values():
            try:
                self.utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self.valid_utf8 = False
        self._judge_so_far()
        if self.content_type in PACKAGE_PARTS:
            self._check_package(file)
        assert self.content_type is not None
        return self.content_type

    def _decide(self) -> None:
        kind = filetype.guess(bytes(self.head))
        if kind is not None:
            detected = SIGNATURE_ALIASES.get(kind.mime, kind.mime)
            if detected not in ALLOWED_TYPES:
                raise _not_allowed(self.name)
            if self.extension not in ALLOWED_TYPES[detected]:
                raise self._mismatch()
            self.content_type = detected
        elif self.extension in TEXT_TYPES:
            self.content_type = TEXT_TYPES[self.extension]
            if SCRIPT_START.match(bytes(self.head)):
                raise self._active_content()
        else:
            raise self._mismatch()  # a `.pdf` that is no PDF, or text under a binary type's name

    def _judge_so_far(self) -> None:
        if self.content_type in TEXT_TYPES.values():
            if self.has_nul or not self.valid_utf8:
                raise self._mismatch()
            if self.has_markup:
                raise self._active_content()
        elif self.content_type in OLE_TYPES and self.has_macros:
            raise self._macros()

    def _check_package(self, file: IO[bytes]) -> None:
        """The zip's own directory (at its end, so the whole file is read): its type's parts, and no macros."""
        assert self.content_type is not None
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as package:
                names = package.namelist()
                mimetype = package.read("mimetype").strip() if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError, KeyError, EOFError):
            raise self._mismatch() from None
        finally:
            file.seek(0)
        if not all(part in names for part in PACKAGE_PARTS[self.content_type]):
            raise self._mismatch()
        if self.content_type.startswith("application/vnd.oasis") and mimetype != self.content_type.encode():
            raise self._mismatch()
        lowered = [name.lower() for name in names]
        if any(name.endswith("vbaproject.bin") or name.startswith(("basic/", "scripts/")) for name in lowered):
            raise self._macros()

    def _mismatch(self) -> FileRefused:
        return FileRefused(
            gettext(
                "“{name}” is not the kind of file its name says ({extension}); please send the original file."
            ).format(name=self.name, extension=self.extension)
        )

    def _active_content(self) -> FileRefused:
        return FileRefused(
            gettext(
                "“{name}” contains web page or script code, which we do not accept; please send it as a PDF."
            ).format(name=self.name)
        )

    def _macros(self) -> FileRefused:
        return FileRefused(
            gettext("“{name}” contains macros; please save it without macros and send it again.").format(name=self.name)
        )


def file_type_check(*, name: str, file: IO[bytes], chunk_size: int = 64 * 1024) -> str:
    """Check a whole file (an e-mail attachment, a comment's file): its content type to store, or FileRefused.

    `file` is read from its start to its end and left at its start; wrap bytes in `io.BytesIO`.
    """
    check = FileTypeCheck(name)
    file.seek(0)
    while chunk := file.read(chunk_size):
        check.feed(chunk)
    content_type = check.finish(file)
    file.seek(0)
    return content_type
