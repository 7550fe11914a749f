"""Real documents for upload tests: a one-page PDF written by fpdf2 and a JPEG written by Pillow
(uploads are parsed, so a few magic bytes no longer pass; see `document_checked`)."""

import io

from fpdf import FPDF
from PIL import Image


def pdf_bytes(text: str = "test certificate") -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text=text)
    return bytes(document.output())


def jpeg_bytes(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "JPEG")
    return buffer.getvalue()


PDF = pdf_bytes()
JPEG = jpeg_bytes()
