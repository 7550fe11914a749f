"""The printable direction (P4): an A4 PDF in the current language with a QR code that opens the public
verification page.

fpdf2 writes the PDF; DejaVu Sans (bundled in `fonts/`, Bitstream Vera licence) covers Kazakh Cyrillic;
segno makes the QR code, drawn as vector squares (sharp at any print size, no image library needed).
"""

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import segno
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from fpdf import FPDF

from kezek.facilities.labels import age_range_label
from kezek.facilities.models import Language

from . import selectors
from .models import Direction

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
QR_SIZE_MM = 42
QR_QUIET_MODULES = 4


def qr_code(url: str) -> segno.QRCode:
    """The QR code printed on the direction: the verification page's absolute URL."""
    return segno.make(url, error="m", micro=False)


def moment_text(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "d.m.Y H:i")


def day_text(value: dt.date) -> str:
    return formats.date_format(value, "d.m.Y")


def _draw_qr(pdf: FPDF, code: segno.QRCode, *, x: float, y: float, size: float) -> None:
    """Dark modules as black rectangles, one per horizontal run, inside a white quiet zone."""
    rows = code.matrix
    module = size / (len(rows) + 2 * QR_QUIET_MODULES)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(
                x + (QR_QUIET_MODULES + start) * module,
                y + (QR_QUIET_MODULES + r) * module,
                (c - start) * module,
                module,
                style="F",
            )


def direction_pdf(*, direction: Direction, verify_url: str, now: dt.datetime | None = None) -> bytes:
    """The direction as a PDF: number, child, organisation and group, dates, state now, the QR code."""
    group = direction.group
    organisation = group.organisation
    child = direction.application.child
    printed_at = now or timezone.now()
    state = Direction.State(selectors.direction_state(direction, now=printed_at)).label
    title = str(_("Direction No. %(number)s") % {"number": direction.pk})

    pdf = new_pdf(title=title, heading=str(_("Direction to a preschool organisation")))

    child_name = " ".join(p for p in (child.last_name, child.first_name, child.middle_name) if p)
    group_text = str(
        _("%(name)s, %(ages)s, %(language)s")
        % {
            "name": group.name,
            "ages": age_range_label(group.age_from, group.age_to),
            "language": Language(group.language).label,
        }
    )
    rows = [
        (_("Direction number"), str(direction.pk)),
        (_("Application number"), str(direction.application_id)),
        (_("Child"), child_name),
        (_("Birth date"), day_text(child.birth_date)),
        (_("Preschool organisation"), organisation.name),
        (_("Address"), organisation.address),
        (_("Group"), group_text),
        (_("Issued on"), moment_text(direction.issued_at)),
        (_("Valid until"), moment_text(direction.valid_until)),
        (
            _("Status"),
            str(_("%(state)s (as of %(when)s)") % {"state": state, "when": moment_text(printed_at)}),
        ),
    ]
    draw_rows(pdf, rows)

    pdf.ln(4)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(
        0,
        5.5,
        str(
            _(
                "Bring this direction, the child's birth certificate and health record to the preschool "
                "organisation before the direction expires. An unused direction expires, and the "
                "application is stopped in the queue for 10 working days."
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )

    draw_verification(
        pdf,
        verify_url,
        heading=str(_("Check this direction")),
        text=str(
            _(
                "Scan the QR code or open the address below: the page shows whether the direction is "
                "authentic and its state now."
            )
        ),
    )
    return bytes(pdf.output())


def new_pdf(*, title: str, heading: str) -> FPDF:
    """An A4 document in the current language with the bundled fonts, its heading and title printed."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_creator("Kezek")
    pdf.set_lang(get_language() or "ru")
    pdf.add_page()

    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    return pdf


def draw_rows(pdf: FPDF, rows: Sequence[tuple[object, str]], *, label_width: float = 55) -> None:
    """Label and value rows, the label in bold, each wrapping in its own column."""
    for label, value in rows:
        pdf.set_font(FONT, "B", 10.5)
        y = pdf.get_y()
        pdf.multi_cell(label_width, 6.5, str(label), new_x="RIGHT", new_y="TOP")
        label_bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + label_width, y)
        pdf.set_font(FONT, "", 10.5)
        pdf.multi_cell(0, 6.5, value, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), label_bottom) + 1)


def draw_verification(pdf: FPDF, verify_url: str, *, heading: str, text: str) -> None:
    """The QR code of the public verification page, with a heading, a line of text and the address."""
    pdf.ln(6)
    if pdf.get_y() + QR_SIZE_MM + 20 > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y()
    _draw_qr(pdf, qr_code(verify_url), x=pdf.l_margin, y=top, size=QR_SIZE_MM)
    text_x = pdf.l_margin + QR_SIZE_MM + 6
    pdf.set_xy(text_x, top + 4)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 5.5, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(text_x)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(text_x)
    pdf.set_text_color(0, 0, 160)
    pdf.multi_cell(0, 5, verify_url, link=verify_url, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
