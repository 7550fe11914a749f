"""The school package (E62–E64): the child's file summary and development card as canonical JSON, its
SHA-256 signed with the transparency log's Ed25519 key as a signed note, the JSON document for systems and
the PDF for people (the direction's PDF helpers: fonts, rows, the QR code of the verification page).

The signed note's text is `NOTE_HEADER`, the package number and the SHA-256, one per line. Its first line
is never the log's origin, so a package's note can never be read as a checkpoint of the log (and a
checkpoint never as a package): the one key signs both without confusion (E63).
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kezek.facilities.models import Language
from kezek.ledger.hashing import canonical_json
from kezek.monitoring.models import Period
from kezek.placement.documents import FONT, day_text, draw_rows, draw_verification, moment_text, new_pdf
from kezek.records.models import MEDICAL_KINDS, ChildDocument, DocumentKind, GroupStay
from kezek.records.selectors import guardians_of
from kezek.translog.keys import log_signer, log_vkey
from kezek_verify import note

from . import selectors
from .models import SchoolTransfer

PACKAGE_FORMAT = "kezek-school-package"
PACKAGE_VERSION = 1
NOTE_HEADER = "kezek school package v1"


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def package_build(*, transfer: SchoolTransfer, issued_at: dt.datetime) -> dict[str, Any]:
    """E62: what the school receives — the child, the guardians (names, as the registry lists them), the
    kindergarten, the group history, the documents' list (types, dates, SHA-256; never a medical one and
    never a health note: E4) and the development card (`selectors.development_section`)."""
    file = transfer.file
    child = file.child
    organisation = file.organisation
    stays = GroupStay.objects.filter(file=file).select_related("group").order_by("since", "pk")
    documents = (
        ChildDocument.objects.filter(file=file, replaced_by__isnull=True)
        .exclude(kind__in=MEDICAL_KINDS)
        .order_by("kind", "issued_on", "pk")
    )
    return {
        "format": PACKAGE_FORMAT,
        "v": PACKAGE_VERSION,
        "number": transfer.pk,
        "issued_at": issued_at.isoformat(timespec="seconds"),
        "school": transfer.school_name,
        "kindergarten": {
            "id": organisation.pk,
            "bin": organisation.bin,
            "name_kk": organisation.name_kk,
            "name_ru": organisation.name_ru,
            "address": organisation.address,
        },
        "child": {
            "iin": child.iin,
            "last_name": child.last_name,
            "first_name": child.first_name,
            "middle_name": child.middle_name,
            "birth_date": child.birth_date.isoformat(),
        },
        "guardians": [
            {"last_name": p.last_name, "first_name": p.first_name, "middle_name": p.middle_name}
            for p in guardians_of(file)
        ],
        "file": {"id": file.pk, "opened_on": file.opened_on.isoformat()},
        "groups": [
            {
                "name": s.group.name,
                "age_from": s.group.age_from,
                "age_to": s.group.age_to,
                "language": s.group.language,
                "since": s.since.isoformat(),
                "until": _day(s.until),
            }
            for s in stays
        ],
        "documents": [
            {
                "kind": d.kind,
                "issued_on": d.issued_on.isoformat(),
                "valid_until": _day(d.valid_until),
                "sha256": d.sha256,
            }
            for d in documents
        ],
        "development": selectors.development_section(child_id=child.pk),
        "consent": {"at": transfer.consented_at.isoformat(timespec="seconds")},
    }


def package_sha256(package: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(package).encode()).hexdigest()


def note_text(*, number: int, sha256: str) -> str:
    return f"{NOTE_HEADER}\n{number}\n{sha256}\n"


def package_sign(*, number: int, sha256: str) -> str:
    """E63: the signed note of the package's hash, by the log's Ed25519 key."""
    return note.sign(note_text(number=number, sha256=sha256), log_signer()).decode()


def package_document(transfer: SchoolTransfer) -> bytes:
    """E63: the JSON for systems — the package, its SHA-256, the signed note and the verifier key — as
    canonical JSON (so any changed byte is a changed document)."""
    document = {
        "package": json.loads(transfer.package),
        "sha256": transfer.sha256,
        "signature": transfer.signature,
        "vkey": log_vkey(),
    }
    return canonical_json(document).encode()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    number: int | None = None
    sha256: str = ""
    reason: str = ""


def package_verify(data: bytes, *, vkey: str | None = None) -> Verdict:
    """E63: whether `data` is a package document signed by the log's key (or `vkey`), unchanged: canonical
    JSON, its package hashing to its `sha256`, a signed note by the trusted key naming that number and
    hash, and the trusted key's text. Never raises on bad input."""
    trusted = vkey or log_vkey()
    try:
        document = json.loads(data.decode("utf-8"))
        if canonical_json(document).encode() != data:
            return Verdict(False, reason="not canonical JSON")
        package, sha256 = document["package"], document["sha256"]
        number = int(package["number"])
        if package_sha256(package) != sha256:
            return Verdict(False, number, reason="the package does not hash to its sha256")
        if document["vkey"] != trusted:
            return Verdict(False, number, reason="another signing key")
        opened = note.open(str(document["signature"]).encode(), [note.new_verifier(trusted)])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, note.NoteError) as exc:
        return Verdict(False, reason=type(exc).__name__)
    if opened.text != note_text(number=number, sha256=sha256):
        return Verdict(False, number, reason="the signature is of another package")
    return Verdict(True, number, sha256)


def package_pdf(*, transfer: SchoolTransfer, verify_url: str) -> bytes:
    """E62: the package for people, from the signed JSON (what is printed is what was signed), with its
    SHA-256 and the QR code of the public verification page."""
    package = json.loads(transfer.package)
    child, kindergarten = package["child"], package["kindergarten"]
    title = str(_("School package No. %(number)s") % {"number": package["number"]})
    pdf = new_pdf(title=title, heading=str(_("Transfer of the child's file to school")))
    name = " ".join(p for p in (child["last_name"], child["first_name"], child["middle_name"]) if p)
    guardians = ", ".join(
        " ".join(p for p in (g["last_name"], g["first_name"], g["middle_name"]) if p)
        for g in package["guardians"]
    )
    draw_rows(
        pdf,
        [
            (_("Child"), name),
            (_("IIN"), child["iin"]),
            (_("Birth date"), day_text(dt.date.fromisoformat(child["birth_date"]))),
            (_("Parents and guardians"), guardians or "—"),
            (_("Kindergarten"), kindergarten["name_kk"] or kindergarten["name_ru"]),
            (_("Address"), kindergarten["address"]),
            (_("School"), package["school"]),
            (_("Issued on"), moment_text(dt.datetime.fromisoformat(package["issued_at"]))),
        ],
    )
    pdf.ln(2)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, str(_("Groups attended")), new_x="LMARGIN", new_y="NEXT")
    draw_rows(
        pdf,
        [
            (
                f"{day_text(dt.date.fromisoformat(g['since']))} — "
                + (day_text(dt.date.fromisoformat(g["until"])) if g["until"] else "…"),
                f"{g['name']}, {Language(g['language']).label}",
            )
            for g in package["groups"]
        ],
    )
    pdf.ln(2)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, str(_("Documents of the file")), new_x="LMARGIN", new_y="NEXT")
    draw_rows(
        pdf,
        [
            (DocumentKind(d["kind"]).label, day_text(dt.date.fromisoformat(d["issued_on"])))
            for d in package["documents"]
        ]
        or [(_("None"), "")],
    )
    pdf.ln(2)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, str(_("Development card")), new_x="LMARGIN", new_y="NEXT")
    draw_rows(pdf, development_rows(package["development"]) or [(_("Not filled in"), "")])
    pdf.ln(2)
    draw_rows(pdf, [(_("SHA-256 of the package"), transfer.sha256)])
    draw_verification(
        pdf,
        verify_url,
        heading=str(_("Check this package")),
        text=str(
            _(
                "Scan the QR code or open the address below: the page shows whether the package is authentic "
                "(signed by Kezek with this SHA-256) and its state now."
            )
        ),
    )
    return bytes(pdf.output())


def development_rows(development: dict[str, Any]) -> list[tuple[str, str]]:
    """The development card's rows for people (E62): per locked point and area, its levels and how many
    indicators stand at each, in the page's language."""
    name = "name_kk" if (get_language() or "").startswith("kk") else "name_ru"
    periods = dict(Period.choices)
    return [
        (
            f"{periods[point['period']]} {point['school_year']}/{point['school_year'] + 1} · {area[name]}",
            " · ".join(f"{level[name]}: {level['marks']}" for level in area["levels"]),
        )
        for point in development.get("points", [])
        for area in point["areas"]
    ]
