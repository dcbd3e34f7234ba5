"""The client's progress report as a Word document, through the agreement's Word writer.

The report is always Danish, like the agreement it reports on; enum labels come from the Danish
catalog. Every figure is read from the counting module's `Progress` (and per company from
`counting.count()` on that company's placements); residents appear by their initials only.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict

from flask_babel import force_locale, gettext

from app.agreements.danish import format_date, format_number
from app.agreements.document_model import (
    AgreementDocument,
    Bullets,
    Paragraph,
    Picture,
    Section,
    Table,
)
from app.agreements.docx_writer import to_docx
from app.models import Project, Rung
from app.placements.counting import GAIN_HIGH_DKK, GAIN_LOW_DKK, GAIN_MIN_DAYS
from app.reports.chart import ChartLabels, progress_chart
from app.reports.data import ProjectReport, ReportSources, project_report

TITLE = "Fremdriftsrapport"
SUBJECT = "Fremdriftsrapport for social partnerskabsaftale"
KORA_SOURCE = (
    f"Kilde: KORA anslår den samfundsøkonomiske gevinst til "
    f"{format_number(GAIN_LOW_DKK)}–{format_number(GAIN_HIGH_DKK)} kr. om året pr. udsat ledig, "
    f"der har ordinær beskæftigelse i mindst {GAIN_MIN_DAYS // 7} uger. Tallet er et skøn, "
    "ikke en opgørelse."
)
# Short rung names for narrow table columns.
SHORT_RUNGS = {
    Rung.INTERNSHIP: "Praktik",
    Rung.WAGE_SUBSIDY: "Løntilskud",
    Rung.ORDINARY: "Ordinær",
    Rung.APPRENTICESHIP: "Læreplads",
}
COUNT_RULES = {
    "started": "Et forløb tælles med, fra det starter.",
    "min_duration": "Et forløb tælles med, når det har varet trinnets mindste varighed.",
}


def danish_label(value) -> str:
    """The Danish label of an enum value (rung, phase, outcome), from the catalog."""
    return _danish(value.label)


@functools.lru_cache(maxsize=256)
def _danish(msgid: str) -> str:
    # Switching the locale costs more than the lookup, and the catalogs are fixed once the
    # app runs: each label is looked up once per process (a report has one per journey step).
    with force_locale("da"):
        return gettext(msgid)


def numeric_date(day) -> str:
    """'01.07.2026': short enough for a table column. Formatted by hand: `strftime` costs
    ten times as much, and a report has hundreds of dates."""
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def kr(amount: int) -> str:
    return f"{format_number(amount)} kr."


def report_document(report: ProjectReport, chart_png: bytes | None = None) -> AgreementDocument:
    """The report as sections of blocks for the Word writer."""
    project, p, overview = report.project, report.progress, report.overview
    t = p.targets
    today = overview.today
    sections: list[tuple[str, str, tuple]] = []

    main = project.main_contractor
    facts = [
        f"Bygherre: {project.client.name}.",
        f"Hovedentreprenør: {main.name}." if main else "Hovedentreprenør: ikke valgt endnu.",
        f"Fase: {danish_label(project.phase_enum)}.",
    ]
    if project.execution_start or project.execution_end:
        start = format_date(project.execution_start) if project.execution_start else "?"
        end = format_date(project.execution_end) if project.execution_end else "?"
        facts.append(f"Udførelse: {start} – {end}.")
    if t is None:
        status = (
            "Der er endnu ingen godkendt partnerskabsaftale, så der er ingen måltal at tælle "
            "imod. Tallene nedenfor tæller hvert trin fra dets start."
        )
    elif p.fulfilled:
        status = "Aftalens måltal er nået."
    else:
        status = (
            f"{format_number(p.courses_counted)} af {format_number(t.courses)} "
            f"beskæftigelsesforløb og {format_number(p.apprenticeships_counted)} af "
            f"{format_number(t.apprenticeships)} lærepladser er talt med."
        )
    sections.append(
        (
            "summary",
            "Sammenfatning",
            (
                Paragraph(f"Status pr. {format_date(today)} for byggesagen {project.name}."),
                Bullets(tuple(facts)),
                Paragraph(status),
            ),
        )
    )
    if report.narrative.strip():
        # Each line its own paragraph: Word would show a bare line break as a space.
        paragraphs = [line.strip() for line in report.narrative.splitlines() if line.strip()]
        sections.append(
            ("narrative", "Koordinatorens kommentar", tuple(Paragraph(x) for x in paragraphs))
        )

    sections.append(
        (
            "targets",
            "Måltal og resultat",
            (
                Table(
                    header=("", "Måltal", "Startet", "Talt med", "Afsluttet"),
                    rows=(
                        (
                            "Beskæftigelsesforløb",
                            format_number(t.courses) if t else "–",
                            format_number(p.courses_started),
                            format_number(p.courses_counted),
                            format_number(p.courses_completed),
                        ),
                        (
                            "Lærepladser",
                            format_number(t.apprenticeships) if t else "–",
                            format_number(p.apprenticeships_started),
                            format_number(p.apprenticeships_counted),
                            format_number(p.apprenticeships_completed),
                        ),
                    ),
                    numeric=frozenset({1, 2, 3, 4}),
                    widths=(2470, 1650, 1650, 1650, 1650),
                ),
                Paragraph(
                    f"{format_number(p.residents)} beboere er i gang på stigen eller har været "
                    "det; den samme person kan tælle i flere forløb. "
                    + (COUNT_RULES[t.count_rule] if t else "")
                ),
            ),
        )
    )
    sections.append(
        (
            "rungs",
            "Opnået pr. trin",
            (
                Table(
                    header=("Trin", "Startet", "Talt med", "Afsluttet"),
                    rows=tuple(
                        (
                            f"{rung.step}. {danish_label(rung)}",
                            format_number(p.per_rung[rung].started),
                            format_number(p.per_rung[rung].counted),
                            format_number(p.per_rung[rung].completed),
                        )
                        for rung in Rung
                    ),
                    total=(
                        "I alt",
                        format_number(p.courses_started),
                        format_number(p.courses_counted),
                        format_number(p.courses_completed),
                    ),
                    numeric=frozenset({1, 2, 3}),
                    widths=(3670, 1800, 1800, 1800),
                ),
            ),
        )
    )
    if report.companies:
        rungs = list(Rung)
        sections.append(
            (
                "companies",
                "Opnået pr. virksomhed",
                (
                    Paragraph(
                        "Talte forløb pr. virksomhed og trin. En beboer, der har været på samme "
                        "trin hos to virksomheder, tæller hos begge, men kun én gang i alt."
                    ),
                    Table(
                        header=("Virksomhed", *(SHORT_RUNGS[r] for r in rungs), "I alt"),
                        rows=tuple(
                            (
                                c.name,
                                *(format_number(c.progress.per_rung[r].counted) for r in rungs),
                                format_number(c.progress.courses_counted),
                            )
                            for c in report.companies
                        ),
                        numeric=frozenset({1, 2, 3, 4, 5}),
                        widths=(2470, 1350, 1350, 1350, 1350, 1200),
                    ),
                ),
            )
        )
    chart_blocks: list = []
    if chart_png:
        chart_blocks.append(
            Picture(
                chart_png,
                description=(
                    f"Kurve over talte beskæftigelsesforløb: {format_number(p.courses_counted)} "
                    f"pr. {format_date(today)}"
                    + (f", mål {format_number(t.courses)}." if t else ".")
                ),
                caption="Talte beskæftigelsesforløb over tid"
                + (" med aftalens mål (stiplet)." if t else "."),
            )
        )
    chart_blocks.append(Paragraph(_forecast_text(report)))
    sections.append(("chart", "Udviklingen over tid", tuple(chart_blocks)))

    persons, low, high = overview.gain
    sections.append(
        (
            "gain",
            "Samfundsøkonomisk gevinst (skøn)",
            (
                Paragraph(
                    f"{format_number(persons)} "
                    + ("person har" if persons == 1 else "personer har")
                    + f" haft ordinær beskæftigelse i mindst {GAIN_MIN_DAYS // 7} uger. "
                    f"Det svarer til en anslået gevinst for samfundet på {kr(low)}–{kr(high)} "
                    "om året."
                ),
                Paragraph(KORA_SOURCE),
            ),
        )
    )
    if report.journeys:
        journey_rows = tuple(
            (
                str(step.person),
                step.initials,
                danish_label(step.rung),
                step.company,
                numeric_date(step.start),
                numeric_date(step.end) if step.end else "i gang",
            )
            for step in report.journeys
        )
        journey_blocks = (
            Paragraph(
                "Hver beboers forløb på byggesagen, trin for trin. Af hensyn til beboerne vises "
                "kun initialer."
            ),
            Table(
                header=("Nr.", "Beboer", "Trin", "Virksomhed", "Fra", "Til"),
                rows=journey_rows,
                widths=(550, 1050, 2000, 2270, 1600, 1600),
            ),
        )
    else:
        journey_blocks = (Paragraph("Ingen beboere er startet på stigen endnu."),)
    sections.append(("journeys", "Beboernes forløb", journey_blocks))

    return AgreementDocument(
        title=TITLE,
        subtitle=f"{project.name} · pr. {format_date(today)}",
        header=f"{TITLE} – {project.name}",
        sections=tuple(
            Section(number, key, title, blocks)
            for number, (key, title, blocks) in enumerate(sections, 1)
        ),
    )


def _forecast_text(report: ProjectReport) -> str:
    overview, project = report.overview, report.project
    t = report.progress.targets
    if overview.forecast is None or project.execution_end is None:
        return (
            "Der er endnu ingen prognose: den kræver en slutdato for udførelsen og mindst fire "
            "ugers forløb."
        )
    if overview.today >= project.execution_end:
        return (
            f"Udførelsen sluttede {format_date(project.execution_end)} med "
            f"{format_number(overview.forecast)} talte forløb."
        )
    text = (
        f"I det hidtidige tempo vil der være {format_number(overview.forecast)} talte forløb, når "
        f"udførelsen slutter {format_date(project.execution_end)}"
    )
    if t and overview.forecast < t.courses:
        text += f", under målet på {format_number(t.courses)}"
    return text + ". Prognosen er en ret linje gennem det hidtidige tempo."


def report_chart(report: ProjectReport, locale: str = "da") -> bytes:
    """The chart for the report in the reader's language ("da" or "en"): drawn once per
    worker for each set of inputs (the counted series, the day, the phase's dates, the target,
    the forecast and the language), which are the whole key, so a chart that no longer matches
    its project's counts, or another reader's language, is never handed out."""
    overview, project = report.overview, report.project
    t = report.progress.targets
    return _chart(
        tuple(overview.series),
        overview.today,
        project.execution_start,
        project.execution_end,
        t.courses if t else None,
        overview.forecast,
        "en" if locale == "en" else "da",
    )


@functools.lru_cache(maxsize=64)  # a chart is about 40 KB
def _chart(series, today, start, end, target, forecast, locale) -> bytes:
    with force_locale(locale):
        counted = gettext("Counted courses")
        labels = ChartLabels(
            y_axis=counted,
            counted=counted,
            target=gettext("Target"),
            pace=gettext("At this pace"),
            today=gettext("Today"),
        )
    return progress_chart(
        list(series),
        today=today,
        start=start,
        end=end,
        target=target,
        forecast=forecast,
        labels=labels,
        locale=locale,
    )


def report_docx(report: ProjectReport, locale: str = "da") -> bytes:
    """The report as .docx bytes, the chart in the reader's language ("da" or "en")."""
    doc = report_document(report, report_chart(report, locale))
    return to_docx(
        doc,
        title=f"{TITLE} – {report.project.name}",
        subject=SUBJECT,
        author="Byg Op",
        version_label=f"pr. {report.overview.today.isoformat()}",
        project_name=report.project.name,
    )


# Finished reports per worker, by everything they are made of (`ReportSources`) and the
# reader's language; the report of a project with 246 placements is 49 KB.
DOCUMENTS_KEPT = 32
_documents: OrderedDict[tuple[ReportSources, str], bytes] = OrderedDict()
_documents_lock = threading.Lock()


def cached_report_docx(project: Project, sources: ReportSources, locale: str = "da") -> bytes:
    """The report's .docx as `report_docx` makes it, kept per worker: built (counted, laid
    out, zipped) only when its sources or the language differ from every kept one. The key is
    the sources themselves (their equality, not a digest of them), so a kept document is
    handed out only for exactly the inputs it was built from. The file's core properties
    carry the time it was built."""
    key = (sources, "en" if locale == "en" else "da")
    with _documents_lock:
        body = _documents.get(key)
        if body is not None:
            _documents.move_to_end(key)
            return body
    body = report_docx(project_report(project, sources.today, sources), key[1])
    with _documents_lock:
        _documents[key] = body
        while len(_documents) > DOCUMENTS_KEPT:
            _documents.popitem(last=False)
    return body


def forget_documents() -> None:
    """Drop every kept report (tests)."""
    with _documents_lock:
        _documents.clear()
