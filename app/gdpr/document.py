"""The export as a readable Danish Word document, built from `service.export_data()`.

Plain Python: the same blocks the agreements and briefings use, written by the Word writer.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.agreements.danish import format_date
from app.agreements.document_model import (
    AgreementDocument,
    Bullets,
    Paragraph,
    Section,
    SubHeading,
    Table,
)

ZONE = ZoneInfo("Europe/Copenhagen")
NONE = "Ingen."


def _date(value: str | None) -> str:
    return format_date(date.fromisoformat(value)) if value else "–"


def _moment(value: str | None) -> str:
    if not value:
        return "–"
    local = datetime.fromisoformat(value).astimezone(ZONE)
    return f"{format_date(local.date())} kl. {local:%H.%M}"


def _text(value) -> str:
    return str(value) if value not in (None, "") else "–"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], widths=None):
    if not rows:
        return (Paragraph(NONE),)
    return (Table(header=header, rows=tuple(rows), widths=widths),)


def _information(data: dict) -> tuple:
    info = data["information"]
    return (
        Paragraph(f"Dataansvarlig: {info['controller']}."),
        SubHeading("Formål"),
        Bullets(tuple(info["purposes"])),
        SubHeading("Retsgrundlag"),
        Paragraph(info["legal_basis"]),
        SubHeading("Hvem får oplysningerne"),
        Bullets(tuple(info["recipients"])),
        SubHeading("Hvor længe oplysningerne gemmes"),
        Paragraph(info["retention"]),
        SubHeading("Hvor oplysningerne kommer fra"),
        Paragraph(f"{info['source']} {info['automated_decisions']}"),
        SubHeading("Dine rettigheder"),
        Bullets(tuple(info["rights"])),
        Paragraph(info["complaint"]),
    )


def export_document(data: dict) -> AgreementDocument:
    """Everything held about one candidate, section by section, for the person to read."""
    person = data["candidate"]
    name = f"{person['first_name']} {person['last_name']}".strip()
    housing, referral = data["housing"], data["referral"]
    field = ("Oplysning", "Værdi")
    sections = [
        (
            "about",
            "Om udskriften",
            (
                Paragraph(
                    f"Denne udskrift viser alle de oplysninger, Byg Op har registreret om {name}, "
                    f"pr. {_moment(data['exported_at'])}, og det, du har ret til at vide om "
                    "behandlingen (databeskyttelsesforordningen artikel 15)."
                ),
                Paragraph("Byg Ops medarbejdere står kun nævnt med deres rolle, ikke med navn."),
            ),
        ),
        ("information", "Behandlingen og dine rettigheder", _information(data)),
        (
            "person",
            "Personoplysninger",
            _table(
                field,
                [
                    ("Fornavn", _text(person["first_name"])),
                    ("Efternavn", _text(person["last_name"])),
                    ("Telefon", _text(person["phone"])),
                    ("E-mail", _text(person["email"])),
                    ("Adresse", _text(person["address"])),
                    ("Fag og erhvervserfaring", _text(person["trades"])),
                    ("Certifikater og kurser", _text(person["certificates"])),
                    ("Kørekort", _text(person["driving_licence"])),
                    ("Sprog", _text(person["languages"])),
                    ("Ønsker", _text(person["wishes"])),
                    ("Rådighed", _text(person["availability"])),
                    ("Registreret", _moment(person["registered_at"])),
                    ("Registreret af", _text(person["registered_by_role"])),
                    ("Senest rettet", _moment(person["updated_at"])),
                ],
                widths=(3200, 5870),
            ),
        ),
        (
            "housing",
            "Bolig og henvisning",
            _table(
                field,
                [
                    ("Boligorganisation", _text(housing["association"])),
                    ("Boligområde", _text(housing["area"])),
                    ("Bor i almen bolig", "Ja" if housing["eligible"] else "Nej"),
                    ("Henvist af", _text(referral["source_label"])),
                    ("Kontakt hos henviseren", _text(referral["contact"])),
                ],
                widths=(3200, 5870),
            ),
        ),
        (
            "consents",
            "Samtykker",
            _table(
                ("Formål", "Givet", "Registreret af", "Trukket tilbage"),
                [
                    (
                        _text(c["purpose_label"]),
                        _date(c["given_on"]),
                        _text(c["recorded_by_role"]),
                        _date(c["withdrawn_on"]) if c["withdrawn_on"] else "Nej",
                    )
                    for c in data["consents"]
                ],
                widths=(3870, 1700, 1800, 1700),
            ),
        ),
        (
            "conversations",
            "Samtaler",
            _table(
                ("Dato", "Slags samtale", "Noter"),
                [
                    (_date(c["held_on"]), _text(c["kind_label"]), _text(c["notes"]))
                    for c in data["conversations"]
                ],
                widths=(1700, 2300, 5070),
            ),
        ),
        (
            "sensitive",
            "Følsomme oplysninger",
            _table(
                ("Registreret", "Oplysning"),
                [(_moment(n["recorded_at"]), _text(n["text"])) for n in data["sensitive_notes"]],
                widths=(2400, 6670),
            ),
        ),
        (
            "placements",
            "Forløb i praktik, job og læreplads",
            _table(
                ("Byggesag og virksomhed", "Trin", "Periode", "Resultat"),
                [
                    (
                        f"{p['project']}, {p['company']}",
                        _text(p["rung_label"]),
                        f"{_date(p['start_date'])} – "
                        + (
                            _date(p["actual_end"])
                            if p["actual_end"]
                            else f"i gang (planlagt slut {_date(p['planned_end'])})"
                            if p["planned_end"]
                            else "i gang"
                        ),
                        _text(p["outcome_label"])
                        + (f": {p['outcome_reason']}" if p["outcome_reason"] else ""),
                    )
                    for p in data["placements"]
                ],
                widths=(2870, 1700, 2500, 2000),
            ),
        ),
        (
            "lookups",
            "Hvornår dine oplysninger er slået op",
            (
                Paragraph(
                    "Byg Op logger hver gang en medarbejder ser, retter eller udskriver dine "
                    "oplysninger."
                ),
                *_table(
                    ("Tidspunkt", "Hvad skete der"),
                    [(_moment(e["at"]), _text(e["label"])) for e in data["lookups"]],
                    widths=(3200, 5870),
                ),
            ),
        ),
    ]
    return AgreementDocument(
        title="Indsigt i registrerede oplysninger",
        subtitle=name,
        header=f"Fortroligt – indsigt for {name}",
        sections=tuple(
            Section(number, key, title, tuple(blocks))
            for number, (key, title, blocks) in enumerate(sections, 1)
        ),
    )
