"""Uploaded documents are parsed, not judged by their first bytes (issue 15, item 6): every upload path
(wizard certificate, API registration, medical indication, written withdrawal request, cabinet access
proof) calls `document_checked`."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter

from kezek.core.errors import ValidationFailed
from kezek.waitlist.services import document_checked
from tests.factories.documents import JPEG, PDF, jpeg_bytes

POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"


def encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def with_dimensions(jpeg: bytes, width: int, height: int) -> bytes:
    """`jpeg` whose frame header (SOF0) claims another size: a decompression bomb in a few bytes."""
    at = jpeg.index(b"\xff\xc0") + 5  # marker, length (2), precision (1)
    return jpeg[:at] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + jpeg[at + 4 :]


def checked(content: bytes, name: str = "document") -> str:
    return document_checked(SimpleUploadedFile(name, content))


def test_a_real_pdf_and_a_real_jpeg_are_accepted() -> None:
    assert checked(PDF) == "pdf"
    assert checked(PDF + b"\r\n\x00") == "pdf"  # whitespace after %%EOF, as some producers write
    assert checked(encrypted("")) == "pdf"  # only printing or copying restricted: opens without a password
    assert checked(JPEG) == "jpg"
    assert checked(jpeg_bytes(1, 1)) == "jpg"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        pytest.param(POLYGLOT, "document_unreadable", id="pdf-magic-then-html"),
        pytest.param(b"%PDF-1.4\n% written request\n", "document_unreadable", id="pdf-magic-only"),
        pytest.param(PDF + b"<html></html>", "document_unreadable", id="pdf-html-tail"),
        pytest.param(PDF[: len(PDF) // 2], "document_unreadable", id="pdf-truncated"),
        pytest.param(PDF.replace(b"/Pages", b"/Broken"), "document_unreadable", id="pdf-no-pages"),
        pytest.param(encrypted("secret"), "document_encrypted", id="pdf-password"),
        pytest.param(JPEG[: len(JPEG) - 40], "document_unreadable", id="jpeg-truncated"),
        pytest.param(b"\xff\xd8\xff\xe0 a scanned conclusion", "document_unreadable", id="jpeg-magic-only"),
        pytest.param(with_dimensions(JPEG, 10_000, 6_000), "document_too_large", id="jpeg-bomb"),
        pytest.param(with_dimensions(JPEG, 60_000, 60_000), "document_too_large", id="jpeg-huge-bomb"),
        pytest.param(b"GIF89a....", "document_type", id="gif"),
    ],
)
def test_what_does_not_parse_is_refused_with_a_clear_error(content: bytes, code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        checked(content)
    assert (refused.value.status, refused.value.code) == (422, code)
    assert str(refused.value.message)
